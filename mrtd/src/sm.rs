//! Secure messaging (ICAO 9303-11 §9.8, ISO/IEC 7816-4 §10): protecting command APDUs with DO'87'/DO'85' (the
//! enciphered data), DO'97' (`Le`) and DO'8E' (the MAC), and checking responses made of DO'87', DO'99' (the status
//! word) and DO'8E'. The send sequence counter (SSC) is incremented once for every command and once for every
//! response, on both sides and on every path, failures included, so that one refused command never desynchronises the
//! session.
//!
//! Two ciphers: 3DES with a zero IV and the retail MAC over an 8-byte SSC, as BAC establishes (§9.8.5, Appendix D.4
//! is the worked example), and AES with the IV `E(KS_enc, SSC)` and CMAC truncated to 8 bytes over a 16-byte SSC, as
//! PACE and Chip Authentication establish (§9.8.6). Padding is to the cipher's block either way.

use crate::apdu::{Command, MAX_EXTENDED_LE, Response};
use crate::crypto::{self, AES_BLOCK, AesKey, BlockCipher, DES_BLOCK, TdesKey};
use crate::error::{Error, PeerMisbehaved};
use crate::sw::StatusWord;
use crate::tlv::{self, Tag, Tlv};

const DO85: Tag = Tag(0x85);
const DO87: Tag = Tag(0x87);
const DO97: Tag = Tag(0x97);
const DO99: Tag = Tag(0x99);
const DO8E: Tag = Tag(0x8E);

/// Length of the MAC carried in DO'8E'.
const MAC_LEN: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Keys {
    Tdes { enc: TdesKey, mac: TdesKey },
    Aes { enc: AesKey, mac: AesKey },
}

/// An established secure-messaging session: keys and the send sequence counter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecureMessaging {
    keys: Keys,
    /// The SSC; a 3DES session uses its low 64 bits and wraps there.
    ssc: u128,
    le_on_case3: bool,
}

impl SecureMessaging {
    /// A 3DES session (after BAC) with the given session keys and initial SSC.
    pub fn tdes(k_enc: TdesKey, k_mac: TdesKey, ssc: u64) -> Self {
        Self { keys: Keys::Tdes { enc: k_enc, mac: k_mac }, ssc: u128::from(ssc), le_on_case3: true }
    }

    /// An AES session (after PACE or Chip Authentication) with the given session keys of 128, 192 or 256 bits and
    /// initial SSC (zero after PACE and Chip Authentication). Protected case-3 commands carry no `Le`: see
    /// [`Self::with_le_on_case3`].
    pub fn aes(k_enc: AesKey, k_mac: AesKey, ssc: u128) -> Self {
        Self { keys: Keys::Aes { enc: k_enc, mac: k_mac }, ssc, le_on_case3: false }
    }

    /// A session with SSC zero whose keys are derived from a key agreement's shared secret `secret` (and Chip
    /// Authentication version 2's nonce) for `cipher`: `KS_enc = KDF(K, 1)`, `KS_mac = KDF(K, 2)` (9303-11 §9.7.1,
    /// §9.7.3), as PACE (§4.4.3.4) and Chip Authentication (§6.2.3) end. Protected case-3 commands carry no `Le`.
    pub fn derive(cipher: BlockCipher, secret: &[u8], nonce: Option<&[u8]>) -> Self {
        let keys = match cipher {
            BlockCipher::Tdes => {
                Keys::Tdes { enc: crypto::kdf_tdes(secret, nonce, 1), mac: crypto::kdf_tdes(secret, nonce, 2) }
            }
            _ => Keys::Aes {
                enc: crypto::kdf_aes(secret, nonce, 1, cipher),
                mac: crypto::kdf_aes(secret, nonce, 2, cipher),
            },
        };
        Self { keys, ssc: 0, le_on_case3: false }
    }

    /// Whether a protected case-3 command (data, no `Le`) carries `Le = 00` anyway. BAC chips expect it (9303-11 App.
    /// D.4 sends one); some PACE chips refuse it.
    #[must_use]
    pub fn with_le_on_case3(mut self, on: bool) -> Self {
        self.le_on_case3 = on;
        self
    }

