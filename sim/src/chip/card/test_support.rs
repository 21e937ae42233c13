//! What the PACE, Chip and Active Authentication tests share: a chip image made on the spot (the MRZ of ICAO
//! 9303-3's specimen Anna Eriksson, keys of its own) and mrtd's terminal side driving the card in memory.

use std::sync::atomic::{AtomicUsize, Ordering};

use der::Decode as _;
use mrtd::aa::AaPublicKey;
use mrtd::apdu::{Command, Response};
use mrtd::bac::{BacKeys, Terminal as BacTerminal};
use mrtd::ca;
use mrtd::crypto::BlockCipher;
use mrtd::ec::{Curve, PrivateKey};
use mrtd::lds::{EMRTD_AID, FileId};
use mrtd::pace::{self, PaceOutcome, Password, TerminalRandom};
use mrtd::security_infos::{Mapping, SecurityInfos};
use mrtd::sm::SecureMessaging;
use mrtd::sw::StatusWord;
use x509_cert::spki::SubjectPublicKeyInfoOwned;

use super::{Card, CardConfig};
use crate::access::Access;
use crate::chip::passport_dir::{KeyPaths, Passport};
use crate::passport::profile::PaceCurve;
use crate::passport::security;

pub(super) const MRZ: [&str; 2] =
    ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
pub(super) const CAN: &str = "123456";

/// A chip image in a scratch folder, removed when dropped.
pub(super) struct Fixture {
    pub(super) passport: Passport,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.passport.dir);
    }
}

fn spki(key: &PrivateKey) -> SubjectPublicKeyInfoOwned {
    SubjectPublicKeyInfoOwned::from_der(&key.public_key().to_spki_der(false).unwrap()).unwrap()
}

