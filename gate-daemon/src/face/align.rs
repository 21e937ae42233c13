//! Aligning a face onto a recogniser's template: the 2-D similarity transform (rotation, uniform scale,
//! translation, no reflection) that best maps the five detected landmarks onto the template's five points in the
//! least-squares sense (Umeyama, "Least-squares estimation of transformation parameters between two point
//! patterns", IEEE PAMI 13(4), 1991), then a bilinear warp of the image into the template's frame.

use zeroize::Zeroizing;

use super::{Face, Point, RgbImage};

/// The largest output [`warp`] produces, in pixels: far above any recogniser's input (112 x 112, 150 x 150),
/// low enough that a wrong size cannot exhaust memory.
pub const MAX_WARP_PIXELS: u64 = 4096 * 4096;

/// A 2-D similarity transform mapping (x, y) to (a x − b y + tx, b x + a y + ty): a rotation by atan2(b, a), a
/// uniform scale by √(a² + b²) and a translation. Equivalently, in complex numbers, z ↦ (a + i b) z + (tx + i ty).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Similarity {
    /// Scale times the cosine of the rotation.
    pub a: f32,
    /// Scale times the sine of the rotation.
    pub b: f32,
    /// Horizontal translation.
    pub tx: f32,
    /// Vertical translation.
    pub ty: f32,
}

impl Similarity {
    /// The transform that leaves every point where it is.
    pub const IDENTITY: Similarity = Similarity { a: 1.0, b: 0.0, tx: 0.0, ty: 0.0 };

    /// The similarity minimising Σ‖dst_i − T(src_i)‖², by Umeyama's method restricted to two dimensions and to
    /// proper rotations (det R = +1; a reflection is never returned).
    ///
    /// In 2-D Umeyama's SVD solution has a closed form: with the centred points p_i = src_i − mean(src) and
    /// q_i = dst_i − mean(dst) read as complex numbers, the rotation-and-scale is c·R = Σ conj(p_i) q_i / Σ|p_i|²
    /// (Umeyama's c = tr(DS)/σ²_src and R = USVᵀ coincide with it, since minimising over c ≥ 0 and proper
    /// rotations is minimising over all complex multipliers), and the translation is mean(dst) − c·R·mean(src).
    /// Computed in f64.
    ///
    /// Returns `None` for inputs with no unique, invertible answer: lengths that differ, fewer than two points,
    /// a coordinate that is not finite, all source points equal, or all destination points equal (scale zero).
    pub fn estimate(src: &[Point], dst: &[Point]) -> Option<Similarity> {
        if src.len() != dst.len() || src.len() < 2 {
            return None;
        }
        if src.iter().chain(dst).any(|p| !(p.x.is_finite() && p.y.is_finite())) {
            return None;
        }
        let n = src.len() as f64;
        let mean = |points: &[Point]| {
            let (sx, sy) =
                points.iter().fold((0.0f64, 0.0f64), |(sx, sy), p| (sx + f64::from(p.x), sy + f64::from(p.y)));
            (sx / n, sy / n)
        };
        let (msx, msy) = mean(src);
        let (mdx, mdy) = mean(dst);
        // Σ|p|², Σ Re(conj(p) q) = Σ p·q, Σ Im(conj(p) q) = Σ p × q.
        let (mut var, mut dot, mut cross) = (0.0f64, 0.0f64, 0.0f64);
        for (s, d) in src.iter().zip(dst) {
            let (px, py) = (f64::from(s.x) - msx, f64::from(s.y) - msy);
            let (qx, qy) = (f64::from(d.x) - mdx, f64::from(d.y) - mdy);
            var += px * px + py * py;
            dot += px * qx + py * qy;
            cross += px * qy - py * qx;
        }
        // Relative to the spread of the points, so that tiny but genuine faces are still accepted.
        let extent = src.iter().map(|p| f64::from(p.x).abs().max(f64::from(p.y).abs())).fold(0.0f64, f64::max);
        let floor = n * (extent * 1e-9).powi(2);
        if !(var.is_finite() && var > floor) {
            return None;
        }
        let a = dot / var;
        let b = cross / var;
        let tx = mdx - (a * msx - b * msy);
        let ty = mdy - (b * msx + a * msy);
        let t = Similarity { a: a as f32, b: b as f32, tx: tx as f32, ty: ty as f32 };
        let finite = [t.a, t.b, t.tx, t.ty].iter().all(|v| v.is_finite());
        (finite && t.scale() > 0.0).then_some(t)
    }