    /// Whether protected case-3 commands carry `Le = 00`.
    pub fn le_on_case3(&self) -> bool {
        self.le_on_case3
    }

    /// The session's cipher.
    pub fn cipher(&self) -> BlockCipher {
        match &self.keys {
            Keys::Tdes { .. } => BlockCipher::Tdes,
            Keys::Aes { enc, .. } => match enc.as_bytes().len() {
                24 => BlockCipher::Aes192,
                32 => BlockCipher::Aes256,
                _ => BlockCipher::Aes128,
            },
        }
    }

    /// The low 8 bytes of the current send sequence counter: all of it for 3DES.
    pub fn ssc(&self) -> [u8; 8] {
        (self.ssc as u64).to_be_bytes()
    }

    /// The current send sequence counter as the MAC sees it: 8 bytes for 3DES, 16 for AES.
    pub fn ssc_bytes(&self) -> Vec<u8> {
        self.ssc_block(self.ssc)
    }

    fn ssc_block(&self, ssc: u128) -> Vec<u8> {
        let bytes = ssc.to_be_bytes();
        bytes.get(bytes.len() - self.block()..).map(<[u8]>::to_vec).unwrap_or_default()
    }

    /// The 3DES session keys (KS_enc, KS_mac).
    pub fn tdes_keys(&self) -> Option<(&TdesKey, &TdesKey)> {
        match &self.keys {
            Keys::Tdes { enc, mac } => Some((enc, mac)),
            Keys::Aes { .. } => None,
        }
    }

    /// The AES session keys (KS_enc, KS_mac).
    pub fn aes_keys(&self) -> Option<(&AesKey, &AesKey)> {
        match &self.keys {
            Keys::Aes { enc, mac } => Some((enc, mac)),
            Keys::Tdes { .. } => None,
        }
    }

    fn block(&self) -> usize {
        match self.keys {
            Keys::Tdes { .. } => DES_BLOCK,
            Keys::Aes { .. } => AES_BLOCK,
        }
    }

    /// The most plaintext bytes one protected response can carry when the response data may be `limit` bytes long
    /// (256 for short APDUs, 65536 for extended ones): what is left after DO'87' with its padding, DO'99' and DO'8E'.
    /// With short APDUs that is 231 bytes for 3DES and 223 for AES.
    pub fn max_plain_response(&self, limit: usize) -> usize {
        let block = self.block();
        let overhead_fixed = 4 + 2 + MAC_LEN; // DO'99' and DO'8E'
        let mut best = 0;
        // The cryptogram is a whole number of blocks and holds at least one byte of padding.
        let mut c = block;
        while c < limit {
            let do87_len = 1 + c;
            let len_field = if do87_len < 0x80 {
                1
            } else if do87_len < 0x100 {
                2
            } else {
                3
            };
            if 1 + len_field + do87_len + overhead_fixed > limit {
                break;
            }
            best = c - 1;
            c += block;
        }
        best
    }

    fn next_ssc(&mut self) -> u128 {
        self.ssc = match self.keys {
            Keys::Tdes { .. } => u128::from((self.ssc as u64).wrapping_add(1)),
            Keys::Aes { .. } => self.ssc.wrapping_add(1),
        };
        self.ssc
    }

    fn encrypt(&self, ssc: u128, plain: &[u8]) -> Result<Vec<u8>, Error> {
        let padded = crypto::pad(plain, self.block());
        match &self.keys {
            Keys::Tdes { enc, .. } => crypto::tdes_encrypt(enc, &[0; 8], &padded),
            Keys::Aes { enc, .. } => {
                let iv = enc.encrypt_block(&ssc.to_be_bytes())?;
                crypto::aes_encrypt(enc, &iv, &padded)
            }
        }
    }

    fn decrypt(&self, ssc: u128, cryptogram: &[u8]) -> Result<Vec<u8>, Error> {
        let plain = match &self.keys {
            Keys::Tdes { enc, .. } => crypto::tdes_decrypt(enc, &[0; 8], cryptogram)?,
            Keys::Aes { enc, .. } => {
                let iv = enc.encrypt_block(&ssc.to_be_bytes())?;
                crypto::aes_decrypt(enc, &iv, cryptogram)?
            }
        };
        Ok(crypto::unpad(&plain)?.to_vec())
    }

