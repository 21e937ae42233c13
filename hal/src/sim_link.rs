//! The link between the daemon and the simulated gate of `gate-sim`: a Unix stream socket carrying the gate's
//! lines, the camera's frames and the lane panel's officer commands, so that the real daemon process drives a
//! simulated gate through the same traits as a board (embedded-hal pins, [`Camera`]).
//!
//! Each message is a 4-byte big-endian length and a payload whose first byte is its kind:
//!
//! | kind | direction | payload after the kind |
//! |---|---|---|
//! | 1 `Levels` | gate → daemon | u16: one bit per [`Input`], by [`Input::index`] (sent on connect and on every change) |
//! | 2 `Outputs` | daemon → gate | u8: one bit per [`Output`], by [`Output::index`] |
//! | 3 `Capture` | daemon → gate | u32 sequence number |
//! | 4 `Frame` | gate → daemon | u32 sequence, u16 width, u16 height, RGB8 pixels |
//! | 5 `NoFrame` | gate → daemon | u32 sequence: the camera gives nothing |
//! | 6 `Panel` | gate → daemon | an officer command's name, ASCII (`reset`, `release_exit` ...) |
//!
//! Every length is bounded and every payload checked: a malformed message is an error, never a panic.

use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt as _, AsyncWrite, AsyncWriteExt as _};
use tokio::sync::{mpsc, watch};
use zeroize::Zeroizing;

use crate::camera::{Camera, Frame};
use crate::gate::{Input, Levels, Output};
use crate::{Error, Operation};

/// The largest frame side, in pixels.
pub const MAX_SIDE: u16 = 4096;

/// The largest payload: a frame of [`MAX_SIDE`] squared, and its header.
pub const MAX_PAYLOAD: usize = 1 + 8 + MAX_SIDE as usize * MAX_SIDE as usize * 3;

/// The longest panel command name.
const MAX_PANEL: usize = 32;

/// One message of the link.
#[derive(Clone, PartialEq, Eq)]
pub enum Message {
    /// Every input's level.
    Levels(Levels),
    /// Every output's level, by [`Output::index`].
    Outputs([bool; 7]),
    /// A frame is asked for.
    Capture(u32),
    /// A frame.
    Frame {
        /// The request it answers.
        seq: u32,
        /// Width in pixels.
        width: u16,
        /// Height in pixels.
        height: u16,
        /// RGB8, row by row (wiped on drop).
        rgb: Zeroizing<Vec<u8>>,
    },
    /// No frame for this request.
    NoFrame(u32),
    /// An officer's command from the lane's panel.
    Panel(String),
}

impl std::fmt::Debug for Message {
    // Pixels are biometric data: never printed.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Message::Levels(l) => f.debug_tuple("Levels").field(l).finish(),
            Message::Outputs(o) => f.debug_tuple("Outputs").field(o).finish(),
            Message::Capture(s) => f.debug_tuple("Capture").field(s).finish(),
            Message::Frame { seq, width, height, .. } => {
                write!(f, "Frame {{ seq: {seq}, {width}x{height} }}")
            }
            Message::NoFrame(s) => f.debug_tuple("NoFrame").field(s).finish(),
            Message::Panel(p) => f.debug_tuple("Panel").field(p).finish(),
        }
    }
}

fn malformed(what: &str) -> Error {
    Error::SimLink { what: what.to_owned() }
}

impl Message {
    /// The message as sent: length prefix and payload.
    #[must_use]
    pub fn encode(&self) -> Vec<u8> {
        let mut p = Vec::new();
        match self {
            Message::Levels(levels) => {
                p.push(1);
                let bits = Input::ALL.iter().fold(0u16, |b, i| if levels.get(*i) { b | 1 << i.index() } else { b });
                p.extend_from_slice(&bits.to_be_bytes());
            }
            Message::Outputs(outputs) => {
                p.push(2);
                p.push(outputs.iter().enumerate().fold(0u8, |b, (n, on)| if *on { b | 1 << n } else { b }));
            }
            Message::Capture(seq) => {
                p.push(3);
                p.extend_from_slice(&seq.to_be_bytes());
            }
            Message::Frame { seq, width, height, rgb } => {
                p.push(4);
                p.extend_from_slice(&seq.to_be_bytes());
                p.extend_from_slice(&width.to_be_bytes());
                p.extend_from_slice(&height.to_be_bytes());
                p.extend_from_slice(rgb);
            }
            Message::NoFrame(seq) => {
                p.push(5);
                p.extend_from_slice(&seq.to_be_bytes());
            }
            Message::Panel(name) => {
                p.push(6);
                p.extend_from_slice(name.as_bytes());
            }
        }
        let mut framed = Vec::with_capacity(p.len() + 4);
        framed.extend_from_slice(&u32::try_from(p.len()).unwrap_or(u32::MAX).to_be_bytes());
        framed.extend_from_slice(&p);
        framed
    }

