//! The age past which a list no longer counts: the gate then refers every traveller (fail closed) until a newer
//! list is imported, and a list created ahead of the gate's clock means the clock is wrong.

use std::fmt;
use std::time::{Duration, SystemTime};

use super::{MAX_CLOCK_SKEW, show_duration};

/// Whether the list in force may still be screened with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Freshness {
    /// Within its maximum age.
    Fresh,
    /// Older than the maximum age.
    Stale {
        /// Its age.
        age: Duration,
        /// The maximum.
        max_age: Duration,
    },
    /// Created later than the gate's clock by more than [`MAX_CLOCK_SKEW`]: the gate's clock is wrong, so the age is
    /// unknown.
    Ahead {
        /// By how much.
        by: Duration,
    },
}

impl fmt::Display for Freshness {
    /// What the officer is told.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Fresh => f.write_str("the watchlist is within its maximum age"),
            Self::Stale { age, max_age } => write!(
                f,
                "the watchlist is {} old, over the maximum age of {}: every traveller is referred until a newer list \
                 is imported",
                show_duration(*age),
                show_duration(*max_age)
            ),
            Self::Ahead { by } => write!(
                f,
                "the watchlist was created {} later than the gate's clock shows: the clock is wrong, the list's age is \
                 unknown, and every traveller is referred until the clock is set",
                show_duration(*by)
            ),
        }
    }
}

/// How the list created at `created` stands at `now` with `max_age` configured. A list created ahead of the clock
/// within [`MAX_CLOCK_SKEW`] counts as fresh.
pub fn freshness(created: SystemTime, now: SystemTime, max_age: Duration) -> Freshness {
    match now.duration_since(created) {
        Ok(age) if age > max_age => Freshness::Stale { age, max_age },
        Ok(_) => Freshness::Fresh,
        Err(ahead) if ahead.duration() > MAX_CLOCK_SKEW => Freshness::Ahead { by: ahead.duration() },
        Err(_) => Freshness::Fresh,
    }
}

/// Whether the gate must refer every traveller instead of screening with this list (fail closed): see
/// [`freshness`] for the reason to show.
pub fn is_stale(created: SystemTime, now: SystemTime, max_age: Duration) -> bool {
    freshness(created, now, max_age) != Freshness::Fresh
}
