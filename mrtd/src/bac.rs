//! Basic Access Control (ICAO 9303-11 §4.3, worked example in Appendix D): the document basic access keys from the
//! MRZ, the mutual authentication with GET CHALLENGE and EXTERNAL AUTHENTICATE, and the session keys and send
//! sequence counter that start 3DES secure messaging.
//!
//! Both sides are here: [`Terminal`] for the gate and [`Chip`] for the simulator. Randomness is passed in, never drawn
//! here, so that the worked example can be replayed byte for byte.

use zeroize::{Zeroize, ZeroizeOnDrop};

use crate::apdu::Command;
use crate::crypto::{self, TdesKey};
use crate::error::{Error, PeerMisbehaved};
use crate::sm::SecureMessaging;

/// The document basic access keys K_enc and K_mac (9303-11 §9.7.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BacKeys {
    /// K_enc.
    pub k_enc: TdesKey,
    /// K_mac.
    pub k_mac: TdesKey,
}

impl BacKeys {
    /// Derives the keys from the MRZ information: document number, date of birth and date of expiry, each followed
    /// by its check digit (`L898902C<369080619406236`); for a long TD1/TD2 document number, the whole number.
    pub fn from_mrz_information(mrz_information: &str) -> Self {
        Self::from_seed(&key_seed(mrz_information))
    }

    /// Derives the keys from K_seed.
    pub fn from_seed(seed: &[u8; 16]) -> Self {
        Self { k_enc: crypto::kdf_3des(seed, 1), k_mac: crypto::kdf_3des(seed, 2) }
    }
}

/// K_seed: the first 16 bytes of SHA-1 over the MRZ information (9303-11 §9.7.2).
pub fn key_seed(mrz_information: &str) -> [u8; 16] {
    let digest = crypto::sha1(mrz_information.as_bytes());
    let mut seed = [0u8; 16];
    seed.copy_from_slice(digest.get(..16).unwrap_or(&[0; 16]));
    seed
}

/// GET CHALLENGE for an 8-byte RND.IC.
pub fn get_challenge() -> Command {
    Command::new(0x00, 0x84, 0x00, 0x00).with_le(8)
}

/// The 32-byte S = RND.A || RND.B || K.A, wiped on drop.
#[derive(Zeroize, ZeroizeOnDrop)]
struct Secret([u8; 32]);

fn concat(a: &[u8; 8], b: &[u8; 8], k: &[u8; 16]) -> Secret {
    let mut s = [0u8; 32];
    for (dst, src) in s.iter_mut().zip(a.iter().chain(b).chain(k)) {
        *dst = *src;
    }
    Secret(s)
}

fn encrypt_and_mac(keys: &BacKeys, s: &Secret) -> Result<Vec<u8>, Error> {
    let mut out = crypto::tdes_encrypt(&keys.k_enc, &[0; 8], &s.0)?;
    let mac = crypto::retail_mac(&keys.k_mac, &crypto::pad(&out, crypto::DES_BLOCK))?;
    out.extend_from_slice(&mac);
    Ok(out)
}

/// Checks the MAC of a 40-byte E || M authentication message and decrypts E.
fn open(keys: &BacKeys, message: &[u8]) -> Result<Secret, Error> {
    if message.len() != 40 {
        return Err(PeerMisbehaved::WrongAuthenticationLength(message.len()).into());
    }
    let (e, m) = message.split_at_checked(32).ok_or(PeerMisbehaved::WrongAuthenticationLength(message.len()))?;
    let expected = crypto::retail_mac(&keys.k_mac, &crypto::pad(e, crypto::DES_BLOCK))?;
    if !crypto::mac_eq(&expected, m) {
        return Err(PeerMisbehaved::BadMac.into());
    }
    let mut plain = crypto::tdes_decrypt(&keys.k_enc, &[0; 8], e)?;
    let mut s = [0u8; 32];
    s.copy_from_slice(plain.get(..32).ok_or(PeerMisbehaved::WrongAuthenticationLength(message.len()))?);
    plain.zeroize();
    Ok(Secret(s))
}

fn split(s: &Secret) -> ([u8; 8], [u8; 8], [u8; 16]) {
    let mut a = [0u8; 8];
    let mut b = [0u8; 8];
    let mut k = [0u8; 16];
    a.copy_from_slice(s.0.get(..8).unwrap_or(&[0; 8]));
    b.copy_from_slice(s.0.get(8..16).unwrap_or(&[0; 8]));
    k.copy_from_slice(s.0.get(16..).unwrap_or(&[0; 16]));
    (a, b, k)
}

