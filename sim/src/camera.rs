//! The simulated camera: [`SimCamera`] is a [`hal::camera::Camera`] that shows pictures (JPEG or PNG files, or
//! pixels given directly) once, in a loop, or held still, at a frame rate, with optional jitter so that a live
//! sequence is never byte-identical, and with injected faults; a [`SimCameraFeed`] changes what it shows while it
//! runs.
//!
//! What the camera sees, the scene, is a queue of at most [`MAX_PICTURES`] pictures. Each frame shows the picture
//! at the front of the queue; then, by [`Playback`], that picture is dropped ([`Playback::Once`]), moved to the back
//! ([`Playback::Loop`]) or kept ([`Playback::Still`]). An empty scene delivers no frame, so a wait for one ends with
//! the timeout error, as with a camera that stopped sending.

use std::collections::VecDeque;
use std::io::{Cursor, Read as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use hal::camera::{Camera, Frame};
use hal::{Error, Operation};
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder as _, ImageFormat};
use tracing::debug;
use zeroize::Zeroizing;

/// The most pictures a scene holds (the bound of the feed's queue).
pub const MAX_PICTURES: usize = 32;

/// The largest picture decoded from a file, in pixels: above any camera's frame, below what exhausts memory.
pub const MAX_PICTURE_PIXELS: u64 = 12 * 1024 * 1024;

/// The largest picture file read, in bytes.
pub const MAX_PICTURE_FILE_BYTES: u64 = 32 * 1024 * 1024;

/// The frame rate unless configured, in frames per second.
pub const DEFAULT_FPS: u32 = 15;

/// The size of a black frame when the scene has no picture to take the size from: VGA, a common camera mode.
const BLACK_SIZE: (u32, u32) = (640, 480);

/// The longest single wait; a longer timeout is cut to it.
const MAX_WAIT: Duration = Duration::from_secs(24 * 60 * 60);

/// The camera's name in errors.
const CAMERA_NAME: &str = "simulated camera";

/// Why a picture could not be loaded or queued.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SimCameraError {
    /// A picture file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A picture file is not a JPEG or PNG image, or is corrupt.
    #[error("{}: not a readable JPEG or PNG image: {source}", path.display())]
    Decode {
        /// The file.
        path: PathBuf,
        /// The decoder's report.
        #[source]
        source: image::ImageError,
    },
    /// A JPEG file ends before its end-of-image marker: it was cut short or is corrupt. (The decoder would fill
    /// the missing part with grey instead of failing.)
    #[error("{}: the JPEG image ends before its end-of-image marker: the file is truncated or corrupt", path.display())]
    Truncated {
        /// The file.
        path: PathBuf,
    },
    /// A picture file is larger than [`MAX_PICTURE_FILE_BYTES`], or its image larger than [`MAX_PICTURE_PIXELS`].
    #[error(
        "{}: the picture is too large (at most {MAX_PICTURE_PIXELS} pixels and {MAX_PICTURE_FILE_BYTES} bytes)",
        path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Pixels given directly do not make an RGB8 picture of the size given, or the size is empty.
    #[error("{len} bytes do not make an RGB8 picture of {width}x{height} pixels")]
    Pixels {
        /// The width given.
        width: u32,
        /// The height given.
        height: u32,
        /// How many bytes were given.
        len: usize,
    },
    /// The scene would hold more than [`MAX_PICTURES`] pictures.
    #[error("the simulated camera holds at most {MAX_PICTURES} pictures")]
    TooManyPictures,
}

/// The error source of every capture while the camera is set to [`Fault::Fail`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the simulated camera is set to fail")]
pub struct InjectedFailure;

/// One picture of the scene, in RGB8 (three bytes per pixel, row-major). Cloning shares the pixels.
#[derive(Clone)]
pub struct Picture {
    width: u32,
    height: u32,
    pixels: Arc<Zeroizing<Vec<u8>>>,
}

