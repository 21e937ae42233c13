//! Presentation-attack detection (PAD, in the terms of ISO/IEC 30107-1 and 30107-3): checks that the face before
//! the camera is a bona fide presentation and not an artefact (a presentation attack instrument) such as a print or
//! a screen. Any finding ends the crossing with the outcome `presentation_attack`.
//!
//! Three kinds of evidence:
//! - the chip's own photo shown to the camera ([`check_replay`], [`check_embedding_replay`]): a live capture is
//!   never as close to the enrolment photo as a copy of it is;
//! - a still picture ([`check_still`]): a live face always changes a little between frames;
//! - a PAD model ([`PadModel`], [`check_model`]), when the installation has one.

use std::fmt;

use super::quality::{at_least, at_most, luma};
use super::{Embedding, Point, RgbImage};

/// A reason to treat the presentation as an attack.
#[derive(Debug, Clone, PartialEq)]
pub enum PadFinding {
    /// The live face is a copy of the chip's photo (printed or on a screen).
    ChipPhotoReplay {
        /// The similarity that gave it away: the rank-normalised cross-correlation of the aligned crops, or the
        /// cosine similarity of the embeddings.
        similarity: f32,
    },
    /// The face did not move at all across the frames.
    StillImage {
        /// The largest motion between consecutive frames (see [`check_still`]).
        motion: f32,
    },
    /// A PAD model scored the presentation as an attack.
    Model {
        /// The model's name, from its manifest.
        name: String,
        /// Its attack score, 0 (bona fide) to 1 (attack).
        score: f32,
    },
}

impl PadFinding {
    /// The stable snake_case code reported to the console and the audit.
    pub fn code(&self) -> &'static str {
        match self {
            PadFinding::ChipPhotoReplay { .. } => "chip_photo_replay",
            PadFinding::StillImage { .. } => "still_image",
            PadFinding::Model { .. } => "pad_model",
        }
    }
}

impl fmt::Display for PadFinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PadFinding::ChipPhotoReplay { similarity } => {
                write!(f, "the face shown to the camera is a copy of the passport photo (similarity {similarity:.3})")
            }
            PadFinding::StillImage { motion } => {
                write!(f, "the face did not move at all between frames, as with a still picture (motion {motion:.4})")
            }
            PadFinding::Model { name, score } => {
                write!(f, "the presentation-attack model {name} judged the face not to be live (score {score:.2})")
            }
        }
    }
}

/// Thresholds of the presentation-attack checks (`[face.pad]` in the configuration).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PadConfig {
    /// The rank-normalised cross-correlation of the aligned probe and chip-photo crops above which the probe is a
    /// copy of the photo.
    pub replay_ncc: f32,
    /// The cosine similarity of probe and chip-photo embeddings above which the probe is a copy of the photo: two
    /// genuine captures of one person, taken years apart, do not come this close.
    pub max_natural_similarity: f32,
    /// The smallest motion between some pair of consecutive frames of a live face (see [`check_still`]).
    pub min_motion: f32,
    /// The fewest frames the still-picture check needs; it is skipped with fewer (and never runs on fewer than 2).
    pub min_frames: usize,
    /// The attack score of a PAD model above which the presentation is an attack.
    pub model_threshold: f32,
}

impl Default for PadConfig {
    fn default() -> Self {
        PadConfig {
            replay_ncc: 0.95,
            max_natural_similarity: 0.985,
            // Half a grey level of mean change, or landmarks moving by 0.2 % of the eye distance: below the sensor
            // noise alone of a camera looking at a live scene.
            min_motion: 0.002,
            min_frames: 2,
            model_threshold: 0.5,
        }
    }
}

/// One frame of the live capture for the still-picture check.
#[derive(Debug, Clone)]
pub struct PadFrame {
    /// The face aligned onto the recogniser's template (every frame on the same template).
    pub crop: RgbImage,
    /// The five landmarks as detected in the camera frame, in pixels.
    pub landmarks: [Point; 5],
}

