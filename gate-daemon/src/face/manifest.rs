//! Model manifests (`models/*.toml`): what a model file is, where it came from, and how to feed it and read it.
//!
//! A model is used only through its manifest, so that an operator can bring another detector of a known family or any
//! ArcFace-style recogniser by writing a manifest, with no code change. Every file a manifest names is read once,
//! its sha256 checked against the manifest, and only then handed to ONNX Runtime: a file whose sha256 differs is
//! refused (fail closed).

use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use super::Point;
use super::error::FaceError;

/// What a model does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// The ONNX Runtime library.
    Runtime,
    /// Finds faces and their five landmarks.
    Detector,
    /// Turns an aligned face into an embedding.
    Recogniser,
    /// Tells a live face from a presentation attack.
    Pad,
}

/// Where a model comes from.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// `pypi`, `npm`, `operator` ...
    pub registry: String,
    /// The package.
    #[serde(default)]
    pub package: String,
    /// The package's version.
    #[serde(default)]
    pub version: String,
    /// The sha256 of the package archive.
    #[serde(default)]
    pub archive_sha256: Option<String>,
    /// The path of the file inside the package.
    #[serde(default)]
    pub path: Option<String>,
    /// How the file was built from the package, when it was.
    #[serde(default)]
    pub built_by: Option<String>,
}

/// One file of a model made of several (the stages of a cascade).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileEntry {
    /// The stage this file is (`pnet`, `rnet`, `onet` for MTCNN).
    pub stage: String,
    /// The file, relative to the manifest.
    pub file: PathBuf,
    /// Its sha256, lowercase hex.
    pub sha256: String,
    /// The path inside the source package.
    #[serde(default)]
    pub path: Option<String>,
}

/// The order of a 4-D image tensor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// Batch, channel, height, width.
    Nchw,
    /// Batch, height, width, channel.
    Nhwc,
    /// Batch, width, height, channel (MTCNN's transposed images).
    Nwhc,
}

/// The order of the colour channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Colour {
    /// Red, green, blue.
    Rgb,
    /// Blue, green, red (OpenCV-trained models).
    Bgr,
}

/// How pixels become the model's input: `value = (pixel - mean[c]) * scale[c]`, channel by channel in the model's
/// colour order.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct InputSpec {
    /// Input width in pixels (for fixed-size models).
    #[serde(default)]
    pub width: Option<u32>,
    /// Input height in pixels.
    #[serde(default)]
    pub height: Option<u32>,
    /// Tensor layout.
    pub layout: Layout,
    /// Channel order.
    pub colour: Colour,
    /// Subtracted from each channel.
    pub mean: [f32; 3],
    /// Multiplies each channel after the mean is subtracted.
    pub scale: [f32; 3],
}

impl InputSpec {
    /// Writes an RGB8 image of exactly `width x height` into `out` as this input wants it (one batch item).
    pub fn fill(&self, rgb: &[u8], width: usize, height: usize, out: &mut [f32]) {
        let plane = width * height;
        let order: [usize; 3] = match self.colour {
            Colour::Rgb => [0, 1, 2],
            Colour::Bgr => [2, 1, 0],
        };
        for (i, px) in rgb.chunks_exact(3).take(plane).enumerate() {
            let (x, y) = (i % width, i / width);
            for (c, &from) in order.iter().enumerate() {
                let v = (f32::from(px.get(from).copied().unwrap_or(0)) - self.mean.get(c).copied().unwrap_or(0.0))
                    * self.scale.get(c).copied().unwrap_or(1.0);
                let at = match self.layout {
                    Layout::Nchw => c * plane + y * width + x,
                    Layout::Nhwc => (y * width + x) * 3 + c,
                    Layout::Nwhc => (x * height + y) * 3 + c,
                };
                if let Some(slot) = out.get_mut(at) {
                    *slot = v;
                }
            }
        }
    }
}

/// Where the five landmarks land in a recogniser's input.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Alignment {
    /// Left eye, right eye, nose tip, left and right mouth corners, in input pixels.
    pub points: [[f32; 2]; 5],
}

/// The model's output.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OutputSpec {
    /// Length of the embedding (recognisers).
    #[serde(default)]
    pub size: Option<usize>,
    /// Number of landmarks (detectors).
    #[serde(default)]
    pub landmarks: Option<usize>,
    /// The output's name, when the model has several (defaults to the first).
    #[serde(default)]
    pub name: Option<String>,
}

/// How two embeddings are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Similarity {
    /// Cosine similarity of L2-normalised embeddings, from -1 to 1.
    Cosine,
}

