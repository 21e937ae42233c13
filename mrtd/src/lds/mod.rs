//! The logical data structure (ICAO 9303-10 §4): the files of the eMRTD application, their identifiers, short file
//! identifiers and tags, and a parser for each file the gate reads.

pub mod com;
pub mod dg1;
pub mod dg11;
pub mod dg12;
pub mod dg2;

/// The application identifier of the eMRTD LDS1 application (9303-10 §3.1.2).
pub const EMRTD_AID: [u8; 7] = [0xA0, 0x00, 0x00, 0x02, 0x47, 0x10, 0x01];

/// A file the terminal can read (9303-10 Table 38/39).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FileId {
    /// EF.CardAccess in the master file: PACE parameters.
    CardAccess,
    /// EF.CardSecurity in the master file.
    CardSecurity,
    /// EF.ATR/INFO in the master file: the chip's buffer sizes and extended-length support.
    AtrInfo,
    /// EF.COM: LDS version and the list of data groups present.
    Com,
    /// EF.SOD: the document security object.
    Sod,
    /// Data group 1 to 16.
    Dg(u8),
}

impl FileId {
    /// The two-byte file identifier used by SELECT.
    pub fn fid(self) -> u16 {
        match self {
            FileId::CardAccess => 0x011C,
            FileId::CardSecurity => 0x011D,
            FileId::AtrInfo => 0x2F01,
            FileId::Com => 0x011E,
            FileId::Sod => 0x011D,
            FileId::Dg(n) => 0x0100 | u16::from(n),
        }
    }

    /// The short file identifier usable in P1 of READ BINARY.
    pub fn sfi(self) -> u8 {
        match self {
            FileId::CardAccess => 0x1C,
            FileId::CardSecurity => 0x1D,
            FileId::AtrInfo => 0x01,
            FileId::Com => 0x1E,
            FileId::Sod => 0x1D,
            FileId::Dg(n) => n & 0x1F,
        }
    }

    /// True for the files of the master file, read before the application is selected.
    pub fn in_master_file(self) -> bool {
        matches!(self, FileId::CardAccess | FileId::CardSecurity | FileId::AtrInfo)
    }

    /// The tag the file's content starts with, where the LDS fixes one (9303-10 Table 34).
    pub fn tag(self) -> Option<u32> {
        Some(match self {
            FileId::Com => 0x60,
            FileId::Sod => 0x77,
            FileId::Dg(1) => 0x61,
            FileId::Dg(2) => 0x75,
            FileId::Dg(3) => 0x63,
            FileId::Dg(4) => 0x76,
            FileId::Dg(5) => 0x65,
            FileId::Dg(6) => 0x66,
            FileId::Dg(7) => 0x67,
            FileId::Dg(8) => 0x68,
            FileId::Dg(9) => 0x69,
            FileId::Dg(10) => 0x6A,
            FileId::Dg(11) => 0x6B,
            FileId::Dg(12) => 0x6C,
            FileId::Dg(13) => 0x6D,
            FileId::Dg(14) => 0x6E,
            FileId::Dg(15) => 0x6F,
            FileId::Dg(16) => 0x70,
            _ => return None,
        })
    }

    /// The data group whose tag EF.COM lists (`0x61` is DG1, `0x75` DG2 ...).
    pub fn from_tag(tag: u32) -> Option<FileId> {
        (1..=16).map(FileId::Dg).find(|f| f.tag() == Some(tag))
    }

    /// The conventional name: `EF.COM`, `EF.SOD`, `DG2` ...
    pub fn name(self) -> String {
        match self {
            FileId::CardAccess => "EF.CardAccess".into(),
            FileId::CardSecurity => "EF.CardSecurity".into(),
            FileId::AtrInfo => "EF.ATR/INFO".into(),
            FileId::Com => "EF.COM".into(),
            FileId::Sod => "EF.SOD".into(),
            FileId::Dg(n) => format!("DG{n}"),
        }
    }
}

impl std::fmt::Display for FileId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_follow_9303_10() {
        assert_eq!(FileId::Dg(2).fid(), 0x0102);
        assert_eq!(FileId::Dg(15).sfi(), 0x0F);
        assert_eq!(FileId::Com.sfi(), 0x1E);
        assert_eq!(FileId::from_tag(0x75), Some(FileId::Dg(2)));
        assert_eq!(FileId::from_tag(0x6F), Some(FileId::Dg(15)));
        assert_eq!(FileId::Sod.name(), "EF.SOD");
    }
}