/// Session keys and SSC from K.IFD, K.IC and the two nonces (9303-11 §9.7.4, §9.8.2).
fn session(k_ifd: &[u8; 16], k_ic: &[u8; 16], rnd_ic: &[u8; 8], rnd_ifd: &[u8; 8]) -> SecureMessaging {
    let mut seed = [0u8; 16];
    for (s, (a, b)) in seed.iter_mut().zip(k_ifd.iter().zip(k_ic)) {
        *s = a ^ b;
    }
    let keys = BacKeys::from_seed(&seed);
    seed.zeroize();
    let mut ssc = [0u8; 8];
    for (dst, src) in ssc.iter_mut().zip(rnd_ic.iter().skip(4).chain(rnd_ifd.iter().skip(4))) {
        *dst = *src;
    }
    SecureMessaging::tdes(keys.k_enc.clone(), keys.k_mac.clone(), u64::from_be_bytes(ssc))
}

/// The terminal's side of the mutual authentication, after GET CHALLENGE gave RND.IC.
#[derive(Debug)]
pub struct Terminal {
    keys: BacKeys,
    rnd_ic: [u8; 8],
    rnd_ifd: [u8; 8],
    k_ifd: [u8; 16],
}

impl Drop for Terminal {
    fn drop(&mut self) {
        self.k_ifd.zeroize();
        self.rnd_ifd.zeroize();
    }
}

impl Terminal {
    /// Starts the authentication with the chip's RND.IC and the terminal's own random RND.IFD and K.IFD.
    pub fn new(keys: BacKeys, rnd_ic: [u8; 8], rnd_ifd: [u8; 8], k_ifd: [u8; 16]) -> Self {
        Self { keys, rnd_ic, rnd_ifd, k_ifd }
    }

    /// EXTERNAL AUTHENTICATE with E.IFD || M.IFD.
    ///
    /// # Errors
    /// Only on an internal key-size error.
    pub fn external_authenticate(&self) -> Result<Command, Error> {
        let s = concat(&self.rnd_ifd, &self.rnd_ic, &self.k_ifd);
        let data = encrypt_and_mac(&self.keys, &s)?;
        Ok(Command::new(0x00, 0x82, 0x00, 0x00).with_data(data).with_le(40))
    }

    /// Checks the chip's answer E.IC || M.IC and derives the secure-messaging session.
    ///
    /// # Errors
    /// [`Error::ChipMisbehaved`] when the MAC fails or the chip did not answer our challenge: the chip does not know
    /// the keys from this MRZ, or the answer was tampered with.
    pub fn finish(self, response: &[u8]) -> Result<SecureMessaging, Error> {
        let r = open(&self.keys, response)?;
        let (rnd_ic, rnd_ifd, k_ic) = split(&r);
        if !crypto::mac_eq(&rnd_ifd, &self.rnd_ifd) || !crypto::mac_eq(&rnd_ic, &self.rnd_ic) {
            return Err(PeerMisbehaved::WrongChallenge.into());
        }
        Ok(session(&self.k_ifd, &k_ic, &self.rnd_ic, &self.rnd_ifd))
    }
}

/// The chip's side: it has handed out RND.IC and waits for EXTERNAL AUTHENTICATE.
#[derive(Debug)]
pub struct Chip {
    keys: BacKeys,
    rnd_ic: [u8; 8],
}

impl Chip {
    /// A chip that answered GET CHALLENGE with `rnd_ic`.
    pub fn new(keys: BacKeys, rnd_ic: [u8; 8]) -> Self {
        Self { keys, rnd_ic }
    }