/// Whether `probe_crop` is a copy of `reference_crop`, the chip's photo aligned onto the same template.
///
/// Each crop's luma (BT.601) is contrast-normalised by histogram equalisation (each value replaced by its mid-rank
/// within the crop), which undoes any monotone change of tone: the exposure and gamma of the camera, a print's
/// ink, a screen's brightness. The two are then compared by zero-mean normalised cross-correlation; on ranks this
/// is Spearman's rank correlation of the two crops' pixels. Above [`PadConfig::replay_ncc`] the probe is a replay.
///
/// `None` (no finding) when the crops differ in size, are empty, or either is flat: there is nothing to compare.
pub fn check_replay(probe_crop: &RgbImage, reference_crop: &RgbImage, config: &PadConfig) -> Option<PadFinding> {
    if (probe_crop.width, probe_crop.height) != (reference_crop.width, reference_crop.height) {
        return None;
    }
    let probe = equalised_luma(probe_crop)?;
    let reference = equalised_luma(reference_crop)?;
    let similarity = zncc(&probe, &reference)?;
    (similarity > config.replay_ncc).then_some(PadFinding::ChipPhotoReplay { similarity })
}

/// Whether the probe's embedding is closer to the chip photo's than a live capture can be: cosine similarity above
/// [`PadConfig::max_natural_similarity`].
///
/// `None` when the embeddings differ in length, are empty, zero or not finite.
pub fn check_embedding_replay(probe: &Embedding, reference: &Embedding, config: &PadConfig) -> Option<PadFinding> {
    let similarity = cosine(&probe.0, &reference.0)?;
    (similarity > config.max_natural_similarity).then_some(PadFinding::ChipPhotoReplay { similarity })
}

/// Whether the frames show a still picture.
///
/// The motion between two consecutive frames is the mean displacement of the five landmarks divided by the eye
/// distance (the mean of the two frames'), plus the mean absolute difference of the aligned crops' luma divided by
/// 255: the first catches any movement of the head, the second blinks, expressions and the camera's own noise, which
/// the alignment does not remove. A live face moves between some pair of frames; a picture injected into the video
/// path or frozen in it does not. The finding is reported when the largest motion over all consecutive pairs is
/// below [`PadConfig::min_motion`].
///
/// A print held in a hand moves like a face does: this check does not catch it, a PAD model must.
///
/// `None` with fewer than [`PadConfig::min_frames`] frames, and always with fewer than two: one frame says nothing
/// about motion. A pair whose landmarks give no eye distance adds no landmark term; a pair of crops of different
/// sizes adds no luma term.
pub fn check_still(frames: &[PadFrame], config: &PadConfig) -> Option<PadFinding> {
    if frames.len() < config.min_frames.max(2) {
        return None;
    }
    let motion = frames
        .windows(2)
        .filter_map(|pair| match pair {
            [a, b] => Some(landmark_motion(&a.landmarks, &b.landmarks) + luma_motion(&a.crop, &b.crop)),
            _ => None,
        })
        .fold(0.0f32, f32::max);
    (!at_least(motion, config.min_motion)).then_some(PadFinding::StillImage { motion })
}

/// A presentation-attack detection model: where a PAD model described by a manifest (models/) plugs in, run by the
/// model runtime on the aligned probe crop. Its score is compared with [`PadConfig::model_threshold`] by
/// [`check_model`].
pub trait PadModel {
    /// The model's name, as in its manifest.
    fn name(&self) -> &str;

    /// The attack score of an aligned face crop, 0 (bona fide) to 1 (attack).
    ///
    /// # Errors
    ///
    /// The reason the model could not be run on the crop; the caller fails closed.
    fn score(&mut self, crop: &RgbImage) -> Result<f32, String>;
}

/// Runs `model` on `crop`: a finding when its score is above [`PadConfig::model_threshold`] or is not a number.
///
/// # Errors
///
/// The model's own error, unchanged: the crossing must not go on as if the check had passed.
pub fn check_model(
    model: &mut dyn PadModel,
    crop: &RgbImage,
    config: &PadConfig,
) -> Result<Option<PadFinding>, String> {
    let score = model.score(crop)?;
    Ok((!at_most(score, config.model_threshold)).then(|| PadFinding::Model { name: model.name().to_owned(), score }))
}

/// The crop's luma with each value replaced by its mid-rank, scaled to 0..1; `None` when empty or short.
fn equalised_luma(image: &RgbImage) -> Option<Vec<f32>> {
    let levels = luma_levels(image)?;
    let mut histogram = [0usize; 256];
    for &level in &levels {
        if let Some(bin) = histogram.get_mut(usize::from(level)) {
            *bin += 1;
        }
    }
    // Mid-rank of each level: the pixels below it plus half of those at it.
    let mut rank = [0.0f32; 256];
    let mut below = 0usize;
    for (r, &count) in rank.iter_mut().zip(&histogram) {
        *r = (below as f32 + (count as f32 - 1.0) / 2.0) / levels.len() as f32;
        below += count;
    }
    Some(levels.iter().map(|&level| rank.get(usize::from(level)).copied().unwrap_or(0.0)).collect())
}

