//! Command and response APDUs (ISO/IEC 7816-3 §12.1, 7816-4 §5.1): the four cases, short and extended length.
//!
//! A command is encoded short when both its data (up to 255 bytes) and its `Le` (up to 256) fit, extended otherwise,
//! so that callers state what they want and never the encoding.

use crate::error::ApduError;
use crate::sw::StatusWord;

/// The largest `Le` an extended APDU can ask for (`0000` on the wire).
pub const MAX_EXTENDED_LE: usize = 65536;
/// The largest `Le` a short APDU can ask for (`00` on the wire).
pub const MAX_SHORT_LE: usize = 256;

/// A command APDU.
#[derive(Clone, PartialEq, Eq)]
pub struct Command {
    /// Class byte.
    pub cla: u8,
    /// Instruction byte.
    pub ins: u8,
    /// Parameter 1.
    pub p1: u8,
    /// Parameter 2.
    pub p2: u8,
    /// Command data (absent when empty).
    pub data: Vec<u8>,
    /// Expected response length, 1 to 65536; `None` when no data is expected.
    pub le: Option<usize>,
    /// Encode as extended length even when short would fit.
    pub force_extended: bool,
}

impl std::fmt::Debug for Command {
    // Command data can hold secrets (authentication cryptograms) and personal data: show its size only.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Command")
            .field("cla", &format_args!("{:02X}", self.cla))
            .field("ins", &format_args!("{:02X}", self.ins))
            .field("p1", &format_args!("{:02X}", self.p1))
            .field("p2", &format_args!("{:02X}", self.p2))
            .field("data_len", &self.data.len())
            .field("le", &self.le)
            .finish()
    }
}

impl Command {
    /// A command without data or `Le` (case 1).
    pub fn new(cla: u8, ins: u8, p1: u8, p2: u8) -> Self {
        Self { cla, ins, p1, p2, data: Vec::new(), le: None, force_extended: false }
    }

    /// Sets the command data.
    #[must_use]
    pub fn with_data(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.data = data.into();
        self
    }

    /// Sets `Le`.
    #[must_use]
    pub fn with_le(mut self, le: usize) -> Self {
        self.le = Some(le);
        self
    }

    /// True when the command needs the extended encoding.
    pub fn is_extended(&self) -> bool {
        self.force_extended || self.data.len() > 255 || self.le.is_some_and(|le| le > MAX_SHORT_LE)
    }

    /// The command's bytes.
    ///
    /// # Errors
    /// [`ApduError::TooLong`] when the data or `Le` exceed what an extended APDU can carry.
    pub fn to_bytes(&self) -> Result<Vec<u8>, ApduError> {
        if self.data.len() > 65535 {
            return Err(ApduError::TooLong(self.data.len()));
        }
        if let Some(le) = self.le
            && (le == 0 || le > MAX_EXTENDED_LE)
        {
            return Err(ApduError::TooLong(le));
        }
        let mut out = Vec::with_capacity(self.data.len() + 9);
        out.extend_from_slice(&[self.cla, self.ins, self.p1, self.p2]);
        let n = self.data.len();
        if self.is_extended() {
            // The marker introduces an extended Lc or Le; a case 1 command has neither, and a lone `00` would read as
            // a short Le of 256 (ISO/IEC 7816-3 §12.1.3).
            if n > 0 || self.le.is_some() {
                out.push(0);
            }
            if n > 0 {
                out.extend_from_slice(&(n as u16).to_be_bytes());
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                // 65536 is encoded as 0000.
                out.extend_from_slice(&((le & 0xFFFF) as u16).to_be_bytes());
            }
        } else {
            if n > 0 {
                out.push(n as u8);
                out.extend_from_slice(&self.data);
            }
            if let Some(le) = self.le {
                out.push((le & 0xFF) as u8);
            }
        }
        Ok(out)
    }

    /// Parses a command as a chip receives it.
    ///
    /// # Errors
    /// [`ApduError`] when the length fields do not match the size.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let (header, body) = bytes.split_at_checked(4).ok_or(ApduError::NoHeader(bytes.len()))?;
        let [cla, ins, p1, p2] = <[u8; 4]>::try_from(header).map_err(|_| ApduError::NoHeader(bytes.len()))?;
        let mut cmd = Command::new(cla, ins, p1, p2);
        let bad = || ApduError::BadLength(bytes.len());
        match body {
            [] => {}
            [le] => cmd.le = Some(if *le == 0 { 256 } else { usize::from(*le) }),
            [0, rest @ ..] => {
                cmd.force_extended = true;
                let ext = |b: &[u8]| -> Option<usize> {
                    let v = usize::from(u16::from_be_bytes(<[u8; 2]>::try_from(b).ok()?));
                    Some(v)
                };
                match rest {
                    [a, b] => {
                        let le = ext(&[*a, *b]).ok_or_else(bad)?;
                        cmd.le = Some(if le == 0 { MAX_EXTENDED_LE } else { le });
                    }
                    _ => {
                        let (lc, rest) = rest.split_at_checked(2).ok_or_else(bad)?;
                        let lc = ext(lc).ok_or_else(bad)?;
                        if lc == 0 {
                            return Err(bad());
                        }
                        let (data, tail) = rest.split_at_checked(lc).ok_or_else(bad)?;
                        cmd.data = data.to_vec();
                        match tail {
                            [] => {}
                            [a, b] => {
                                let le = ext(&[*a, *b]).ok_or_else(bad)?;
                                cmd.le = Some(if le == 0 { MAX_EXTENDED_LE } else { le });
                            }
                            _ => return Err(bad()),
                        }
                    }
                }
            }
            [lc, rest @ ..] => {
                let (data, tail) = rest.split_at_checked(usize::from(*lc)).ok_or_else(bad)?;
                cmd.data = data.to_vec();
                match tail {
                    [] => {}
                    [le] => cmd.le = Some(if *le == 0 { 256 } else { usize::from(*le) }),
                    _ => return Err(bad()),
                }
            }
        }
        Ok(cmd)
    }
}