    /// Checks the terminal's E.IFD || M.IFD and returns the chip's answer E.IC || M.IC with the session, using the
    /// chip's random K.IC.
    ///
    /// # Errors
    /// [`Error::TerminalMisbehaved`] when the MAC fails (the terminal used keys from another MRZ) or the terminal did
    /// not answer RND.IC.
    pub fn external_authenticate(self, data: &[u8], k_ic: [u8; 16]) -> Result<(Vec<u8>, SecureMessaging), Error> {
        let s = open(&self.keys, data).map_err(|e| match e {
            Error::ChipMisbehaved(p) => Error::TerminalMisbehaved(p),
            other => other,
        })?;
        let (rnd_ifd, rnd_ic, k_ifd) = split(&s);
        if !crypto::mac_eq(&rnd_ic, &self.rnd_ic) {
            return Err(Error::TerminalMisbehaved(PeerMisbehaved::WrongChallenge));
        }
        let r = concat(&self.rnd_ic, &rnd_ifd, &k_ic);
        let answer = encrypt_and_mac(&self.keys, &r)?;
        Ok((answer, session(&k_ifd, &k_ic, &self.rnd_ic, &rnd_ifd)))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::Value;

    /// ICAO 9303-11 Appendix D, as collected in testdata/icao/vectors/icao9303_p11_appD_bac_sm3des.json.
    pub(crate) fn app_d() -> Option<Value> {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../shared/testdata/icao/vectors/icao9303_p11_appD_bac_sm3des.json"
        );
        match std::fs::read(path) {
            Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap()),
            Err(_) => {
                eprintln!("SKIP: {path} is absent");
                None
            }
        }
    }

    pub(crate) fn h(v: &Value) -> Vec<u8> {
        hex::decode(v.as_str().unwrap()).unwrap()
    }

    fn arr<const N: usize>(v: &Value) -> [u8; N] {
        h(v).try_into().unwrap()
    }

    #[test]
    fn appendix_d2_document_basic_access_keys() {
        let Some(v) = app_d() else { return };
        let d2 = &v["D2_document_basic_access_keys"];
        let info = d2["mrz_information"].as_str().unwrap();
        assert_eq!(crypto::sha1(info.as_bytes()).to_vec(), h(&d2["sha1_mrz_information"]));
        assert_eq!(key_seed(info).to_vec(), h(&d2["K_seed"]));
        let keys = BacKeys::from_mrz_information(info);
        assert_eq!(keys.k_enc.as_bytes().to_vec(), h(&d2["K_enc"]));
        assert_eq!(keys.k_mac.as_bytes().to_vec(), h(&d2["K_mac"]));
        let long = &v["D2_extended_document_number_example"];
        assert_eq!(key_seed(long["mrz_information"].as_str().unwrap()).to_vec(), h(&long["K_seed"]));
    }

    #[test]
    fn appendix_d3_mutual_authentication_both_sides() {
        let Some(v) = app_d() else { return };
        let d3 = &v["D3_authentication_and_session_keys"];
        let keys =
            BacKeys::from_mrz_information(v["D2_document_basic_access_keys"]["mrz_information"].as_str().unwrap());
        assert_eq!(hex::encode_upper(get_challenge().to_bytes().unwrap()), d3["apdu_get_challenge"].as_str().unwrap());

        let terminal = Terminal::new(keys.clone(), arr(&d3["RND_IC"]), arr(&d3["RND_IFD"]), arr(&d3["K_IFD"]));
        let ext = terminal.external_authenticate().unwrap();
        assert_eq!(ext.data, h(&d3["cmd_data"]));
        assert_eq!(ext.data[..32], h(&d3["E_IFD"])[..]);
        assert_eq!(ext.data[32..], h(&d3["M_IFD"])[..]);
        assert_eq!(hex::encode_upper(ext.to_bytes().unwrap()), d3["apdu_external_authenticate"].as_str().unwrap());

        // Chip side: it checks the same command and answers with the example's K.IC.
        let chip = Chip::new(keys, arr(&d3["RND_IC"]));
        let (answer, chip_sm) = chip.external_authenticate(&ext.data, arr(&d3["K_IC"])).unwrap();
        assert_eq!(answer, h(&d3["resp_data"]));

        let sm = terminal.finish(&answer).unwrap();
        assert_eq!(sm.tdes_keys().unwrap().0.as_bytes().to_vec(), h(&d3["KS_enc"]));
        assert_eq!(sm.tdes_keys().unwrap().1.as_bytes().to_vec(), h(&d3["KS_mac"]));
        assert_eq!(sm.ssc().to_vec(), h(&d3["SSC"]));
        assert_eq!(chip_sm.ssc(), sm.ssc());
        assert_eq!(chip_sm.tdes_keys(), sm.tdes_keys());
    }

    #[test]
    fn wrong_mrz_or_tampered_answer_fails() {
        let Some(v) = app_d() else { return };
        let d3 = &v["D3_authentication_and_session_keys"];
        let keys = BacKeys::from_mrz_information("L898902C<369080619406236");
        let wrong = BacKeys::from_mrz_information("L898902C<369080619406245");
        let terminal = Terminal::new(wrong, arr(&d3["RND_IC"]), arr(&d3["RND_IFD"]), arr(&d3["K_IFD"]));
        let ext = terminal.external_authenticate().unwrap();
        let chip = Chip::new(keys.clone(), arr(&d3["RND_IC"]));
        assert!(matches!(
            chip.external_authenticate(&ext.data, [0; 16]),
            Err(Error::TerminalMisbehaved(PeerMisbehaved::BadMac))
        ));

        let terminal = Terminal::new(keys, arr(&d3["RND_IC"]), arr(&d3["RND_IFD"]), arr(&d3["K_IFD"]));
        let mut answer = h(&d3["resp_data"]);
        answer[3] ^= 1;
        assert!(matches!(terminal.finish(&answer), Err(Error::ChipMisbehaved(PeerMisbehaved::BadMac))));
        let short = h(&d3["resp_data"])[..39].to_vec();
        let terminal =
            Terminal::new(BacKeys::from_seed(&[0; 16]), arr(&d3["RND_IC"]), arr(&d3["RND_IFD"]), arr(&d3["K_IFD"]));
        assert!(matches!(
            terminal.finish(&short),
            Err(Error::ChipMisbehaved(PeerMisbehaved::WrongAuthenticationLength(39)))
        ));
    }
}
