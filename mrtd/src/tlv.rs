//! BER-TLV as used on the chip (ISO/IEC 7816-4 §5.2, ICAO 9303-10 §4.1): tags of up to three bytes, definite
//! lengths of up to four bytes, every length checked against the bytes actually present.
//!
//! Parsing never panics and never trusts a length: a value that would run past its input is an error, not a
//! truncation. Indefinite lengths (`0x80`) are refused here; the CMS layer that meets them in EF.SOD handles BER itself.

use crate::error::TlvError;

/// A tag as it appears on the wire, its bytes packed big-endian (`0x5F1F`, `0x7F61`, `0x87`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag(pub u32);

impl Tag {
    /// True when bit 6 of the first byte says the value is itself a sequence of TLVs.
    pub fn is_constructed(self) -> bool {
        let first = if self.0 > 0xFFFF {
            self.0 >> 16
        } else if self.0 > 0xFF {
            self.0 >> 8
        } else {
            self.0
        };
        first & 0x20 != 0
    }

    /// The tag's bytes as they are encoded.
    pub fn to_bytes(self) -> Vec<u8> {
        let b = self.0.to_be_bytes();
        let skip = b.iter().take(3).take_while(|&&x| x == 0).count();
        b.get(skip..).map(<[u8]>::to_vec).unwrap_or_default()
    }
}

impl std::fmt::Display for Tag {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:02X}", self.0)
    }
}

/// The largest value length accepted by the parser: a 16 MiB bound well above any LDS file (ISO 39794-5 records with
/// large images reach about 1 MB).
pub const MAX_LENGTH: usize = 16 * 1024 * 1024;

/// Tag and length of a TLV, without its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag.
    pub tag: Tag,
    /// The value's length as declared.
    pub length: usize,
    /// Bytes taken by tag and length together.
    pub header_len: usize,
}

impl Header {
    /// Header plus value: the bytes the whole TLV takes.
    pub fn total_len(&self) -> usize {
        self.header_len.saturating_add(self.length)
    }
}

/// One TLV borrowed from its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag.
    pub tag: Tag,
    /// The value, exactly `length` bytes.
    pub value: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// Parses the one TLV at the start of `input` and returns it with the bytes after it.
    ///
    /// # Errors
    /// [`TlvError`] when the header is malformed or the value runs past the input.
    pub fn parse(input: &'a [u8]) -> Result<(Tlv<'a>, &'a [u8]), TlvError> {
        let header = parse_header(input)?;
        let rest = input
            .get(header.header_len..)
            .ok_or(TlvError::Truncated { needed: header.header_len, available: input.len() })?;
        let (value, after) = rest
            .split_at_checked(header.length)
            .ok_or(TlvError::Truncated { needed: header.total_len(), available: input.len() })?;
        Ok((Tlv { tag: header.tag, value }, after))
    }

    /// Parses `input` as exactly one TLV with the tag `tag`, refusing trailing bytes.
    ///
    /// # Errors
    /// [`TlvError::UnexpectedTag`], [`TlvError::TrailingBytes`] or a parse error.
    pub fn parse_exact(input: &'a [u8], tag: Tag) -> Result<&'a [u8], TlvError> {
        let (tlv, rest) = Tlv::parse(input)?;
        if tlv.tag != tag {
            return Err(TlvError::UnexpectedTag { expected: tag, found: tlv.tag });
        }
        if !rest.is_empty() {
            return Err(TlvError::TrailingBytes { count: rest.len() });
        }
        Ok(tlv.value)
    }

    /// The TLVs inside this one's value.
    pub fn children(&self) -> TlvIter<'a> {
        TlvIter { rest: self.value }
    }
}

/// Iterates over consecutive TLVs; stops at the first error, which it yields once.
#[derive(Debug, Clone)]
pub struct TlvIter<'a> {
    rest: &'a [u8],
}

impl<'a> TlvIter<'a> {
    /// Iterates over the TLVs in `input`.
    pub fn new(input: &'a [u8]) -> Self {
        Self { rest: input }
    }
}

impl<'a> Iterator for TlvIter<'a> {
    type Item = Result<Tlv<'a>, TlvError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.rest.is_empty() {
            return None;
        }
        match Tlv::parse(self.rest) {
            Ok((tlv, rest)) => {
                self.rest = rest;
                Some(Ok(tlv))
            }
            Err(e) => {
                self.rest = &[];
                Some(Err(e))
            }
        }
    }
}

/// Finds the first TLV tagged `tag` among the TLVs of `input` (one level only).
///
/// # Errors
/// A parse error met before the tag was found.
pub fn find(input: &[u8], tag: Tag) -> Result<Option<&[u8]>, TlvError> {
    for tlv in TlvIter::new(input) {
        let tlv = tlv?;
        if tlv.tag == tag {
            return Ok(Some(tlv.value));
        }
    }
    Ok(None)
}

/// Parses a tag and a definite length from the start of `input`; the value need not be present, which is how a
/// file's total length is learnt from its first bytes.
///
/// # Errors
/// [`TlvError`] when the header itself is cut short or malformed.
pub fn parse_header(input: &[u8]) -> Result<Header, TlvError> {
    let (tag, tag_len) = parse_tag(input)?;
    let len_bytes = input.get(tag_len..).unwrap_or_default();
    let (length, len_len) = parse_length(len_bytes)?;
    Ok(Header { tag, length, header_len: tag_len + len_len })
}

