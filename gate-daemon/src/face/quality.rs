//! Quality gates on the live probe, in the spirit of ISO/IEC 29794-5 (face image quality): size, head pose,
//! sharpness, exposure, detector confidence and framing, each measured on the detected face and refused with a
//! reason the traveller can act on, plus one overall score to pick the best of several frames.
//!
//! Every gate fails closed: a measure that cannot be computed (landmarks that coincide, a box outside the image)
//! compares as failing, never as passing.

use std::fmt;

use super::align::Template;
use super::{Face, Point, RgbImage};

/// The side of the square on which sharpness is measured at most: a larger face box is averaged down by an integer
/// factor first, so that the measure does not grow with the face's size and stays cheap.
pub const SHARPNESS_SIDE_PX: u32 = 160;

/// The depth of the nose tip in front of the eye centres, as a fraction of the distance between the eye centres:
/// it sets how far the nose tip swings sideways or vertically for a given turn. 0.55 is what the 68-point 3-D mean
/// face used by OpenFace and many head-pose estimators gives: nose tip (point 30) 36.3 units in front of the plane
/// halfway between the eye centres (means of points 36–41 and 42–47) and the mouth corners (48, 54), eye centres
/// 65.7 units apart. Individual faces differ, and the tangent of the estimated angle scales with the difference.
pub const NOSE_DEPTH_RATIO: f32 = 0.55;

/// Thresholds of the quality gates (`[face.quality]` in the configuration).
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QualityConfig {
    /// The smallest distance between the eye centres, in image pixels (ISO/IEC 19794-5 asks 90 px for a stored
    /// portrait; recognisers work from about 40).
    pub min_eye_distance_px: f32,
    /// The largest head turn left or right, in degrees.
    pub max_yaw_deg: f32,
    /// The largest head tilt up or down, in degrees.
    pub max_pitch_deg: f32,
    /// The largest in-plane tilt of the eye line, in degrees.
    pub max_roll_deg: f32,
    /// The smallest variance of the Laplacian of the face's luma (see [`QualityReport::sharpness`]).
    pub min_sharpness: f32,
    /// The darkest acceptable mean luma of the face box, 0 to 255.
    pub min_mean_luma: f32,
    /// The brightest acceptable mean luma of the face box, 0 to 255.
    pub max_mean_luma: f32,
    /// The largest fraction of the face box's pixels whose luma is clipped (≤ 5 or ≥ 250).
    pub max_clipped_fraction: f32,
    /// The lowest detector confidence.
    pub min_detector_score: f32,
    /// How far the face box may reach past an edge of the image, as a fraction of the box's width (left and right
    /// edges) or height (top and bottom), before the face counts as cut off.
    pub max_outside_fraction: f32,
}

impl Default for QualityConfig {
    fn default() -> Self {
        QualityConfig {
            min_eye_distance_px: 40.0,
            max_yaw_deg: 25.0,
            max_pitch_deg: 25.0,
            max_roll_deg: 20.0,
            min_sharpness: 15.0,
            min_mean_luma: 50.0,
            max_mean_luma: 210.0,
            max_clipped_fraction: 0.25,
            min_detector_score: 0.9,
            max_outside_fraction: 0.1,
        }
    }
}

/// Why a live probe was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum QualityIssue {
    /// The eyes are too close together in the image: the face is too far away.
    FaceTooSmall {
        /// The measured distance between the eye centres, in pixels.
        eye_distance_px: f32,
    },
    /// The head is turned left or right.
    PoseYaw {
        /// The estimated turn; positive towards the image's right.
        degrees: f32,
    },
    /// The head is tilted up or down.
    PosePitch {
        /// The estimated tilt; positive when the face looks up.
        degrees: f32,
    },
    /// The head leans to one side.
    PoseRoll {
        /// The angle of the eye line; positive when the right eye (as seen) is lower.
        degrees: f32,
    },
    /// The face is out of focus or moved during the exposure.
    Blurred {
        /// The measured sharpness.
        sharpness: f32,
    },
    /// The face is too dark on average.
    TooDark {
        /// The mean luma of the face box, 0 to 255.
        mean_luma: f32,
    },
    /// The face is too bright on average.
    TooBright {
        /// The mean luma of the face box, 0 to 255.
        mean_luma: f32,
    },
    /// Too much of the face is crushed to black.
    Underexposed {
        /// The fraction of the face box's pixels with luma ≤ 5.
        fraction: f32,
    },
    /// Too much of the face is blown out to white.
    Overexposed {
        /// The fraction of the face box's pixels with luma ≥ 250.
        fraction: f32,
    },
    /// The detector is not confident enough that this is a face.
    LowConfidence {
        /// The detector's score, 0 to 1.
        score: f32,
    },
    /// The face box reaches past the edge of the image, or is empty.
    FaceCut,
}

