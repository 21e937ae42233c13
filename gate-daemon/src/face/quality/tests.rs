use std::collections::HashSet;

use zeroize::Zeroizing;

use super::*;

fn image_from(width: u32, height: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
    let mut pixels = Vec::new();
    for y in 0..height {
        for x in 0..width {
            pixels.extend(f(x, y));
        }
    }
    RgbImage { width, height, pixels: Zeroizing::new(pixels) }
}

fn flat(width: u32, height: u32, value: u8) -> RgbImage {
    image_from(width, height, |_, _| [value; 3])
}

/// Grey noise in 40..=215 from a hash of the position: sharp, mid-grey, nothing clipped.
fn noise(width: u32, height: u32) -> RgbImage {
    image_from(width, height, |x, y| [40 + (hash(x, y) % 176) as u8; 3])
}

fn hash(x: u32, y: u32) -> u32 {
    let mut h = x.wrapping_mul(0x9E37_79B1) ^ y.wrapping_mul(0x85EB_CA77);
    h ^= h >> 15;
    h = h.wrapping_mul(0xC2B2_AE3D);
    h ^ (h >> 13)
}

/// The dlib template's frontal face scaled by `scale` about its origin and moved by `offset`.
fn frontal_face(scale: f32, offset: f32) -> Face {
    let landmarks = Template::dlib_150().points.map(|p| Point { x: p.x * scale + offset, y: p.y * scale + offset });
    let side = 150.0 * scale;
    Face { bbox: [offset, offset, offset + side, offset + side], score: 0.99, landmarks }
}

fn codes(report: &QualityReport) -> Vec<&'static str> {
    report.issues.iter().map(QualityIssue::code).collect()
}

fn has_pose_issue(report: &QualityReport) -> bool {
    report.issues.iter().any(|i| {
        matches!(i, QualityIssue::PoseYaw { .. } | QualityIssue::PosePitch { .. } | QualityIssue::PoseRoll { .. })
    })
}

#[test]
fn a_frontal_face_passes_with_pose_near_zero() {
    let report = assess(&noise(200, 200), &frontal_face(1.0, 25.0), &QualityConfig::default());
    assert!(report.yaw_deg.abs() < 0.5, "{report:?}");
    assert!(report.pitch_deg.abs() < 0.01, "{report:?}");
    assert!(report.roll_deg.abs() < 0.01, "{report:?}");
    assert!((report.eye_distance_px - 52.93).abs() < 0.01);
    assert!(report.is_acceptable(), "{:?}", codes(&report));
    assert!(report.score > 0.3 && report.score <= 1.0, "{report:?}");
}

#[test]
fn the_arcface_template_is_frontal_too() {
    let template = Template::arcface_112();
    let landmarks = template.points.map(|p| Point { x: p.x * 2.0, y: p.y * 2.0 });
    let face = Face { bbox: [0.0, 0.0, 224.0, 224.0], score: 0.99, landmarks };
    let report = assess(&noise(224, 224), &face, &QualityConfig::default());
    assert!(!has_pose_issue(&report), "{report:?}");
    assert!(report.yaw_deg.abs() < 2.0 && report.pitch_deg.abs() < 6.0, "{report:?}");
}

#[test]
fn the_frontal_reference_comes_from_the_dlib_template() {
    let frontal = eye_frame(&Template::dlib_150().points);
    assert!((frontal.nose.y / frontal.mouth_y - 0.531).abs() < 0.001);
    assert!((frontal.mouth_y / frontal.eye_distance - 1.066).abs() < 0.001);
}

#[test]
fn rotated_landmarks_are_a_roll() {
    let mut face = frontal_face(1.0, 25.0);
    let (s, c) = 30f32.to_radians().sin_cos();
    face.landmarks = face.landmarks.map(|p| {
        let (dx, dy) = (p.x - 100.0, p.y - 100.0);
        Point { x: 100.0 + c * dx - s * dy, y: 100.0 + s * dx + c * dy }
    });
    let report = assess(&noise(200, 200), &face, &QualityConfig::default());
    assert!((report.roll_deg - 30.0).abs() < 0.01, "{report:?}");
    assert!(report.yaw_deg.abs() < 0.5 && report.pitch_deg.abs() < 0.01, "{report:?}");
    assert_eq!(codes(&report), ["pose_roll"]);
}

