//! The gate controller: reading and checking the traveller's e-passport, and the command line around it.
//!
//! The library holds everything; `main` only parses arguments and sets up logging.

pub mod chip;
pub mod cli;
pub mod config;
pub mod crossing;
pub mod error;
pub mod face;
pub mod face_cli;
pub mod output;
pub mod read;
pub mod run;
pub mod verify_sod;
pub mod watchlist;

pub use error::Error;
