//! Screening travellers against the *cekal* watchlist on the board: *cegah* stops a listed person from leaving
//! Indonesia, *tangkal* refuses a listed foreigner entry.
//!
//! - [`record`]: the list's records (JSON lines) and their checks.
//! - [`bundle`]: signed lists (Ed25519 over a manifest), full snapshots and deltas, and the checks that refuse
//!   unsigned, forged, out-of-order and rolled-back lists.
//! - [`normalise`]: names as people really write them, reduced to comparable tokens and keys.
//! - [`score`]: how alike a traveller and a record are, with the reasons.
//! - [`store`]: the list in force in an embedded database, switched atomically, and its index.
//! - [`check`]: screening one traveller, through the index or by a plain scan.
//! - [`cli`]: `watchlist keygen` and `watchlist sign`, what the list authority runs.

pub mod bundle;
pub mod check;
pub mod cli;
pub mod normalise;
pub mod record;
pub mod score;
pub mod store;
