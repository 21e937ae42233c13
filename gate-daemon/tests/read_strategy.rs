//! The reading strategy against the simulator's chip, in memory: how many APDUs each chip behaviour costs, that every
//! file arrives whole and once, and that refusals and faults end as they should.
//!
//! The chips are the BSI 2008 specimen ("ERIKA MUSTERMANN", JMRTD test resources) and the Dutch 2006 specimen
//! ("LOES MEULENDIJK"), from ../shared/testdata/icao/data/jmrtd/lds (provenance in ../shared/testdata/README.md).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::path::PathBuf;

use gate_daemon::error::Error;
use gate_daemon::read::{ReadOptions, read_passport};
use mrtd::lds::FileId;
use mrtd::mrz::Mrz;
use sim::chip::card::{Card, CardConfig, LeOverflow};
use sim::chip::fault::Faults;
use sim::chip::passport_dir::Passport;

/// The simulator's chip behind the transport seam, as pcscd would carry it.
struct InMemory {
    card: Card,
    atr: Vec<u8>,
    log: Vec<(Vec<u8>, Vec<u8>)>,
    /// The card leaves the field after this many APDUs.
    removed_after: Option<usize>,
}

impl hal::card::CardTransport for InMemory {
    fn transmit(&mut self, apdu: &[u8]) -> Result<Vec<u8>, hal::Error> {
        if self.removed_after.is_some_and(|n| self.log.len() >= n) {
            return Err(hal::Error::CardRemoved {
                reader: "in memory".into(),
                operation: hal::Operation::Transmit,
                source: Box::new(std::io::Error::other("card left the field")),
            });
        }
        let answer = self.card.transmit(apdu);
        self.log.push((apdu.to_vec(), answer.clone()));
        Ok(answer)
    }

    fn atr(&self) -> &[u8] {
        &self.atr
    }

    fn reader_name(&self) -> &str {
        "in memory"
    }
}

fn specimen(name: &str) -> Option<Passport> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao/data/jmrtd/lds").join(name);
    if !dir.exists() {
        eprintln!("SKIP: {} is absent", dir.display());
        return None;
    }
    Some(Passport::load(&dir).unwrap())
}

/// The printed MRZ of the BSI 2008 specimen (testdata/icao/vectors/mrz_check_digits_and_specimens.json,
/// TD3_BSI_specimen_DG1).
const BSI_MRZ: [&str; 2] =
    ["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C11T002JM4D<<9608122F1310317<<<<<<<<<<<<<<<6"];

/// The Dutch 2006 specimen (same file, TD3_NL_specimen_2006_DG1).
const NL_MRZ: [&str; 2] =
    ["P<NLDMEULENDIJK<<LOES<ALBERTINE<<<<<<<<<<<<<", "XX00013286NLD7110195F1110012123456789<<<<<76"];

/// The files the BSI 2008 specimen's EF.COM and EF.SOD list that the gate reads (its DG15 is listed in neither, so
/// the gate leaves it alone: its key would not be covered by Passive Authentication).
const BSI_FILES: [FileId; 5] = [FileId::Com, FileId::Sod, FileId::Dg(1), FileId::Dg(2), FileId::Dg(14)];

/// APDUs of access control and reading, without those of Chip and Active Authentication.
fn read_apdus(read: &gate_daemon::read::ChipRead) -> usize {
    read.stats.apdus - read.apdus_chip_authentication
}

fn card(passport: &Passport, config: CardConfig) -> InMemory {
    let extended = config.extended_length;
    let card = Card::new(passport, config).unwrap();
    let atr = sim::chip::card::atr(extended);
    InMemory { card, atr, log: Vec::new(), removed_after: None }
}

fn file_sizes(passport: &Passport, files: &[FileId]) -> usize {
    files.iter().map(|f| passport.files.get(f).map_or(0, Vec::len)).sum()
}

