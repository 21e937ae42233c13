//! The screening step of a crossing: the holder of the MRZ against the list in force, for the gate's direction
//! of travel, reduced to what the crossing machine decides on.
//!
//! Security fails closed: no list in force, a list past its maximum age, or a store that cannot be read all
//! refer (`watchlist_stale`); `possible` refers as `hit` does, and the officer sees the matches and their `why`.

use std::path::Path;
use std::time::{Duration, SystemTime};

use mrtd::mrz::{Mrz, Ymd};
use tracing::{info, warn};

use crate::crossing::io::Screening;
use crate::crossing::policy::Direction;
use crate::watchlist::check;
use crate::watchlist::cli::WatchlistConfig;
use crate::watchlist::score::{self, Outcome, ScoreConfig};
use crate::watchlist::store::{Store, StoreError};

/// The list in force, opened for screening.
#[derive(Debug)]
pub struct Watchlist {
    store: Store,
    config: ScoreConfig,
    max_age: Duration,
}

impl Watchlist {
    /// Opens the store of `config`.
    ///
    /// # Errors
    /// The store's error when it cannot be opened (the gate then refers every traveller as `watchlist_stale`).
    pub fn open(config: &WatchlistConfig) -> Result<Watchlist, StoreError> {
        Watchlist::open_at(&config.db, config)
    }

    /// Opens the store at `db` with the thresholds and maximum age of `config`.
    ///
    /// # Errors
    /// The store's error when it cannot be opened.
    pub fn open_at(db: &Path, config: &WatchlistConfig) -> Result<Watchlist, StoreError> {
        let store = Store::open(db)?;
        let scoring = ScoreConfig { hit: config.hit, possible: config.possible, ..ScoreConfig::default() };
        Ok(Watchlist {
            store,
            config: scoring,
            max_age: Duration::from_secs(config.max_age_hours.saturating_mul(3600)),
        })
    }

    /// Screens the holder of `mrz`.
    #[must_use]
    pub fn screen(&self, mrz: &Mrz, direction: Direction, today: Ymd) -> Screening {
        let info = match self.store.info() {
            Ok(Some(info)) => info,
            Ok(None) => {
                warn!("no watchlist is in force: referring");
                return Screening::Stale;
            }
            Err(e) => {
                warn!(error = %e, "the watchlist cannot be read: referring");
                return Screening::Unavailable;
            }
        };
        if check::is_stale(info.created, self.max_age) {
            warn!(version = info.version, "the watchlist in force is older than its maximum age: referring");
            return Screening::Stale;
        }
        let direction = match direction {
            Direction::Arrival => score::Direction::Arrival,
            Direction::Departure => score::Direction::Departure,
        };
        let query = check::query_from_mrz(mrz, direction, today);
        match check::screen(&self.store, &query, &self.config) {
            Ok(s) if s.result == Outcome::Clear => Screening::Clear,
            Ok(s) => {
                // Entry ids and the why go to the officer's evidence, not to the log above `debug`.
                info!(result = s.result.as_str(), matches = s.matches.len(), "watchlist match");
                Screening::Listed
            }
            Err(e) => {
                warn!(error = %e, "the watchlist cannot be read: referring");
                Screening::Unavailable
            }
        }
    }

    /// When the list in force was made, if one is.
    #[must_use]
    pub fn created(&self) -> Option<SystemTime> {
        self.store.info().ok().flatten().map(|i| i.created)
    }
}
