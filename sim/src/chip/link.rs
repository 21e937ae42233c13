//! The contactless link between reader and chip, as a delay: an ISO/IEC 14443 link moves every command and response
//! byte at its bit rate (106 to 848 kbit/s, ISO/IEC 14443-2 §8, -4 for the higher rates), and each exchange costs a
//! fixed turnaround on top (frame waiting time, the chip's processing). Before answering an APDU the simulator waits
//! `(command bytes + response bytes) * 8 / (kbps * 1000)` seconds plus the latency.
//!
//! `thread::sleep` overshoots by tens of microseconds to a millisecond or more depending on the scheduler, so the
//! wait sleeps until shortly before the deadline and spins for the rest.
//!
//! The link also counts what went over it, for the summary logged when the card leaves.

use std::time::{Duration, Instant};

/// How long before the deadline sleeping stops and spinning starts.
const SPIN: Duration = Duration::from_micros(1500);

/// The link's speed and latency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkModel {
    /// Bit rate in kbit/s; `None` for no transfer delay.
    pub kbps: Option<u32>,
    /// Fixed time per APDU.
    pub latency: Duration,
}

impl LinkModel {
    /// The time one exchange of `command` + `response` bytes takes.
    pub fn delay(&self, command: usize, response: usize) -> Duration {
        let transfer = match self.kbps {
            Some(kbps) if kbps > 0 => {
                let bits = (command as u128 + response as u128) * 8;
                // bits / (kbps * 1000) seconds, in nanoseconds.
                let nanos = bits * 1_000_000 / u128::from(kbps);
                Duration::from_nanos(u64::try_from(nanos).unwrap_or(u64::MAX))
            }
            _ => Duration::ZERO,
        };
        transfer.saturating_add(self.latency)
    }
}

/// Waits until `deadline`: sleeps most of the way, then spins, so that the wait ends within a few microseconds of it.
pub fn wait_until(deadline: Instant) {
    loop {
        let now = Instant::now();
        let Some(left) = deadline.checked_duration_since(now).filter(|d| !d.is_zero()) else { return };
        if left > SPIN {
            std::thread::sleep(left - SPIN);
        } else {
            std::hint::spin_loop();
        }
    }
}

/// What went over the link during one connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct LinkStats {
    /// APDUs answered.
    pub apdus: u64,
    /// Command bytes received.
    pub bytes_in: u64,
    /// Response bytes sent.
    pub bytes_out: u64,
    /// Time spent waiting for the link model.
    pub delayed: Duration,
}

impl LinkStats {
    /// Counts one exchange.
    pub fn count(&mut self, command: usize, response: usize, delayed: Duration) {
        self.apdus += 1;
        self.bytes_in += command as u64;
        self.bytes_out += response as u64;
        self.delayed = self.delayed.saturating_add(delayed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delay_follows_the_bit_rate() {
        let m = LinkModel { kbps: Some(424), latency: Duration::from_millis(2) };
        // 1000 bytes at 424 kbit/s: 8000 / 424000 s = 18.867924 ms, plus 2 ms.
        assert_eq!(m.delay(500, 500), Duration::from_nanos(18_867_924) + Duration::from_millis(2));
        assert_eq!(LinkModel::default().delay(10_000, 10_000), Duration::ZERO);
        let fast = LinkModel { kbps: Some(848), latency: Duration::ZERO };
        assert_eq!(fast.delay(106, 0), Duration::from_millis(1));
    }

    #[test]
    fn waiting_ends_at_the_deadline_not_before() {
        let start = Instant::now();
        let deadline = start + Duration::from_micros(2500);
        wait_until(deadline);
        assert!(Instant::now() >= deadline);
        // A deadline in the past returns at once.
        wait_until(start);
    }
}
