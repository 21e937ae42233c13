//! The vpcd socket protocol (vsmartcard's virtual smart-card reader driver for pcscd): the virtual card connects out
//! to the port the driver listens on, and both sides send frames of a two-byte big-endian length and a payload. A
//! one-byte payload from the driver is a control code (0 power off, 1 power on, 2 reset, 4 send the ATR, which is
//! answered with the ATR's bytes); a longer payload is a command APDU, answered with the response APDU. Closing the
//! socket takes the card out of the reader.
//!
//! pcscd may go away and come back (a restart, a crash): the card then reconnects with a bounded exponential backoff
//! and comes back as a freshly inserted card, which a power loss makes it. Every blocking call has a timeout, so a
//! stop request is seen within a fraction of a second.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::card::Card;
use super::link::{LinkModel, LinkStats, wait_until};
use crate::error::Error;

/// vpcd's control codes.
const POWER_OFF: u8 = 0;
const POWER_ON: u8 = 1;
const RESET: u8 = 2;
const GET_ATR: u8 = 4;

/// How often a blocked read looks at the stop flag.
const POLL: Duration = Duration::from_millis(100);
/// Connection attempts back off from this ...
const BACKOFF_MIN: Duration = Duration::from_millis(100);
/// ... to this.
const BACKOFF_MAX: Duration = Duration::from_secs(2);
/// A connection attempt gives up after this long.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(2);
/// A response frame must be written within this long, or pcscd is considered gone.
const WRITE_TIMEOUT: Duration = Duration::from_secs(5);

/// How the card is served.
#[derive(Debug, Clone)]
pub struct VpcdOptions {
    /// vpcd's address, `HOST:PORT`.
    pub addr: String,
    /// The link's speed and latency.
    pub link: LinkModel,
    /// Leave the reader after answering this many APDUs (the `remove-after` fault).
    pub remove_after: Option<u64>,
}

/// What happened, for the caller to report.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Event {
    /// The card is in the reader: connected to vpcd.
    Inserted {
        /// The address connected to.
        addr: SocketAddr,
    },
    /// vpcd closed the connection (pcscd stopped); the card will reconnect.
    Disconnected {
        /// What went over this connection.
        stats: LinkStats,
    },
    /// The card left the reader for good (the `remove-after` fault).
    Removed {
        /// What went over this connection.
        stats: LinkStats,
    },
}

/// Why serving ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The stop flag was raised.
    Stopped,
    /// The card left the reader (`remove-after`).
    Removed,
}

/// Serves `card` to vpcd at `options.addr` until `stop` is raised or the card is removed, reconnecting whenever the
/// connection drops.
///
/// # Errors
/// [`Error::Vpcd`] when the address does not resolve.
pub fn serve(
    card: &mut Card,
    options: &VpcdOptions,
    stop: &AtomicBool,
    on_event: &mut dyn FnMut(&Event),
) -> Result<Outcome, Error> {
    let mut backoff = BACKOFF_MIN;
    let mut total_apdus = 0u64;
    let mut unreachable_logged = false;
    while !stop.load(Ordering::Relaxed) {
        let addrs: Vec<SocketAddr> = options
            .addr
            .to_socket_addrs()
            .map_err(|source| Error::Vpcd { addr: options.addr.clone(), source })?
            .collect();
        let connected = addrs.iter().find_map(|a| TcpStream::connect_timeout(a, CONNECT_TIMEOUT).ok().map(|s| (s, *a)));
        let Some((stream, addr)) = connected else {
            if unreachable_logged {
                tracing::debug!(addr = %options.addr, retry_in_ms = backoff.as_millis(), "vpcd not reachable");
            } else {
                tracing::info!(addr = %options.addr, "vpcd not reachable (is pcscd running?); retrying");
                unreachable_logged = true;
            }
            sleep_unless_stopped(backoff, stop);
            backoff = (backoff * 2).min(BACKOFF_MAX);
            continue;
        };
        backoff = BACKOFF_MIN;
        unreachable_logged = false;
        tracing::info!(%addr, "connected to vpcd: card inserted");
        // A new connection is a card put in the reader: whatever session there was is gone.
        card.power_off();
        on_event(&Event::Inserted { addr });
        let mut conn = Connection::new(stream);
        let started = Instant::now();
        let mut stats = LinkStats::default();
        let end = conn.serve(card, options, stop, &mut stats, &mut total_apdus);
        tracing::info!(
            apdus = stats.apdus,
            bytes_in = stats.bytes_in,
            bytes_out = stats.bytes_out,
            link_delay_ms = stats.delayed.as_millis(),
            connected_ms = started.elapsed().as_millis(),
            "card session summary"
        );
        match end {
            End::Stopped => return Ok(Outcome::Stopped),
            End::Removed => {
                tracing::info!(apdus = total_apdus, "card removed from the reader (fault remove-after)");
                on_event(&Event::Removed { stats });
                return Ok(Outcome::Removed);
            }
            End::Closed(why) => {
                tracing::info!(reason = %why, "vpcd connection closed; reconnecting");
                on_event(&Event::Disconnected { stats });
                sleep_unless_stopped(BACKOFF_MIN, stop);
            }
        }
    }
    Ok(Outcome::Stopped)
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let deadline = Instant::now() + d;
    while !stop.load(Ordering::Relaxed) {
        let Some(left) = deadline.checked_duration_since(Instant::now()) else { return };
        std::thread::sleep(left.min(Duration::from_millis(50)));
    }
}