/// The operating point of a recogniser.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Compare {
    /// The similarity measure; higher is more alike.
    pub similarity: Similarity,
    /// Scores at or above it are a match.
    pub threshold: f32,
    /// The false-match rate the threshold was set for.
    pub false_match_rate: f64,
    /// The data the threshold was set on.
    #[serde(default)]
    pub calibrated_on: Option<String>,
    /// Above this similarity the probe is taken for a copy of the reference picture itself (a presentation attack
    /// with the chip's photo): two live captures of one person never come this close with this model.
    #[serde(default)]
    pub replay_similarity: Option<f32>,
}

/// Parameters of a detector.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetectorParams {
    /// Smallest face searched for, in pixels (MTCNN).
    #[serde(default = "default_min_face")]
    pub min_face_px: f32,
    /// Score threshold per stage.
    pub thresholds: Vec<f32>,
    /// Scale between pyramid levels.
    #[serde(default = "default_scale_factor")]
    pub scale_factor: f32,
}

fn default_min_face() -> f32 {
    40.0
}

fn default_scale_factor() -> f32 {
    0.709
}

/// A model manifest.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The model's name, as reports show it.
    pub name: String,
    /// What it does.
    pub role: Role,
    /// The decoder the daemon runs for a detector or PAD model (`mtcnn`).
    #[serde(default)]
    pub kind: Option<String>,
    /// The licence the model is used under.
    pub licence: String,
    /// Where it comes from.
    pub source: Source,
    /// The file, for a single-file model, relative to the manifest.
    #[serde(default)]
    pub file: Option<PathBuf>,
    /// Its sha256.
    #[serde(default)]
    pub sha256: Option<String>,
    /// The files of a multi-file model.
    #[serde(default)]
    pub files: Vec<FileEntry>,
    /// How to feed it.
    #[serde(default)]
    pub input: Option<InputSpec>,
    /// Where a recogniser wants the landmarks.
    #[serde(default)]
    pub alignment: Option<Alignment>,
    /// What comes out.
    #[serde(default)]
    pub output: OutputSpec,
    /// A recogniser's operating point.
    #[serde(default)]
    pub compare: Option<Compare>,
    /// A detector's parameters.
    #[serde(default)]
    pub detector: Option<DetectorParams>,
    /// The folder the manifest is in; files are relative to it.
    #[serde(skip)]
    pub dir: PathBuf,
}

impl Manifest {
    /// Reads and checks a manifest (not yet its files: see [`Manifest::read_verified`]).
    ///
    /// # Errors
    /// [`FaceError::Manifest`] when the file is missing, not TOML, has unknown keys, or lacks what its role needs.
    pub fn load(path: &Path) -> Result<Manifest, FaceError> {
        let bad = |reason: String| FaceError::Manifest { path: path.to_path_buf(), reason };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let mut manifest: Manifest = toml::from_str(&text).map_err(|e| bad(e.message().to_string()))?;
        manifest.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        manifest.validate().map_err(bad)?;
        Ok(manifest)
    }