impl std::fmt::Debug for Picture {
    // The pixels are biometric data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Picture")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pixels", &format_args!("<{} bytes redacted>", self.pixels.len()))
            .finish()
    }
}

impl Picture {
    /// A picture of `width` x `height` RGB8 pixels, row-major without padding.
    ///
    /// # Errors
    /// [`SimCameraError::Pixels`] when the size is empty or `pixels` is not `width * height * 3` bytes long.
    pub fn from_rgb8(width: u32, height: u32, pixels: Vec<u8>) -> Result<Self, SimCameraError> {
        let pixels = Zeroizing::new(pixels);
        if width == 0 || height == 0 || Frame::rgb8_len(width, height) != Some(pixels.len()) {
            return Err(SimCameraError::Pixels { width, height, len: pixels.len() });
        }
        Ok(Self { width, height, pixels: Arc::new(pixels) })
    }

    /// The picture of a frame, from this or another camera.
    ///
    /// # Errors
    /// [`SimCameraError::Pixels`] when the frame is empty or its pixels do not match its size.
    pub fn from_frame(frame: Frame) -> Result<Self, SimCameraError> {
        let Frame { width, height, pixels, .. } = frame;
        if width == 0 || height == 0 || Frame::rgb8_len(width, height) != Some(pixels.len()) {
            return Err(SimCameraError::Pixels { width, height, len: pixels.len() });
        }
        Ok(Self { width, height, pixels: Arc::new(pixels) })
    }

    /// Reads and decodes a JPEG or PNG file, turned upright by its Exif orientation; transparency is dropped.
    ///
    /// # Errors
    /// [`SimCameraError::Read`] when the file cannot be read, [`SimCameraError::TooLarge`] when it is larger than
    /// the limits, [`SimCameraError::Truncated`] when a JPEG file is cut short, [`SimCameraError::Decode`] when it
    /// is not a JPEG or PNG image or is otherwise corrupt.
    pub fn load(path: &Path) -> Result<Self, SimCameraError> {
        let read = |source| SimCameraError::Read { path: path.to_path_buf(), source };
        let too_large = || SimCameraError::TooLarge { path: path.to_path_buf() };
        let decode = |source| SimCameraError::Decode { path: path.to_path_buf(), source };

        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .and_then(|file| file.take(MAX_PICTURE_FILE_BYTES + 1).read_to_end(&mut bytes))
            .map_err(read)?;
        if u64::try_from(bytes.len()).map_or(true, |len| len > MAX_PICTURE_FILE_BYTES) {
            return Err(too_large());
        }
        let format = image::guess_format(&bytes).map_err(decode)?;
        if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
            let unsupported = image::error::UnsupportedError::from_format_and_kind(
                format.into(),
                image::error::UnsupportedErrorKind::Format(format.into()),
            );
            return Err(decode(image::ImageError::Unsupported(unsupported)));
        }
        if format == ImageFormat::Jpeg && !jpeg_is_complete(&bytes) {
            return Err(SimCameraError::Truncated { path: path.to_path_buf() });
        }
        let mut reader = image::ImageReader::with_format(Cursor::new(&bytes), format);
        let mut limits = image::Limits::default();
        // Eight bytes a pixel: RGBA with 16-bit samples, the widest a PNG decodes to.
        limits.max_alloc = Some(MAX_PICTURE_PIXELS * 8);
        reader.limits(limits);
        let mut decoder = reader.into_decoder().map_err(decode)?;
        let (width, height) = decoder.dimensions();
        if u64::from(width) * u64::from(height) > MAX_PICTURE_PIXELS {
            return Err(too_large());
        }
        let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
        let mut img = DynamicImage::from_decoder(decoder).map_err(decode)?;
        img.apply_orientation(orientation);
        let rgb = img.into_rgb8();
        let (width, height) = rgb.dimensions();
        Self::from_rgb8(width, height, rgb.into_raw())
    }

    /// Width in pixels.
    #[must_use]
    pub fn width(&self) -> u32 {
        self.width
    }

    /// Height in pixels.
    #[must_use]
    pub fn height(&self) -> u32 {
        self.height
    }

    /// The RGB8 samples, row-major.
    #[must_use]
    pub fn pixels(&self) -> &[u8] {
        self.pixels.as_slice()
    }
}

