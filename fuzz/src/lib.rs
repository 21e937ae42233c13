//! What the fuzz targets and the seed generator share: the fixed secure-messaging session, the "today" the MRZ dates
//! are read against, and the MRZ fields the seeds are built from.

use std::sync::OnceLock;

use mrtd::bac::{self, BacKeys};
use mrtd::crypto::{self, TdesKey};
use mrtd::mrz::{Format, MrzFields, Sex};
use mrtd::sm::SecureMessaging;

/// The seed both sides of the fixed session derive their keys from.
pub const SM_SEED: [u8; 16] = *b"fuzz-session-key";
/// The send sequence counter the fixed session starts from.
pub const SM_SSC: u64 = 0x0123_4567_89AB_CDEF;

/// The 3DES session keys, `(K_enc, K_mac)`, derived once: the targets need them on every input.
pub fn sm_keys() -> &'static (TdesKey, TdesKey) {
    static KEYS: OnceLock<(TdesKey, TdesKey)> = OnceLock::new();
    KEYS.get_or_init(|| (crypto::kdf_3des(&SM_SEED, 1), crypto::kdf_3des(&SM_SEED, 2)))
}

/// A fresh 3DES secure-messaging session with fixed keys and counter; two of them make a paired terminal and chip.
pub fn sm_session() -> SecureMessaging {
    let (k_enc, k_mac) = sm_keys();
    SecureMessaging::tdes(k_enc.clone(), k_mac.clone(), SM_SSC)
}

/// The MRZ information BAC keys are derived from (the ICAO 9303-11 App. D.2 document), and the fixed randoms of the
/// BAC exchange the targets replay: RND.IC, RND.IFD, K.IFD, K.IC.
pub const BAC_MRZ_INFORMATION: &str = "L898902C<369080619406236";
pub const BAC_RND_IC: [u8; 8] = [0x11; 8];
pub const BAC_RND_IFD: [u8; 8] = [0x22; 8];
pub const BAC_K_IFD: [u8; 16] = [0x33; 16];
pub const BAC_K_IC: [u8; 16] = [0x44; 16];

fn bac_keys() -> BacKeys {
    static KEYS: OnceLock<BacKeys> = OnceLock::new();
    KEYS.get_or_init(|| BacKeys::from_mrz_information(BAC_MRZ_INFORMATION)).clone()
}

/// The terminal side of the fixed BAC exchange, after GET CHALLENGE.
pub fn bac_terminal() -> bac::Terminal {
    bac::Terminal::new(bac_keys(), BAC_RND_IC, BAC_RND_IFD, BAC_K_IFD)
}

/// The chip side of the fixed BAC exchange, after GET CHALLENGE.
pub fn bac_chip() -> bac::Chip {
    bac::Chip::new(bac_keys(), BAC_RND_IC)
}

/// The date MRZ dates are placed against when a target does not take one from its input.
pub const TODAY: mrtd::mrz::Ymd = (2026, 5, 1);

/// Each byte as the character of the same number (ISO 8859-1), as DG1 reads its bytes: every input is a string.
pub fn latin1(bytes: &[u8]) -> String {
    bytes.iter().map(|&b| char::from(b)).collect()
}

/// Fields of one MRZ of each format and of the long document number layouts (the specimens of ICAO 9303-4, -5 and
/// -11 App. D.2, re-typed as fields), for the seeds.
pub fn sample_mrz_fields() -> Vec<MrzFields> {
    let fields =
        |format, code: &str, surname: &str, given: &str, number: &str, optional: &str, optional_2: &str| MrzFields {
            format,
            document_code: code.into(),
            issuing_state: "UTO".into(),
            surname: surname.into(),
            given_names: given.into(),
            document_number: number.into(),
            nationality: "UTO".into(),
            date_of_birth: "740812".into(),
            sex: Sex::Female,
            date_of_expiry: "120415".into(),
            optional_data: optional.into(),
            optional_data_2: optional_2.into(),
        };
    let mut unspecified = fields(Format::Td3, "P", "", "ANNA", "X1", "", "");
    unspecified.sex = Sex::Unspecified;
    unspecified.date_of_birth = "74<<<<".into();
    vec![
        fields(Format::Td3, "P", "ERIKSSON", "ANNA MARIA", "L898902C3", "ZE184226B", ""),
        fields(Format::Td1, "I", "ERIKSSON", "ANNA MARIA", "D23145890", "", ""),
        fields(Format::Td1, "I", "STEVENSON", "PETER JOHN", "D23145890734", "", "AB12"),
        fields(Format::Td2, "I", "STEVENSON", "PETER JOHN", "D23145890734", "", ""),
        fields(Format::Td2, "ID", "O'NEILL-SMITH", "", "AB1234", "XY", ""),
        unspecified,
    ]
}