    /// The transform undoing this one, or `None` when the scale is zero or not finite.
    pub fn inverse(&self) -> Option<Similarity> {
        let (a, b, tx, ty) = (f64::from(self.a), f64::from(self.b), f64::from(self.tx), f64::from(self.ty));
        let norm = a * a + b * b;
        if !(norm.is_finite() && norm > 0.0) {
            return None;
        }
        // (a + ib)⁻¹ = (a − ib) / (a² + b²); the translation is −(a + ib)⁻¹ (tx + i ty).
        let (ia, ib) = (a / norm, -b / norm);
        let inverse = Similarity {
            a: ia as f32,
            b: ib as f32,
            tx: (-(ia * tx - ib * ty)) as f32,
            ty: (-(ib * tx + ia * ty)) as f32,
        };
        [inverse.a, inverse.b, inverse.tx, inverse.ty].iter().all(|v| v.is_finite()).then_some(inverse)
    }

    /// The image of `p`.
    pub fn apply(&self, p: Point) -> Point {
        Point { x: self.a * p.x - self.b * p.y + self.tx, y: self.b * p.x + self.a * p.y + self.ty }
    }

    /// The uniform scale factor, √(a² + b²).
    pub fn scale(&self) -> f32 {
        self.a.hypot(self.b)
    }

    /// The rotation in radians, counter-clockwise in a y-up frame (clockwise on screen, where y points down).
    pub fn rotation(&self) -> f32 {
        self.b.atan2(self.a)
    }
}

/// Resamples `image` into a `width` x `height` image in the frame `to_template` maps onto: output pixel (u, v) takes
/// the source's colour at `to_template⁻¹(u, v)`, interpolated bilinearly between the four nearest pixels. Pixel
/// (x, y) sits at the integer coordinates (x, y), the convention of landmark detectors and of OpenCV's `warpAffine`
/// with which the recognisers' training crops were made. Neighbours outside the source count as black (0), so a
/// sample beyond the image is black and one on its border fades into black.
///
/// Never panics: an empty source or output, a transform that cannot be inverted or gives non-finite coordinates
/// yields black pixels; an output over [`MAX_WARP_PIXELS`] is returned empty (0 x 0).
pub fn warp(image: &RgbImage, to_template: &Similarity, width: u32, height: u32) -> RgbImage {
    let empty = || RgbImage { width: 0, height: 0, pixels: Zeroizing::new(Vec::new()) };
    if u64::from(width) * u64::from(height) > MAX_WARP_PIXELS {
        return empty();
    }
    let (Ok(w), Ok(h)) = (usize::try_from(width), usize::try_from(height)) else {
        return empty();
    };
    let mut pixels = Zeroizing::new(vec![0u8; w * h * 3]);
    if w == 0 || h == 0 {
        return RgbImage { width, height, pixels };
    }
    if let Some(back) = to_template.inverse() {
        for (v, row) in pixels.chunks_exact_mut(w * 3).enumerate() {
            for (u, out) in row.chunks_exact_mut(3).enumerate() {
                let p = back.apply(Point { x: u as f32, y: v as f32 });
                if let Some(rgb) = sample_bilinear(image, p) {
                    out.copy_from_slice(&rgb);
                }
            }
        }
    }
    RgbImage { width, height, pixels }
}