    fn validate(&self) -> Result<(), String> {
        let hex64 = |s: &str| s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit());
        match (&self.file, &self.sha256) {
            (Some(_), Some(sum)) if !hex64(sum) => return Err("sha256 must be 64 hex digits".into()),
            (Some(_), None) => return Err("`file` needs its `sha256`".into()),
            (None, Some(_)) => return Err("`sha256` without `file`".into()),
            _ => {}
        }
        if self.file.is_none() && self.files.is_empty() {
            return Err("no `file` and no `[[files]]`".into());
        }
        if let Some(entry) = self.files.iter().find(|e| !hex64(&e.sha256)) {
            return Err(format!("files.{}: sha256 must be 64 hex digits", entry.stage));
        }
        match self.role {
            Role::Recogniser => {
                let input = self.input.as_ref().ok_or("a recogniser needs `[input]`")?;
                let (Some(w), Some(h)) = (input.width, input.height) else {
                    return Err("a recogniser needs input.width and input.height".into());
                };
                if !(16..=1024).contains(&w) || !(16..=1024).contains(&h) {
                    return Err("input.width and input.height must be 16 to 1024".into());
                }
                if input.layout == Layout::Nwhc {
                    return Err("a recogniser's input.layout is nchw or nhwc".into());
                }
                let alignment = self.alignment.as_ref().ok_or("a recogniser needs `[alignment]` points")?;
                let inside = |p: &[f32; 2]| {
                    p.iter().all(|v| v.is_finite())
                        && (0.0..w as f32).contains(&p[0])
                        && (0.0..h as f32).contains(&p[1])
                };
                if !alignment.points.iter().all(inside) {
                    return Err("alignment.points must lie inside the input".into());
                }
                if !matches!(self.output.size, Some(1..=4096)) {
                    return Err("a recogniser needs output.size (1 to 4096)".into());
                }
                let compare = self.compare.as_ref().ok_or("a recogniser needs `[compare]`")?;
                if !compare.threshold.is_finite() || !(-1.0..=1.0).contains(&compare.threshold) {
                    return Err("compare.threshold must be a cosine similarity, -1 to 1".into());
                }
                if !(compare.false_match_rate > 0.0 && compare.false_match_rate < 1.0) {
                    return Err("compare.false_match_rate must be between 0 and 1".into());
                }
            }
            Role::Detector => {
                let params = self.detector.as_ref().ok_or("a detector needs `[detector]`")?;
                let input = self.input.as_ref().ok_or("a detector needs `[input]`")?;
                if params.thresholds.is_empty() || params.thresholds.iter().any(|t| !(0.0..=1.0).contains(t)) {
                    return Err("detector.thresholds must be scores from 0 to 1".into());
                }
                match self.kind.as_deref() {
                    Some("mtcnn") => {
                        for stage in ["pnet", "rnet", "onet"] {
                            if !self.files.iter().any(|e| e.stage == stage) {
                                return Err(format!(
                                    "an mtcnn detector needs a `[[files]]` entry with stage = \"{stage}\""
                                ));
                            }
                        }
                        if !(params.min_face_px >= 12.0 && params.min_face_px.is_finite()) {
                            return Err("detector.min_face_px must be at least 12".into());
                        }
                        if params.thresholds.len() != 3 {
                            return Err("an mtcnn detector needs three thresholds, one per stage".into());
                        }
                        if !(params.scale_factor > 0.1 && params.scale_factor < 0.95) {
                            return Err("detector.scale_factor must be between 0.1 and 0.95".into());
                        }
                    }
                    Some("rows") => {
                        if self.file.is_none() {
                            return Err("a rows detector needs its `file`".into());
                        }
                        if !matches!((input.width, input.height), (Some(16..=2048), Some(16..=2048))) {
                            return Err("a rows detector needs input.width and input.height (16 to 2048)".into());
                        }
                    }
                    other => {
                        return Err(format!(
                            "detector kind {:?} is not one the daemon decodes (known: \"mtcnn\", \"rows\")",
                            other.unwrap_or("")
                        ));
                    }
                }
            }
            Role::Runtime | Role::Pad => {}
        }
        Ok(())
    }

    /// The single file's path, resolved against the manifest's folder.
    pub fn file_path(&self) -> Option<PathBuf> {
        self.file.as_ref().map(|f| self.dir.join(f))
    }

    /// The file of `stage`, resolved, with its sha256.
    pub fn stage(&self, stage: &str) -> Option<(PathBuf, &str)> {
        self.files.iter().find(|e| e.stage == stage).map(|e| (self.dir.join(&e.file), e.sha256.as_str()))
    }

    /// The single file's bytes, after its sha256 is checked.
    ///
    /// # Errors
    /// [`FaceError::ModelUnreadable`] or [`FaceError::Checksum`].
    pub fn read_verified(&self) -> Result<Zeroizing<Vec<u8>>, FaceError> {
        let (Some(path), Some(sum)) = (self.file_path(), self.sha256.as_deref()) else {
            return Err(FaceError::Manifest { path: self.dir.clone(), reason: "no single `file`".into() });
        };
        read_checked(&path, sum)
    }

    /// The landmarks' template of a recogniser as points.
    pub fn template(&self) -> Option<[Point; 5]> {
        let a = self.alignment.as_ref()?;
        Some(a.points.map(|[x, y]| Point { x, y }))
    }

    /// The short form reports show: the name and the first 12 hex digits of the sha256.
    pub fn label(&self) -> String {
        let sum = self.sha256.as_deref().or_else(|| self.files.first().map(|e| e.sha256.as_str())).unwrap_or("");
        format!("{} {}", self.name, sum.get(..12).unwrap_or(sum))
    }
}