#[test]
fn a_nose_off_centre_is_a_yaw() {
    let mut face = frontal_face(1.0, 25.0);
    let eye_distance = 100.4761 - 47.5492;
    face.landmarks[2].x += 0.4 * eye_distance;
    let report = assess(&noise(200, 200), &face, &QualityConfig::default());
    // dx / (0.55 e) = 0.4 / 0.55: atan(0.727) = 36.03 degrees.
    assert!((report.yaw_deg - 36.03).abs() < 0.1, "{report:?}");
    assert_eq!(codes(&report), ["pose_yaw"]);

    face.landmarks[2].x -= 0.8 * eye_distance;
    let report = assess(&noise(200, 200), &face, &QualityConfig::default());
    assert!((report.yaw_deg + 36.03).abs() < 0.1, "{report:?}");

    // A small turn passes: 10 degrees moves the nose by NOSE_DEPTH_RATIO e tan 10°.
    let mut face = frontal_face(1.0, 25.0);
    face.landmarks[2].x += NOSE_DEPTH_RATIO * eye_distance * 10f32.to_radians().tan();
    let report = assess(&noise(200, 200), &face, &QualityConfig::default());
    assert!((report.yaw_deg - 10.0).abs() < 0.1 && report.is_acceptable(), "{report:?}");
}

#[test]
fn a_nose_near_the_eyes_is_a_pitch_up() {
    let mut face = frontal_face(1.0, 25.0);
    let (eyes, mouth) = (46.599 + 25.0, 103.0233 + 25.0);
    face.landmarks[2].y = eyes + 0.2 * (mouth - eyes);
    let report = assess(&noise(200, 200), &face, &QualityConfig::default());
    assert!(report.pitch_deg > 25.0, "{report:?}");
    assert_eq!(codes(&report), ["pose_pitch"]);
    assert!(report.issues[0].to_string().contains("up"));

    face.landmarks[2].y = eyes + 0.85 * (mouth - eyes);
    let report = assess(&noise(200, 200), &face, &QualityConfig::default());
    assert!(report.pitch_deg < -25.0, "{report:?}");
    assert!(report.issues[0].to_string().contains("down"));
}

#[test]
fn a_small_face_is_too_small() {
    let report = assess(&noise(200, 200), &frontal_face(0.5, 60.0), &QualityConfig::default());
    assert!(codes(&report).contains(&"face_too_small"), "{report:?}");
    assert!(!has_pose_issue(&report));
}

#[test]
fn a_flat_grey_face_is_blurred() {
    let report = assess(&flat(200, 200, 128), &frontal_face(1.0, 25.0), &QualityConfig::default());
    assert_eq!(report.sharpness, 0.0);
    assert_eq!(codes(&report), ["blurred"]);
}

#[test]
fn noise_and_checkerboards_are_sharp() {
    let config = QualityConfig::default();
    let noisy = assess(&noise(200, 200), &frontal_face(1.0, 25.0), &config);
    assert!(noisy.sharpness > 1000.0, "{noisy:?}");
    let checker = image_from(200, 200, |x, y| [if (x / 2 + y / 2) % 2 == 0 { 60 } else { 190 }; 3]);
    let checked = assess(&checker, &frontal_face(1.0, 25.0), &config);
    assert!(checked.sharpness > 1000.0, "{checked:?}");
    assert!(checked.is_acceptable(), "{checked:?}");
}

#[test]
fn blurring_lowers_sharpness() {
    let sharp = noise(200, 200);
    let blurred = image_from(200, 200, |x, y| {
        let mut sum = 0u32;
        for dy in 0..5 {
            for dx in 0..5 {
                sum += u32::from(sharp.get((x + dx).min(199), (y + dy).min(199)).unwrap()[0]);
            }
        }
        [(sum / 25) as u8; 3]
    });
    let config = QualityConfig::default();
    let face = frontal_face(1.0, 25.0);
    let (a, b) = (assess(&sharp, &face, &config), assess(&blurred, &face, &config));
    assert!(b.sharpness < a.sharpness / 10.0, "{} vs {}", b.sharpness, a.sharpness);
    assert!(b.score < a.score);
}

#[test]
fn sharpness_does_not_grow_with_the_face() {
    // The same random 4 px blocks on a 150 px box, and as 12 px blocks on a 450 px box (averaged down 3x).
    let small = image_from(150, 150, |x, y| [40 + (hash(x / 4, y / 4) % 176) as u8; 3]);
    let large = image_from(450, 450, |x, y| [40 + (hash(x / 12, y / 12) % 176) as u8; 3]);
    let config = QualityConfig::default();
    let a = assess(&small, &frontal_face(1.0, 0.0), &config);
    let b = assess(&large, &frontal_face(3.0, 0.0), &config);
    assert!(a.sharpness > 100.0);
    assert!((a.sharpness - b.sharpness).abs() / a.sharpness < 0.01, "{} vs {}", a.sharpness, b.sharpness);
}

#[test]
fn black_and_white_faces_are_refused() {
    let config = QualityConfig::default();
    let dark = assess(&flat(200, 200, 0), &frontal_face(1.0, 25.0), &config);
    assert_eq!(dark.mean_luma, 0.0);
    assert_eq!(dark.clipped_fraction, 1.0);
    assert!(codes(&dark).contains(&"too_dark") && codes(&dark).contains(&"underexposed"), "{dark:?}");
    assert!(!codes(&dark).contains(&"overexposed"));
    let bright = assess(&flat(200, 200, 255), &frontal_face(1.0, 25.0), &config);
    assert!(codes(&bright).contains(&"too_bright") && codes(&bright).contains(&"overexposed"), "{bright:?}");
    assert!(!codes(&bright).contains(&"underexposed"));
}