enum End {
    Stopped,
    Removed,
    Closed(std::io::Error),
}

/// One connection to vpcd and its partly received frame.
struct Connection {
    stream: TcpStream,
    buf: Vec<u8>,
}

impl Connection {
    fn new(stream: TcpStream) -> Self {
        // Frames are small and answered one at a time: Nagle's algorithm would add its delay to every APDU.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!(error = %e, "TCP_NODELAY not set");
        }
        if let Err(e) = stream.set_read_timeout(Some(POLL)).and_then(|()| stream.set_write_timeout(Some(WRITE_TIMEOUT)))
        {
            tracing::debug!(error = %e, "socket timeouts not set");
        }
        Self { stream, buf: Vec::with_capacity(512) }
    }

    fn serve(
        &mut self,
        card: &mut Card,
        options: &VpcdOptions,
        stop: &AtomicBool,
        stats: &mut LinkStats,
        total_apdus: &mut u64,
    ) -> End {
        loop {
            let frame = match self.read_frame(stop) {
                Ok(Some(f)) => f,
                Ok(None) => return End::Stopped,
                Err(e) => return End::Closed(e),
            };
            let received = Instant::now();
            match frame.as_slice() {
                [] => {}
                [POWER_OFF] => {
                    tracing::debug!("power off");
                    card.power_off();
                }
                [POWER_ON] => {
                    tracing::debug!("power on");
                    card.power_on();
                }
                [RESET] => {
                    tracing::debug!("reset");
                    card.reset();
                }
                [GET_ATR] => {
                    if let Err(e) = self.write_frame(&card.atr()) {
                        return End::Closed(e);
                    }
                }
                [other] => tracing::debug!(code = other, "unknown vpcd control code ignored"),
                apdu => {
                    let response = card.transmit(apdu);
                    let delay = options.link.delay(apdu.len(), response.len());
                    if !delay.is_zero() {
                        wait_until(received + delay);
                    }
                    if let Err(e) = self.write_frame(&response) {
                        return End::Closed(e);
                    }
                    stats.count(apdu.len(), response.len(), delay);
                    *total_apdus += 1;
                    if options.remove_after.is_some_and(|n| *total_apdus >= n) {
                        if let Err(e) = self.stream.shutdown(std::net::Shutdown::Both) {
                            tracing::debug!(error = %e, "socket shutdown");
                        }
                        return End::Removed;
                    }
                }
            }
        }
    }

    /// The next frame's payload; `None` once `stop` is raised.
    fn read_frame(&mut self, stop: &AtomicBool) -> std::io::Result<Option<Vec<u8>>> {
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(&[hi, lo]) = self.buf.get(..2) {
                let total = 2 + usize::from(u16::from_be_bytes([hi, lo]));
                if self.buf.len() >= total {
                    let payload = self.buf.get(2..total).unwrap_or_default().to_vec();
                    self.buf.drain(..total);
                    return Ok(Some(payload));
                }
            }
            if stop.load(Ordering::Relaxed) {
                return Ok(None);
            }
            // vpcd writes a frame's length and its payload separately with Nagle's algorithm on, so the payload waits
            // for our ACK of the length, which Linux delays by up to 40 ms unless told to acknowledge at once. The
            // setting does not last: it is renewed before every read. Failing to set it costs time only.
            if let Err(e) = socket2::SockRef::from(&self.stream).set_tcp_quickack(true) {
                tracing::trace!(error = %e, "TCP_QUICKACK not set");
            }
            match self.stream.read(&mut chunk) {
                Ok(0) => return Err(std::io::Error::new(ErrorKind::UnexpectedEof, "vpcd closed the connection")),
                Ok(n) => self.buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
                Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut | ErrorKind::Interrupted) => {}
                Err(e) => return Err(e),
            }
        }
    }

    fn write_frame(&mut self, payload: &[u8]) -> std::io::Result<()> {
        let len = u16::try_from(payload.len())
            .map_err(|_| std::io::Error::new(ErrorKind::InvalidInput, "frame longer than 65535 bytes"))?;
        let mut frame = Vec::with_capacity(payload.len() + 2);
        frame.extend_from_slice(&len.to_be_bytes());
        frame.extend_from_slice(payload);
        self.stream.write_all(&frame)
    }
}