impl QualityIssue {
    /// The stable snake_case code reported to the console and the audit.
    pub fn code(&self) -> &'static str {
        match self {
            QualityIssue::FaceTooSmall { .. } => "face_too_small",
            QualityIssue::PoseYaw { .. } => "pose_yaw",
            QualityIssue::PosePitch { .. } => "pose_pitch",
            QualityIssue::PoseRoll { .. } => "pose_roll",
            QualityIssue::Blurred { .. } => "blurred",
            QualityIssue::TooDark { .. } => "too_dark",
            QualityIssue::TooBright { .. } => "too_bright",
            QualityIssue::Underexposed { .. } => "underexposed",
            QualityIssue::Overexposed { .. } => "overexposed",
            QualityIssue::LowConfidence { .. } => "low_confidence",
            QualityIssue::FaceCut => "face_cut",
        }
    }
}

impl fmt::Display for QualityIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QualityIssue::FaceTooSmall { eye_distance_px } => {
                write!(f, "the face is too small in the picture ({eye_distance_px:.0} pixels between the eyes)")
            }
            QualityIssue::PoseYaw { degrees } => {
                write!(f, "the head is turned to the side ({:.0} degrees)", degrees.abs())
            }
            QualityIssue::PosePitch { degrees } => {
                let way = if *degrees > 0.0 { "up" } else { "down" };
                write!(f, "the head is tilted {way} ({:.0} degrees)", degrees.abs())
            }
            QualityIssue::PoseRoll { degrees } => {
                write!(f, "the head is leaning to one side ({:.0} degrees)", degrees.abs())
            }
            QualityIssue::Blurred { sharpness } => write!(f, "the face is blurred (sharpness {sharpness:.1})"),
            QualityIssue::TooDark { mean_luma } => {
                write!(f, "the face is too dark (mean brightness {mean_luma:.0} of 255)")
            }
            QualityIssue::TooBright { mean_luma } => {
                write!(f, "the face is too bright (mean brightness {mean_luma:.0} of 255)")
            }
            QualityIssue::Underexposed { fraction } => {
                write!(f, "part of the face is in deep shadow ({:.0}% of it black)", fraction * 100.0)
            }
            QualityIssue::Overexposed { fraction } => {
                write!(f, "part of the face is overexposed ({:.0}% of it white)", fraction * 100.0)
            }
            QualityIssue::LowConfidence { score } => {
                write!(f, "the face was not found with enough confidence (score {score:.2})")
            }
            QualityIssue::FaceCut => write!(f, "the face is cut off at the edge of the picture"),
        }
    }
}

/// The measures taken on one live probe and the gates it failed.
#[derive(Debug, Clone, PartialEq)]
pub struct QualityReport {
    /// The distance between the two eye landmarks, in image pixels.
    pub eye_distance_px: f32,
    /// Head turn in degrees, positive towards the image's right (see [`assess`] for the model).
    pub yaw_deg: f32,
    /// Head tilt in degrees, positive when the face looks up.
    pub pitch_deg: f32,
    /// Angle of the eye line in degrees, positive when the right eye (as seen) is lower.
    pub roll_deg: f32,
    /// Variance of the 3 x 3 Laplacian of the face box's luma, after averaging down to at most
    /// [`SHARPNESS_SIDE_PX`] (Pech-Pacheco et al., "Diatom autofocusing in brightfield microscopy: a comparative
    /// study", ICPR 2000). 0 for a flat or empty box.
    pub sharpness: f32,
    /// Mean BT.601 luma of the face box, 0 to 255 (0 when the box holds no pixel of the image).
    pub mean_luma: f32,
    /// Fraction of the face box's pixels whose luma is ≤ 5 or ≥ 250 (1 when the box holds no pixel).
    pub clipped_fraction: f32,
    /// Overall quality, 0 to 1, to choose among several frames: the product of one factor per measure, each 1 at
    /// its best, 0.5 at its gate's threshold and 0 when undefined. Compare acceptable reports only.
    pub score: f32,
    /// The gates failed, in a fixed order; empty when the probe is acceptable.
    pub issues: Vec<QualityIssue>,
}

impl QualityReport {
    /// Whether the probe passed every gate.
    pub fn is_acceptable(&self) -> bool {
        self.issues.is_empty()
    }
}

