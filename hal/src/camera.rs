//! The camera that takes the live face in the mantrap: a blocking frame source, and its V4L2 back end.
//!
//! [`Camera`] hands out RGB8 [`Frame`]s, one per call, each within a bound the caller gives. Pixels are biometric
//! data: they are zeroized on drop and never printed by `Debug`.
//!
//! With the feature `v4l2`, `V4l2Camera` captures from a Video4Linux2 device (`/dev/videoN`) through memory-mapped
//! streaming I/O. It asks for packed YUYV 4:2:2 (Linux kernel documentation, "Packed YUV formats",
//! `V4L2_PIX_FMT_YUYV`) and converts it with [`yuyv_to_rgb8`]; a device that only offers compressed formats such as
//! MJPEG is refused with [`Error::UnsupportedCameraFormat`].

use std::time::{Duration, Instant};

use zeroize::Zeroizing;

use crate::Error;

#[cfg(feature = "v4l2")]
pub use self::v4l2::{V4l2Camera, V4l2Config};

/// One picture from a camera, in RGB8: `width * height` pixels row by row from the top left, three bytes (red,
/// green, blue) per pixel, without padding.
#[derive(Clone)]
pub struct Frame {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// The RGB8 samples, row-major; `width * height * 3` bytes.
    pub pixels: Zeroizing<Vec<u8>>,
    /// When the frame was taken.
    pub captured_at: Instant,
    /// Counts the frames this camera delivered, from 0.
    pub sequence: u64,
}

impl Frame {
    /// The number of bytes of an RGB8 frame of `width` x `height` pixels, or `None` when it does not fit a `usize`.
    #[must_use]
    pub fn rgb8_len(width: u32, height: u32) -> Option<usize> {
        usize::try_from(width).ok()?.checked_mul(usize::try_from(height).ok()?)?.checked_mul(3)
    }

    /// True when [`Frame::pixels`] holds exactly `width * height * 3` bytes.
    #[must_use]
    pub fn is_well_formed(&self) -> bool {
        Self::rgb8_len(self.width, self.height) == Some(self.pixels.len())
    }
}

impl std::fmt::Debug for Frame {
    // The pixels are biometric data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Frame")
            .field("width", &self.width)
            .field("height", &self.height)
            .field("pixels", &format_args!("<{} bytes redacted>", self.pixels.len()))
            .field("captured_at", &self.captured_at)
            .field("sequence", &self.sequence)
            .finish()
    }
}

/// A camera that delivers frames, blocking the calling thread.
///
/// Call it from a blocking context (a thread of its own, or `tokio::task::spawn_blocking`), never from an async
/// task. Every wait is bounded by the timeout given.
pub trait Camera: Send {
    /// Starts capturing. Calling it on a started camera does nothing.
    ///
    /// # Errors
    /// [`Error::Camera`] when the device cannot be opened or set up.
    fn start(&mut self) -> Result<(), Error>;

    /// Waits at most `timeout` for the next frame.
    ///
    /// # Errors
    /// [`Error::CameraNotStarted`] before [`Camera::start`] or after [`Camera::stop`], [`Error::Timeout`] when no
    /// frame came within `timeout`, [`Error::InvalidFrame`] when the device delivered a frame of the wrong size,
    /// [`Error::Camera`] when capturing failed.
    fn frame(&mut self, timeout: Duration) -> Result<Frame, Error>;

    /// Stops capturing and releases the device's buffers. Calling it on a stopped camera does nothing.
    fn stop(&mut self);
}

impl<T: Camera + ?Sized> Camera for Box<T> {
    fn start(&mut self) -> Result<(), Error> {
        (**self).start()
    }

    fn frame(&mut self, timeout: Duration) -> Result<Frame, Error> {
        (**self).frame(timeout)
    }

    fn stop(&mut self) {
        (**self).stop();
    }
}

