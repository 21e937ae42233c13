//! Counting the people who come into the mantrap, from the beam pair just inside the entry door.
//!
//! Beam A is the outer beam, beam B a step further in. A body walking in breaks A, then both, then leaves A, then
//! B: its passage is complete, inward, when the pair was first broken at A and clears at B. Walking out is the
//! mirror image. A body that steps onto the beams and back, clearing them on the side it came from, counts neither
//! way.
//!
//! Two people close behind each other may keep the pair broken without a gap; each of them still breaks beam A
//! afresh, and a passage counts every fresh break of A. Bodies pressed together may not even leave A a gap, so the
//! counter also measures how long the
//! pair stays broken at a stretch: longer than one person takes at the slowest walk ([`Counter::new`]'s
//! `longest_single`) means more than one body went through, whatever the edges said.

use std::time::Duration;

/// The beam pair's counter for one crossing.
#[derive(Debug, Clone)]
pub struct Counter {
    longest_single: Duration,
    a: bool,
    b: bool,
    /// Which beam was broken first when the pair went from clear to broken: `Some(true)` when A was.
    entered_outer: Option<bool>,
    /// Which beam cleared while the other was still broken, last: `Some(true)` when A did.
    a_cleared_first: Option<bool>,
    /// Since when the pair has been broken without a gap.
    broken_since: Option<Duration>,
    /// How often beam A was broken afresh in the current stretch: each is a body coming in at the door.
    a_breaks: u32,
    inward: u32,
    outward: u32,
    crowded: bool,
}

impl Counter {
    /// A counter for which a stretch of broken beams longer than `longest_single` is more than one person.
    #[must_use]
    pub fn new(longest_single: Duration) -> Self {
        Counter {
            longest_single,
            a: false,
            b: false,
            entered_outer: None,
            a_cleared_first: None,
            broken_since: None,
            a_breaks: 0,
            inward: 0,
            outward: 0,
            crowded: false,
        }
    }

    /// Starts a new count with the beams as they are now.
    pub fn restart(&mut self, a: bool, b: bool, now: Duration) {
        *self = Counter::new(self.longest_single);
        self.a = a;
        self.b = b;
        self.broken_since = (a || b).then_some(now);
    }

    /// A change of beam A (`outer = true`) or B to `broken`, at `now`.
    pub fn edge(&mut self, outer: bool, broken: bool, now: Duration) {
        let was_broken = self.a || self.b;
        if outer {
            if self.a == broken {
                return;
            }
            self.a = broken;
            if broken {
                self.a_breaks += 1;
            }
            if !broken && self.b {
                self.a_cleared_first = Some(true);
            }
        } else {
            if self.b == broken {
                return;
            }
            self.b = broken;
            if !broken && self.a {
                self.a_cleared_first = Some(false);
            }
        }
        self.tick(now);
        match (was_broken, self.a || self.b) {
            (false, true) => {
                self.broken_since = Some(now);
                self.entered_outer = Some(outer);
                self.a_breaks = u32::from(outer && broken);
            }
            (true, false) => {
                // In from the hall and out on the far side is a passage in; the mirror image a passage out; in
                // and back out on the same side, nothing.
                match (self.entered_outer.take(), self.a_cleared_first.take()) {
                    // Bodies close behind each other keep the pair broken, but each breaks A afresh.
                    (Some(true), Some(true)) => self.inward += self.a_breaks.max(1),
                    (Some(false), Some(false)) => self.outward += 1,
                    _ => {}
                }
                self.broken_since = None;
            }
            _ => {}
        }
    }

    /// Lets time pass: a stretch that has lasted too long marks the count crowded.
    pub fn tick(&mut self, now: Duration) {
        if let Some(since) = self.broken_since
            && now.saturating_sub(since) > self.longest_single
        {
            self.crowded = true;
        }
    }

    /// People who came in, less those who went back out.
    #[must_use]
    pub fn inside(&self) -> i64 {
        i64::from(self.inward) - i64::from(self.outward)
    }

    /// Completed passages inward.
    #[must_use]
    pub fn inward(&self) -> u32 {
        self.inward
    }

    /// Whether either beam is broken now.
    #[must_use]
    pub fn busy(&self) -> bool {
        self.a || self.b
    }

    /// Whether more than one person came through: two passages inward, or a stretch too long for one body.
    #[must_use]
    pub fn more_than_one(&self) -> bool {
        self.inward >= 2 || self.crowded
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::Counter;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Edges as (milliseconds, outer beam?, broken?).
    fn run(edges: &[(u64, bool, bool)]) -> Counter {
        let mut c = Counter::new(ms(1500));
        for &(t, outer, broken) in edges {
            c.edge(outer, broken, ms(t));
        }
        c
    }

    #[test]
    fn one_person_walking_in_counts_once() {
        let c = run(&[(0, true, true), (150, false, true), (400, true, false), (550, false, false)]);
        assert_eq!((c.inward(), c.inside(), c.more_than_one(), c.busy()), (1, 1, false, false));
    }

    #[test]
    fn stepping_on_the_beams_and_back_counts_nothing_and_walking_out_counts_out() {
        let back = run(&[(0, true, true), (150, false, true), (300, false, false), (450, true, false)]);
        assert_eq!((back.inward(), back.inside()), (0, 0));
        let out = run(&[(0, true, true), (150, false, true), (400, true, false), (550, false, false)]);
        let mut both = out.clone();
        for (t, outer, broken) in [(2000, false, true), (2150, true, true), (2400, false, false), (2550, true, false)] {
            both.edge(outer, broken, ms(t));
        }
        assert_eq!((both.inward(), both.inside()), (1, 0));
    }

    #[test]
    fn two_in_a_row_count_twice_and_a_long_stretch_is_crowded() {
        let two = run(&[
            (0, true, true),
            (150, false, true),
            (400, true, false),
            (550, false, false),
            (700, true, true),
            (850, false, true),
            (1100, true, false),
            (1250, false, false),
        ]);
        assert_eq!(two.inward(), 2);
        assert!(two.more_than_one());
        // Close behind: B is still broken by the first when the second breaks A again.
        let close = run(&[
            (0, true, true),
            (150, false, true),
            (400, true, false),
            (500, true, true),
            (550, false, false),
            (560, false, true),
            (800, true, false),
            (950, false, false),
        ]);
        assert_eq!(close.inward(), 2);
        // Close behind: the pair never clears between them, but stays broken too long for one body.
        let mut close = run(&[(0, true, true), (150, false, true)]);
        close.tick(ms(1400));
        assert!(!close.more_than_one());
        close.tick(ms(1600));
        assert!(close.more_than_one());
    }
}
