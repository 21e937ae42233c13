//! The face pipeline: decode, detect, align, embed, compare, with the time each step took.

use std::path::{Path, PathBuf};
use std::time::Instant;

use super::detect::Detector;
use super::error::FaceError;
use super::manifest::{Manifest, Role};
use super::recognise::{Recogniser, similarity};
use super::{Embedding, Face, RgbImage, runtime};

/// The largest image the face module decodes, in pixels: 16 megapixels bounds memory at about 48 MB per image.
pub const MAX_PIXELS: u64 = mrtd::face_image::DEFAULT_MAX_PIXELS;

/// Where the three manifests are.
#[derive(Debug, Clone)]
pub struct ModelPaths {
    /// The ONNX Runtime library's manifest.
    pub runtime: PathBuf,
    /// The detector's manifest.
    pub detector: PathBuf,
    /// The recogniser's manifest.
    pub recogniser: PathBuf,
}

impl ModelPaths {
    /// The shipped manifests in `dir` (`models/` of the source tree or of the installation).
    pub fn in_dir(dir: &Path) -> Self {
        ModelPaths {
            runtime: dir.join("onnxruntime.toml"),
            detector: dir.join("mtcnn.toml"),
            recogniser: dir.join("dlib-resnet29.toml"),
        }
    }

    /// The models folder: `$AUTOGATE_MODELS`, else `models` under the current folder, else `/usr/share/autogate/models`.
    pub fn default_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("AUTOGATE_MODELS") {
            return PathBuf::from(dir);
        }
        let local = PathBuf::from("models");
        if local.join("onnxruntime.toml").exists() { local } else { PathBuf::from("/usr/share/autogate/models") }
    }
}

/// Milliseconds each step took.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize)]
pub struct Timings {
    /// Decoding the image.
    pub decode: f64,
    /// Finding faces and landmarks.
    pub detect: f64,
    /// Warping the face onto the template.
    pub align: f64,
    /// Running the recogniser.
    pub embed: f64,
    /// All of it.
    pub total: f64,
}

impl Timings {
    /// Adds another image's timings.
    pub fn add(&mut self, other: &Timings) {
        self.decode += other.decode;
        self.detect += other.detect;
        self.align += other.align;
        self.embed += other.embed;
        self.total += other.total;
    }
}

/// What one image gave.
#[derive(Debug)]
pub struct Analysis {
    /// The decoded image (wiped on drop).
    pub image: RgbImage,
    /// Every face found, best score first.
    pub faces: Vec<Face>,
    /// The faces large and sure enough to count as people in front of the camera.
    pub people: usize,
    /// The chosen face (the largest), its aligned crop and embedding.
    pub subject: Option<Subject>,
    /// Time per step.
    pub timings: Timings,
}

/// The face a decision is about.
#[derive(Debug)]
pub struct Subject {
    /// Where it is.
    pub face: Face,
    /// Aligned onto the recogniser's template (wiped on drop).
    pub aligned: RgbImage,
    /// Its embedding (wiped on drop).
    pub embedding: Embedding,
}

/// Detector and recogniser, loaded and checked.
#[derive(Debug)]
pub struct FaceEngine {
    detector: Detector,
    recogniser: Recogniser,
    detector_label: String,
    /// A face counts as a person when its detector score is at least this.
    pub person_min_score: f32,
    /// ... and its box is at least this fraction of the largest face's height.
    pub person_min_relative_size: f32,
}

/// Milliseconds since `t`.
fn ms(t: Instant) -> f64 {
    t.elapsed().as_secs_f64() * 1000.0
}

impl FaceEngine {
    /// Loads ONNX Runtime and the two models, checking every file's sha256; `threads` intra-op threads per model.
    ///
    /// # Errors
    /// Any [`FaceError`] of the manifests, the files or the runtime: the engine does not exist with a doubtful file.
    pub fn load(paths: &ModelPaths, threads: usize) -> Result<Self, FaceError> {
        let runtime_manifest = load_role(&paths.runtime, Role::Runtime)?;
        let detector_manifest = load_role(&paths.detector, Role::Detector)?;
        let recogniser_manifest = load_role(&paths.recogniser, Role::Recogniser)?;
        let env = runtime::load(&runtime_manifest)?;
        Ok(FaceEngine {
            detector: Detector::load(&env, &detector_manifest, threads)?,
            recogniser: Recogniser::load(&env, &recogniser_manifest, threads)?,
            detector_label: detector_manifest.label(),
            person_min_score: 0.9,
            person_min_relative_size: 0.5,
        })
    }

    /// The recogniser's model label (name and sha256 prefix).
    pub fn recogniser_label(&self) -> &str {
        self.recogniser.label()
    }

    /// The detector's model label.
    pub fn detector_label(&self) -> &str {
        &self.detector_label
    }

    /// The match threshold and the false-match rate it was set for.
    pub fn threshold(&self) -> (f32, f64) {
        (self.recogniser.threshold(), self.recogniser.false_match_rate())
    }

    /// The recogniser (for its template).
    pub fn recogniser(&self) -> &Recogniser {
        &self.recogniser
    }

    /// Decodes and analyses an image file's bytes (JPEG, PNG, JPEG 2000 or a DG2 file).
    ///
    /// # Errors
    /// [`FaceError::Image`] or [`FaceError::Dg2`] for the input; [`FaceError::Model`] when a model fails.
    pub fn analyse_bytes(&mut self, bytes: &[u8]) -> Result<Analysis, FaceError> {
        let t = Instant::now();
        let image = decode(bytes)?;
        let decode_ms = ms(t);
        let mut analysis = self.analyse(image)?;
        analysis.timings.decode = decode_ms;
        analysis.timings.total += decode_ms;
        Ok(analysis)
    }

