//! Hardware seen by the gate daemon, as traits, with the real back ends behind features.
//!
//! - [`card`]: the contactless chip reader. [`card::CardTransport`] is the blocking `transmit` seam the chip protocol is
//!   driven through; the PC/SC back end (feature `pcsc`) runs the blocking `pcsc` calls on a thread of its own and
//!   offers an async `card::PcscHandle` to the daemon.
//! - [`camera`]: the camera of the mantrap. [`camera::Camera`] is the blocking seam live RGB8 [`camera::Frame`]s
//!   come through; the V4L2 back end (feature `v4l2`) streams YUYV from `/dev/videoN` and converts it to RGB8.
//! - [`mrz_reader`]: the document reader that OCRs the data page and sends the MRZ lines over a serial line
//!   (feature `serial` for the serial-port back end).
//!
//! Every wait in this crate has a bound, and APDUs and MRZ lines, which carry personal data, are logged only at
//! `trace` level; camera frames are never logged, and their `Debug` shows only their size.

pub mod camera;
pub mod card;
pub mod gate;
pub mod mrz_reader;
pub mod sim_link;

use std::path::PathBuf;
use std::time::Duration;

/// The underlying cause of an [`Error`], kept so that logs show the back end's own words.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What the hardware layer was doing when an [`Error`] happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Operation {
    /// Opening a connection to the PC/SC service.
    EstablishContext,
    /// Listing the readers.
    ListReaders,
    /// Waiting for a card to be presented.
    WaitForCard,
    /// Waiting for a card to leave the reader.
    WaitForRemoval,
    /// Connecting to the card.
    Connect,
    /// Exchanging one APDU with the card.
    Transmit,
    /// Ending the card session.
    Disconnect,
    /// Opening the camera.
    CameraOpen,
    /// Setting the camera's pixel format and frame size.
    CameraFormat,
    /// Setting up the camera's stream of frames.
    CameraStart,
    /// Capturing a frame.
    CameraCapture,
    /// Reading a GPIO line.
    GpioRead,
    /// Writing a GPIO line.
    GpioWrite,
}

impl std::fmt::Display for Operation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::EstablishContext => "connecting to the PC/SC service",
            Self::ListReaders => "listing the readers",
            Self::WaitForCard => "waiting for a card",
            Self::WaitForRemoval => "waiting for the card to be removed",
            Self::Connect => "connecting to the card",
            Self::Transmit => "exchanging an APDU",
            Self::Disconnect => "ending the card session",
            Self::CameraOpen => "opening the camera",
            Self::CameraFormat => "setting the camera's format",
            Self::CameraStart => "starting the camera's stream",
            Self::CameraCapture => "capturing a frame",
            Self::GpioRead => "reading a GPIO line",
            Self::GpioWrite => "writing a GPIO line",
        })
    }
}