#[test]
fn half_lit_faces_are_both_under_and_overexposed() {
    let split = image_from(200, 200, |x, _| [if x < 100 { 0 } else { 255 }; 3]);
    let report = assess(&split, &frontal_face(1.0, 25.0), &QualityConfig::default());
    assert!(codes(&report).contains(&"underexposed") && codes(&report).contains(&"overexposed"), "{report:?}");
}

#[test]
fn low_scores_and_cut_faces_are_refused() {
    let config = QualityConfig::default();
    let mut face = frontal_face(1.0, 25.0);
    face.score = 0.5;
    assert_eq!(codes(&assess(&noise(200, 200), &face, &config)), ["low_confidence"]);

    // 30 px of a 150 px box past the left edge: cut. 10 px: within the margin.
    let face = Face { bbox: [-30.0, 25.0, 120.0, 175.0], ..frontal_face(1.0, 25.0) };
    assert!(codes(&assess(&noise(200, 200), &face, &config)).contains(&"face_cut"));
    let face = Face { bbox: [-10.0, 25.0, 140.0, 175.0], ..frontal_face(1.0, 25.0) };
    assert!(!codes(&assess(&noise(200, 200), &face, &config)).contains(&"face_cut"));
    let face = Face { bbox: [60.0, 25.0, 60.0, 175.0], ..frontal_face(1.0, 25.0) };
    assert!(codes(&assess(&noise(200, 200), &face, &config)).contains(&"face_cut"));
}

#[test]
fn undefined_measures_fail_closed_without_panicking() {
    let config = QualityConfig::default();
    let mut face = frontal_face(1.0, 25.0);
    face.landmarks = [Point { x: f32::NAN, y: 3.0 }; 5];
    face.bbox = [f32::NAN, 0.0, f32::INFINITY, 1e30];
    let empty = RgbImage { width: 0, height: 0, pixels: Zeroizing::new(Vec::new()) };
    let short = RgbImage { width: 500, height: 500, pixels: Zeroizing::new(vec![128; 99]) };
    for image in [&noise(50, 50), &empty, &short] {
        let report = assess(image, &face, &config);
        assert!(!report.is_acceptable());
        assert!(has_pose_issue(&report) && codes(&report).contains(&"face_cut"), "{report:?}");
        assert_eq!(report.score, 0.0);
    }
    // Coincident eyes.
    let mut face = frontal_face(1.0, 25.0);
    face.landmarks[1] = face.landmarks[0];
    let report = assess(&noise(200, 200), &face, &config);
    assert!(codes(&report).contains(&"face_too_small") && has_pose_issue(&report), "{report:?}");
}

#[test]
fn every_code_is_distinct_snake_case_with_an_english_reason() {
    let all = [
        QualityIssue::FaceTooSmall { eye_distance_px: 30.0 },
        QualityIssue::PoseYaw { degrees: 30.0 },
        QualityIssue::PosePitch { degrees: -30.0 },
        QualityIssue::PoseRoll { degrees: 25.0 },
        QualityIssue::Blurred { sharpness: 2.0 },
        QualityIssue::TooDark { mean_luma: 20.0 },
        QualityIssue::TooBright { mean_luma: 240.0 },
        QualityIssue::Underexposed { fraction: 0.4 },
        QualityIssue::Overexposed { fraction: 0.4 },
        QualityIssue::LowConfidence { score: 0.5 },
        QualityIssue::FaceCut,
    ];
    let codes: HashSet<_> = all.iter().map(QualityIssue::code).collect();
    assert_eq!(codes.len(), all.len());
    assert!(codes.iter().all(|c| c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_')));
    for issue in &all {
        let text = issue.to_string();
        assert!(text.starts_with("the ") || text.starts_with("part "), "{text}");
    }
    assert_eq!(
        QualityIssue::FaceTooSmall { eye_distance_px: 31.4 }.to_string(),
        "the face is too small in the picture (31 pixels between the eyes)"
    );
}

#[test]
fn the_config_reads_from_toml_like_json_with_defaults() {
    let config: QualityConfig = serde_json::from_str("{}").unwrap();
    assert_eq!(config, QualityConfig::default());
    let config: QualityConfig = serde_json::from_str(r#"{"min_sharpness": 30.0}"#).unwrap();
    assert_eq!(config.min_sharpness, 30.0);
    assert_eq!(config.max_yaw_deg, 25.0);
    assert!(serde_json::from_str::<QualityConfig>(r#"{"min_sharpnes": 30.0}"#).is_err());
}