    fn mac(&self, ssc: u128, input: &[u8]) -> Result<[u8; MAC_LEN], Error> {
        let ssc = self.ssc_block(ssc);
        let mut n = Vec::with_capacity(ssc.len() + input.len() + AES_BLOCK);
        n.extend_from_slice(&ssc);
        n.extend_from_slice(input);
        match &self.keys {
            Keys::Tdes { mac, .. } => crypto::retail_mac(mac, &crypto::pad(&n, DES_BLOCK)),
            Keys::Aes { mac, .. } => crypto::aes_cmac(mac, &crypto::pad(&n, AES_BLOCK)),
        }
    }

    fn data_object(&self, ssc: u128, ins: u8, data: &[u8]) -> Result<Vec<u8>, Error> {
        let cryptogram = self.encrypt(ssc, data)?;
        if ins & 1 == 1 {
            // Odd instructions carry BER-TLV data: DO'85' without the padding-content indicator (ISO 7816-4 §10.2).
            Ok(tlv::to_vec(DO85, &cryptogram))
        } else {
            let mut value = Vec::with_capacity(cryptogram.len() + 1);
            value.push(0x01);
            value.extend_from_slice(&cryptogram);
            Ok(tlv::to_vec(DO87, &value))
        }
    }

    fn open_data_object(&self, ssc: u128, tag: Tag, value: &[u8]) -> Result<Vec<u8>, Error> {
        let cryptogram = if tag == DO87 {
            match value.split_first() {
                Some((0x01, c)) => c,
                _ => return Err(PeerMisbehaved::MalformedDataObject(DO87).into()),
            }
        } else {
            value
        };
        self.decrypt(ssc, cryptogram)
    }

    /// Terminal side: protects a command. The SSC moves on by one.
    ///
    /// # Errors
    /// [`Error::Apdu`] when the protected command would not fit an APDU.
    pub fn protect(&mut self, cmd: &Command) -> Result<Command, Error> {
        let ssc = self.next_ssc();
        let cla = cmd.cla | 0x0C;
        let mut objects = Vec::new();
        if !cmd.data.is_empty() {
            objects.extend_from_slice(&self.data_object(ssc, cmd.ins, &cmd.data)?);
        }
        let extended = cmd.is_extended();
        if let Some(le) = cmd.le {
            let le_bytes: Vec<u8> = if extended || le > 256 {
                ((le & 0xFFFF) as u16).to_be_bytes().to_vec()
            } else {
                vec![(le & 0xFF) as u8]
            };
            objects.extend_from_slice(&tlv::to_vec(DO97, &le_bytes));
        }
        let mut mac_input = crypto::pad(&[cla, cmd.ins, cmd.p1, cmd.p2], self.block());
        mac_input.extend_from_slice(&objects);
        let cc = self.mac(ssc, &mac_input)?;
        objects.extend_from_slice(&tlv::to_vec(DO8E, &cc));
        let extended = extended || objects.len() > 255;
        let mut out = Command::new(cla, cmd.ins, cmd.p1, cmd.p2).with_data(objects);
        if cmd.le.is_some() || self.le_on_case3 {
            out.le = Some(if extended { MAX_EXTENDED_LE } else { 256 });
        }
        out.force_extended = extended;
        if out.data.len() > 65535 {
            return Err(crate::error::ApduError::TooLong(out.data.len()).into());
        }
        Ok(out)
    }