/// Converts packed YUYV 4:2:2 to RGB8.
///
/// Each 4 bytes `Y0 Cb Y1 Cr` hold two pixels sharing one chroma pair (`V4L2_PIX_FMT_YUYV`); rows are `stride`
/// bytes apart, the bytes past `width * 2` being padding. Samples are taken as ITU-R BT.601 limited range
/// (Y' 16-235, Cb and Cr 16-240 around 128), the default of V4L2 for YUYV (colorspace SMPTE 170M), and converted
/// with the 8-bit integer form of the BT.601 matrix given in Microsoft's "Converting 8-bit YUV to RGB888"
/// (Media Foundation, YUV video subtypes):
///
/// ```text
/// C = Y' - 16, D = Cb - 128, E = Cr - 128
/// R = clip((298 C           + 409 E + 128) >> 8)
/// G = clip((298 C - 100 D   - 208 E + 128) >> 8)
/// B = clip((298 C + 516 D           + 128) >> 8)
/// ```
///
/// # Errors
/// [`Error::InvalidFrame`] when `width` is odd, `stride` is less than `width * 2`, or `yuyv` is shorter than
/// `height` rows.
pub fn yuyv_to_rgb8(yuyv: &[u8], width: u32, height: u32, stride: usize) -> Result<Zeroizing<Vec<u8>>, Error> {
    let invalid = || Error::InvalidFrame { width, height, len: yuyv.len() };
    let row_bytes = usize::try_from(width).ok().and_then(|w| w.checked_mul(2)).ok_or_else(invalid)?;
    let rows = usize::try_from(height).map_err(|_| invalid())?;
    let rgb_len = Frame::rgb8_len(width, height).ok_or_else(invalid)?;
    let needed = match rows.checked_sub(1) {
        None => 0,
        Some(last) => last.checked_mul(stride).and_then(|n| n.checked_add(row_bytes)).ok_or_else(invalid)?,
    };
    if !width.is_multiple_of(2) || stride < row_bytes || yuyv.len() < needed {
        return Err(invalid());
    }
    let mut rgb = Zeroizing::new(Vec::with_capacity(rgb_len));
    if row_bytes == 0 {
        return Ok(rgb);
    }
    // The last row may lack its padding, so rows are cut at `row_bytes`, not taken as whole strides.
    for row in yuyv.chunks(stride).take(rows) {
        for macropixel in row.get(..row_bytes).unwrap_or_default().chunks_exact(4) {
            if let &[y0, cb, y1, cr] = macropixel {
                rgb.extend_from_slice(&bt601_to_rgb(y0, cb, cr));
                rgb.extend_from_slice(&bt601_to_rgb(y1, cb, cr));
            }
        }
    }
    Ok(rgb)
}

/// One limited-range BT.601 Y'CbCr sample to RGB8, by the integer formula of [`yuyv_to_rgb8`].
fn bt601_to_rgb(y: u8, cb: u8, cr: u8) -> [u8; 3] {
    let c = 298 * (i32::from(y) - 16);
    let d = i32::from(cb) - 128;
    let e = i32::from(cr) - 128;
    let clip = |v: i32| u8::try_from(((v + 128) >> 8).clamp(0, 255)).unwrap_or(u8::MAX);
    [clip(c + 409 * e), clip(c - 100 * d - 208 * e), clip(c + 516 * d)]
}

#[cfg(feature = "v4l2")]
mod v4l2 {
    use std::path::PathBuf;
    use std::time::{Duration, Instant};

    use tracing::{debug, warn};
    use v4l::buffer::Type;
    use v4l::io::mmap::Stream;
    use v4l::io::traits::CaptureStream as _;
    use v4l::video::Capture as _;
    use v4l::{Device, Format, FourCC};

    use super::{Camera, Frame, yuyv_to_rgb8};
    use crate::{Error, Operation};

    /// The only pixel format taken: packed YUYV 4:2:2.
    const YUYV: [u8; 4] = *b"YUYV";

    /// The longest wait handed to `poll(2)`, whose timeout is an `int` of milliseconds.
    const MAX_POLL: Duration = Duration::from_millis(i32::MAX as u64);