/// The bilinear interpolation of `image` at `p`, with black outside; `None` when all four neighbours are outside.
fn sample_bilinear(image: &RgbImage, p: Point) -> Option<[u8; 3]> {
    if !(p.x > -1.0 && p.y > -1.0 && p.x < image.width as f32 && p.y < image.height as f32) {
        return None;
    }
    let (x0, y0) = (p.x.floor(), p.y.floor());
    let (fx, fy) = (p.x - x0, p.y - y0);
    // In range by the test above: −1 ≤ x0 < width.
    let (x0, y0) = (x0 as i64, y0 as i64);
    let mut acc = [0.0f32; 3];
    let mut any = false;
    for (dx, dy, weight) in
        [(0, 0, (1.0 - fx) * (1.0 - fy)), (1, 0, fx * (1.0 - fy)), (0, 1, (1.0 - fx) * fy), (1, 1, fx * fy)]
    {
        let (Ok(x), Ok(y)) = (u32::try_from(x0 + dx), u32::try_from(y0 + dy)) else {
            continue;
        };
        if let Some(rgb) = image.get(x, y) {
            any = true;
            for (sum, channel) in acc.iter_mut().zip(rgb) {
                *sum += weight * f32::from(channel);
            }
        }
    }
    // `as u8` saturates; the sum of weights is 1, so rounding stays in 0..=255 anyway.
    any.then(|| acc.map(|v| v.round() as u8))
}

/// A recogniser's five-point template: where the landmarks of a frontal face fall in its input image.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Template {
    /// The recogniser's input size, width and height in pixels.
    pub size: (u32, u32),
    /// Left eye, right eye (as seen in the image), nose tip, left and right mouth corners.
    pub points: [Point; 5],
}

impl Template {
    /// dlib's face chip at 150 x 150 (the input of `dlib_face_recognition_resnet_model_v1`), from the 68-point
    /// mean face shape of dlib's `get_face_chip_details` (dlib/image_transforms/interpolation.h) with padding 0.25:
    /// each eye is the mean of its six points (36–41, 42–47), the nose tip point 30, the mouth corners points 48
    /// and 54; a point at (x, y) of the mean shape lands at 150 (0.25 + x) / 1.5.
    pub fn dlib_150() -> Template {
        Template {
            size: (150, 150),
            points: [
                Point { x: 47.5492, y: 46.5990 },
                Point { x: 100.4761, y: 46.5990 },
                Point { x: 74.0127, y: 76.5625 },
                Point { x: 50.4149, y: 103.0233 },
                Point { x: 97.6104, y: 103.0233 },
            ],
        }
    }

    /// The standard five points of InsightFace's ArcFace models at 112 x 112 (`arcface_dst` in
    /// insightface/utils/face_align.py).
    pub fn arcface_112() -> Template {
        Template {
            size: (112, 112),
            points: [
                Point { x: 38.2946, y: 51.6963 },
                Point { x: 73.5318, y: 51.5014 },
                Point { x: 56.0252, y: 71.7366 },
                Point { x: 41.5493, y: 92.3655 },
                Point { x: 70.7299, y: 92.2041 },
            ],
        }
    }

    /// The same template for an input of `width` x `height`, its points scaled per axis (a recogniser whose input
    /// keeps the aspect ratio gets a uniform scale). A zero size gives a template that [`align`] refuses.
    pub fn scaled_to(&self, width: u32, height: u32) -> Template {
        let sx = if self.size.0 == 0 { 0.0 } else { width as f32 / self.size.0 as f32 };
        let sy = if self.size.1 == 0 { 0.0 } else { height as f32 / self.size.1 as f32 };
        Template { size: (width, height), points: self.points.map(|p| Point { x: p.x * sx, y: p.y * sy }) }
    }
}