/// Errors of the hardware layer.
///
/// The variants are what the gate needs to tell apart to decide between refer, retry and fault: a card taken away
/// mid-read ([`Error::CardRemoved`]) is the traveller's doing, a missing PC/SC service
/// ([`Error::ServiceUnavailable`]) is the gate's.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No card reader is connected to the PC/SC service.
    #[error("no smart-card reader is connected")]
    NoReader,
    /// The reader asked for by name is not connected.
    #[error("the smart-card reader {reader:?} is not connected")]
    UnknownReader {
        /// The name that was asked for.
        reader: String,
    },
    /// No card is in the reader (or in any reader, when none was named).
    #[error("no card is in {}", reader.as_deref().map_or_else(|| "any reader".to_owned(), |r| format!("reader {r:?}")))]
    NoCard {
        /// The reader looked at, if one was named.
        reader: Option<String>,
    },
    /// The card left the reader (or was reset by someone else) during a session.
    #[error("the card was removed from reader {reader:?} while {operation}")]
    CardRemoved {
        /// The reader the session was on.
        reader: String,
        /// What was under way.
        operation: Operation,
        /// The back end's report.
        #[source]
        source: Source,
    },
    /// The PC/SC service (pcscd) is not running, or stopped.
    #[error("the PC/SC service (pcscd) is not available while {operation}")]
    ServiceUnavailable {
        /// What was under way.
        operation: Operation,
        /// The back end's report.
        #[source]
        source: Source,
    },
    /// An operation did not finish within its bound.
    #[error("timed out after {after:?} while {operation}")]
    Timeout {
        /// What was under way.
        operation: Operation,
        /// The bound that was exceeded.
        after: Duration,
    },
    /// The answer to an APDU lacked the two status bytes every response APDU ends with (ISO/IEC 7816-4, 5.1).
    #[error("the card in reader {reader:?} answered with {len} bytes, without a status word")]
    InvalidResponse {
        /// The reader the session was on.
        reader: String,
        /// How many bytes came back.
        len: usize,
    },
    /// The card session no longer exists: the reader service lost the PC/SC service and dropped its sessions.
    #[error("the card session on reader {reader:?} is closed")]
    NotConnected {
        /// The reader the session was on.
        reader: String,
    },
    /// The thread that talks to PC/SC has stopped, so no request can be served.
    #[error("the card reader service has stopped")]
    ReaderServiceStopped,
    /// Any other failure of the reader or the card.
    #[error("the card reader failed while {operation}")]
    Reader {
        /// What was under way.
        operation: Operation,
        /// The back end's report.
        #[source]
        source: Source,
    },
    /// A thread could not be started.
    #[error("cannot start the {name} thread")]
    Spawn {
        /// The thread's name.
        name: &'static str,
        /// The operating system's report.
        #[source]
        source: std::io::Error,
    },
    /// The MRZ reader's serial port could not be opened.
    #[error("cannot open the MRZ reader's serial port {}", path.display())]
    SerialOpen {
        /// The device path.
        path: PathBuf,
        /// The back end's report.
        #[source]
        source: Source,
    },
    /// Reading from the MRZ reader failed.
    #[error("reading from the MRZ reader failed")]
    SerialRead {
        /// The operating system's report.
        #[source]
        source: std::io::Error,
    },
    /// The MRZ reader's line closed (end of stream), so no more documents can come.
    #[error("the MRZ reader's line closed")]
    SerialClosed,
    /// The camera failed.
    #[error("camera {camera:?} failed while {operation}")]
    Camera {
        /// The camera's name: its device path, or the simulator's name for it.
        camera: String,
        /// What was under way.
        operation: Operation,
        /// The back end's report.
        #[source]
        source: Source,
    },
    /// The camera does not capture a pixel format this crate converts (packed YUYV).
    #[error(
        "camera {camera:?} offers {} at {width}x{height}, not the uncompressed YUYV this gate takes",
        String::from_utf8_lossy(fourcc)
    )]
    UnsupportedCameraFormat {
        /// The camera's name.
        camera: String,
        /// The V4L2 four-character code of the format the driver chose instead, such as `MJPG`.
        fourcc: [u8; 4],
        /// The frame width the driver chose.
        width: u32,
        /// The frame height the driver chose.
        height: u32,
    },
    /// A frame's bytes do not make a picture of its size: the camera misbehaved.
    #[error("a camera frame of {width}x{height} pixels came as {len} bytes")]
    InvalidFrame {
        /// The frame width.
        width: u32,
        /// The frame height.
        height: u32,
        /// How many bytes came.
        len: usize,
    },
    /// A frame was asked for from a camera that is not started.
    #[error("the camera is not started")]
    CameraNotStarted,
    /// A GPIO line failed.
    #[error("the GPIO line {line} failed while {operation}")]
    Gpio {
        /// The line's name in the pin map.
        line: &'static str,
        /// What was under way.
        operation: Operation,
    },
    /// The GPIO chip is missing, or a line of it cannot be requested.
    #[error("the GPIO chip {}: {detail}", chip.display())]
    GpioChip {
        /// The chip's device path.
        chip: PathBuf,
        /// What went wrong.
        detail: String,
    },
    /// The link to the simulated gate failed or carried something malformed.
    #[error("the link to the simulated gate: {what}")]
    SimLink {
        /// What went wrong.
        what: String,
    },
}
