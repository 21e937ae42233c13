//! The symmetric primitives of Basic Access Control and 3DES secure messaging (ICAO 9303-11 §9.7.1, §9.8; ISO/IEC
//! 9797-1): padding method 2, two-key 3DES in CBC mode with a zero IV, the retail MAC (MAC algorithm 3 with DES) and
//! the SHA-1 key derivation with DES parity. The ciphers themselves come from RustCrypto.

use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyIvInit};
use retail_mac::{KeyInit, Mac};
use sha1::{Digest, Sha1};
use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::error::{Error, PeerMisbehaved};

/// A two-key 3DES key (K1 || K2), wiped on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop, PartialEq, Eq)]
pub struct TdesKey(pub(crate) [u8; 16]);

impl std::fmt::Debug for TdesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TdesKey(..)")
    }
}

impl TdesKey {
    /// A key from its 16 bytes.
    pub fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The key's bytes, for tests against worked examples.
    pub fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

/// DES block size.
pub const DES_BLOCK: usize = 8;

/// Appends ISO/IEC 9797-1 padding method 2: `80` then zeros up to a whole block.
pub fn pad(data: &[u8], block: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + block);
    out.extend_from_slice(data);
    out.push(0x80);
    while !out.len().is_multiple_of(block) {
        out.push(0);
    }
    out
}

/// Removes padding method 2.
///
/// # Errors
/// [`PeerMisbehaved::BadPadding`] when the data does not end in `80 00..`.
pub fn unpad(data: &[u8]) -> Result<&[u8], PeerMisbehaved> {
    let zeros = data.iter().rev().take_while(|&&b| b == 0).count();
    let end = data.len().checked_sub(zeros + 1).ok_or(PeerMisbehaved::BadPadding)?;
    match data.get(end) {
        Some(0x80) => data.get(..end).ok_or(PeerMisbehaved::BadPadding),
        _ => Err(PeerMisbehaved::BadPadding),
    }
}

type TdesCbcEnc = cbc::Encryptor<des::TdesEde2>;
type TdesCbcDec = cbc::Decryptor<des::TdesEde2>;

fn blocks(data: &[u8]) -> Result<Vec<des::cipher::Block<des::TdesEde2>>, PeerMisbehaved> {
    if !data.len().is_multiple_of(DES_BLOCK) {
        return Err(PeerMisbehaved::BadCryptogramLength);
    }
    Ok(data
        .chunks_exact(DES_BLOCK)
        .map(|c| {
            let mut b = des::cipher::Block::<des::TdesEde2>::default();
            b.copy_from_slice(c);
            b
        })
        .collect())
}

fn unblocks(blocks: Vec<des::cipher::Block<des::TdesEde2>>) -> Vec<u8> {
    blocks.iter().flat_map(|b| b.iter().copied()).collect()
}

/// 3DES-CBC encryption of whole blocks with the given IV (zero for BAC and 3DES secure messaging).
///
/// # Errors
/// [`Error::InvalidKey`] when `data` is not a whole number of blocks (a bug of the caller, who pads first).
pub fn tdes_encrypt(key: &TdesKey, iv: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut b = blocks(data).map_err(|_| Error::InvalidKey("plaintext is not a whole number of DES blocks"))?;
    let mut enc = TdesCbcEnc::new_from_slices(&key.0, iv).map_err(|_| Error::InvalidKey("3DES key or IV size"))?;
    enc.encrypt_blocks(&mut b);
    Ok(unblocks(b))
}

/// 3DES-CBC decryption of whole blocks.
///
/// # Errors
/// [`PeerMisbehaved::BadCryptogramLength`] when the cryptogram is not a whole number of blocks.
pub fn tdes_decrypt(key: &TdesKey, iv: &[u8; 8], data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut b = blocks(data)?;
    let mut dec = TdesCbcDec::new_from_slices(&key.0, iv).map_err(|_| Error::InvalidKey("3DES key or IV size"))?;
    dec.decrypt_blocks(&mut b);
    Ok(unblocks(b))
}

/// ISO/IEC 9797-1 MAC algorithm 3 (retail MAC) with single DES over data already padded to whole blocks.
///
/// # Errors
/// [`Error::InvalidKey`] on a wrong key size (never for a [`TdesKey`]).
pub fn retail_mac(key: &TdesKey, padded: &[u8]) -> Result<[u8; 8], Error> {
    let mut mac = retail_mac::RetailMac::<des::Des>::new_from_slice(&key.0)
        .map_err(|_| Error::InvalidKey("retail MAC key size"))?;
    mac.update(padded);
    let out = mac.finalize().into_bytes();
    let mut cc = [0u8; 8];
    cc.copy_from_slice(&out);
    Ok(cc)
}

/// Compares two MACs in constant time.
pub fn mac_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The key derivation function of 9303-11 §9.7.1 for 3DES: SHA-1(seed || counter), the first 16 bytes, with DES
/// parity bits set. Counter 1 gives the encryption key, 2 the MAC key.
pub fn kdf_3des(seed: &[u8], counter: u32) -> TdesKey {
    let mut h = Sha1::new();
    h.update(seed);
    h.update(counter.to_be_bytes());
    let digest = h.finalize();
    let mut key = [0u8; 16];
    for (k, d) in key.iter_mut().zip(digest.iter()) {
        *k = with_odd_parity(*d);
    }
    TdesKey(key)
}

fn with_odd_parity(b: u8) -> u8 {
    let high = b & 0xFE;
    if high.count_ones().is_multiple_of(2) { high | 1 } else { high }
}

/// SHA-1 of `data`.
pub fn sha1(data: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    out.copy_from_slice(&Sha1::digest(data));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn padding_round_trips_and_refuses_garbage() {
        assert_eq!(pad(&[1, 2, 3], 8), vec![1, 2, 3, 0x80, 0, 0, 0, 0]);
        assert_eq!(pad(&[0; 8], 8).len(), 16);
        assert_eq!(unpad(&[1, 2, 0x80, 0, 0]).unwrap(), &[1, 2]);
        assert_eq!(unpad(&[0x80]).unwrap(), &[] as &[u8]);
        assert_eq!(unpad(&[1, 2, 0, 0]), Err(PeerMisbehaved::BadPadding));
        assert_eq!(unpad(&[]), Err(PeerMisbehaved::BadPadding));
        assert_eq!(unpad(&[0, 0]), Err(PeerMisbehaved::BadPadding));
    }

    #[test]
    fn retail_mac_matches_iso_9797_1_annex_b() {
        // ISO/IEC 9797-1:2011 B.4, as quoted in the retail-mac crate's documentation; padded with method 2 here so
        // only the unpadded message's MAC of the standard is checkable for its first, block-aligned case.
        let key = TdesKey(hex::decode("0123456789ABCDEFFEDCBA9876543210").unwrap().try_into().unwrap());
        let mac = retail_mac(&key, b"Now is the time for all ").unwrap();
        assert_eq!(hex::encode_upper(mac), "A1C72E74EA3FA9B6");
    }

    #[test]
    fn cbc_round_trips_and_refuses_partial_blocks() {
        let key = kdf_3des(&[1; 16], 1);
        let iv = [0u8; 8];
        let ct = tdes_encrypt(&key, &iv, &[7; 24]).unwrap();
        assert_eq!(tdes_decrypt(&key, &iv, &ct).unwrap(), vec![7; 24]);
        assert!(matches!(
            tdes_decrypt(&key, &iv, &[0; 7]),
            Err(Error::ChipMisbehaved(PeerMisbehaved::BadCryptogramLength))
        ));
    }
}