    /// Terminal side: checks and opens a response. The SSC moves on by one whatever the outcome.
    ///
    /// A bare status word other than success is passed through as it is: chips answer some errors without secure
    /// messaging, and such an answer carries no data to trust. A bare success is refused: data without a MAC.
    ///
    /// # Errors
    /// [`Error::ChipMisbehaved`] when the MAC does not verify or the data objects are malformed.
    pub fn unprotect(&mut self, resp: &Response) -> Result<Response, Error> {
        let ssc = self.next_ssc();
        if resp.data.is_empty() {
            if resp.sw.is_success() {
                return Err(PeerMisbehaved::MissingDataObject(DO8E).into());
            }
            return Ok(Response::status(resp.sw));
        }
        let parsed = parse_objects(&resp.data, false).map_err(Error::ChipMisbehaved)?;
        let expected = self.mac(ssc, parsed.mac_input)?;
        if !crypto::mac_eq(&expected, parsed.mac) {
            return Err(PeerMisbehaved::BadMac.into());
        }
        let sw = match parsed.status {
            Some(sw) => sw,
            // DO'99' is mandatory, but some early chips leave it out; their MAC still covers the data.
            None => resp.sw,
        };
        let data = match parsed.data {
            Some((tag, value)) => self.open_data_object(ssc, tag, value)?,
            None => Vec::new(),
        };
        Ok(Response::new(data, sw))
    }

    /// Chip side: checks and opens a protected command. The SSC moves on by one whatever the outcome.
    ///
    /// # Errors
    /// [`Error::TerminalMisbehaved`] when the command is not protected, the MAC does not verify or the data objects
    /// are malformed; the chip then answers `6987`/`6988` and ends the session.
    pub fn unprotect_command(&mut self, cmd: &Command) -> Result<Command, Error> {
        let ssc = self.next_ssc();
        if cmd.cla & 0x0C != 0x0C {
            return Err(Error::TerminalMisbehaved(PeerMisbehaved::MissingDataObject(DO8E)));
        }
        let parsed = parse_objects(&cmd.data, true).map_err(Error::TerminalMisbehaved)?;
        let mut mac_input = crypto::pad(&[cmd.cla, cmd.ins, cmd.p1, cmd.p2], self.block());
        mac_input.extend_from_slice(parsed.mac_input);
        let expected = self.mac(ssc, &mac_input)?;
        if !crypto::mac_eq(&expected, parsed.mac) {
            return Err(Error::TerminalMisbehaved(PeerMisbehaved::BadMac));
        }
        let data = match parsed.data {
            Some((tag, value)) => self.open_data_object(ssc, tag, value).map_err(|e| match e {
                Error::ChipMisbehaved(p) => Error::TerminalMisbehaved(p),
                other => other,
            })?,
            None => Vec::new(),
        };
        let mut out = Command::new(cmd.cla & !0x0C, cmd.ins, cmd.p1, cmd.p2).with_data(data);
        out.le = parsed.le;
        out.force_extended = cmd.is_extended();
        Ok(out)
    }

    /// Chip side: protects a response, status word included. The SSC moves on by one.
    ///
    /// # Errors
    /// Only on an internal key error.
    pub fn protect_response(&mut self, resp: &Response) -> Result<Response, Error> {
        let ssc = self.next_ssc();
        let mut objects = Vec::new();
        if !resp.data.is_empty() {
            objects.extend_from_slice(&self.data_object(ssc, 0, &resp.data)?);
        }
        objects.extend_from_slice(&tlv::to_vec(DO99, &resp.sw.to_bytes()));
        let cc = self.mac(ssc, &objects)?;
        objects.extend_from_slice(&tlv::to_vec(DO8E, &cc));
        Ok(Response::new(objects, resp.sw))
    }
}

struct Objects<'a> {
    data: Option<(Tag, &'a [u8])>,
    le: Option<usize>,
    status: Option<StatusWord>,
    mac_input: &'a [u8],
    mac: &'a [u8],
}