/// Reads a file and checks its sha256 (lowercase or uppercase hex).
///
/// # Errors
/// [`FaceError::ModelUnreadable`] or [`FaceError::Checksum`].
pub fn read_checked(path: &Path, sha256: &str) -> Result<Zeroizing<Vec<u8>>, FaceError> {
    let bytes = Zeroizing::new(
        std::fs::read(path).map_err(|source| FaceError::ModelUnreadable { path: path.to_path_buf(), source })?,
    );
    let found = hex::encode(Sha256::digest(&*bytes));
    if !found.eq_ignore_ascii_case(sha256) {
        return Err(FaceError::Checksum { path: path.to_path_buf(), expected: sha256.to_ascii_lowercase(), found });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn models() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../models")
    }

    #[test]
    fn shipped_manifests_load() {
        let dlib = Manifest::load(&models().join("dlib-resnet29.toml")).unwrap();
        assert_eq!(dlib.role, Role::Recogniser);
        assert_eq!(dlib.output.size, Some(128));
        assert_eq!(dlib.input.as_ref().unwrap().width, Some(150));
        let mtcnn = Manifest::load(&models().join("mtcnn.toml")).unwrap();
        assert_eq!(mtcnn.role, Role::Detector);
        assert!(mtcnn.stage("onet").is_some());
        let ort = Manifest::load(&models().join("onnxruntime.toml")).unwrap();
        assert_eq!(ort.role, Role::Runtime);
    }

    #[test]
    fn refuses_what_a_role_needs_missing() {
        let dir = std::env::temp_dir().join(format!("manifest-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let cases = [
            ("not toml", "name = "),
            (
                "unknown key",
                "name = \"x\"\nrole = \"runtime\"\nlicence = \"\"\nfile = \"f\"\nsha256 = \"00\"\nextra = 1\n[source]\nregistry = \"x\"\n",
            ),
            (
                "short sha",
                "name = \"x\"\nrole = \"runtime\"\nlicence = \"\"\nfile = \"f\"\nsha256 = \"00\"\n[source]\nregistry = \"x\"\n",
            ),
            (
                "recogniser without alignment",
                &format!(
                    "name = \"x\"\nrole = \"recogniser\"\nlicence = \"\"\nfile = \"f\"\nsha256 = \"{}\"\n[source]\nregistry = \"x\"\n[input]\nwidth = 112\nheight = 112\nlayout = \"nchw\"\ncolour = \"rgb\"\nmean = [127.5, 127.5, 127.5]\nscale = [0.0078125, 0.0078125, 0.0078125]\n[output]\nsize = 512\n[compare]\nsimilarity = \"cosine\"\nthreshold = 0.3\nfalse_match_rate = 0.001\n",
                    "a".repeat(64)
                ),
            ),
            (
                "unknown detector",
                &format!(
                    "name = \"x\"\nrole = \"detector\"\nkind = \"yolo\"\nlicence = \"\"\nfile = \"f\"\nsha256 = \"{}\"\n[source]\nregistry = \"x\"\n",
                    "a".repeat(64)
                ),
            ),
        ];
        for (what, text) in cases {
            let path = dir.join("m.toml");
            std::fs::write(&path, text).unwrap();
            let err = Manifest::load(&path).unwrap_err();
            assert_eq!(err.kind(), "model_manifest_invalid", "{what}: {err}");
        }
        assert!(Manifest::load(&dir.join("absent.toml")).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn checksum_mismatch_is_refused() {
        let dir = std::env::temp_dir().join(format!("manifest-sum-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("model.onnx");
        std::fs::write(&path, b"abc").unwrap();
        // sha256("abc"), FIPS 180-2 appendix B.1.
        let good = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(&*read_checked(&path, good).unwrap(), b"abc");
        let err = read_checked(&path, &"0".repeat(64)).unwrap_err();
        assert_eq!(err.kind(), "model_checksum_mismatch");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn input_layouts_place_channels() {
        let spec =
            |layout, colour| InputSpec { width: None, height: None, layout, colour, mean: [0.0; 3], scale: [1.0; 3] };
        // A 2x1 image: pixel (0,0) = (1,2,3), pixel (1,0) = (4,5,6).
        let rgb = [1, 2, 3, 4, 5, 6];
        let mut out = [0.0; 6];
        spec(Layout::Nchw, Colour::Rgb).fill(&rgb, 2, 1, &mut out);
        assert_eq!(out, [1.0, 4.0, 2.0, 5.0, 3.0, 6.0]);
        spec(Layout::Nhwc, Colour::Bgr).fill(&rgb, 2, 1, &mut out);
        assert_eq!(out, [3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
        // Transposed: x major, so for one row the order equals NHWC.
        spec(Layout::Nwhc, Colour::Rgb).fill(&rgb, 2, 1, &mut out);
        assert_eq!(out, [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
    }
}
