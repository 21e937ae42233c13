//! DG1 (ICAO 9303-10 §4.7.1): the MRZ as printed, its lines concatenated.
//!
//! ```text
//! 61 L
//!    5F1F L  the MRZ: 90 (TD1), 72 (TD2) or 88 (TD3) characters
//! ```
//!
//! The MRZ inside is parsed with every check digit verified, like the printed one, so that the comparison of DG1 with
//! the printed MRZ compares two valid zones.

use crate::error::{Error, LdsError, TlvError};
use crate::lds::com::file_content;
use crate::mrz::Mrz;
use crate::tlv::{self, Tag, TlvIter};

const FILE: &str = "DG1";
const TAG: Tag = Tag(0x61);
const MRZ: Tag = Tag(0x5F1F);

/// The content of DG1. Its `Debug` is that of [`Mrz`], which shows no personal data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dg1 {
    /// The MRZ stored on the chip.
    pub mrz: Mrz,
}

impl Dg1 {
    /// Parses DG1 and its MRZ.
    ///
    /// # Errors
    /// [`LdsError::WrongFileTag`] when the file does not start with tag `61`, [`LdsError::Tlv`] for a malformed
    /// structure, trailing bytes or a missing `5F1F`, [`LdsError::Mrz`] when the MRZ does not parse or a check digit
    /// does not verify.
    pub fn parse(bytes: &[u8]) -> Result<Dg1, Error> {
        let content = file_content(bytes, FILE, TAG)?;
        let mut mrz = None;
        for item in TlvIter::new(content) {
            let item = item.map_err(|source| LdsError::Tlv { file: FILE, source })?;
            if item.tag == MRZ && mrz.is_none() {
                mrz = Some(item.value);
            }
        }
        let mrz = mrz.ok_or(LdsError::Tlv { file: FILE, source: TlvError::Missing(MRZ) })?;
        // Each byte as its own character, so that a byte outside the MRZ set is reported at its position.
        let text: String = mrz.iter().map(|&b| char::from(b)).collect();
        let mrz = Mrz::parse_concatenated(&text).map_err(LdsError::Mrz)?;
        Ok(Dg1 { mrz })
    }

    /// Encodes DG1.
    pub fn to_bytes(&self) -> Vec<u8> {
        tlv::to_vec(TAG, &tlv::to_vec(MRZ, self.mrz.concatenated().as_bytes()))
    }
}