#[test]
fn bsi_specimen_with_extended_length_in_twelve_apdus() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    // Its Document Signer was valid in 2008.
    let at = gate_daemon::verify_sod::parse_date("2008-06-01").unwrap();
    let options = ReadOptions { at, ..ReadOptions::default() };
    let read = read_passport(card(&passport, CardConfig::default()), &mrz, &options).unwrap();

    let wanted = BSI_FILES;
    assert_eq!(read.order, wanted);
    for file in wanted {
        assert_eq!(read.files[&file].as_slice(), passport.files[&file].as_slice(), "{file}");
    }
    assert_eq!(read.dg1.concatenated(), mrz.concatenated());
    assert!(read.dg1_matches_printed);
    let face = read.face.as_ref().unwrap();
    // The specimen's JPEG 2000 portrait decodes at 413x531 (its header declares 337x449).
    assert_eq!((face.width, face.height, face.decoded), (Some(413), Some(531), true));
    assert!(read.extended_length);
    // EF.CardAccess (absent), EF.ATR/INFO, SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE, then one read per file and
    // four for the 15 KB DG2 in 4071-byte blocks (a 4096-byte buffer less secure messaging).
    assert_eq!(read.block_size, 4071);
    assert_eq!(read_apdus(&read), 1 + 4 + 4 + 15083usize.div_ceil(4071));
    // The specimen comes without its chip's private keys: its hashes match, but no CSCA is trusted and Chip
    // Authentication fails, as it would for a copy.
    assert_eq!(read.authenticity.passive, gate_daemon::read::Passive::Untrusted);
    assert_eq!(read.authenticity.chip.as_str(), "failed");
    assert_eq!(read.stats.file_bytes, file_sizes(&passport, &wanted));
    assert!(read.problems.is_empty(), "{:?}", read.problems);
}

#[test]
fn short_apdus_only_when_the_chip_has_no_extended_length() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    let config = CardConfig { extended_length: false, ..CardConfig::default() };
    let read = read_passport(card(&passport, config), &mrz, &ReadOptions::default()).unwrap();
    assert!(!read.extended_length);
    assert_eq!(read.block_size, 231);
    let wanted = BSI_FILES;
    let reads: usize = wanted.iter().map(|f| passport.files[f].len().div_ceil(231)).sum();
    // The ATR says "no extended length": SELECT, GET CHALLENGE, EXTERNAL AUTHENTICATE, then 231-byte blocks.
    assert_eq!(read_apdus(&read), 1 + 3 + reads);
    assert!(read_apdus(&read) <= 80, "{}", read.stats.apdus);
    assert_eq!(read.dg1.concatenated(), mrz.concatenated());
}

#[test]
fn a_chip_that_says_nothing_is_asked_once() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    let reads = |block: usize| -> usize { BSI_FILES.iter().map(|f| passport.files[f].len().div_ceil(block)).sum() };
    // EF.ATR/INFO first. With extended length, its DO'7F66' gives the 4096-byte buffer; without, the largest block
    // and then a 4096-byte one are each refused once before short blocks.
    for (extended_length, expected) in [(true, 1 + 1 + 3 + reads(4071)), (false, 1 + 1 + 3 + 2 + reads(231))] {
        let config = CardConfig { extended_length, ..CardConfig::default() };
        let mut transport = card(&passport, config);
        // vpcd's default ATR: no historical bytes, so no word on extended length.
        transport.atr = vec![0x3B, 0x80, 0x80, 0x01, 0x01];
        let read = read_passport(transport, &mrz, &ReadOptions::default()).unwrap();
        assert_eq!(read.extended_length, extended_length);
        assert_eq!(read_apdus(&read), expected, "extended {extended_length}");
    }
}

#[test]
fn the_largest_buffer_reads_each_file_in_one_apdu() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    let config = CardConfig { max_response: 65533, ..CardConfig::default() };
    let read = read_passport(card(&passport, config), &mrz, &ReadOptions::default()).unwrap();
    assert_eq!(read_apdus(&read), 1 + 4 + 5);
}

#[test]
fn jmrtd_sized_blocks_cost_what_jmrtd_pays() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    let options = ReadOptions { max_block: Some(223), ..ReadOptions::default() };
    let read = read_passport(card(&passport, CardConfig::default()), &mrz, &options).unwrap();
    let wanted = BSI_FILES;
    let reads: usize = wanted.iter().map(|f| passport.files[f].len().div_ceil(223)).sum();
    assert_eq!(read_apdus(&read), 1 + 4 + reads);
    assert_eq!(read.block_size, 223);
}