    /// Decodes one payload (without its length prefix).
    ///
    /// # Errors
    /// [`Error::SimLink`] for an unknown kind, a payload of the wrong size, a frame whose pixels do not fill its
    /// size, or a panel name that is not short ASCII.
    pub fn decode(payload: &[u8]) -> Result<Message, Error> {
        let (&kind, rest) = payload.split_first().ok_or_else(|| malformed("an empty message"))?;
        let u32_of = |b: &[u8]| -> Result<u32, Error> {
            b.try_into().map(u32::from_be_bytes).map_err(|_| malformed("a sequence number of the wrong size"))
        };
        match kind {
            1 => {
                let bits: [u8; 2] = rest.try_into().map_err(|_| malformed("levels of the wrong size"))?;
                let bits = u16::from_be_bytes(bits);
                let mut levels = Levels::default();
                for i in Input::ALL {
                    levels.set(i, bits & (1 << i.index()) != 0);
                }
                Ok(Message::Levels(levels))
            }
            2 => {
                let [bits] = rest else { return Err(malformed("outputs of the wrong size")) };
                let mut outputs = [false; 7];
                for (n, o) in outputs.iter_mut().enumerate() {
                    *o = bits & (1 << n) != 0;
                }
                Ok(Message::Outputs(outputs))
            }
            3 => Ok(Message::Capture(u32_of(rest)?)),
            4 => {
                let (head, pixels) = rest.split_at_checked(8).ok_or_else(|| malformed("a frame without its header"))?;
                let (seq, size) = head.split_at_checked(4).ok_or_else(|| malformed("a frame without its header"))?;
                let (w, h) = size.split_at_checked(2).ok_or_else(|| malformed("a frame without its header"))?;
                let width = u16::from_be_bytes(w.try_into().map_err(|_| malformed("a frame width"))?);
                let height = u16::from_be_bytes(h.try_into().map_err(|_| malformed("a frame height"))?);
                if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
                    return Err(malformed("a frame of an impossible size"));
                }
                if pixels.len() != usize::from(width) * usize::from(height) * 3 {
                    return Err(malformed("a frame whose pixels do not fill its size"));
                }
                Ok(Message::Frame { seq: u32_of(seq)?, width, height, rgb: Zeroizing::new(pixels.to_vec()) })
            }
            5 => Ok(Message::NoFrame(u32_of(rest)?)),
            6 => {
                if rest.is_empty()
                    || rest.len() > MAX_PANEL
                    || !rest.iter().all(|b| b.is_ascii_lowercase() || *b == b'_')
                {
                    return Err(malformed("a panel command that is not a short lowercase name"));
                }
                Ok(Message::Panel(String::from_utf8_lossy(rest).into_owned()))
            }
            _ => Err(malformed("a message of an unknown kind")),
        }
    }
}

/// Reads one message; `None` at a clean end of stream.
///
/// # Errors
/// [`Error::SimLink`] for a malformed or oversized message or a stream cut mid-message.
pub async fn read_message<R: AsyncRead + Unpin>(r: &mut R) -> Result<Option<Message>, Error> {
    let mut len = [0u8; 4];
    match r.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(_) => return Err(malformed("a stream that failed")),
    }
    let len = usize::try_from(u32::from_be_bytes(len)).unwrap_or(usize::MAX);
    if len == 0 || len > MAX_PAYLOAD {
        return Err(malformed("a message longer than any the link carries"));
    }
    let mut payload = Zeroizing::new(vec![0u8; len]);
    r.read_exact(&mut payload).await.map_err(|_| malformed("a message cut short"))?;
    Message::decode(&payload).map(Some)
}

/// Writes one message.
///
/// # Errors
/// [`Error::SimLink`] when the stream fails.
pub async fn write_message<W: AsyncWrite + Unpin>(w: &mut W, message: &Message) -> Result<(), Error> {
    let bytes = Zeroizing::new(message.encode());
    w.write_all(&bytes).await.map_err(|_| malformed("a stream that failed"))
}

/// The daemon's end of the link.
#[derive(Debug)]
pub struct SimLink {
    levels: watch::Receiver<Levels>,
    outputs: Arc<Mutex<[bool; 7]>>,
    send: mpsc::Sender<Message>,
    frames: Arc<Mutex<Option<std::sync::mpsc::Receiver<Message>>>>,
    panel: Option<mpsc::Receiver<String>>,
}