/// Measures the live probe `face` in `image` and checks it against `config`.
///
/// Pose comes from the five landmarks alone, under weak perspective, with the face modelled as the eye centres and
/// mouth corners in one plane and the nose tip [`NOSE_DEPTH_RATIO`] × the eye distance in front of it. The
/// landmarks are first rotated about the eye midpoint so that the eye line is horizontal; then
/// - roll = atan2(Δy, Δx) of the eye line (from the left eye to the right eye as seen);
/// - yaw = atan(dx / (NOSE_DEPTH_RATIO · e)), where dx is the nose tip's horizontal offset from the eye midpoint
///   and e the observed eye distance: a turn θ moves the nose tip by depth · sin θ and shortens the eye
///   distance to its cos θ, so dx / e = NOSE_DEPTH_RATIO · tan θ;
/// - pitch = atan((r₀ − r) · (m₀ / e₀) / NOSE_DEPTH_RATIO), where r is the nose tip's height between the eye line
///   (0) and the mouth-corner line (1), and r₀ ≈ 0.53 and m₀ / e₀ (eye-to-mouth height over eye distance, ≈ 1.07)
///   are those of the frontal face of [`Template::dlib_150`]: a tilt φ raises the nose tip by depth · sin φ
///   while the eye-to-mouth height becomes m · cos φ, so r = r₀ − (depth / m) · tan φ.
///
/// Sharpness, mean luma and clipping are measured on the face box clipped to the image.
pub fn assess(image: &RgbImage, face: &Face, config: &QualityConfig) -> QualityReport {
    let [left_eye, right_eye, ..] = face.landmarks;
    let eye_distance_px = distance(left_eye, right_eye);
    let pose = head_pose(&face.landmarks);
    let light = measure_box(image, face.bbox);

    let mut issues = Vec::new();
    if is_cut(image, face.bbox, config.max_outside_fraction) {
        issues.push(QualityIssue::FaceCut);
    }
    if !at_least(face.score, config.min_detector_score) {
        issues.push(QualityIssue::LowConfidence { score: face.score });
    }
    if !at_least(eye_distance_px, config.min_eye_distance_px) {
        issues.push(QualityIssue::FaceTooSmall { eye_distance_px });
    }
    if !at_most(pose.yaw.abs(), config.max_yaw_deg) {
        issues.push(QualityIssue::PoseYaw { degrees: pose.yaw });
    }
    if !at_most(pose.pitch.abs(), config.max_pitch_deg) {
        issues.push(QualityIssue::PosePitch { degrees: pose.pitch });
    }
    if !at_most(pose.roll.abs(), config.max_roll_deg) {
        issues.push(QualityIssue::PoseRoll { degrees: pose.roll });
    }
    if !at_least(light.sharpness, config.min_sharpness) {
        issues.push(QualityIssue::Blurred { sharpness: light.sharpness });
    }
    if !at_least(light.mean_luma, config.min_mean_luma) {
        issues.push(QualityIssue::TooDark { mean_luma: light.mean_luma });
    }
    if !at_most(light.mean_luma, config.max_mean_luma) {
        issues.push(QualityIssue::TooBright { mean_luma: light.mean_luma });
    }
    let clipped_fraction = light.dark_fraction + light.bright_fraction;
    if !at_most(clipped_fraction, config.max_clipped_fraction) {
        // Name the side or sides that make up most of the excess: with harsh side light, both.
        let half = config.max_clipped_fraction / 2.0;
        if !at_most(light.dark_fraction, half) {
            issues.push(QualityIssue::Underexposed { fraction: light.dark_fraction });
        }
        if !at_most(light.bright_fraction, half) {
            issues.push(QualityIssue::Overexposed { fraction: light.bright_fraction });
        }
    }

    let score = overall_score(eye_distance_px, &pose, &light, clipped_fraction, face.score, config);
    QualityReport {
        eye_distance_px,
        yaw_deg: pose.yaw,
        pitch_deg: pose.pitch,
        roll_deg: pose.roll,
        sharpness: light.sharpness,
        mean_luma: light.mean_luma,
        clipped_fraction,
        score,
        issues,
    }
}

/// Head pose in degrees.
struct Pose {
    yaw: f32,
    pitch: f32,
    roll: f32,
}

/// Landmarks in the eye frame: origin at the eye midpoint, x along the eye line (left eye to right eye), y
/// perpendicular to it, downwards for an upright face.
struct EyeFrame {
    eye_distance: f32,
    roll: f32,
    nose: Point,
    mouth_y: f32,
}

