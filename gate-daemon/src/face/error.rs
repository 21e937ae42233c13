//! What can go wrong on the way to a face decision. Every variant names its file or model, never an image's content.

use std::path::PathBuf;

/// An error of the face module.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FaceError {
    /// A model manifest is missing, not TOML, or says something the daemon cannot use.
    #[error("model manifest {path}: {reason}")]
    Manifest {
        /// The manifest file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A model file named by a manifest cannot be read.
    #[error("model file {path} cannot be read (run models/fetch.sh): {source}")]
    ModelUnreadable {
        /// The model file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A model file's sha256 differs from its manifest's: the daemon refuses to match with it.
    #[error("model file {path} has sha256 {found}, but its manifest says {expected}: refusing to use it")]
    Checksum {
        /// The model file.
        path: PathBuf,
        /// The manifest's sha256.
        expected: String,
        /// The file's sha256.
        found: String,
    },
    /// ONNX Runtime could not be loaded or set up.
    #[error("ONNX Runtime: {0}")]
    Runtime(String),
    /// A model could not be loaded or run, or gave outputs of an unexpected shape.
    #[error("model {model}: {reason}")]
    Model {
        /// The model's name.
        model: String,
        /// What failed.
        reason: String,
    },
    /// The image cannot be decoded, or is over the pixel limit.
    #[error("the image cannot be used: {0}")]
    Image(#[from] mrtd::error::ImageError),
    /// The DG2 file cannot be parsed or holds no face image.
    #[error("the DG2 file cannot be used: {0}")]
    Dg2(String),
}

impl FaceError {
    /// The stable snake_case kind reported by the command line.
    pub fn kind(&self) -> &'static str {
        match self {
            FaceError::Manifest { .. } => "model_manifest_invalid",
            FaceError::ModelUnreadable { .. } => "model_unavailable",
            FaceError::Checksum { .. } => "model_checksum_mismatch",
            FaceError::Runtime(_) | FaceError::Model { .. } => "model_failed",
            FaceError::Image(mrtd::error::ImageError::TooLarge { .. }) => "image_too_large",
            FaceError::Image(_) | FaceError::Dg2(_) => "image_invalid",
        }
    }

    /// Whether the error comes from the input image rather than from the gate's own set-up.
    pub fn is_bad_input(&self) -> bool {
        matches!(self, FaceError::Image(_) | FaceError::Dg2(_))
    }
}