/// The face cropped and aligned onto `template`, at the template's size: the similarity from the face's five
/// landmarks to the template's points ([`Similarity::estimate`]), then [`warp`].
///
/// Returns `None` when the landmarks give no transform (coincident or not finite) or the template maps every
/// point to one.
pub fn align(image: &RgbImage, face: &Face, template: &Template) -> Option<RgbImage> {
    let to_template = Similarity::estimate(&face.landmarks, &template.points)?;
    let (width, height) = template.size;
    if u64::from(width) * u64::from(height) > MAX_WARP_PIXELS {
        return None;
    }
    Some(warp(image, &to_template, width, height))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pt(x: f32, y: f32) -> Point {
        Point { x, y }
    }

    fn close(a: Point, b: Point, tolerance: f32) -> bool {
        (a.x - b.x).abs() <= tolerance && (a.y - b.y).abs() <= tolerance
    }

    /// A deterministic noise source for the tests (xorshift32), in [−1, 1).
    struct Noise(u32);
    impl Noise {
        fn next(&mut self) -> f32 {
            self.0 ^= self.0 << 13;
            self.0 ^= self.0 >> 17;
            self.0 ^= self.0 << 5;
            (self.0 as f32 / u32::MAX as f32) * 2.0 - 1.0
        }
    }

    /// An image whose red channel grows with x, green with y and blue with both.
    fn gradient(width: u32, height: u32) -> RgbImage {
        let mut pixels = Vec::new();
        for y in 0..height {
            for x in 0..width {
                pixels.extend([(x * 3 % 256) as u8, (y * 5 % 256) as u8, ((x * 7 + y * 11) % 256) as u8]);
            }
        }
        RgbImage { width, height, pixels: Zeroizing::new(pixels) }
    }

    fn rotate_scale_translate() -> Similarity {
        let (angle, scale) = (30f32.to_radians(), 1.7f32);
        Similarity { a: scale * angle.cos(), b: scale * angle.sin(), tx: 12.5, ty: -40.25 }
    }

    #[test]
    fn estimate_recovers_a_known_transform_from_five_points() {
        let truth = rotate_scale_translate();
        let src = Template::arcface_112().points;
        let dst = src.map(|p| truth.apply(p));
        let found = Similarity::estimate(&src, &dst).unwrap();
        assert!((found.a - truth.a).abs() < 1e-5, "{found:?}");
        assert!((found.b - truth.b).abs() < 1e-5, "{found:?}");
        assert!((found.tx - truth.tx).abs() < 1e-3, "{found:?}");
        assert!((found.ty - truth.ty).abs() < 1e-3, "{found:?}");
        assert!((found.scale() - 1.7).abs() < 1e-5);
        assert!((found.rotation().to_degrees() - 30.0).abs() < 1e-3);
        for (s, d) in src.iter().zip(&dst) {
            assert!(close(found.apply(*s), *d, 1e-3));
        }
    }

    #[test]
    fn estimate_with_noisy_points_stays_close() {
        let truth = rotate_scale_translate();
        let src = Template::dlib_150().points;
        let mut noise = Noise(0x1234_5678);
        // Half a pixel of noise on landmarks some 90 px apart after scaling.
        let dst = src.map(|p| {
            let q = truth.apply(p);
            pt(q.x + 0.5 * noise.next(), q.y + 0.5 * noise.next())
        });
        let found = Similarity::estimate(&src, &dst).unwrap();
        assert!((found.scale() - truth.scale()).abs() / truth.scale() < 0.01, "{found:?}");
        assert!((found.rotation() - truth.rotation()).abs().to_degrees() < 0.5, "{found:?}");
        let rms = (src.iter().zip(&dst).map(|(s, d)| {
            let p = found.apply(*s);
            (p.x - d.x).powi(2) + (p.y - d.y).powi(2)
        }))
        .sum::<f32>()
            / 5.0;
        assert!(rms.sqrt() < 0.5, "residual {}", rms.sqrt());
    }

    #[test]
    fn estimate_never_reflects() {
        // dst is src mirrored left to right: the best proper similarity cannot be the mirror.
        let src = Template::dlib_150().points;
        let dst = src.map(|p| pt(150.0 - p.x, p.y));
        let found = Similarity::estimate(&src, &dst).unwrap();
        let mirror_residual: f32 = src
            .iter()
            .zip(&dst)
            .map(|(s, d)| {
                let p = found.apply(*s);
                (p.x - d.x).abs() + (p.y - d.y).abs()
            })
            .sum();
        assert!(mirror_residual > 1.0);
    }

    #[test]
    fn estimate_refuses_degenerate_input() {
        let five = Template::arcface_112().points;
        assert_eq!(Similarity::estimate(&[], &[]), None);
        assert_eq!(Similarity::estimate(&five[..1], &five[..1]), None);
        assert_eq!(Similarity::estimate(&five, &five[..4]), None);
        assert_eq!(Similarity::estimate(&[pt(3.0, 4.0); 5], &five), None);
        assert_eq!(Similarity::estimate(&five, &[pt(3.0, 4.0); 5]), None);
        let mut nan = five;
        nan[2].x = f32::NAN;
        assert_eq!(Similarity::estimate(&nan, &five), None);
        assert_eq!(Similarity::estimate(&five, &nan), None);
        let mut infinite = five;
        infinite[0].y = f32::INFINITY;
        assert_eq!(Similarity::estimate(&infinite, &five), None);
        // Two distinct points are enough.
        assert!(Similarity::estimate(&five[..2], &five[3..]).is_some());
    }

    #[test]
    fn inverse_undoes_the_transform() {
        let t = rotate_scale_translate();
        let back = t.inverse().unwrap();
        for p in Template::dlib_150().points {
            assert!(close(back.apply(t.apply(p)), p, 1e-3));
        }
        assert_eq!(Similarity { a: 0.0, b: 0.0, tx: 1.0, ty: 1.0 }.inverse(), None);
        assert_eq!(Similarity { a: f32::NAN, b: 0.0, tx: 1.0, ty: 1.0 }.inverse(), None);
    }

    #[test]
    fn warp_with_identity_returns_the_same_pixels() {
        let image = gradient(37, 23);
        let out = warp(&image, &Similarity::IDENTITY, 37, 23);
        assert_eq!((out.width, out.height), (37, 23));
        assert_eq!(*out.pixels, *image.pixels);
    }

    #[test]
    fn warp_with_an_integer_translation_shifts_exactly() {
        let image = gradient(40, 30);
        let shift = Similarity { a: 1.0, b: 0.0, tx: -7.0, ty: -4.0 };
        let out = warp(&image, &shift, 20, 20);
        for v in 0..20 {
            for u in 0..20 {
                assert_eq!(out.get(u, v), image.get(u + 7, v + 4), "at ({u}, {v})");
            }
        }
        // Shifted the other way, the uncovered band is black.
        let out = warp(&image, &Similarity { a: 1.0, b: 0.0, tx: 5.0, ty: 0.0 }, 40, 30);
        assert_eq!(out.get(4, 10), Some([0, 0, 0]));
        assert_eq!(out.get(5, 10), image.get(0, 10));
        assert_eq!(out.get(39, 29), image.get(34, 29));
    }

    #[test]
    fn warp_interpolates_bilinearly() {
        let image = RgbImage { width: 2, height: 1, pixels: Zeroizing::new(vec![0, 100, 200, 100, 200, 0]) };
        // Output x = 2 * source x: output pixel 1 samples the source at 0.5.
        let out = warp(&image, &Similarity { a: 2.0, b: 0.0, tx: 0.0, ty: 0.0 }, 3, 1);
        assert_eq!(out.get(0, 0), Some([0, 100, 200]));
        assert_eq!(out.get(1, 0), Some([50, 150, 100]));
        assert_eq!(out.get(2, 0), Some([100, 200, 0]));
    }

    #[test]
    fn warp_never_panics() {
        let image = gradient(10, 10);
        let empty = RgbImage { width: 0, height: 0, pixels: Zeroizing::new(Vec::new()) };
        let short = RgbImage { width: 100, height: 100, pixels: Zeroizing::new(vec![255; 30]) };
        let transforms = [
            Similarity::IDENTITY,
            Similarity { a: 1e30, b: -1e30, tx: 1e38, ty: -1e38 },
            Similarity { a: 1e-30, b: 0.0, tx: 0.0, ty: 0.0 },
            Similarity { a: f32::NAN, b: 0.0, tx: 0.0, ty: 0.0 },
            Similarity { a: 1.0, b: 0.0, tx: f32::INFINITY, ty: 0.0 },
            Similarity { a: 0.0, b: 0.0, tx: 0.0, ty: 0.0 },
        ];
        for t in &transforms {
            for source in [&image, &empty, &short] {
                for (w, h) in [(0, 0), (0, 5), (5, 0), (8, 8)] {
                    let out = warp(source, t, w, h);
                    assert_eq!(out.pixels.len(), (w * h * 3) as usize);
                }
            }
        }
        let nan = warp(&image, &Similarity { a: f32::NAN, b: 0.0, tx: 0.0, ty: 0.0 }, 4, 4);
        assert!(nan.pixels.iter().all(|&v| v == 0));
        let huge = warp(&image, &Similarity::IDENTITY, u32::MAX, u32::MAX);
        assert_eq!((huge.width, huge.height, huge.pixels.len()), (0, 0, 0));
    }

    #[test]
    fn dlib_template_follows_from_the_mean_face_shape() {
        // dlib/image_transforms/interpolation.h, mean_face_shape_x/y (index = point − 17): points 36–47 (the
        // eyes), then 30 (nose tip), 48 and 54 (mouth corners).
        const EYES: [(f64, f64); 12] = [
            (0.121737, 0.216423),
            (0.187122, 0.178758),
            (0.265825, 0.179852),
            (0.334606, 0.231733),
            (0.260918, 0.245099),
            (0.182743, 0.244077),
            (0.645647, 0.231733),
            (0.714428, 0.179852),
            (0.793132, 0.178758),
            (0.858516, 0.216423),
            (0.79751, 0.244077),
            (0.719335, 0.245099),
        ];
        const NOSE_30: (f64, f64) = (0.490127, 0.515625);
        const MOUTH_48: (f64, f64) = (0.254149, 0.780233);
        const MOUTH_54: (f64, f64) = (0.726104, 0.780233);
        let chip = |v: f64| (0.25 + v) / 1.5 * 150.0;
        let mean = |points: &[(f64, f64)]| {
            let n = points.len() as f64;
            (points.iter().map(|p| p.0).sum::<f64>() / n, points.iter().map(|p| p.1).sum::<f64>() / n)
        };
        let (left, right) = (mean(&EYES[..6]), mean(&EYES[6..]));
        let expected = [left, right, NOSE_30, MOUTH_48, MOUTH_54].map(|(x, y)| (chip(x), chip(y)));
        for (p, (ex, ey)) in Template::dlib_150().points.iter().zip(expected) {
            assert!((f64::from(p.x) - ex).abs() < 1e-3 && (f64::from(p.y) - ey).abs() < 1e-3, "{p:?} vs {ex} {ey}");
        }
    }

    #[test]
    fn scaled_to_scales_the_points() {
        let t = Template::arcface_112().scaled_to(224, 224);
        assert_eq!(t.size, (224, 224));
        assert!(close(t.points[0], pt(2.0 * 38.2946, 2.0 * 51.6963), 1e-4));
        let zero = Template::arcface_112().scaled_to(0, 0);
        let face = Face { bbox: [0.0; 4], score: 1.0, landmarks: Template::arcface_112().points };
        assert!(align(&gradient(112, 112), &face, &zero).is_none());
    }

    #[test]
    fn align_maps_a_scaled_and_shifted_face_onto_the_template() {
        let template = Template::dlib_150();
        let (sx, sy) = (31.0f32, 17.0f32);
        let landmarks = template.points.map(|p| pt(2.0 * p.x + sx, 2.0 * p.y + sy));
        let face = Face { bbox: [sx, sy, sx + 300.0, sy + 300.0], score: 0.99, landmarks };
        // Red encodes x / 2, green y / 2, blue is flat: each is linear, so bilinear sampling is exact.
        let (w, h) = (360u32, 340u32);
        let mut pixels = Vec::new();
        for y in 0..h {
            for x in 0..w {
                pixels.extend([(x / 2) as u8, (y / 2) as u8, 77]);
            }
        }
        let image = RgbImage { width: w, height: h, pixels: Zeroizing::new(pixels) };

        let aligned = align(&image, &face, &template).unwrap();
        assert_eq!((aligned.width, aligned.height), template.size);

        let to_template = Similarity::estimate(&face.landmarks, &template.points).unwrap();
        for (landmark, target) in face.landmarks.iter().zip(&template.points) {
            assert!(close(to_template.apply(*landmark), *target, 0.01), "{landmark:?} -> {target:?}");
        }
        // Output (u, v) shows source (2u + 31, 2v + 17): red ≈ u + 15.5, green ≈ v + 8.5 (within the
        // rounding and the staircase of x / 2).
        for (u, v) in [(0u32, 0u32), (10, 140), (75, 75), (149, 149), (120, 3)] {
            let [r, g, b] = aligned.get(u, v).unwrap();
            assert!((f32::from(r) - (u as f32 + 15.5)).abs() <= 1.0, "red {r} at ({u}, {v})");
            assert!((f32::from(g) - (v as f32 + 8.5)).abs() <= 1.0, "green {g} at ({u}, {v})");
            assert_eq!(b, 77);
        }
    }
}