/// A response APDU: data and status word.
#[derive(Clone, PartialEq, Eq)]
pub struct Response {
    /// Response data.
    pub data: Vec<u8>,
    /// Status word.
    pub sw: StatusWord,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response").field("data_len", &self.data.len()).field("sw", &self.sw).finish()
    }
}

impl Response {
    /// A response with data.
    pub fn new(data: Vec<u8>, sw: StatusWord) -> Self {
        Self { data, sw }
    }

    /// A response with a status word only.
    pub fn status(sw: StatusWord) -> Self {
        Self { data: Vec::new(), sw }
    }

    /// Parses the bytes a card returned.
    ///
    /// # Errors
    /// [`ApduError::NoStatusWord`] when fewer than two bytes arrived.
    pub fn parse(bytes: &[u8]) -> Result<Self, ApduError> {
        let split = bytes.len().checked_sub(2).ok_or(ApduError::NoStatusWord(bytes.len()))?;
        let (data, sw) = bytes.split_at_checked(split).ok_or(ApduError::NoStatusWord(bytes.len()))?;
        let sw = <[u8; 2]>::try_from(sw).map_err(|_| ApduError::NoStatusWord(bytes.len()))?;
        Ok(Self { data: data.to_vec(), sw: StatusWord::from(sw) })
    }

    /// The response's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 2);
        out.extend_from_slice(&self.data);
        out.extend_from_slice(&self.sw.to_bytes());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_the_four_cases_short_and_extended() {
        // SELECT eMRTD application and GET CHALLENGE, ICAO 9303-11 App. D.3
        // (testdata/icao/vectors/icao9303_p11_appD_bac_sm3des.json: apdu_select_emrtd_app, apdu_get_challenge).
        let select = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(hex::decode("A0000002471001").unwrap());
        assert_eq!(hex::encode_upper(select.to_bytes().unwrap()), "00A4040C07A0000002471001");
        let challenge = Command::new(0x00, 0x84, 0x00, 0x00).with_le(8);
        assert_eq!(hex::encode_upper(challenge.to_bytes().unwrap()), "0084000008");
        assert_eq!(Command::new(0, 0xB0, 0, 0).with_le(256).to_bytes().unwrap(), vec![0, 0xB0, 0, 0, 0]);
        assert_eq!(Command::new(0, 0xB0, 0, 0).with_le(65536).to_bytes().unwrap(), vec![0, 0xB0, 0, 0, 0, 0, 0]);
        assert_eq!(Command::new(0, 0xB0, 0, 0).with_le(4096).to_bytes().unwrap(), vec![0, 0xB0, 0, 0, 0, 0x10, 0]);
        let case4e = Command::new(0x0C, 0xB0, 0, 0).with_data(vec![1; 300]).with_le(65536);
        let bytes = case4e.to_bytes().unwrap();
        assert_eq!(bytes[4..7], [0, 0x01, 0x2C]);
        assert_eq!(bytes[bytes.len() - 2..], [0, 0]);
        assert_eq!(Command::new(0, 0, 0, 0).with_le(0).to_bytes(), Err(ApduError::TooLong(0)));
    }

    #[test]
    fn parses_what_it_encodes() {
        let cases = [
            Command::new(0, 0xA4, 2, 0x0C),
            Command::new(0, 0xB0, 0x81, 0).with_le(256),
            Command::new(0, 0xB0, 0x81, 0).with_le(1),
            Command::new(0, 0xA4, 2, 0x0C).with_data(vec![1, 0x1E]),
            Command::new(0, 0x82, 0, 0).with_data(vec![7; 40]).with_le(40),
            Command::new(0x0C, 0xB0, 0, 0).with_le(65536),
            Command::new(0x0C, 0xB0, 0, 0).with_le(300),
            Command::new(0x0C, 0xD6, 0, 0).with_data(vec![9; 1000]),
            Command::new(0x0C, 0xB1, 0, 0).with_data(vec![9; 1000]).with_le(65536),
        ];
        for c in cases {
            let parsed = Command::parse(&c.to_bytes().unwrap()).unwrap();
            assert_eq!((parsed.data, parsed.le), (c.data.clone(), c.le), "{c:?}");
        }
    }

    #[test]
    fn extended_case1_encodes_as_header_only() {
        let mut case1 = Command::new(0x0C, 0xB1, 0, 0);
        case1.force_extended = true;
        let bytes = case1.to_bytes().unwrap();
        assert_eq!(bytes, vec![0x0C, 0xB1, 0, 0]);
        let parsed = Command::parse(&bytes).unwrap();
        assert_eq!((parsed.data, parsed.le), (vec![], None));
    }

    #[test]
    fn refuses_lengths_that_lie() {
        for bad in [
            &[0u8, 0xB0, 0][..],
            &[0, 0xA4, 2, 0xC, 5, 1, 2],
            &[0, 0xA4, 2, 0xC, 1, 1, 2, 3],
            &[0, 0xB0, 0, 0, 0, 1],
            &[0, 0xB0, 0, 0, 0, 0, 3, 1],
        ] {
            assert!(Command::parse(bad).is_err(), "{bad:02X?}");
        }
        assert_eq!(Response::parse(&[0x90]), Err(ApduError::NoStatusWord(1)));
        let r = Response::parse(&[1, 2, 0x62, 0x82]).unwrap();
        assert_eq!((r.data, r.sw), (vec![1, 2], StatusWord::EndOfFile));
    }
}
