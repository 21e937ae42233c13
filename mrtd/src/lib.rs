//! The e-passport library: ICAO Doc 9303 with no I/O. It turns bytes into bytes and values: the MRZ, BER-TLV, APDUs
//! and status words, Basic Access Control, secure messaging, the files of the logical data structure and the face
//! containers of DG2. Each protocol has a terminal side (for the gate) and a chip side (for the simulator), so that
//! the two are tested against each other and against the worked examples of ICAO 9303 Part 11.

pub mod aa;
pub mod apdu;
pub mod atr;
pub mod bac;
pub mod ca;
pub mod crypto;
pub mod dh;
pub mod ec;
pub mod error;
pub mod face_image;
pub mod lds;
pub mod mrz;
pub mod pa;
pub mod pace;
pub mod security_infos;
pub mod sm;
pub mod sw;
pub mod tlv;

pub use error::Error;