    /// Detects, aligns and embeds the largest face of a decoded image.
    ///
    /// # Errors
    /// [`FaceError::Model`] when a model fails.
    pub fn analyse(&mut self, image: RgbImage) -> Result<Analysis, FaceError> {
        let mut timings = Timings::default();
        let t = Instant::now();
        let faces = self.detector.detect(&image)?;
        timings.detect = ms(t);
        let height = |f: &Face| f.bbox[3] - f.bbox[1];
        let largest = faces.iter().max_by(|a, b| height(a).total_cmp(&height(b)));
        let people = match largest {
            Some(l) => faces
                .iter()
                .filter(|f| f.score >= self.person_min_score && height(f) >= self.person_min_relative_size * height(l))
                .count()
                .max(1),
            None => 0,
        };
        let mut subject = None;
        if let Some(face) = largest.cloned() {
            let t = Instant::now();
            let aligned = self.recogniser.align(&image, &face);
            timings.align = ms(t);
            if let Some(aligned) = aligned {
                let t = Instant::now();
                let embedding = self.recogniser.embed(&aligned)?;
                timings.embed = ms(t);
                subject = Some(Subject { face, aligned, embedding });
            }
        }
        timings.total = timings.detect + timings.align + timings.embed;
        Ok(Analysis { image, faces, people, subject, timings })
    }

    /// The similarity of two embeddings (higher is more alike).
    pub fn compare(&self, a: &Embedding, b: &Embedding) -> f32 {
        similarity(a, b)
    }
}

fn load_role(path: &Path, role: Role) -> Result<Manifest, FaceError> {
    let manifest = Manifest::load(path)?;
    if manifest.role != role {
        return Err(FaceError::Manifest {
            path: path.to_path_buf(),
            reason: format!("role is {:?}, expected {role:?}", manifest.role),
        });
    }
    Ok(manifest)
}

/// Decodes a JPEG, PNG or JPEG 2000 image, or the first face image of a DG2 file, refusing more than
/// [`MAX_PIXELS`] pixels before decoding.
///
/// # Errors
/// [`FaceError::Image`] when the image cannot be decoded; [`FaceError::Dg2`] when a DG2 file is malformed or holds no
/// face image.
pub fn decode(bytes: &[u8]) -> Result<RgbImage, FaceError> {
    if mrtd::face_image::sniff(bytes).is_none() && !is_webp(bytes) {
        // A DG2 file (tag 75), or a face record on its own (19794-5 `FAC\0`, 39794-5 `A1` or `65`).
        let faces = match bytes.first() {
            Some(0x75) => mrtd::lds::dg2::Dg2::parse(bytes).map(|dg2| dg2.faces),
            Some(0x46 | 0xA1 | 0x65) => mrtd::lds::dg2::parse_face_record(bytes),
            _ => return Err(FaceError::Image(mrtd::error::ImageError::UnknownFormat)),
        }
        .map_err(|e| FaceError::Dg2(e.to_string()))?;
        let face = faces.first().ok_or_else(|| FaceError::Dg2("it holds no face image".into()))?;
        let decoded = face.decode(MAX_PIXELS)?;
        return Ok(RgbImage::from_decoded(&decoded));
    }
    if is_webp(bytes) {
        return decode_webp(bytes);
    }
    let decoded = mrtd::face_image::decode(bytes, MAX_PIXELS)?;
    Ok(RgbImage::from_decoded(&decoded))
}

/// A RIFF container of WebP (Google's WebP container specification).
fn is_webp(bytes: &[u8]) -> bool {
    bytes.get(..4) == Some(b"RIFF") && bytes.get(8..12) == Some(b"WEBP")
}

/// Decodes a WebP image (lossy or lossless) to RGB, refusing more than [`MAX_PIXELS`] before decoding.
fn decode_webp(bytes: &[u8]) -> Result<RgbImage, FaceError> {
    use image::ImageDecoder;
    use mrtd::error::ImageError;

    let bad = |e: &dyn std::fmt::Display| {
        FaceError::Image(ImageError::Decode {
            format: "WebP",
            source: std::sync::Arc::new(std::io::Error::other(e.to_string())),
        })
    };
    let decoded = std::panic::catch_unwind(|| -> Result<RgbImage, FaceError> {
        let mut decoder = image::codecs::webp::WebPDecoder::new(std::io::Cursor::new(bytes)).map_err(|e| bad(&e))?;
        let (width, height) = decoder.dimensions();
        if u64::from(width) * u64::from(height) > MAX_PIXELS {
            return Err(FaceError::Image(ImageError::TooLarge { width, height, limit: MAX_PIXELS }));
        }
        let mut limits = image::Limits::default();
        limits.max_alloc = Some(MAX_PIXELS.saturating_mul(8));
        decoder.set_limits(limits).map_err(|e| bad(&e))?;
        let image = image::DynamicImage::from_decoder(decoder).map_err(|e| bad(&e))?;
        let rgb = image.into_rgb8();
        Ok(RgbImage { width, height, pixels: zeroize::Zeroizing::new(rgb.into_raw()) })
    })
    .unwrap_or_else(|_| Err(bad(&"the decoder failed")))?;
    Ok(decoded)
}