#[test]
fn every_overflow_behaviour_and_small_buffers_still_read_every_byte() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    let wanted = BSI_FILES;
    for le_overflow in [LeOverflow::WrongLength, LeOverflow::ExactLe, LeOverflow::FewerBytes] {
        for max_response in [1000usize, 4096] {
            for extended_length in [true, false] {
                let config = CardConfig { max_response, le_overflow, extended_length, ..CardConfig::default() };
                let what = format!("{le_overflow:?} {max_response} {extended_length}");
                let read = read_passport(card(&passport, config), &mrz, &ReadOptions::default()).expect(&what);
                for file in wanted {
                    assert_eq!(read.files[&file].as_slice(), passport.files[&file].as_slice(), "{what} {file}");
                }
                assert!(read.stats.apdus <= 90, "{what}: {}", read.stats.apdus);
            }
        }
    }
}

#[test]
fn dutch_specimen_without_dg14() {
    let Some(passport) = specimen("loes2006") else { return };
    let mrz = Mrz::parse(&NL_MRZ).unwrap();
    let read = read_passport(card(&passport, CardConfig::default()), &mrz, &ReadOptions::default()).unwrap();
    assert_eq!(read.order, [FileId::Com, FileId::Sod, FileId::Dg(1), FileId::Dg(2), FileId::Dg(15)]);
    let face = read.face.as_ref().unwrap();
    assert_eq!((face.width, face.height), (Some(449), Some(598)));
    assert_eq!(read.dg1.document_number(), "XX0001328");
}

#[test]
fn a_wrong_mrz_is_an_access_control_failure() {
    let Some(passport) = specimen("bsi2008") else { return };
    // Same document, another date of birth (with a valid check digit): the chip answers 6300.
    let wrong =
        Mrz::parse(&["P<D<<MUSTERMANN<<ERIKA<<<<<<<<<<<<<<<<<<<<<<", "C11T002JM4D<<9608133F1310317<<<<<<<<<<<<<<<6"])
            .unwrap();
    let err = read_passport(card(&passport, CardConfig::default()), &wrong, &ReadOptions::default()).unwrap_err();
    assert!(matches!(err, Error::AccessControl { .. }), "{err:?}");
    assert_eq!(err.kind(), "access_control_failed");
}

#[test]
fn a_wrong_mac_or_a_truncated_answer_is_the_chip_misbehaving() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    for fault in ["wrong-mac:3", "truncate:4"] {
        let config = CardConfig { faults: Faults::parse(&[fault]).unwrap(), ..CardConfig::default() };
        let err = read_passport(card(&passport, config), &mrz, &ReadOptions::default()).unwrap_err();
        assert!(matches!(err, Error::Protocol { .. }), "{fault}: {err:?}");
        assert_eq!(err.kind(), "chip_misbehaved");
    }
}

#[test]
fn a_dg1_unlike_the_printed_mrz_is_reported() {
    let Some(mut passport) = specimen("bsi2008") else { return };
    // A chip whose DG1 names someone else than the data page it is in (the DG1 of the Dutch specimen).
    let Some(other) = specimen("loes2006") else { return };
    passport.files.insert(FileId::Dg(1), other.files[&FileId::Dg(1)].clone());
    passport.printed_mrz = Some(BSI_MRZ.iter().map(|s| (*s).to_owned()).collect());
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    let read = read_passport(card(&passport, CardConfig::default()), &mrz, &ReadOptions::default()).unwrap();
    assert!(!read.dg1_matches_printed);
    assert_eq!(read.dg1.document_number(), "XX0001328");
}

#[test]
fn a_card_pulled_mid_read_is_its_own_error() {
    let Some(passport) = specimen("bsi2008") else { return };
    let mrz = Mrz::parse(&BSI_MRZ).unwrap();
    for n in [0usize, 2, 5, 9] {
        let mut transport = card(&passport, CardConfig::default());
        transport.removed_after = Some(n);
        let err = read_passport(transport, &mrz, &ReadOptions::default()).unwrap_err();
        assert_eq!(err.kind(), "card_removed", "after {n}: {err:?}");
        assert!(!err.is_bad_input());
    }
}