impl From<image::RgbImage> for Picture {
    fn from(image: image::RgbImage) -> Self {
        let (width, height) = image.dimensions();
        Self { width, height, pixels: Arc::new(Zeroizing::new(image.into_raw())) }
    }
}

/// What happens to the picture at the front of the scene once a frame showed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Playback {
    /// It is dropped: each picture is shown once, then no frames come until more are fed.
    Once,
    /// It moves to the back: the pictures repeat in order.
    #[default]
    Loop,
    /// It stays: the same picture is shown again and again, as a photograph held up to the camera.
    Still,
}

/// A camera fault to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Every capture fails at once with [`Error::Camera`], its source an [`InjectedFailure`].
    Fail,
    /// Frames come at the frame rate but are black (a covered lens, no light), at the size of the picture the
    /// scene would show, or 640x480 when it is empty. Jitter does not apply to them.
    Black,
    /// No frame comes: every capture waits its whole timeout and ends with [`Error::Timeout`].
    Timeout,
}

/// Small changes from frame to frame, as a live camera shows even of a still subject.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jitter {
    /// Each frame is shifted by up to this many pixels in each direction, the edge pixels repeated.
    pub max_shift: u32,
    /// Each pixel's brightness changes by up to this much, in 8-bit steps.
    pub noise: u8,
    /// The seed of the pseudo-random numbers, so that runs repeat exactly.
    pub seed: u64,
}

impl Jitter {
    /// Mild jitter: shifts of up to 2 pixels and noise of up to 4 steps.
    #[must_use]
    pub fn mild(seed: u64) -> Self {
        Self { max_shift: 2, noise: 4, seed }
    }
}

/// How the simulated camera behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SimCameraConfig {
    /// Frames per second; frames never come faster. 0 delivers a frame whenever one is asked for.
    pub fps: u32,
    /// What happens to a picture once shown.
    pub playback: Playback,
    /// Frame-to-frame changes, if any.
    pub jitter: Option<Jitter>,
    /// The fault simulated from the start, if any.
    pub fault: Option<Fault>,
}

impl Default for SimCameraConfig {
    fn default() -> Self {
        Self { fps: DEFAULT_FPS, playback: Playback::default(), jitter: None, fault: None }
    }
}

/// What the camera sees, shared between the camera and its feeds.
#[derive(Debug)]
struct Scene {
    pictures: VecDeque<Picture>,
    playback: Playback,
    fault: Option<Fault>,
}

impl Scene {
    /// What the next frame shows, applying the playback to the queue; `None` when the scene is empty.
    fn next_source(&mut self) -> Option<Source> {
        if self.fault == Some(Fault::Black) {
            let (width, height) = self.pictures.front().map_or(BLACK_SIZE, |picture| (picture.width, picture.height));
            return Some(Source::Black { width, height });
        }
        self.take().map(Source::Picture)
    }

    /// Takes the picture for the next frame, applying the playback to the queue.
    fn take(&mut self) -> Option<Picture> {
        match self.playback {
            Playback::Once => self.pictures.pop_front(),
            Playback::Loop => {
                let picture = self.pictures.pop_front()?;
                self.pictures.push_back(picture.clone());
                Some(picture)
            }
            Playback::Still => self.pictures.front().cloned(),
        }
    }
}

#[derive(Debug)]
struct Shared {
    scene: Mutex<Scene>,
    changed: Condvar,
}

impl Shared {
    // The scene stays consistent whatever a panicking holder did, so a poisoned lock is used as is.
    fn lock(&self) -> MutexGuard<'_, Scene> {
        self.scene.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn change<T>(&self, f: impl FnOnce(&mut Scene) -> T) -> T {
        let result = f(&mut self.lock());
        self.changed.notify_all();
        result
    }
}