impl SimLink {
    /// Connects to the simulated gate at `path` and waits for its first levels.
    ///
    /// # Errors
    /// [`Error::SimLink`] when the socket cannot be reached or the gate sends no levels within 5 s.
    pub async fn connect(path: &Path) -> Result<SimLink, Error> {
        let stream = tokio::net::UnixStream::connect(path)
            .await
            .map_err(|e| malformed(&format!("a socket that cannot be reached ({e})")))?;
        let (mut rd, mut wr) = stream.into_split();
        let first = tokio::time::timeout(Duration::from_secs(5), read_message(&mut rd))
            .await
            .map_err(|_| malformed("a gate that sent no levels"))??;
        let Some(Message::Levels(levels)) = first else {
            return Err(malformed("a gate that did not start with levels"));
        };
        let (levels_tx, levels_rx) = watch::channel(levels);
        let (send, mut outgoing) = mpsc::channel::<Message>(16);
        let (frames_tx, frames_rx) = std::sync::mpsc::sync_channel::<Message>(2);
        let (panel_tx, panel_rx) = mpsc::channel(8);
        tokio::spawn(async move {
            while let Some(m) = outgoing.recv().await {
                if write_message(&mut wr, &m).await.is_err() {
                    break;
                }
            }
        });
        tokio::spawn(async move {
            while let Ok(Some(m)) = read_message(&mut rd).await {
                match m {
                    Message::Levels(l) => {
                        let _ = levels_tx.send(l);
                    }
                    Message::Frame { .. } | Message::NoFrame(_) => {
                        let _ = frames_tx.try_send(m);
                    }
                    Message::Panel(name) => {
                        let _ = panel_tx.try_send(name);
                    }
                    Message::Outputs(_) | Message::Capture(_) => {}
                }
            }
            tracing::warn!("the simulated gate closed the link");
        });
        Ok(SimLink {
            levels: levels_rx,
            outputs: Arc::new(Mutex::new([false; 7])),
            send,
            frames: Arc::new(Mutex::new(Some(frames_rx))),
            panel: Some(panel_rx),
        })
    }

    /// The gate's lines as embedded-hal pins.
    #[must_use]
    pub fn pins(&self) -> crate::gate::GateIo<SimOutputPin, SimInputPin> {
        let outputs =
            Output::ALL.map(|o| SimOutputPin { output: o, outputs: self.outputs.clone(), send: self.send.clone() });
        let inputs = Input::ALL.map(|i| SimInputPin { input: i, levels: self.levels.clone() });
        crate::gate::GateIo::new(outputs, inputs, [false; 7], [false; 12])
    }

    /// The camera in the mantrap.
    #[must_use]
    pub fn camera(&self) -> SimLinkCamera {
        let frames = self.frames.lock().unwrap_or_else(PoisonError::into_inner).take();
        SimLinkCamera { send: self.send.clone(), frames, seq: 0, started: false }
    }

    /// The officer commands from the lane's panel, by name (once).
    pub fn panel(&mut self) -> Option<mpsc::Receiver<String>> {
        self.panel.take()
    }
}

/// An output line of the simulated gate.
#[derive(Debug)]
pub struct SimOutputPin {
    output: Output,
    outputs: Arc<Mutex<[bool; 7]>>,
    send: mpsc::Sender<Message>,
}

impl embedded_hal::digital::ErrorType for SimOutputPin {
    type Error = embedded_hal::digital::ErrorKind;
}

impl embedded_hal::digital::OutputPin for SimOutputPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.set(false)
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.set(true)
    }
}

impl SimOutputPin {
    fn set(&mut self, high: bool) -> Result<(), embedded_hal::digital::ErrorKind> {
        let all = {
            let mut outputs = self.outputs.lock().unwrap_or_else(PoisonError::into_inner);
            match outputs.get_mut(self.output.index()) {
                Some(slot) if *slot == high => return Ok(()),
                Some(slot) => *slot = high,
                None => return Err(embedded_hal::digital::ErrorKind::Other),
            }
            *outputs
        };
        self.send.try_send(Message::Outputs(all)).map_err(|_| embedded_hal::digital::ErrorKind::Other)
    }
}

/// An input line of the simulated gate: reads the levels the gate last sent, without a round trip.
#[derive(Debug)]
pub struct SimInputPin {
    input: Input,
    levels: watch::Receiver<Levels>,
}

impl embedded_hal::digital::ErrorType for SimInputPin {
    type Error = embedded_hal::digital::ErrorKind;
}