impl From<Mrz> for Dg1 {
    fn from(mrz: Mrz) -> Self {
        Dg1 { mrz }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::MrzError;
    use crate::mrz::{Format, Sex};
    use std::path::PathBuf;

    fn testdata_path(rel: &str) -> Option<PathBuf> {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/testdata/icao").join(rel);
        if path.exists() {
            Some(path)
        } else {
            println!("skipped: {} is absent", path.display());
            None
        }
    }

    fn specimens() -> Option<serde_json::Value> {
        let path = testdata_path("vectors/mrz_check_digits_and_specimens.json")?;
        Some(serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap())
    }

    fn lines(v: &serde_json::Value) -> Vec<String> {
        v.as_array().unwrap().iter().map(|l| l.as_str().unwrap().to_owned()).collect()
    }

    #[test]
    fn parses_the_part_10_examples() {
        let Some(v) = specimens() else { return };
        let examples = &v["part10_DG1_examples_hex"];

        // mrz_check_digits_and_specimens.json, part10_DG1_examples_hex "A.2.1 TD1": the printed composite check digit
        // 4 is an erratum of 9303-10 A.2.1; the correct digit is 8.
        let a21 = hex::decode(examples["A.2.1 TD1"].as_str().unwrap()).unwrap();
        match Dg1::parse(&a21) {
            Err(Error::Lds(LdsError::Mrz(e))) => assert_eq!(
                e,
                MrzError::CheckDigit { field: "composite", line: 2, position: 30, found: '4', expected: '8' }
            ),
            other => panic!("A.2.1 must fail on its composite check digit, got {other:?}"),
        }
        let mut fixed = a21.clone();
        let at = a21.len() - 31; // line 2, position 30: line 3 (30 characters) follows it
        assert_eq!(fixed[at], b'4');
        fixed[at] = b'8';
        let dg1 = Dg1::parse(&fixed).unwrap();
        assert_eq!(dg1.mrz.format(), Format::Td1);
        assert_eq!(dg1.mrz.document_number(), "XI85935F8");
        assert_eq!(dg1.mrz.surname(), "VAN DER STEEN");
        assert_eq!(dg1.mrz.given_names(), "MARIANNE LOUISE");
        assert_eq!(dg1.mrz.optional_data(), "999999990");
        assert_eq!(dg1.to_bytes(), fixed);

        // part10_DG1_examples_hex "A.2.2 TD2": a long document number, 123456789012 with check digit 2.
        let a22 = hex::decode(examples["A.2.2 TD2 (as corrected by pymrtd: spec sample malformed)"].as_str().unwrap())
            .unwrap();
        let dg1 = Dg1::parse(&a22).unwrap();
        assert_eq!(dg1.mrz.format(), Format::Td2);
        assert_eq!(dg1.mrz.issuing_state(), "ATA");
        assert_eq!(dg1.mrz.nationality(), "HMD");
        assert_eq!(dg1.mrz.surname(), "SMITH");
        assert_eq!(dg1.mrz.given_names(), "JOHN T");
        assert_eq!(dg1.mrz.document_number(), "123456789012");
        assert_eq!(dg1.mrz.date_of_birth(), "740622");
        assert_eq!(dg1.mrz.sex(), Sex::Male);
        assert_eq!(dg1.mrz.date_of_expiry(), "101231");
        assert_eq!(dg1.mrz.optional_data(), "");
        assert_eq!(dg1.mrz.mrz_information(), "123456789012274062211012312");
        assert_eq!(dg1.to_bytes(), a22);

        // part10_DG1_examples_hex "TD3 (Part 4 specimen wrapped as DG1)".
        let td3 = hex::decode(examples["TD3 (Part 4 specimen wrapped as DG1)"].as_str().unwrap()).unwrap();
        let dg1 = Dg1::parse(&td3).unwrap();
        assert_eq!(dg1.mrz.lines(), lines(&v["specimens"]["TD3_part4"]));
        assert_eq!(dg1.mrz.surname(), "ERIKSSON");
        assert_eq!(dg1.to_bytes(), td3);
    }

    #[test]
    fn parses_the_specimen_chips() {
        let Some(v) = specimens() else { return };
        // BSI 2008 specimen (testdata/icao/data/jmrtd/lds/bsi2008/Datagroup1.bin), its MRZ in
        // mrz_check_digits_and_specimens.json, specimens "TD3_BSI_specimen_DG1".
        if let Some(path) = testdata_path("data/jmrtd/lds/bsi2008/Datagroup1.bin") {
            let bytes = std::fs::read(path).unwrap();
            let dg1 = Dg1::parse(&bytes).unwrap();
            let mrz = &dg1.mrz;
            assert_eq!(mrz.lines(), lines(&v["specimens"]["TD3_BSI_specimen_DG1"]));
            assert_eq!(mrz.format(), Format::Td3);
            assert_eq!(mrz.document_code(), "P");
            assert_eq!(mrz.issuing_state(), "D");
            assert_eq!(mrz.surname(), "MUSTERMANN");
            assert_eq!(mrz.given_names(), "ERIKA");
            assert_eq!(mrz.document_number(), "C11T002JM");
            assert_eq!(mrz.nationality(), "D");
            assert_eq!(mrz.date_of_birth(), "960812");
            assert_eq!(mrz.sex(), Sex::Female);
            assert_eq!(mrz.date_of_expiry(), "131031");
            assert_eq!(mrz.optional_data(), "");
            assert_eq!(dg1.to_bytes(), bytes);
        }
        // Dutch 2006 specimen (testdata/icao/data/jmrtd/lds/loes2006/ef0101.bin), specimens
        // "TD3_NL_specimen_2006_DG1".
        if let Some(path) = testdata_path("data/jmrtd/lds/loes2006/ef0101.bin") {
            let bytes = std::fs::read(path).unwrap();
            let dg1 = Dg1::parse(&bytes).unwrap();
            let mrz = &dg1.mrz;
            assert_eq!(mrz.lines(), lines(&v["specimens"]["TD3_NL_specimen_2006_DG1"]));
            assert_eq!(mrz.issuing_state(), "NLD");
            assert_eq!(mrz.surname(), "MEULENDIJK");
            assert_eq!(mrz.given_names(), "LOES ALBERTINE");
            assert_eq!(mrz.document_number(), "XX0001328");
            assert_eq!(mrz.date_of_birth(), "711019");
            assert_eq!(mrz.sex(), Sex::Female);
            assert_eq!(mrz.date_of_expiry(), "111001");
            assert_eq!(mrz.optional_data(), "123456789");
            assert_eq!(dg1.to_bytes(), bytes);
        }
    }

    #[test]
    fn refuses_malformed_files() {
        // The 9303-4 specimen as DG1 (mrz_check_digits_and_specimens.json, "TD3 (Part 4 specimen wrapped as DG1)").
        let good = hex::decode(concat!(
            "615B5F1F58503C55544F4552494B53534F4E3C3C414E4E413C4D415249413C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C3C",
            "4C38393839303243333655544F3734303831323246313230343135395A45313834323236423C3C3C3C3C3130"
        ))
        .unwrap();
        assert!(Dg1::parse(&good).is_ok());
        for cut in 0..good.len() {
            assert!(Dg1::parse(&good[..cut]).is_err(), "cut at {cut}");
        }
        let mut trailing = good.clone();
        trailing.extend_from_slice(&[0x00, 0x00]);
        assert!(matches!(
            Dg1::parse(&trailing),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::TrailingBytes { count: 2 }, .. }))
        ));
        let mut wrong_tag = good.clone();
        wrong_tag[0] = 0x60;
        assert!(matches!(Dg1::parse(&wrong_tag), Err(Error::Lds(LdsError::WrongFileTag { .. }))));
        assert!(matches!(
            Dg1::parse(&[0x61, 0x03, 0x5F, 0x20, 0x00]),
            Err(Error::Lds(LdsError::Tlv { source: TlvError::Missing(MRZ), .. }))
        ));
        // A byte outside the MRZ set, named by line and position.
        let mut bad_char = good.clone();
        bad_char[5 + 44 + 2] = 0xC4;
        assert!(matches!(
            Dg1::parse(&bad_char),
            Err(Error::Lds(LdsError::Mrz(MrzError::InvalidCharacter { line: 2, position: 3, found: '\u{C4}' })))
        ));
        // An MRZ of the wrong length.
        let short = tlv::to_vec(TAG, &tlv::to_vec(MRZ, &[b'<'; 87]));
        assert!(matches!(Dg1::parse(&short), Err(Error::Lds(LdsError::Mrz(MrzError::UnknownFormat { .. })))));
        for garbage in [&[][..], &[0x61], &[0x61, 0x81], &[0xFF; 16], &[0x61, 0x02, 0x5F, 0x1F]] {
            assert!(Dg1::parse(garbage).is_err());
        }
    }

    #[test]
    fn round_trips_a_built_mrz() {
        let fields = crate::mrz::MrzFields {
            format: Format::Td3,
            document_code: "P".into(),
            issuing_state: "IDN".into(),
            surname: "".into(),
            given_names: "BUDI".into(),
            document_number: "X1234567".into(),
            nationality: "IDN".into(),
            date_of_birth: "850314".into(),
            sex: Sex::Male,
            date_of_expiry: "330501".into(),
            optional_data: "".into(),
            optional_data_2: "".into(),
        };
        let dg1 = Dg1::from(Mrz::build(&fields).unwrap());
        assert_eq!(Dg1::parse(&dg1.to_bytes()).unwrap(), dg1);
        assert_eq!(format!("{dg1:?}"), "Dg1 { mrz: Mrz { format: Td3, issuing_state: \"IDN\", .. } }");
    }
}