/// What a frame is made from.
enum Source {
    Picture(Picture),
    Black { width: u32, height: u32 },
}

/// A camera that shows pictures; see the [module documentation](self).
#[derive(Debug)]
pub struct SimCamera {
    shared: Arc<Shared>,
    frame_interval: Duration,
    jitter: Option<Jitter>,
    rng: SplitMix64,
    started: bool,
    next_due: Instant,
    sequence: u64,
}

impl SimCamera {
    /// A camera showing `pictures`.
    ///
    /// # Errors
    /// [`SimCameraError::TooManyPictures`] when there are more than [`MAX_PICTURES`].
    pub fn new(config: SimCameraConfig, pictures: impl IntoIterator<Item = Picture>) -> Result<Self, SimCameraError> {
        let pictures = bounded(pictures)?;
        let scene = Scene { pictures, playback: config.playback, fault: config.fault };
        Ok(Self {
            shared: Arc::new(Shared { scene: Mutex::new(scene), changed: Condvar::new() }),
            frame_interval: Duration::from_secs(1).checked_div(config.fps).unwrap_or(Duration::ZERO),
            jitter: config.jitter,
            rng: SplitMix64(config.jitter.map_or(0, |j| j.seed)),
            started: false,
            next_due: Instant::now(),
            sequence: 0,
        })
    }

    /// A camera showing the JPEG or PNG files at `paths`, in order.
    ///
    /// # Errors
    /// As [`Picture::load`] for the first file that does not load, [`SimCameraError::TooManyPictures`] when there
    /// are more than [`MAX_PICTURES`].
    pub fn from_files<P: AsRef<Path>>(
        config: SimCameraConfig,
        paths: impl IntoIterator<Item = P>,
    ) -> Result<Self, SimCameraError> {
        let mut pictures = Vec::new();
        for path in paths {
            if pictures.len() >= MAX_PICTURES {
                return Err(SimCameraError::TooManyPictures);
            }
            pictures.push(Picture::load(path.as_ref())?);
        }
        Self::new(config, pictures)
    }

    /// A handle that changes the scene and the faults while the camera runs, from any thread.
    #[must_use]
    pub fn feed(&self) -> SimCameraFeed {
        SimCameraFeed { shared: Arc::clone(&self.shared) }
    }

    fn render(&mut self, source: Source, now: Instant) -> Frame {
        let (width, height, pixels) = match source {
            Source::Black { width, height } => {
                let len = Frame::rgb8_len(width, height).unwrap_or(0);
                (width, height, Zeroizing::new(vec![0; len]))
            }
            Source::Picture(picture) => {
                let pixels = match &self.jitter {
                    Some(jitter) => jittered(&picture, jitter, &mut self.rng),
                    None => Zeroizing::new(picture.pixels().to_vec()),
                };
                (picture.width, picture.height, pixels)
            }
        };
        let sequence = self.sequence;
        self.sequence = self.sequence.wrapping_add(1);
        self.next_due = now.checked_add(self.frame_interval).unwrap_or(now);
        Frame { width, height, pixels, captured_at: now, sequence }
    }
}

impl Camera for SimCamera {
    fn start(&mut self) -> Result<(), Error> {
        if !self.started {
            self.started = true;
            self.next_due = Instant::now();
        }
        Ok(())
    }

