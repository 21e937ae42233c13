//! Status words (ISO/IEC 7816-4 §5.6), parsed once into [`StatusWord`]; nothing else in the workspace compares raw
//! `0x90 0x00` bytes.

/// A response's status word SW1-SW2.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatusWord {
    /// `9000`: normal processing.
    Ok,
    /// `61xx`: `xx` more bytes available with GET RESPONSE (`00` means 256 or more).
    BytesAvailable(u8),
    /// `6282`: end of file reached before `Le` bytes were read.
    EndOfFile,
    /// `63Cx`: verification failed, `x` tries left.
    TriesLeft(u8),
    /// `6300`: authentication failed.
    AuthenticationFailed,
    /// `6700`: wrong length (the chip refuses this `Lc` or `Le`).
    WrongLength,
    /// `6882`: secure messaging not supported.
    SecureMessagingNotSupported,
    /// `6982`: security status not satisfied (access control needed first).
    SecurityStatusNotSatisfied,
    /// `6983`: authentication method blocked.
    AuthenticationBlocked,
    /// `6985`: conditions of use not satisfied.
    ConditionsNotSatisfied,
    /// `6987`: expected secure-messaging data objects missing.
    SmObjectsMissing,
    /// `6988`: secure-messaging data objects incorrect (a wrong MAC, usually).
    SmObjectsIncorrect,
    /// `6A80`: incorrect parameters in the data field.
    WrongData,
    /// `6A81`: function not supported.
    FunctionNotSupported,
    /// `6A82`: file or application not found.
    FileNotFound,
    /// `6A86`: incorrect P1-P2.
    WrongP1P2,
    /// `6A88`: referenced data not found.
    ReferencedDataNotFound,
    /// `6B00`: wrong parameters (an offset beyond the end of the file).
    WrongParameters,
    /// `6Cxx`: wrong `Le`; `xx` is the exact length available (`00` means 256).
    WrongLe(u8),
    /// `6D00`: instruction not supported.
    InsNotSupported,
    /// `6E00`: class not supported.
    ClaNotSupported,
    /// `6F00`: no precise diagnosis.
    Unknown,
    /// Any other value.
    Other(u16),
}

impl StatusWord {
    /// True for `9000` and the warning `6282`, which both come with valid data.
    pub fn is_success(self) -> bool {
        matches!(self, StatusWord::Ok | StatusWord::EndOfFile)
    }

    /// The two bytes as a number.
    pub fn to_u16(self) -> u16 {
        match self {
            StatusWord::Ok => 0x9000,
            StatusWord::BytesAvailable(n) => 0x6100 | u16::from(n),
            StatusWord::EndOfFile => 0x6282,
            StatusWord::TriesLeft(n) => 0x63C0 | u16::from(n & 0x0F),
            StatusWord::AuthenticationFailed => 0x6300,
            StatusWord::WrongLength => 0x6700,
            StatusWord::SecureMessagingNotSupported => 0x6882,
            StatusWord::SecurityStatusNotSatisfied => 0x6982,
            StatusWord::AuthenticationBlocked => 0x6983,
            StatusWord::ConditionsNotSatisfied => 0x6985,
            StatusWord::SmObjectsMissing => 0x6987,
            StatusWord::SmObjectsIncorrect => 0x6988,
            StatusWord::WrongData => 0x6A80,
            StatusWord::FunctionNotSupported => 0x6A81,
            StatusWord::FileNotFound => 0x6A82,
            StatusWord::WrongP1P2 => 0x6A86,
            StatusWord::ReferencedDataNotFound => 0x6A88,
            StatusWord::WrongParameters => 0x6B00,
            StatusWord::WrongLe(n) => 0x6C00 | u16::from(n),
            StatusWord::InsNotSupported => 0x6D00,
            StatusWord::ClaNotSupported => 0x6E00,
            StatusWord::Unknown => 0x6F00,
            StatusWord::Other(v) => v,
        }
    }