fn parse_tag(input: &[u8]) -> Result<(Tag, usize), TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated { needed: 1, available: 0 })?;
    if first == 0x00 || first == 0xFF {
        // Padding bytes between TLVs are allowed by ISO 7816-4 but never used in the LDS: treat as garbage.
        return Err(TlvError::InvalidTag { byte: first });
    }
    if first & 0x1F != 0x1F {
        return Ok((Tag(u32::from(first)), 1));
    }
    let mut value = u32::from(first);
    for i in 1..=3 {
        let b = *input.get(i).ok_or(TlvError::Truncated { needed: i + 1, available: input.len() })?;
        value = (value << 8) | u32::from(b);
        if b & 0x80 == 0 {
            return Ok((Tag(value), i + 1));
        }
    }
    Err(TlvError::TagTooLong)
}

fn parse_length(input: &[u8]) -> Result<(usize, usize), TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated { needed: 1, available: 0 })?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    if first == 0x80 {
        return Err(TlvError::IndefiniteLength);
    }
    let n = usize::from(first & 0x7F);
    if n > 4 {
        return Err(TlvError::LengthTooLong { bytes: n });
    }
    let bytes = input.get(1..=n).ok_or(TlvError::Truncated { needed: n + 1, available: input.len() })?;
    let length = bytes.iter().fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
    if length > MAX_LENGTH {
        return Err(TlvError::LengthTooLarge { length });
    }
    Ok((length, n + 1))
}

/// Appends the definite-length encoding of `len` (the shortest form, as DER requires).
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|&&b| b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// Appends one TLV.
pub fn encode(tag: Tag, value: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&tag.to_bytes());
    encode_length(value.len(), out);
    out.extend_from_slice(value);
}

/// One TLV as a new vector.
pub fn to_vec(tag: Tag, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 8);
    encode(tag, value, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_multibyte_tag_and_long_length() {
        // EF.COM from ICAO 9303-11 App. D.4 (testdata/icao/vectors/icao9303_p11_appD_bac_sm3des.json, EF_COM_plain).
        let com = hex::decode("60145F0104303130365F36063034303030305C026175").unwrap();
        let (tlv, rest) = Tlv::parse(&com).unwrap();
        assert_eq!(tlv.tag, Tag(0x60));
        assert!(rest.is_empty());
        let kids: Vec<_> = tlv.children().collect::<Result<_, _>>().unwrap();
        assert_eq!(kids.iter().map(|t| t.tag).collect::<Vec<_>>(), vec![Tag(0x5F01), Tag(0x5F36), Tag(0x5C)]);
        assert_eq!(kids[2].value, &[0x61, 0x75]);
        let h = parse_header(&[0x75, 0x82, 0x3A, 0xEB, 0x7F]).unwrap();
        assert_eq!(h, Header { tag: Tag(0x75), length: 0x3AEB, header_len: 4 });
    }

    #[test]
    fn refuses_what_does_not_fit() {
        assert_eq!(Tlv::parse(&[0x61, 0x05, 1, 2]), Err(TlvError::Truncated { needed: 7, available: 4 }));
        assert_eq!(parse_header(&[0x61, 0x80]), Err(TlvError::IndefiniteLength));
        assert_eq!(parse_header(&[0x61, 0x85, 1, 1, 1, 1, 1]), Err(TlvError::LengthTooLong { bytes: 5 }));
        assert_eq!(parse_header(&[0x61, 0x84, 0x7F, 0, 0, 0]), Err(TlvError::LengthTooLarge { length: 0x7F00_0000 }));
        assert_eq!(parse_header(&[0x5F]), Err(TlvError::Truncated { needed: 2, available: 1 }));
        assert_eq!(parse_header(&[0x5F, 0x81, 0x81, 0x81, 0x01]), Err(TlvError::TagTooLong));
        assert_eq!(parse_header(&[]), Err(TlvError::Truncated { needed: 1, available: 0 }));
        assert_eq!(Tlv::parse_exact(&[0x61, 0x00, 0x00], Tag(0x61)), Err(TlvError::TrailingBytes { count: 1 }));
    }

    #[test]
    fn encodes_shortest_lengths_and_round_trips() {
        for len in [0usize, 1, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF, 0x10000] {
            let value = vec![0xAB; len];
            let enc = to_vec(Tag(0x5F2E), &value);
            let (tlv, rest) = Tlv::parse(&enc).unwrap();
            assert!(rest.is_empty());
            assert_eq!(tlv.tag, Tag(0x5F2E));
            assert_eq!(tlv.value.len(), len);
        }
        assert_eq!(to_vec(Tag(0x87), &[0; 0x80])[..3], [0x87, 0x81, 0x80]);
        assert_eq!(Tag(0x7F61).to_bytes(), vec![0x7F, 0x61]);
        assert!(Tag(0x7F61).is_constructed());
        assert!(!Tag(0x5F2E).is_constructed());
    }
}