/// The crop's BT.601 luma rounded to 0..=255; `None` when empty or its buffer is shorter than its size.
fn luma_levels(image: &RgbImage) -> Option<Vec<u8>> {
    let n = usize::try_from(u64::from(image.width) * u64::from(image.height)).ok()?;
    let bytes = image.pixels.get(..n.checked_mul(3)?)?;
    if n == 0 {
        return None;
    }
    Some(
        bytes
            .chunks_exact(3)
            .map(|px| {
                let [r, g, b] = [px.first(), px.get(1), px.get(2)].map(|c| c.copied().unwrap_or(0));
                // `as u8` saturates; luma is within 0..=255 anyway.
                luma([r, g, b]).round() as u8
            })
            .collect(),
    )
}

/// Zero-mean normalised cross-correlation of two equally long signals; `None` when either is flat.
fn zncc(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let n = a.len() as f64;
    let mean_a = a.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let mean_b = b.iter().map(|&v| f64::from(v)).sum::<f64>() / n;
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x) - mean_a, f64::from(y) - mean_b);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let denominator = (aa * bb).sqrt();
    (denominator > 1e-12).then(|| (ab / denominator) as f32)
}

/// Cosine similarity; `None` for different lengths, empty, zero or non-finite vectors.
fn cosine(a: &[f32], b: &[f32]) -> Option<f32> {
    if a.len() != b.len() || a.is_empty() {
        return None;
    }
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        let (x, y) = (f64::from(x), f64::from(y));
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    let denominator = (aa * bb).sqrt();
    let similarity = ab / denominator;
    (denominator > 0.0 && similarity.is_finite()).then_some(similarity as f32)
}

/// Mean landmark displacement over the mean eye distance of the two frames; 0 when that is not defined.
fn landmark_motion(a: &[Point; 5], b: &[Point; 5]) -> f32 {
    let eyes = |l: &[Point; 5]| {
        let [left, right, ..] = *l;
        (right.x - left.x).hypot(right.y - left.y)
    };
    let eye_distance = (eyes(a) + eyes(b)) / 2.0;
    let displacement = a.iter().zip(b).map(|(p, q)| (q.x - p.x).hypot(q.y - p.y)).sum::<f32>() / 5.0;
    let motion = displacement / eye_distance;
    if eye_distance > 0.0 && motion.is_finite() { motion } else { 0.0 }
}