    /// Which device to open and the frame size to ask it for.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct V4l2Config {
        /// The device node, such as `/dev/video0`.
        pub device: PathBuf,
        /// The width asked for; the driver may pick the nearest size it supports.
        pub width: u32,
        /// The height asked for.
        pub height: u32,
        /// How many memory-mapped buffers the driver fills in turn.
        pub buffers: u32,
    }

    impl Default for V4l2Config {
        fn default() -> Self {
            Self { device: PathBuf::from("/dev/video0"), width: 640, height: 480, buffers: 4 }
        }
    }

    /// The format the driver agreed to.
    #[derive(Debug, Clone, Copy)]
    struct Negotiated {
        width: u32,
        height: u32,
        stride: usize,
    }

    /// A Video4Linux2 camera streaming YUYV through memory-mapped buffers.
    pub struct V4l2Camera {
        config: V4l2Config,
        format: Negotiated,
        device: Device,
        started: bool,
        /// Made on the first frame after a start or a failed capture: after an error the driver's queue is in an
        /// unknown state, so the buffers are released and queued afresh.
        stream: Option<Stream<'static>>,
        sequence: u64,
    }

    impl std::fmt::Debug for V4l2Camera {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.debug_struct("V4l2Camera")
                .field("config", &self.config)
                .field("format", &self.format)
                .field("started", &self.started)
                .field("streaming", &self.stream.is_some())
                .field("sequence", &self.sequence)
                .finish_non_exhaustive()
        }
    }

    impl V4l2Camera {
        /// Opens the device and sets its format to YUYV at the size asked for, or the nearest the driver offers.
        ///
        /// # Errors
        /// [`Error::Camera`] when the device cannot be opened or refuses the format request,
        /// [`Error::UnsupportedCameraFormat`] when it does not capture YUYV.
        pub fn open(config: V4l2Config) -> Result<Self, Error> {
            let camera = config.device.display().to_string();
            let failed = |operation, source: std::io::Error| Error::Camera {
                camera: camera.clone(),
                operation,
                source: Box::new(source),
            };
            let device = Device::with_path(&config.device).map_err(|e| failed(Operation::CameraOpen, e))?;
            let wanted = Format::new(config.width, config.height, FourCC::new(&YUYV));
            let got = device.set_format(&wanted).map_err(|e| failed(Operation::CameraFormat, e))?;
            if got.fourcc.repr != YUYV {
                return Err(Error::UnsupportedCameraFormat {
                    camera,
                    fourcc: got.fourcc.repr,
                    width: got.width,
                    height: got.height,
                });
            }
            let row_bytes = u64::from(got.width) * 2;
            let stride = if got.stride == 0 { row_bytes } else { u64::from(got.stride) };
            let stride = usize::try_from(stride).map_err(|_| Error::InvalidFrame {
                width: got.width,
                height: got.height,
                len: 0,
            })?;
            debug!(camera, width = got.width, height = got.height, stride, "camera set to YUYV");
            let format = Negotiated { width: got.width, height: got.height, stride };
            Ok(Self { config, format, device, started: false, stream: None, sequence: 0 })
        }

        fn error(&self, operation: Operation, source: std::io::Error) -> Error {
            Error::Camera { camera: self.config.device.display().to_string(), operation, source: Box::new(source) }
        }

        fn stream(&mut self) -> Result<&mut Stream<'static>, Error> {
            if self.stream.is_none() {
                let stream = Stream::with_buffers(&self.device, Type::VideoCapture, self.config.buffers)
                    .map_err(|e| self.error(Operation::CameraStart, e))?;
                self.stream = Some(stream);
            }
            self.stream.as_mut().ok_or(Error::CameraNotStarted)
        }
    }

    impl Camera for V4l2Camera {
        /// Marks the camera started; streaming begins with the first [`Camera::frame`].
        fn start(&mut self) -> Result<(), Error> {
            if !self.started {
                self.stream()?;
                self.started = true;
            }
            Ok(())
        }

        fn frame(&mut self, timeout: Duration) -> Result<Frame, Error> {
            if !self.started {
                return Err(Error::CameraNotStarted);
            }
            let Negotiated { width, height, stride } = self.format;
            let stream = self.stream()?;
            stream.set_timeout(timeout.min(MAX_POLL));
            let captured = match stream.next() {
                Ok((buffer, meta)) => {
                    let used = usize::try_from(meta.bytesused).unwrap_or(usize::MAX);
                    let bytes = if used == 0 { buffer } else { buffer.get(..used).unwrap_or(buffer) };
                    yuyv_to_rgb8(bytes, width, height, stride)
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {
                    Err(Error::Timeout { operation: Operation::CameraCapture, after: timeout })
                }
                Err(e) => Err(self.error(Operation::CameraCapture, e)),
            };
            match captured {
                Ok(pixels) => {
                    let sequence = self.sequence;
                    self.sequence = self.sequence.wrapping_add(1);
                    Ok(Frame { width, height, pixels, captured_at: Instant::now(), sequence })
                }
                Err(e) => {
                    warn!(camera = %self.config.device.display(), error = %e, "camera capture failed; restarting the stream");
                    self.stream = None;
                    Err(e)
                }
            }
        }

        fn stop(&mut self) {
            self.stream = None;
            self.started = false;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(width: u32, height: u32) -> Frame {
        let pixels = vec![0xA5; Frame::rgb8_len(width, height).unwrap()];
        Frame { width, height, pixels: Zeroizing::new(pixels), captured_at: Instant::now(), sequence: 7 }
    }

    #[test]
    fn debug_of_a_frame_redacts_the_pixels() {
        let shown = format!("{:?}", frame(4, 2));
        assert!(shown.contains("width: 4"), "{shown}");
        assert!(shown.contains("height: 2"), "{shown}");
        assert!(shown.contains("sequence: 7"), "{shown}");
        assert!(shown.contains("<24 bytes redacted>"), "{shown}");
        // Neither the byte values nor a list of them are printed.
        assert!(!shown.contains("165, 165"), "{shown}");
        assert!(!shown.contains('['), "{shown}");
    }

    #[test]
    fn frame_length_is_checked() {
        assert_eq!(Frame::rgb8_len(640, 480), Some(921_600));
        assert!(frame(3, 5).is_well_formed());
        let mut short = frame(3, 5);
        short.pixels.pop();
        assert!(!short.is_well_formed());
    }

    // Limited-range BT.601: Y' = 128 with neutral chroma is the grey (128 - 16) * 255 / 219 = 130.4.
    #[test]
    fn yuyv_mid_grey_is_grey() {
        let rgb = yuyv_to_rgb8(&[128, 128, 128, 128], 2, 1, 4).unwrap();
        assert_eq!(rgb.as_slice(), &[130, 130, 130, 130, 130, 130]);
    }

    // The ends of the luma range are black and white; out-of-range samples clip instead of wrapping.
    #[test]
    fn yuyv_black_white_and_clipping() {
        let rgb = yuyv_to_rgb8(&[16, 128, 235, 128, 0, 128, 255, 128], 4, 1, 8).unwrap();
        assert_eq!(rgb.as_slice(), &[0, 0, 0, 255, 255, 255, 0, 0, 0, 255, 255, 255]);
    }

    // BT.601 limited-range red (R'G'B' = 1, 0, 0) is Y' 81, Cb 90, Cr 240 (Y' = 16 + 219 * 0.299,
    // Cb = 128 - 112 * 0.299 / 0.886, Cr = 128 + 112); blue is Y' 41, Cb 240, Cr 110.
    #[test]
    fn yuyv_primaries() {
        let red = yuyv_to_rgb8(&[81, 90, 81, 240], 2, 1, 4).unwrap();
        assert_eq!(red.as_slice(), &[255, 0, 0, 255, 0, 0]);
        let blue = yuyv_to_rgb8(&[41, 240, 41, 110], 2, 1, 4).unwrap();
        assert_eq!(blue.as_slice(), &[0, 0, 255, 0, 0, 255]);
    }

    // Two pixels share one chroma pair, rows skip their padding, and the last row needs no padding.
    #[test]
    fn yuyv_rows_with_padding() {
        let yuyv = [16, 128, 235, 128, 0xEE, 0xEE, 235, 128, 16, 128];
        let rgb = yuyv_to_rgb8(&yuyv, 2, 2, 6).unwrap();
        assert_eq!(rgb.as_slice(), &[0, 0, 0, 255, 255, 255, 255, 255, 255, 0, 0, 0]);
    }

    #[test]
    fn yuyv_of_the_wrong_size_is_refused() {
        assert!(matches!(yuyv_to_rgb8(&[0; 7], 2, 2, 4), Err(Error::InvalidFrame { width: 2, height: 2, len: 7 })));
        assert!(matches!(yuyv_to_rgb8(&[0; 12], 3, 1, 6), Err(Error::InvalidFrame { .. })));
        assert!(matches!(yuyv_to_rgb8(&[0; 16], 4, 2, 4), Err(Error::InvalidFrame { .. })));
        assert!(matches!(yuyv_to_rgb8(&[], u32::MAX, u32::MAX, usize::MAX), Err(Error::InvalidFrame { .. })));
        assert_eq!(yuyv_to_rgb8(&[], 0, 0, 0).unwrap().len(), 0);
    }
}