impl embedded_hal::digital::InputPin for SimInputPin {
    fn is_high(&mut self) -> Result<bool, Self::Error> {
        if self.levels.has_changed().is_err() {
            return Err(embedded_hal::digital::ErrorKind::Other);
        }
        Ok(self.levels.borrow().get(self.input))
    }

    fn is_low(&mut self) -> Result<bool, Self::Error> {
        self.is_high().map(|h| !h)
    }
}

/// The simulated gate's camera, asked for one frame at a time over the link.
#[derive(Debug)]
pub struct SimLinkCamera {
    send: mpsc::Sender<Message>,
    frames: Option<std::sync::mpsc::Receiver<Message>>,
    seq: u32,
    started: bool,
}

const CAMERA: &str = "simulated gate camera";

impl Camera for SimLinkCamera {
    fn start(&mut self) -> Result<(), Error> {
        if self.frames.is_none() {
            return Err(Error::Camera {
                camera: CAMERA.into(),
                operation: Operation::CameraOpen,
                source: "the link's camera is already taken".into(),
            });
        }
        self.started = true;
        Ok(())
    }

    fn frame(&mut self, timeout: Duration) -> Result<Frame, Error> {
        let (true, Some(frames)) = (self.started, self.frames.as_ref()) else { return Err(Error::CameraNotStarted) };
        // Answers to earlier requests that came too late are dropped.
        while frames.try_recv().is_ok() {}
        self.seq = self.seq.wrapping_add(1);
        let fail = |why: &str| Error::Camera {
            camera: CAMERA.into(),
            operation: Operation::CameraCapture,
            source: why.to_owned().into(),
        };
        self.send.try_send(Message::Capture(self.seq)).map_err(|_| fail("the link to the simulated gate is closed"))?;
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match frames.recv_timeout(left) {
                Ok(Message::Frame { seq, width, height, rgb }) if seq == self.seq => {
                    return Ok(Frame {
                        width: u32::from(width),
                        height: u32::from(height),
                        pixels: rgb,
                        captured_at: std::time::Instant::now(),
                        sequence: u64::from(seq),
                    });
                }
                Ok(Message::NoFrame(seq)) if seq == self.seq => return Err(fail("the camera gave no picture")),
                Ok(_) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {
                    return Err(Error::Timeout { operation: Operation::CameraCapture, after: timeout });
                }
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => {
                    return Err(fail("the link to the simulated gate is closed"));
                }
            }
        }
    }

    fn stop(&mut self) {
        self.started = false;
    }
}

#[cfg(test)]
mod tests {
    use super::{Message, read_message};
    use crate::gate::{Input, Levels};
    use zeroize::Zeroizing;

    #[test]
    fn every_message_round_trips() {
        for m in [
            Message::Levels(Levels::default().with(Input::Emergency, true).with(Input::BeamA, true)),
            Message::Outputs([true, false, true, false, false, true, false]),
            Message::Capture(7),
            Message::Frame { seq: 9, width: 2, height: 1, rgb: Zeroizing::new(vec![1, 2, 3, 4, 5, 6]) },
            Message::NoFrame(3),
            Message::Panel("reset".into()),
        ] {
            let bytes = m.encode();
            assert_eq!(Message::decode(&bytes[4..]).unwrap(), m);
        }
    }

    #[test]
    fn malformed_messages_are_refused() {
        for bad in [
            &[][..],
            &[9],
            &[1, 0],
            &[2, 0, 0],
            &[3, 0, 0, 1],
            &[4, 0, 0, 0, 1, 0, 2, 0, 1, 1, 2, 3],
            &[4, 0, 0, 0, 1, 0, 0, 0, 0],
            &[6, b'R'],
            &[6],
        ] {
            assert!(Message::decode(bad).is_err(), "{bad:?}");
        }
    }

    #[tokio::test]
    async fn a_stream_is_read_message_by_message_and_bounded() {
        let mut bytes = Message::Capture(1).encode();
        bytes.extend(Message::NoFrame(1).encode());
        let mut r = &bytes[..];
        assert_eq!(read_message(&mut r).await.unwrap(), Some(Message::Capture(1)));
        assert_eq!(read_message(&mut r).await.unwrap(), Some(Message::NoFrame(1)));
        assert_eq!(read_message(&mut r).await.unwrap(), None);
        let huge = [0xFFu8, 0xFF, 0xFF, 0xFF, 1];
        assert!(read_message(&mut &huge[..]).await.is_err());
        let cut = [0u8, 0, 0, 5, 3, 0];
        assert!(read_message(&mut &cut[..]).await.is_err());
    }
}