/// Splits protected data into its objects: at most one data object, `Le` (commands) or the status (responses), and
/// the MAC, last.
fn parse_objects(bytes: &[u8], command: bool) -> Result<Objects<'_>, PeerMisbehaved> {
    let mut out = Objects { data: None, le: None, status: None, mac_input: &[], mac: &[] };
    let mut rest = bytes;
    while !rest.is_empty() {
        let offset = bytes.len() - rest.len();
        let (item, after) = Tlv::parse(rest).map_err(|_| PeerMisbehaved::MalformedDataObject(Tag(0)))?;
        rest = after;
        match item.tag {
            t @ (DO85 | DO87) if out.data.is_none() => out.data = Some((t, item.value)),
            DO97 if command && out.le.is_none() => {
                out.le = Some(match item.value {
                    [0] => 256,
                    [b] => usize::from(*b),
                    [0, 0] => MAX_EXTENDED_LE,
                    [h, l] => usize::from(u16::from_be_bytes([*h, *l])),
                    _ => return Err(PeerMisbehaved::MalformedDataObject(DO97)),
                });
            }
            DO99 if !command && out.status.is_none() => {
                let sw = <[u8; 2]>::try_from(item.value).map_err(|_| PeerMisbehaved::MalformedDataObject(DO99))?;
                out.status = Some(StatusWord::from(sw));
            }
            DO8E if item.value.len() == MAC_LEN && rest.is_empty() => {
                // The MAC comes last: anything after it would be unauthenticated.
                out.mac_input = bytes.get(..offset).unwrap_or_default();
                out.mac = item.value;
                return Ok(out);
            }
            other => return Err(PeerMisbehaved::MalformedDataObject(other)),
        }
    }
    Err(PeerMisbehaved::MissingDataObject(DO8E))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::bac::tests::{app_d, h};

    fn session(v: &serde_json::Value) -> SecureMessaging {
        let d3 = &v["D3_authentication_and_session_keys"];
        SecureMessaging::tdes(
            TdesKey::from_bytes(h(&d3["KS_enc"]).try_into().unwrap()),
            TdesKey::from_bytes(h(&d3["KS_mac"]).try_into().unwrap()),
            u64::from_be_bytes(h(&d3["SSC"]).try_into().unwrap()),
        )
    }

    #[test]
    fn appendix_d4_terminal_and_chip_side() {
        let Some(v) = app_d() else { return };
        let mut terminal = session(&v);
        let mut chip = session(&v);
        for step in v["D4_secure_messaging"].as_array().unwrap() {
            let plain = Command::parse(&h(&step["unprotected_command"])).unwrap();
            let protected = terminal.protect(&plain).unwrap();
            assert_eq!(
                hex::encode_upper(protected.to_bytes().unwrap()),
                step["protected_command"].as_str().unwrap(),
                "{}",
                step["step"]
            );
            assert_eq!(terminal.ssc().to_vec(), h(&step["SSC_for_mac"]));

            // The chip opens exactly the command the terminal meant.
            let opened = chip.unprotect_command(&Command::parse(&h(&step["protected_command"])).unwrap()).unwrap();
            assert_eq!((opened.ins, opened.p1, opened.p2), (plain.ins, plain.p1, plain.p2));
            assert_eq!(opened.data, plain.data);
            assert_eq!(opened.le, plain.le);

            // The chip's answer is the worked example's, byte for byte.
            let expected_plain = Response::parse(&h(&step["unprotected_response"])).unwrap();
            let answer = chip.protect_response(&expected_plain).unwrap();
            assert_eq!(hex::encode_upper(answer.to_bytes()), step["protected_response"].as_str().unwrap());

            let resp = terminal.unprotect(&Response::parse(&h(&step["protected_response"])).unwrap()).unwrap();
            assert_eq!(terminal.ssc().to_vec(), h(&step["SSC_for_response"]));
            assert_eq!(resp, expected_plain, "{}", step["step"]);
        }
        assert_eq!(terminal, chip);
    }

    /// A JSON file of testdata/icao/vectors, or `None` (and a note) when the shared test data is absent.
    pub(crate) fn vector_file(name: &str) -> Option<serde_json::Value> {
        let path = format!("{}/../../shared/testdata/icao/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
        match std::fs::read(&path) {
            Ok(bytes) => Some(serde_json::from_slice(&bytes).unwrap()),
            Err(_) => {
                eprintln!("SKIP: {path} is absent");
                None
            }
        }
    }

    fn misc() -> Option<serde_json::Value> {
        vector_file("misc_secure_messaging_vectors.json")
    }

    fn keyed(set: &serde_json::Value, ssc: u64) -> SecureMessaging {
        SecureMessaging::tdes(
            TdesKey::from_bytes(h(&set["KS_enc"]).try_into().unwrap()),
            TdesKey::from_bytes(h(&set["KS_mac"]).try_into().unwrap()),
            ssc,
        )
    }

    fn ssc_of(v: &serde_json::Value) -> u64 {
        u64::from_be_bytes(h(v).try_into().unwrap())
    }

    #[test]
    fn other_readers_3des_vectors() {
        // NFCPassportReader's test suite (testdata/icao/vectors/misc_secure_messaging_vectors.json, andyq_3des): each
        // case gives the SSC the session held before it; its MAC is computed with one more.
        let Some(v) = misc() else { return };
        let set = &v["andyq_3des"];
        let cases = set["cases"].as_array().unwrap();
        let mut sm = keyed(set, ssc_of(&cases[0]["ssc"]));
        let protected = sm.protect(&Command::parse(&h(&cases[0]["command"])).unwrap()).unwrap();
        assert_eq!(protected.data, h(&cases[0]["protected_data"]));
        for case in &cases[1..] {
            let mut sm = keyed(set, ssc_of(&case["ssc"]));
            let plain = sm.unprotect(&Response::parse(&h(&case["protected_response"])).unwrap()).unwrap();
            assert_eq!(plain, Response::parse(&h(&case["plain"])).unwrap());
            // And the chip side says the same bytes.
            let mut chip = keyed(set, ssc_of(&case["ssc"]));
            assert_eq!(chip.protect_response(&plain).unwrap().to_bytes(), h(&case["protected_response"]));
        }

        // JMRTD's DESedeSecureMessagingWrapperTest (jmrtd_stackoverflow_3des): two commands protected one after the
        // other in one session, with no response unwrapped in between.
        let set = &v["jmrtd_stackoverflow_3des"];
        let mut sm = keyed(set, ssc_of(&set["ssc"]));
        for case in set["cases"].as_array().unwrap() {
            let protected = sm.protect(&Command::parse(&h(&case["command"])).unwrap()).unwrap();
            assert_eq!(hex::encode_upper(protected.to_bytes().unwrap()), case["protected"].as_str().unwrap());
        }
    }

    fn pair() -> (SecureMessaging, SecureMessaging) {
        let s = SecureMessaging::tdes(crypto::kdf_3des(&[3; 16], 1), crypto::kdf_3des(&[3; 16], 2), 0x1122_3344);
        (s.clone(), s)
    }

    #[test]
    fn extended_reads_and_errors_keep_the_counter_in_step() {
        let (mut t, mut c) = pair();
        // An extended READ BINARY of 4000 bytes.
        let cmd = Command::new(0, 0xB0, 0, 0).with_le(4000);
        let p = t.protect(&cmd).unwrap();
        assert!(p.is_extended());
        let opened = c.unprotect_command(&Command::parse(&p.to_bytes().unwrap()).unwrap()).unwrap();
        assert_eq!(opened.le, Some(4000));
        let r = c.protect_response(&Response::new(vec![0x5A; 4000], StatusWord::Ok)).unwrap();
        assert_eq!(t.unprotect(&Response::parse(&r.to_bytes()).unwrap()).unwrap().data, vec![0x5A; 4000]);

        // A protected error (wrong length), then a bare one, then a success again: still in step.
        let _ = c.unprotect_command(&t.protect(&Command::new(0, 0xB0, 0, 0).with_le(65536)).unwrap()).unwrap();
        let e = c.protect_response(&Response::status(StatusWord::WrongLength)).unwrap();
        assert_eq!(t.unprotect(&e).unwrap().sw, StatusWord::WrongLength);
        let _ = c.unprotect_command(&t.protect(&Command::new(0, 0xB0, 0, 0).with_le(231)).unwrap()).unwrap();
        let _ = c.protect_response(&Response::status(StatusWord::WrongLe(0x10))).unwrap();
        assert_eq!(t.unprotect(&Response::status(StatusWord::WrongLe(0x10))).unwrap().sw, StatusWord::WrongLe(0x10));
        let _ = c.unprotect_command(&t.protect(&Command::new(0, 0xB0, 0, 0).with_le(16)).unwrap()).unwrap();
        let ok = c.protect_response(&Response::new(vec![1; 16], StatusWord::EndOfFile)).unwrap();
        assert_eq!(t.unprotect(&ok).unwrap(), Response::new(vec![1; 16], StatusWord::EndOfFile));
        assert_eq!(t.ssc(), c.ssc());
    }

    #[test]
    fn tampering_is_caught_on_both_sides() {
        let (mut t, mut c) = pair();
        let mut p = t.protect(&Command::new(0, 0xB0, 0x81, 0).with_le(8)).unwrap();
        p.p1 = 0x82;
        assert!(matches!(c.unprotect_command(&p), Err(Error::TerminalMisbehaved(PeerMisbehaved::BadMac))));
        let plain = Command::new(0, 0xB0, 0x81, 0).with_le(8);
        assert!(matches!(c.unprotect_command(&plain), Err(Error::TerminalMisbehaved(_))));

        let (mut t, mut c) = pair();
        let _ = c.unprotect_command(&t.protect(&Command::new(0, 0xB0, 0x81, 0).with_le(8)).unwrap()).unwrap();
        let mut r = c.protect_response(&Response::new(vec![7; 8], StatusWord::Ok)).unwrap();
        let last = r.data.len() - 1;
        r.data[last] ^= 0x01;
        assert!(matches!(t.unprotect(&r), Err(Error::ChipMisbehaved(PeerMisbehaved::BadMac))));
        // Bare success, trailing data after the MAC, a truncated answer: refused.
        assert!(t.unprotect(&Response::status(StatusWord::Ok)).is_err());
        let mut trailing = c.protect_response(&Response::new(vec![7; 8], StatusWord::Ok)).unwrap();
        trailing.data.extend_from_slice(&[0x87, 0x01, 0x01]);
        assert!(t.unprotect(&trailing).is_err());
        let cut = c.protect_response(&Response::new(vec![7; 8], StatusWord::Ok)).unwrap();
        for n in 0..cut.data.len() {
            let truncated = Response::new(cut.data[..n].to_vec(), StatusWord::Ok);
            assert!(t.unprotect(&truncated).is_err(), "{n}");
        }
    }

    #[test]
    fn block_limits_match_the_wire() {
        let (t, _) = pair();
        assert_eq!(t.max_plain_response(256), 231);
        let (mut t, mut c) = pair();
        for n in [231usize, 232] {
            let _ = c.unprotect_command(&t.protect(&Command::new(0, 0xB0, 0, 0).with_le(n)).unwrap()).unwrap();
            let r = c.protect_response(&Response::new(vec![1; n], StatusWord::Ok)).unwrap();
            assert_eq!(r.data.len() <= 256, n == 231, "{n}: {}", r.data.len());
            t.unprotect(&r).unwrap();
        }
        assert!(t.max_plain_response(65536) > 65000);
    }

    fn aes_session(enc: &serde_json::Value, mac: &serde_json::Value, ssc: u128) -> SecureMessaging {
        SecureMessaging::aes(AesKey::from_slice(&h(enc)).unwrap(), AesKey::from_slice(&h(mac)).unwrap(), ssc)
    }

    #[test]
    fn gmrtd_aes_vector() {
        // gmrtd's iso7816/secure_messaging_test.go (testdata/icao/vectors/misc_secure_messaging_vectors.json,
        // gmrtd_aes_encode): MSE:Set AT for Chip Authentication after PACE, sent with Le like BAC-era readers do.
        let Some(v) = misc() else { return };
        let set = &v["gmrtd_aes_encode"];
        let ssc = u128::from_be_bytes(h(&set["ssc"]).try_into().unwrap());
        let mut t = aes_session(&set["KS_enc"], &set["KS_mac"], ssc).with_le_on_case3(true);
        let mut c = aes_session(&set["KS_enc"], &set["KS_mac"], ssc);
        let plain = Command::parse(&h(&set["command"])).unwrap();
        let protected = t.protect(&plain).unwrap();
        assert_eq!(hex::encode_upper(protected.to_bytes().unwrap()), set["protected"].as_str().unwrap());
        assert_eq!(t.ssc_bytes(), (ssc + 1).to_be_bytes().to_vec());
        let opened = c.unprotect_command(&protected).unwrap();
        assert_eq!(opened.data, plain.data);
        assert_eq!(t.cipher(), BlockCipher::Aes128);

        // Without Le on case 3, as PACE sessions send it, the chip opens it all the same.
        let mut t = aes_session(&set["KS_enc"], &set["KS_mac"], ssc);
        let mut c = aes_session(&set["KS_enc"], &set["KS_mac"], ssc);
        let protected = t.protect(&plain).unwrap();
        assert_eq!(protected.le, None);
        assert_eq!(c.unprotect_command(&protected).unwrap().data, plain.data);
    }

    #[test]
    fn bsi_worked_example_aes_messages() {
        // BSI Worked Example for EAC v1.01 via OpenPACE's eactest.c (testdata/icao/vectors/
        // bsi_eac_worked_example_openpace.json): right after PACE (SSC 0), the terminal's first command carries d1
        // enciphered as e1 (SSC 1, IV = E(KS_enc, SSC)); the chip's answer without data is 99 02 90 00 with MAC a1
        // (SSC 2).
        let Some(v) = vector_file("bsi_eac_worked_example_openpace.json") else { return };
        for variant in ["ecdh", "dh"] {
            let set = &v[variant];
            let mut t = aes_session(&set["k_enc"], &set["k_mac"], 0);
            let mut c = aes_session(&set["k_enc"], &set["k_mac"], 0);
            // MSE:Set DST for Terminal Authentication, whose data d1 is the CAR.
            let plain = Command::new(0x00, 0x22, 0x81, 0xB6).with_data(h(&set["d1"]));
            let protected = t.protect(&plain).unwrap();
            let mut do87 = vec![0x01];
            do87.extend_from_slice(&h(&set["e1"]));
            assert_eq!(tlv::find(&protected.data, DO87).unwrap().unwrap(), &do87[..], "{variant}");
            assert_eq!(c.unprotect_command(&protected).unwrap().data, h(&set["d1"]));
            let answer = c.protect_response(&Response::status(StatusWord::Ok)).unwrap();
            let mut expected = h(&set["ad1"]);
            expected.extend_from_slice(&[0x8E, 0x08]);
            expected.extend_from_slice(&h(&set["a1"]));
            assert_eq!(answer.data, expected, "{variant}");
            assert_eq!(t.unprotect(&answer).unwrap(), Response::status(StatusWord::Ok));
            assert_eq!(t.ssc_bytes(), [vec![0; 15], vec![2]].concat());
        }
    }

    #[test]
    fn aes_block_limits_and_counter() {
        let k = AesKey::from_slice(&[7; 32]).unwrap();
        let mut t = SecureMessaging::aes(k.clone(), k.clone(), u128::MAX);
        let mut c = t.clone();
        assert_eq!(t.max_plain_response(256), 223);
        assert_eq!(t.cipher(), BlockCipher::Aes256);
        for n in [223usize, 224] {
            let _ = c.unprotect_command(&t.protect(&Command::new(0, 0xB0, 0, 0).with_le(n)).unwrap()).unwrap();
            let r = c.protect_response(&Response::new(vec![1; n], StatusWord::Ok)).unwrap();
            assert_eq!(r.data.len() <= 256, n == 223, "{n}: {}", r.data.len());
            assert_eq!(t.unprotect(&r).unwrap().data, vec![1; n]);
        }
        // The 16-byte counter wraps like the 8-byte one.
        assert_eq!(t.ssc_bytes(), [vec![0; 15], vec![3]].concat());
        let mut r = c.protect_response(&Response::new(vec![2; 5], StatusWord::Ok)).unwrap();
        let last = r.data.len() - 1;
        r.data[last] ^= 0x80;
        assert!(matches!(t.unprotect(&r), Err(Error::ChipMisbehaved(PeerMisbehaved::BadMac))));
        assert_eq!(t.ssc(), c.ssc());
        assert!(t.tdes_keys().is_none() && t.aes_keys().is_some());
    }
}