impl Fixture {
    /// A chip offering `access`, PACE on `curve`, with a Chip Authentication key on that curve and an Active
    /// Authentication key on P-256, as `gate-sim passport make` lays them out.
    pub(super) fn new(access: Access, curve: PaceCurve) -> Fixture {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let n = COUNT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("sim-card-fixture-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("keys")).unwrap();
        let ca_key = PrivateKey::generate(&Curve::from_parameter_id(curve.parameter_id()).unwrap()).unwrap();
        let aa_key = PrivateKey::generate(&Curve::from_parameter_id(12).unwrap()).unwrap();
        for (name, key) in [("keys/ca.pem", &ca_key), ("keys/aa.pem", &aa_key)] {
            std::fs::write(dir.join(name), crate::keys::ec_pkcs8_pem(key).unwrap().as_bytes()).unwrap();
        }
        let mrz = mrtd::mrz::Mrz::parse(&MRZ).unwrap();
        let mut files = std::collections::BTreeMap::new();
        files.insert(FileId::Dg(1), mrtd::lds::dg1::Dg1::from(mrz).to_bytes());
        let dg14 = security::dg14(access, curve, Some(&spki(&ca_key)), true).unwrap().unwrap();
        files.insert(FileId::Dg(14), dg14);
        files.insert(FileId::Dg(15), security::dg15(&spki(&aa_key)).unwrap());
        if let Some(card_access) = security::card_access(access, curve).unwrap() {
            files.insert(FileId::CardAccess, card_access);
        }
        let passport = Passport {
            keys: KeyPaths {
                chip_authentication: Some(dir.join("keys/ca.pem")),
                active_authentication: Some(dir.join("keys/aa.pem")),
            },
            dir,
            files,
            access,
            can: Some(CAN.to_owned()),
            printed_mrz: Some(MRZ.iter().map(|l| (*l).to_owned()).collect()),
        };
        Fixture { passport }
    }

    /// The chip, with the passport's access unless `config` says otherwise.
    pub(super) fn card(&self, config: CardConfig) -> Card {
        Card::new(&self.passport, config).unwrap()
    }

    pub(super) fn file(&self, id: FileId) -> &[u8] {
        &self.passport.files[&id]
    }
}

/// A configuration with this access and faults.
pub(super) fn config(access: Access, faults: &[&str]) -> CardConfig {
    CardConfig { access, faults: crate::chip::fault::Faults::parse(faults).unwrap(), ..CardConfig::default() }
}

pub(super) fn send(card: &mut Card, cmd: &Command) -> Response {
    Response::parse(&card.transmit(&cmd.to_bytes().unwrap())).unwrap()
}

/// Sends a protected command and opens the answer.
pub(super) fn sm_send(card: &mut Card, sm: &mut SecureMessaging, cmd: &Command) -> Result<Response, mrtd::Error> {
    let protected = sm.protect(cmd)?;
    sm.unprotect(&Response::parse(&card.transmit(&protected.to_bytes()?))?)
}

pub(super) fn select_aid() -> Command {
    Command::new(0, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec())
}

pub(super) fn read_sfi(sfi: u8) -> Command {
    Command::new(0, 0xB0, 0x80 | sfi, 0).with_le(256)
}

pub(super) fn mrz_password() -> Password {
    Password::mrz(mrtd::mrz::Mrz::parse(&MRZ).unwrap().mrz_information())
}

/// BAC from the application's selection.
pub(super) fn bac(card: &mut Card) -> SecureMessaging {
    assert_eq!(send(card, &select_aid()).sw, StatusWord::Ok);
    let challenge = send(card, &mrtd::bac::get_challenge());
    assert_eq!(challenge.sw, StatusWord::Ok);
    let keys = BacKeys::from_mrz_information(mrtd::mrz::Mrz::parse(&MRZ).unwrap().mrz_information());
    let terminal = BacTerminal::new(keys, challenge.data.try_into().unwrap(), [0x11; 8], [0x22; 16]);
    let answer = send(card, &terminal.external_authenticate().unwrap());
    assert_eq!(answer.sw, StatusWord::Ok);
    terminal.finish(&answer.data).unwrap()
}

/// PACE with the first protocol of EF.CardAccess of `mapping`, as a terminal runs it: the master file selected,
/// EF.CardAccess read from it, MSE:Set AT naming the parameters, four GENERAL AUTHENTICATE.
pub(super) fn pace(card: &mut Card, mapping: Mapping, password: &Password) -> Result<PaceOutcome, mrtd::Error> {
    assert_eq!(send(card, &Command::new(0, 0xA4, 0x00, 0x0C)).sw, StatusWord::Ok, "SELECT MF");
    let read = send(card, &read_sfi(0x1C));
    assert_eq!(read.sw, StatusWord::Ok, "EF.CardAccess");
    let infos = SecurityInfos::from_card_access(&read.data)?;
    let info = infos.pace().find(|i| i.protocol.mapping == mapping).unwrap().clone();
    let group = infos.pace_domain_parameters(&info).unwrap().resolve()?;
    let random = TerminalRandom::generate(&info.protocol, &group)?;
    let mut terminal = pace::Terminal::new(info.protocol, group, password, random)?;
    if let Some(id) = info.parameter_id {
        terminal = terminal.with_parameter_reference(id);
    }
    let set_at = terminal.mse_set_at();
    assert_eq!(set_at.le, None, "MSE:Set AT is a case-3 command");
    let (cmd, t) = terminal.request_nonce(&send(card, &set_at))?;
    let (cmd, t) = t.map(&send(card, &cmd))?;
    let (cmd, t) = t.agree(&send(card, &cmd))?;
    let (cmd, t) = t.authenticate(&send(card, &cmd))?;
    t.finish(&send(card, &cmd))
}

/// Chip Authentication with DG14's key, the cipher DG14 names unless `cipher` says; returns the new session.
pub(super) fn chip_authentication(
    card: &mut Card,
    sm: &mut SecureMessaging,
    dg14: &[u8],
    cipher: Option<BlockCipher>,
) -> Result<SecureMessaging, mrtd::Error> {
    let infos = SecurityInfos::from_dg14(dg14)?;
    let (mut info, key) = infos.chip_authentication_pairs().into_iter().next().unwrap();
    if let Some(cipher) = cipher {
        info.protocol.cipher = cipher;
    }
    let ephemeral = ca::Terminal::generate_ephemeral(key)?;
    let (mut cmd, mut terminal) = ca::Terminal::new(&info, key, &ephemeral, sm)?.start();
    loop {
        let answer = sm_send(card, sm, &cmd)?;
        match terminal.next(&answer)? {
            ca::Step::Send(c, t) => (cmd, terminal) = (c, t),
            ca::Step::Done(next) => return Ok(next),
        }
    }
}

/// Active Authentication against DG15's key and DG14's algorithm.
pub(super) fn active_authentication(
    card: &mut Card,
    sm: &mut SecureMessaging,
    dg14: &[u8],
    dg15: &[u8],
) -> Result<(), mrtd::Error> {
    let key = AaPublicKey::from_dg15(dg15)?;
    let algorithm = mrtd::aa::signature_algorithm_in_dg14(dg14)?;
    let challenge = mrtd::aa::new_challenge()?;
    let answer = sm_send(card, sm, &mrtd::aa::internal_authenticate(&challenge, &key))?;
    if answer.sw != StatusWord::Ok {
        return Err(mrtd::Error::Status(answer.sw));
    }
    mrtd::aa::verify(&key, algorithm.as_ref(), &challenge, &answer.data)
}

/// Selects the application and reads DG1 under `sm`.
pub(super) fn read_dg1(card: &mut Card, sm: &mut SecureMessaging) -> Result<Response, mrtd::Error> {
    let selected = sm_send(card, sm, &select_aid())?;
    if selected.sw != StatusWord::Ok {
        return Ok(selected);
    }
    sm_send(card, sm, &read_sfi(1))
}

/// An EF.CardAccess listing these PACE protocols (identifier, standardized parameter id), version 2 each.
pub(super) fn card_access(protocols: &[(&str, u8)]) -> Vec<u8> {
    use mrtd::tlv::{Tag, to_vec};
    let infos: Vec<u8> = protocols
        .iter()
        .flat_map(|(oid, id)| {
            let oid = der::asn1::ObjectIdentifier::new(oid).unwrap();
            let mut body = to_vec(Tag(0x06), oid.as_bytes());
            body.extend_from_slice(&[0x02, 0x01, 0x02, 0x02, 0x01, *id]);
            to_vec(Tag(0x30), &body)
        })
        .collect();
    to_vec(Tag(0x31), &infos)
}
