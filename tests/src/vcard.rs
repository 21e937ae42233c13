//! A minimal virtual card for vpcd: it connects to vpcd's TCP port and answers APDUs with a closure.
//!
//! vpcd's protocol (vsmartcard 3.3): frames both ways are a 2-byte big-endian length and a payload. A 1-byte payload
//! from vpcd is a control code (0 power off, 1 power on, 2 reset, 4 get ATR, answered with the ATR); a longer one
//! is a command APDU, answered with the response APDU. Closing the connection removes the card.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::Error;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The control code asking for the ATR; the others (0 power off, 1 power on, 2 reset) need no answer.
const GET_ATR: u8 = 4;

/// A card in a vpcd reader, answering each command APDU with `on_apdu`, on a thread of its own. Dropping it (or
/// [`VirtualCard::remove`]) takes the card out of the reader.
#[derive(Debug)]
pub struct VirtualCard {
    stream: TcpStream,
    thread: Option<JoinHandle<()>>,
    apdus: Arc<AtomicUsize>,
}

impl VirtualCard {
    /// An ATR that offers T=0 and T=1 and no historical bytes (`3B 80 80 01 01`), as a contactless reader reports
    /// an ISO 14443-4 card without them.
    pub const DEFAULT_ATR: &'static [u8] = &[0x3B, 0x80, 0x80, 0x01, 0x01];

    /// Inserts a card into the vpcd reader listening on `127.0.0.1:port`, retrying for up to five seconds while
    /// vpcd does not accept yet.
    ///
    /// A response longer than 65535 bytes cannot be framed: the card then leaves the reader.
    ///
    /// # Errors
    /// [`Error::VirtualCard`] when vpcd cannot be reached.
    pub fn insert<F>(port: u16, atr: &[u8], on_apdu: F) -> Result<Self, Error>
    where
        F: FnMut(&[u8]) -> Vec<u8> + Send + 'static,
    {
        let deadline = Instant::now() + CONNECT_TIMEOUT;
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(stream) => break stream,
                Err(e) if e.kind() == ErrorKind::ConnectionRefused && Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(source) => return Err(Error::VirtualCard { action: "cannot connect to vpcd", source }),
            }
        };
        // Every frame is one small request waiting for its answer: Nagle's delay would dominate the round trip.
        stream.set_nodelay(true).map_err(|source| Error::VirtualCard { action: "cannot set TCP_NODELAY", source })?;
        let reading = stream.try_clone().map_err(|source| Error::VirtualCard { action: "cannot clone", source })?;
        let apdus = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&apdus);
        let atr = atr.to_vec();
        let thread = std::thread::Builder::new()
            .name(format!("vcard-{port}"))
            .spawn(move || serve(reading, &atr, on_apdu, &counter))
            .map_err(|source| Error::VirtualCard { action: "cannot start its thread", source })?;
        Ok(Self { stream, thread: Some(thread), apdus })
    }

    /// How many command APDUs the card has answered.
    #[must_use]
    pub fn apdu_count(&self) -> usize {
        self.apdus.load(Ordering::Relaxed)
    }

    /// Takes the card out of the reader: closes the connection and waits for the card's thread.
    pub fn remove(self) {
        drop(self);
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        // Already closed by vpcd is fine: either way the card is out.
        drop(self.stream.shutdown(Shutdown::Both));
        if let Some(thread) = self.thread.take() {
            drop(thread.join());
        }
    }
}

fn serve<F: FnMut(&[u8]) -> Vec<u8>>(stream: TcpStream, atr: &[u8], on_apdu: F, apdus: &AtomicUsize) {
    exchange(&stream, atr, on_apdu, apdus);
    // The card's owner holds another handle on the same socket: only a shutdown tells vpcd the card left.
    drop(stream.shutdown(Shutdown::Both));
}

fn exchange<F: FnMut(&[u8]) -> Vec<u8>>(mut stream: &TcpStream, atr: &[u8], mut on_apdu: F, apdus: &AtomicUsize) {
    let mut header = [0_u8; 2];
    let mut payload = Vec::new();
    let socket = socket2::SockRef::from(stream);
    loop {
        // vpcd writes a frame's length and its payload separately and leaves Nagle's algorithm on: its payload waits
        // for our ACK of the length, which Linux delays by up to 40 ms unless told to acknowledge at once. The
        // setting does not last, so it is renewed before every read. Failing to set it only costs time.
        drop(socket.set_tcp_quickack(true));
        // Ends when vpcd closes the connection or the card is removed (shutdown makes the read fail).
        if stream.read_exact(&mut header).is_err() {
            return;
        }
        drop(socket.set_tcp_quickack(true));
        payload.resize(usize::from(u16::from_be_bytes(header)), 0);
        if stream.read_exact(&mut payload).is_err() {
            return;
        }
        let answer = match payload.as_slice() {
            [GET_ATR] => Some(atr.to_vec()),
            // Power off, power on and reset need no answer; nothing else is defined.
            [_] | [] => None,
            apdu => {
                apdus.fetch_add(1, Ordering::Relaxed);
                Some(on_apdu(apdu))
            }
        };
        if let Some(answer) = answer {
            let Ok(len) = u16::try_from(answer.len()) else {
                // Too long for vpcd's 16-bit frame length: leaving the reader is the only honest answer.
                return;
            };
            let mut frame = Vec::with_capacity(answer.len() + 2);
            frame.extend_from_slice(&len.to_be_bytes());
            frame.extend_from_slice(&answer);
            if stream.write_all(&frame).is_err() {
                return;
            }
        }
    }
}