fn eye_frame(landmarks: &[Point; 5]) -> EyeFrame {
    let [left_eye, right_eye, nose, left_mouth, right_mouth] = *landmarks;
    let (ex, ey) = (right_eye.x - left_eye.x, right_eye.y - left_eye.y);
    let eye_distance = ex.hypot(ey);
    // Not finite when the eyes coincide: every angle derived from it is then NaN and fails its gate.
    let (ux, uy) = (ex / eye_distance, ey / eye_distance);
    let mid = Point { x: (left_eye.x + right_eye.x) / 2.0, y: (left_eye.y + right_eye.y) / 2.0 };
    let to_frame = |p: Point| {
        let (dx, dy) = (p.x - mid.x, p.y - mid.y);
        Point { x: dx * ux + dy * uy, y: -dx * uy + dy * ux }
    };
    let mouth = Point { x: (left_mouth.x + right_mouth.x) / 2.0, y: (left_mouth.y + right_mouth.y) / 2.0 };
    EyeFrame { eye_distance, roll: ey.atan2(ex), nose: to_frame(nose), mouth_y: to_frame(mouth).y }
}

fn head_pose(landmarks: &[Point; 5]) -> Pose {
    let frontal = eye_frame(&Template::dlib_150().points);
    let frontal_ratio = frontal.nose.y / frontal.mouth_y;
    let frontal_mouth_over_eyes = frontal.mouth_y / frontal.eye_distance;

    let probe = eye_frame(landmarks);
    let yaw = (probe.nose.x / (NOSE_DEPTH_RATIO * probe.eye_distance)).atan();
    let ratio = probe.nose.y / probe.mouth_y;
    let pitch = ((frontal_ratio - ratio) * frontal_mouth_over_eyes / NOSE_DEPTH_RATIO).atan();
    Pose { yaw: yaw.to_degrees(), pitch: pitch.to_degrees(), roll: probe.roll.to_degrees() }
}

fn distance(a: Point, b: Point) -> f32 {
    (b.x - a.x).hypot(b.y - a.y)
}

/// Whether the box is empty, not finite, or reaches past an image edge by more than `max_outside` of its size.
fn is_cut(image: &RgbImage, bbox: [f32; 4], max_outside: f32) -> bool {
    let [left, top, right, bottom] = bbox;
    let (width, height) = (right - left, bottom - top);
    if !(width > 0.0 && height > 0.0 && width.is_finite() && height.is_finite()) {
        return true;
    }
    let outside_x = (-left).max(right - image.width as f32).max(0.0);
    let outside_y = (-top).max(bottom - image.height as f32).max(0.0);
    !(at_most(outside_x, max_outside * width) && at_most(outside_y, max_outside * height))
}

/// Light and focus measured on the face box.
struct BoxMeasures {
    sharpness: f32,
    mean_luma: f32,
    dark_fraction: f32,
    bright_fraction: f32,
}

/// BT.601 luma (ITU-R BT.601, as used by JPEG), 0 to 255.
pub(crate) fn luma([r, g, b]: [u8; 3]) -> f32 {
    0.299 * f32::from(r) + 0.587 * f32::from(g) + 0.114 * f32::from(b)
}

/// The pixel columns or rows `[start, end)` covered by `low..high` within `0..limit`, empty when not finite.
fn clip_span(low: f32, high: f32, limit: u32) -> (u32, u32) {
    if !(low.is_finite() && high.is_finite()) {
        return (0, 0);
    }
    let limit_f = limit as f32;
    // `as u32` saturates; both ends are clamped to the image first.
    let start = low.floor().clamp(0.0, limit_f) as u32;
    let end = high.ceil().clamp(0.0, limit_f) as u32;
    (start.min(limit), end.min(limit).max(start.min(limit)))
}