    /// The two bytes.
    pub fn to_bytes(self) -> [u8; 2] {
        self.to_u16().to_be_bytes()
    }
}

impl From<u16> for StatusWord {
    fn from(v: u16) -> Self {
        let low = (v & 0xFF) as u8;
        match v {
            0x9000 => StatusWord::Ok,
            0x6282 => StatusWord::EndOfFile,
            0x6300 => StatusWord::AuthenticationFailed,
            0x63C0..=0x63CF => StatusWord::TriesLeft(low & 0x0F),
            0x6700 => StatusWord::WrongLength,
            0x6882 => StatusWord::SecureMessagingNotSupported,
            0x6982 => StatusWord::SecurityStatusNotSatisfied,
            0x6983 => StatusWord::AuthenticationBlocked,
            0x6985 => StatusWord::ConditionsNotSatisfied,
            0x6987 => StatusWord::SmObjectsMissing,
            0x6988 => StatusWord::SmObjectsIncorrect,
            0x6A80 => StatusWord::WrongData,
            0x6A81 => StatusWord::FunctionNotSupported,
            0x6A82 => StatusWord::FileNotFound,
            0x6A86 => StatusWord::WrongP1P2,
            0x6A88 => StatusWord::ReferencedDataNotFound,
            0x6B00 => StatusWord::WrongParameters,
            0x6D00 => StatusWord::InsNotSupported,
            0x6E00 => StatusWord::ClaNotSupported,
            0x6F00 => StatusWord::Unknown,
            _ if v >> 8 == 0x61 => StatusWord::BytesAvailable(low),
            _ if v >> 8 == 0x6C => StatusWord::WrongLe(low),
            _ => StatusWord::Other(v),
        }
    }
}

impl From<[u8; 2]> for StatusWord {
    fn from(b: [u8; 2]) -> Self {
        StatusWord::from(u16::from_be_bytes(b))
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let what = match self {
            StatusWord::Ok => "success",
            StatusWord::BytesAvailable(_) => "more bytes available",
            StatusWord::EndOfFile => "end of file before Le bytes",
            StatusWord::TriesLeft(_) => "verification failed",
            StatusWord::AuthenticationFailed => "authentication failed",
            StatusWord::WrongLength => "wrong length",
            StatusWord::SecureMessagingNotSupported => "secure messaging not supported",
            StatusWord::SecurityStatusNotSatisfied => "security status not satisfied",
            StatusWord::AuthenticationBlocked => "authentication method blocked",
            StatusWord::ConditionsNotSatisfied => "conditions of use not satisfied",
            StatusWord::SmObjectsMissing => "secure messaging data objects missing",
            StatusWord::SmObjectsIncorrect => "secure messaging data objects incorrect",
            StatusWord::WrongData => "incorrect data",
            StatusWord::FunctionNotSupported => "function not supported",
            StatusWord::FileNotFound => "file not found",
            StatusWord::WrongP1P2 => "incorrect P1-P2",
            StatusWord::ReferencedDataNotFound => "referenced data not found",
            StatusWord::WrongParameters => "wrong parameters",
            StatusWord::WrongLe(_) => "wrong Le",
            StatusWord::InsNotSupported => "instruction not supported",
            StatusWord::ClaNotSupported => "class not supported",
            StatusWord::Unknown => "no precise diagnosis",
            StatusWord::Other(_) => "unknown status",
        };
        write!(f, "{:04X} ({what})", self.to_u16())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_round_trips() {
        for v in 0u16..=0xFFFF {
            assert_eq!(StatusWord::from(v).to_u16(), v, "{v:04X}");
        }
        assert_eq!(StatusWord::from([0x6C, 0x10]), StatusWord::WrongLe(0x10));
        assert_eq!(StatusWord::from([0x62, 0x82]), StatusWord::EndOfFile);
        assert!(StatusWord::EndOfFile.is_success());
        assert!(!StatusWord::WrongLength.is_success());
    }
}