    fn frame(&mut self, timeout: Duration) -> Result<Frame, Error> {
        if !self.started {
            return Err(Error::CameraNotStarted);
        }
        let begun = Instant::now();
        let deadline = begun.checked_add(timeout.min(MAX_WAIT)).unwrap_or(begun);
        let shared = Arc::clone(&self.shared);
        let mut scene = shared.lock();
        loop {
            let now = Instant::now();
            let available = match scene.fault {
                Some(Fault::Fail) => {
                    return Err(Error::Camera {
                        camera: CAMERA_NAME.to_owned(),
                        operation: Operation::CameraCapture,
                        source: Box::new(InjectedFailure),
                    });
                }
                Some(Fault::Timeout) => false,
                Some(Fault::Black) => true,
                None => !scene.pictures.is_empty(),
            };
            if available
                && now >= self.next_due
                && let Some(source) = scene.next_source()
            {
                drop(scene);
                return Ok(self.render(source, now));
            }
            if now >= deadline {
                return Err(Error::Timeout { operation: Operation::CameraCapture, after: timeout });
            }
            let until = if available { self.next_due.min(deadline) } else { deadline };
            scene = match shared.changed.wait_timeout(scene, until.saturating_duration_since(now)) {
                Ok((scene, _)) => scene,
                Err(poisoned) => poisoned.into_inner().0,
            };
        }
    }

    fn stop(&mut self) {
        self.started = false;
    }
}

/// Changes what a [`SimCamera`] sees while it runs; a simulated traveller or a test holds it. Clones act on the
/// same camera. A capture waiting for a frame sees each change at once.
#[derive(Debug, Clone)]
pub struct SimCameraFeed {
    shared: Arc<Shared>,
}

impl SimCameraFeed {
    /// Adds a picture at the back of the scene.
    ///
    /// # Errors
    /// [`SimCameraError::TooManyPictures`] when the scene already holds [`MAX_PICTURES`]; the picture is dropped.
    pub fn push(&self, picture: Picture) -> Result<(), SimCameraError> {
        self.shared.change(|scene| {
            if scene.pictures.len() >= MAX_PICTURES {
                return Err(SimCameraError::TooManyPictures);
            }
            scene.pictures.push_back(picture);
            Ok(())
        })
    }

    /// Replaces the scene's pictures.
    ///
    /// # Errors
    /// [`SimCameraError::TooManyPictures`] when there are more than [`MAX_PICTURES`]; the scene is then unchanged.
    pub fn replace(&self, pictures: impl IntoIterator<Item = Picture>) -> Result<(), SimCameraError> {
        let pictures = bounded(pictures)?;
        self.shared.change(|scene| scene.pictures = pictures);
        Ok(())
    }

    /// Empties the scene: no frames come until a picture is fed.
    pub fn clear(&self) {
        self.shared.change(|scene| scene.pictures.clear());
    }

    /// Sets what happens to a picture once shown.
    pub fn set_playback(&self, playback: Playback) {
        self.shared.change(|scene| scene.playback = playback);
    }

    /// Starts simulating `fault`, or ends any fault with `None`.
    pub fn set_fault(&self, fault: Option<Fault>) {
        debug!(?fault, "simulated camera fault set");
        self.shared.change(|scene| scene.fault = fault);
    }

    /// How many pictures the scene holds.
    #[must_use]
    pub fn pictures(&self) -> usize {
        self.shared.lock().pictures.len()
    }
}

fn bounded(pictures: impl IntoIterator<Item = Picture>) -> Result<VecDeque<Picture>, SimCameraError> {
    let mut queue = VecDeque::new();
    for picture in pictures {
        if queue.len() >= MAX_PICTURES {
            return Err(SimCameraError::TooManyPictures);
        }
        queue.push_back(picture);
    }
    Ok(queue)
}