/// Mean absolute difference of the two crops' luma, over 255; 0 when the crops differ in size or are empty.
fn luma_motion(a: &RgbImage, b: &RgbImage) -> f32 {
    if (a.width, a.height) != (b.width, b.height) {
        return 0.0;
    }
    let (Some(la), Some(lb)) = (luma_levels(a), luma_levels(b)) else {
        return 0.0;
    };
    let total: u64 = la.iter().zip(&lb).map(|(&x, &y)| u64::from(x.abs_diff(y))).sum();
    (total as f64 / la.len() as f64 / 255.0) as f32
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use zeroize::Zeroizing;

    use super::*;
    use crate::face::align::Template;

    fn image_from(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
        let mut pixels = Vec::new();
        for y in 0..height {
            for x in 0..width {
                pixels.extend(f(x, y));
            }
        }
        RgbImage { width, height, pixels: Zeroizing::new(pixels) }
    }

    fn hash(x: u32, y: u32, seed: u32) -> u32 {
        let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77) ^ seed.wrapping_mul(0x27D4_EB2F);
        h ^= h >> 15;
        h = h.wrapping_mul(0xC2B2_AE3D);
        h ^ (h >> 13)
    }

    /// A face-like synthetic crop: a smooth oval with dark eyes and mouth, over a textured background.
    fn face_crop() -> RgbImage {
        image_from(112, 112, |x, y| {
            let (dx, dy) = ((x as f32 - 56.0) / 40.0, (y as f32 - 60.0) / 50.0);
            let mut v = if dx * dx + dy * dy < 1.0 { 170.0 - 40.0 * dy } else { 60.0 + (hash(x, y, 1) % 40) as f32 };
            for (cx, cy, r) in [(38.0, 52.0, 6.0), (74.0, 52.0, 6.0), (56.0, 92.0, 9.0)] {
                if (x as f32 - cx).hypot(y as f32 - cy) < r {
                    v = 40.0;
                }
            }
            [v as u8, (v * 0.8) as u8, (v * 0.7) as u8]
        })
    }

    fn map_pixels(image: &RgbImage, f: impl Fn(u8) -> u8) -> RgbImage {
        RgbImage { pixels: Zeroizing::new(image.pixels.iter().map(|&v| f(v)).collect()), ..image.clone() }
    }

    fn frame(crop: RgbImage, shift: f32) -> PadFrame {
        let landmarks = Template::arcface_112().points.map(|p| Point { x: p.x * 3.0 + shift, y: p.y * 3.0 + 40.0 });
        PadFrame { crop, landmarks }
    }

    #[test]
    fn identical_crops_are_a_replay() {
        let crop = face_crop();
        let finding = check_replay(&crop, &crop, &PadConfig::default()).unwrap();
        let PadFinding::ChipPhotoReplay { similarity } = finding else { panic!("{finding:?}") };
        assert!(similarity > 0.999);
    }

    #[test]
    fn a_dimmer_copy_is_still_a_replay() {
        let crop = face_crop();
        let copy = map_pixels(&crop, |v| (f32::from(v) * 0.7 + 20.0).round() as u8);
        let finding = check_replay(&copy, &crop, &PadConfig::default());
        assert!(
            matches!(finding, Some(PadFinding::ChipPhotoReplay { similarity }) if similarity > 0.98),
            "{finding:?}"
        );
        // A gamma curve (a screen's or a print's) is not linear; ranks do not mind.
        let gamma = map_pixels(&crop, |v| (255.0 * (f32::from(v) / 255.0).powf(0.6)).round() as u8);
        assert!(check_replay(&gamma, &crop, &PadConfig::default()).is_some());
    }

    #[test]
    fn different_crops_are_not_a_replay() {
        let stripes = image_from(112, 112, |x, _| [if x % 8 < 4 { 50 } else { 200 }; 3]);
        let bars = image_from(112, 112, |_, y| [if y % 8 < 4 { 50 } else { 200 }; 3]);
        assert_eq!(check_replay(&stripes, &bars, &PadConfig::default()), None);
        let noise = image_from(112, 112, |x, y| [(hash(x, y, 7) % 256) as u8; 3]);
        assert_eq!(check_replay(&face_crop(), &noise, &PadConfig::default()), None);
        // The same face with its features moved is not a copy.
        let face = face_crop();
        let other = image_from(112, 112, |x, y| face.get((x + 6).min(111), y).unwrap());
        let similarity =
            match check_replay(&other, &face_crop(), &PadConfig { replay_ncc: -1.0, ..PadConfig::default() }) {
                Some(PadFinding::ChipPhotoReplay { similarity }) => similarity,
                other => panic!("{other:?}"),
            };
        assert!(similarity < 0.95, "{similarity}");
    }

    #[test]
    fn crops_that_cannot_be_compared_give_no_finding() {
        let crop = face_crop();
        let small = image_from(50, 50, |_, _| [1, 2, 3]);
        assert_eq!(check_replay(&crop, &small, &PadConfig::default()), None);
        let flat = image_from(112, 112, |_, _| [128; 3]);
        assert_eq!(check_replay(&flat, &flat, &PadConfig::default()), None);
        let empty = RgbImage { width: 0, height: 0, pixels: Zeroizing::new(Vec::new()) };
        assert_eq!(check_replay(&empty, &empty, &PadConfig::default()), None);
        let short = RgbImage { width: 112, height: 112, pixels: Zeroizing::new(vec![9; 10]) };
        assert_eq!(check_replay(&short, &short, &PadConfig::default()), None);
    }

    fn embedding(values: &[f32]) -> Embedding {
        let norm = values.iter().map(|v| v * v).sum::<f32>().sqrt();
        Embedding(Zeroizing::new(values.iter().map(|v| v / norm).collect()))
    }

    #[test]
    fn embeddings_closer_than_nature_are_a_replay() {
        let config = PadConfig::default();
        let reference = embedding(&[0.3, -0.2, 0.5, 0.1, 0.7]);
        let copy = embedding(&[0.3, -0.2, 0.5, 0.1, 0.71]);
        assert!(matches!(check_embedding_replay(&copy, &reference, &config), Some(PadFinding::ChipPhotoReplay { .. })));
        // Cosine about 0.8: a genuine match, not a copy.
        let genuine = embedding(&[0.5, -0.1, 0.2, 0.3, 0.6]);
        assert_eq!(check_embedding_replay(&genuine, &reference, &config), None);
        assert_eq!(check_embedding_replay(&embedding(&[1.0, 0.0]), &reference, &config), None);
        let zero = Embedding(Zeroizing::new(vec![0.0; 5]));
        assert_eq!(check_embedding_replay(&zero, &reference, &config), None);
        let nan = Embedding(Zeroizing::new(vec![f32::NAN; 5]));
        assert_eq!(check_embedding_replay(&nan, &reference, &config), None);
    }

    #[test]
    fn identical_frames_are_a_still_image() {
        let frames: Vec<_> = (0..5).map(|_| frame(face_crop(), 100.0)).collect();
        let finding = check_still(&frames, &PadConfig::default());
        assert_eq!(finding, Some(PadFinding::StillImage { motion: 0.0 }));
    }

    #[test]
    fn a_moving_noisy_face_is_not_still() {
        let config = PadConfig::default();
        let eye_distance = (73.5318 - 38.2946) * 3.0;
        // Landmarks moving by 2 % of the eye distance, pixels with ±2 levels of noise.
        let face = face_crop();
        let frames: Vec<_> = (0..4u32)
            .map(|i| {
                let crop = image_from(112, 112, |x, y| {
                    face.get(x, y).unwrap().map(|v| v.saturating_add((hash(x, y, i) % 5) as u8))
                });
                frame(crop, 100.0 + 0.02 * eye_distance * i as f32)
            })
            .collect();
        assert_eq!(check_still(&frames, &config), None);

        // Either kind of motion alone is enough.
        let moving: Vec<_> = (0..3).map(|i| frame(face_crop(), 100.0 + 0.02 * eye_distance * i as f32)).collect();
        assert_eq!(check_still(&moving, &config), None);
        let noisy: Vec<_> = (0..3u32)
            .map(|i| {
                let crop = image_from(112, 112, |x, y| [100 + (hash(x, y, i) % 5) as u8; 3]);
                frame(crop, 100.0)
            })
            .collect();
        assert_eq!(check_still(&noisy, &config), None);
    }

    #[test]
    fn too_few_frames_say_nothing() {
        let config = PadConfig::default();
        assert_eq!(check_still(&[], &config), None);
        assert_eq!(check_still(&[frame(face_crop(), 0.0)], &config), None);
        let one = PadConfig { min_frames: 1, ..PadConfig::default() };
        assert_eq!(check_still(&[frame(face_crop(), 0.0)], &one), None);
        let three = PadConfig { min_frames: 3, ..PadConfig::default() };
        let two = [frame(face_crop(), 0.0), frame(face_crop(), 0.0)];
        assert_eq!(check_still(&two, &three), None);
        assert!(check_still(&two, &config).is_some());
    }

    struct Stub(Result<f32, String>);
    impl PadModel for Stub {
        fn name(&self) -> &str {
            "stub-pad"
        }
        fn score(&mut self, _crop: &RgbImage) -> Result<f32, String> {
            self.0.clone()
        }
    }

    #[test]
    fn a_model_above_its_threshold_is_an_attack() {
        let (config, crop) = (PadConfig::default(), face_crop());
        assert_eq!(
            check_model(&mut Stub(Ok(0.9)), &crop, &config),
            Ok(Some(PadFinding::Model { name: "stub-pad".into(), score: 0.9 }))
        );
        assert_eq!(check_model(&mut Stub(Ok(0.1)), &crop, &config), Ok(None));
        assert!(matches!(check_model(&mut Stub(Ok(f32::NAN)), &crop, &config), Ok(Some(_))));
        assert_eq!(check_model(&mut Stub(Err("no session".into())), &crop, &config), Err("no session".into()));
    }

    #[test]
    fn codes_and_reasons() {
        let all = [
            PadFinding::ChipPhotoReplay { similarity: 0.97 },
            PadFinding::StillImage { motion: 0.0 },
            PadFinding::Model { name: "m".into(), score: 0.9 },
        ];
        let codes: HashSet<_> = all.iter().map(PadFinding::code).collect();
        assert_eq!(codes, HashSet::from(["chip_photo_replay", "still_image", "pad_model"]));
        assert_eq!(
            all[0].to_string(),
            "the face shown to the camera is a copy of the passport photo (similarity 0.970)"
        );
    }

    #[test]
    fn the_config_has_defaults_and_refuses_unknown_keys() {
        let config: PadConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, PadConfig::default());
        assert_eq!(config.min_frames, 2);
        assert!(serde_json::from_str::<PadConfig>(r#"{"replay": 0.9}"#).is_err());
    }
}