fn measure_box(image: &RgbImage, bbox: [f32; 4]) -> BoxMeasures {
    let [left, top, right, bottom] = bbox;
    let (x0, x1) = clip_span(left, right, image.width);
    let (y0, y1) = clip_span(top, bottom, image.height);
    let (box_w, box_h) = (x1 - x0, y1 - y0);
    let nothing = BoxMeasures { sharpness: 0.0, mean_luma: 0.0, dark_fraction: 1.0, bright_fraction: 0.0 };
    let (Ok(width), Ok(bw), Ok(bh), Ok(x0u)) =
        (usize::try_from(image.width), usize::try_from(box_w), usize::try_from(box_h), usize::try_from(x0))
    else {
        return nothing;
    };
    if bw == 0 || bh == 0 {
        return nothing;
    }

    // Average down by a whole factor so the grid's longer side is at most SHARPNESS_SIDE_PX; pixels past the last
    // whole cell are left out of the grid (not of the light measures).
    let side = usize::try_from(SHARPNESS_SIDE_PX).unwrap_or(160);
    let factor = bw.max(bh).div_ceil(side).max(1);
    let (gw, gh) = (bw / factor, bh / factor);
    let mut grid = vec![0.0f32; gw * gh];

    let (mut sum, mut count, mut dark, mut bright) = (0.0f64, 0usize, 0usize, 0usize);
    for (dy, y) in (y0..y1).enumerate() {
        // Checked: the image's stated size need not match its buffer.
        let Some(start) = usize::try_from(y)
            .ok()
            .and_then(|y| y.checked_mul(width))
            .and_then(|i| i.checked_add(x0u))
            .and_then(|i| i.checked_mul(3))
        else {
            break;
        };
        let Some(row) = start.checked_add(bw * 3).and_then(|end| image.pixels.get(start..end)) else { break };
        let grid_row = dy / factor;
        for (dx, px) in row.chunks_exact(3).enumerate() {
            let [r, g, b] = [px.first(), px.get(1), px.get(2)].map(|c| c.copied().unwrap_or(0));
            let l = luma([r, g, b]);
            sum += f64::from(l);
            count += 1;
            if l <= 5.0 {
                dark += 1;
            } else if l >= 250.0 {
                bright += 1;
            }
            let grid_col = dx / factor;
            if grid_row < gh
                && grid_col < gw
                && let Some(cell) = grid.get_mut(grid_row * gw + grid_col)
            {
                *cell += l;
            }
        }
    }
    if count == 0 {
        return nothing;
    }
    let cell_area = (factor * factor) as f32;
    grid.iter_mut().for_each(|cell| *cell /= cell_area);

    BoxMeasures {
        sharpness: laplacian_variance(&grid, gw, gh),
        mean_luma: (sum / count as f64) as f32,
        dark_fraction: dark as f32 / count as f32,
        bright_fraction: bright as f32 / count as f32,
    }
}

/// Variance of the 4-neighbour Laplacian [0 1 0; 1 −4 1; 0 1 0] over the interior of a `gw` x `gh` grid.
fn laplacian_variance(grid: &[f32], gw: usize, gh: usize) -> f32 {
    if gw < 3 || gh < 3 {
        return 0.0;
    }
    let at = |x: usize, y: usize| f64::from(grid.get(y * gw + x).copied().unwrap_or(0.0));
    let (mut sum, mut sum_sq, mut n) = (0.0f64, 0.0f64, 0.0f64);
    for y in 1..gh - 1 {
        for x in 1..gw - 1 {
            let l = at(x, y - 1) + at(x, y + 1) + at(x - 1, y) + at(x + 1, y) - 4.0 * at(x, y);
            sum += l;
            sum_sq += l * l;
            n += 1.0;
        }
    }
    let mean = sum / n;
    (sum_sq / n - mean * mean).max(0.0) as f32
}

/// `value >= min`, false when either is NaN: an undefined measure fails its gate.
pub(crate) fn at_least(value: f32, min: f32) -> bool {
    value >= min
}

/// `value <= max`, false when either is NaN: an undefined measure fails its gate.
pub(crate) fn at_most(value: f32, max: f32) -> bool {
    value <= max
}

/// A factor in 0..=1; NaN (an undefined measure) counts as 0.
fn unit(v: f32) -> f32 {
    if v.is_nan() { 0.0 } else { v.clamp(0.0, 1.0) }
}

fn overall_score(
    eye_distance_px: f32,
    pose: &Pose,
    light: &BoxMeasures,
    clipped_fraction: f32,
    detector_score: f32,
    config: &QualityConfig,
) -> f32 {
    // Saturating: 0.5 at the threshold, towards 1 above it.
    let size = unit(eye_distance_px / (eye_distance_px + config.min_eye_distance_px));
    let sharp = unit(light.sharpness / (light.sharpness + config.min_sharpness));
    // Linear: 1 at the ideal, 0.5 at the gate's limit, 0 at twice the limit.
    let angle = |degrees: f32, max: f32| unit(1.0 - degrees.abs() / (2.0 * max));
    let pose = angle(pose.yaw, config.max_yaw_deg)
        * angle(pose.pitch, config.max_pitch_deg)
        * angle(pose.roll, config.max_roll_deg);
    let mid = (config.min_mean_luma + config.max_mean_luma) / 2.0;
    let half_range = (config.max_mean_luma - config.min_mean_luma) / 2.0;
    let exposure = unit(1.0 - (light.mean_luma - mid).abs() / (2.0 * half_range));
    let clipping = unit(1.0 - clipped_fraction / (2.0 * config.max_clipped_fraction));
    unit(size * sharp * pose * exposure * clipping * unit(detector_score))
}

#[cfg(test)]
mod tests;