/// True when the JPEG's marker segments run from SOI to EOI without the bytes running out (ITU-T T.81, B.1.1 and
/// B.2): marker segments carry a 16-bit length that counts itself; after SOS comes entropy-coded data in which
/// `FF` is followed only by a stuffed `00` or a restart marker `D0`-`D7`, so its first other marker ends it.
/// Bytes after EOI are allowed, as some cameras append data there.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    const SOI: u8 = 0xD8;
    const EOI: u8 = 0xD9;
    const SOS: u8 = 0xDA;
    const TEM: u8 = 0x01;
    let Some(mut rest) = bytes.strip_prefix(&[0xFF, SOI]) else {
        return false;
    };
    // Each pass consumes at least two bytes, so the loop ends.
    loop {
        // A marker is FF, any number of fill FFs, then a byte other than 00 and FF.
        let Some(after_ff) = rest.strip_prefix(&[0xFF]) else {
            return false;
        };
        let fill = after_ff.iter().take_while(|&&b| b == 0xFF).count();
        let after_fill = after_ff.get(fill..).unwrap_or_default();
        let Some((&marker, body)) = after_fill.split_first() else {
            return false;
        };
        match marker {
            EOI => return true,
            0xD0..=0xD7 | TEM => rest = body,
            0x00 => return false,
            _ => {
                let Some((&[high, low], _)) = body.split_first_chunk::<2>() else {
                    return false;
                };
                let length = usize::from(u16::from_be_bytes([high, low]));
                let Some((_, after_segment)) = body.split_at_checked(length).filter(|_| length >= 2) else {
                    return false;
                };
                rest = after_segment;
                if marker == SOS {
                    rest = skip_entropy_coded(rest);
                }
            }
        }
    }
}

/// `data` from the first marker that is neither a stuffed `FF 00` nor a restart marker; empty when there is none.
fn skip_entropy_coded(data: &[u8]) -> &[u8] {
    let mut from = 0;
    while let Some(offset) = data.get(from..).and_then(|tail| tail.iter().position(|&b| b == 0xFF)) {
        let at = from + offset;
        match data.get(at + 1) {
            Some(0x00 | 0xD0..=0xD7) => from = at + 2,
            // Fill bytes before a marker.
            Some(0xFF) => from = at + 1,
            Some(_) => return data.get(at..).unwrap_or_default(),
            None => return &[],
        }
    }
    &[]
}

/// `picture` shifted by a random offset of up to `jitter.max_shift` pixels, edge pixels repeated, with per-pixel
/// brightness noise of up to `jitter.noise`.
fn jittered(picture: &Picture, jitter: &Jitter, rng: &mut SplitMix64) -> Zeroizing<Vec<u8>> {
    let (width, height) = (picture.width as usize, picture.height as usize);
    let row_len = width * 3;
    let last_col = i64::try_from(width.saturating_sub(1)).unwrap_or(i64::MAX);
    let last_row = i64::try_from(height.saturating_sub(1)).unwrap_or(i64::MAX);
    let dx = rng.symmetric(jitter.max_shift);
    let dy = rng.symmetric(jitter.max_shift);
    let noise = u32::from(jitter.noise);
    let source = picture.pixels();
    // Exact capacity: the vector never reallocates, so no copy of the pixels is left behind unzeroized.
    let mut out = Zeroizing::new(Vec::with_capacity(source.len()));
    for y in 0..height {
        let sy = shifted(y, dy, last_row);
        let row = source.get(sy * row_len..(sy + 1) * row_len).unwrap_or_default();
        for x in 0..width {
            let sx = shifted(x, dx, last_col);
            let delta = rng.symmetric(noise);
            for &sample in row.get(sx * 3..sx * 3 + 3).unwrap_or_default() {
                let value = (i64::from(sample) + delta).clamp(0, 255);
                out.push(u8::try_from(value).unwrap_or(u8::MAX));
            }
        }
    }
    out
}

/// The source index of `index` moved back by `by`, kept within `0..=last`.
fn shifted(index: usize, by: i64, last: i64) -> usize {
    let index = i64::try_from(index).unwrap_or(i64::MAX);
    usize::try_from(index.saturating_sub(by).clamp(0, last)).unwrap_or(0)
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014): a tiny
/// seeded generator for jitter, good from any seed, zero included. Not for anything secret.
#[derive(Debug, Clone)]
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `-bound..=bound`; the modulo bias is negligible for the small bounds used.
    fn symmetric(&mut self, bound: u32) -> i64 {
        let span = u64::from(bound) * 2 + 1;
        i64::try_from(self.next_u64() % span).unwrap_or(0) - i64::from(bound)
    }
}

#[cfg(test)]
mod tests;
