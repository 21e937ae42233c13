//! The hardware simulator of the gate: a virtual e-passport chip served to pcscd through the vpcd driver, an MRZ
//! reader on a pseudo-terminal, a camera fed with pictures, and the test PKI and passport images they serve.

pub mod access;
pub mod camera;
pub mod chip;
pub mod cli;
pub mod error;
pub mod gate;
pub mod keys;
pub mod passport;
pub mod pki;
pub mod rig;
pub mod scenario;
pub mod watchlist;

pub use error::Error;
