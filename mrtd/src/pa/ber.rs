//! A bounded BER reader (ITU-T X.690 §8) that keeps every element's original bytes and re-encodes any element in DER
//! (X.690 §10, §11).
//!
//! EF.SOD is specified as DER (ICAO 9303-10 §4.6.2), yet some issuers write BER: the New Zealand SOD uses indefinite
//! lengths throughout, others split OCTET STRINGs into constructed segments. `der`, `x509-cert` and `cms` read DER
//! only, and they refuse a `SET OF` whose elements are out of order, which real master lists and names contain. So the
//! CMS structure is walked here, on a tree that any BER the chip sends can be read into, and each leaf the RustCrypto
//! types decode (a certificate, a name, an algorithm identifier) is handed to them re-encoded as DER.
//!
//! Signatures are computed over the bytes as the signer encoded them, so every node keeps its original encoding
//! ([`Node::raw`]); DER is produced only for decoding.
//!
//! Every input is bounded: its size ([`MAX_INPUT`]), the nesting depth ([`MAX_DEPTH`]) and the number of elements
//! ([`MAX_NODES`]). Nothing here panics on any input.

use std::borrow::Cow;
use std::cmp::Ordering;

use crate::error::{BerError, Error, PaError};

/// The largest input read: a CSCA master list of some 600 certificates takes about 1 MB.
pub const MAX_INPUT: usize = 16 * 1024 * 1024;
/// The deepest nesting accepted. A certificate inside SignedData inside EF.SOD reaches about 14 levels; the bound
/// keeps recursion shallow whatever the input.
pub const MAX_DEPTH: usize = 48;
/// The most elements accepted in one input (about 64 bytes of memory each).
pub const MAX_NODES: usize = 400_000;

/// The class of a tag (X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    /// UNIVERSAL.
    Universal = 0,
    /// APPLICATION.
    Application = 1,
    /// Context-specific.
    Context = 2,
    /// PRIVATE.
    Private = 3,
}

/// A tag: class, form and number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Tag {
    /// The class.
    pub class: Class,
    /// True for the constructed form.
    pub constructed: bool,
    /// The tag number.
    pub number: u32,
}

impl Tag {
    /// `BOOLEAN`.
    pub const BOOLEAN: Tag = Tag::universal(1, false);
    /// `INTEGER`.
    pub const INTEGER: Tag = Tag::universal(2, false);
    /// `BIT STRING`.
    pub const BIT_STRING: Tag = Tag::universal(3, false);
    /// `OCTET STRING`.
    pub const OCTET_STRING: Tag = Tag::universal(4, false);
    /// `NULL`.
    pub const NULL: Tag = Tag::universal(5, false);
    /// `OBJECT IDENTIFIER`.
    pub const OID: Tag = Tag::universal(6, false);
    /// `SEQUENCE` and `SEQUENCE OF`.
    pub const SEQUENCE: Tag = Tag::universal(16, true);
    /// `SET` and `SET OF`.
    pub const SET: Tag = Tag::universal(17, true);

    const fn universal(number: u32, constructed: bool) -> Tag {
        Tag { class: Class::Universal, constructed, number }
    }

    /// `[number]` in the constructed form, as an EXPLICIT tag or an IMPLICIT SEQUENCE or SET has.
    pub const fn context(number: u32) -> Tag {
        Tag { class: Class::Context, constructed: true, number }
    }

    /// `[number]` in the primitive form, as an IMPLICIT tag on a primitive type has.
    pub const fn context_primitive(number: u32) -> Tag {
        Tag { class: Class::Context, constructed: false, number }
    }

    /// `[APPLICATION number]`, constructed.
    pub const fn application(number: u32) -> Tag {
        Tag { class: Class::Application, constructed: true, number }
    }

    /// True for the universal string and time types, which BER may split into constructed segments
    /// (X.690 §8.7.3, §8.21.5).
    fn is_string_type(self) -> bool {
        self.class == Class::Universal && matches!(self.number, 3 | 4 | 12 | 18..=30)
    }

    /// Appends the identifier octets (X.690 §8.1.2), in the shortest form.
    pub fn encode(self, out: &mut Vec<u8>) {
        let first = ((self.class as u8) << 6) | if self.constructed { 0x20 } else { 0 };
        if self.number < 31 {
            out.push(first | self.number as u8);
            return;
        }
        out.push(first | 0x1F);
        // Base 128, most significant group first, every byte but the last with bit 8 set (X.690 §8.1.2.4.2).
        let groups = (32 - self.number.leading_zeros()).div_ceil(7);
        for i in (0..groups).rev() {
            let bits = ((self.number >> (7 * i)) & 0x7F) as u8;
            out.push(if i == 0 { bits } else { bits | 0x80 });
        }
    }
}

/// One element read from BER: its tag, its original bytes and its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<'a> {
    /// The tag. The constructed form of a string type is read into a primitive node, as DER has it.
    pub tag: Tag,
    /// The element exactly as encoded: identifier, length, contents, and the end-of-contents octets of an
    /// indefinite length.
    pub raw: &'a [u8],
    /// Where `raw` starts in the input.
    pub offset: usize,
    body: Body<'a>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Body<'a> {
    Primitive(Cow<'a, [u8]>),
    Constructed(Vec<Node<'a>>),
}

impl<'a> Node<'a> {
    /// Reads the one element that makes up `input`.
    ///
    /// # Errors
    /// [`PaError::Ber`] when the input is not one well-formed BER element, has bytes after it, or exceeds a bound.
    pub fn parse(input: &'a [u8]) -> Result<Node<'a>, Error> {
        let (node, used) = Node::parse_prefix(input)?;
        if used != input.len() {
            return Err(ber(BerError::TrailingBytes { offset: used }));
        }
        Ok(node)
    }

    /// Reads the element at the start of `input`; returns it and the number of bytes it takes.
    ///
    /// # Errors
    /// As [`Node::parse`], except that bytes after the element are left alone.
    pub fn parse_prefix(input: &'a [u8]) -> Result<(Node<'a>, usize), Error> {
        if input.len() > MAX_INPUT {
            return Err(ber(BerError::TooLarge { limit: MAX_INPUT }));
        }
        let mut parser = Parser { input, nodes: 0 };
        let (node, end) = parser.element(0, 0)?.ok_or(ber(BerError::UnexpectedEnd { offset: 0 }))?;
        Ok((node, end))
    }

    /// The content of a primitive element (after joining the segments of a constructed string), or `None` for a
    /// constructed one.
    pub fn content(&self) -> Option<&[u8]> {
        match &self.body {
            Body::Primitive(bytes) => Some(bytes),
            Body::Constructed(_) => None,
        }
    }

    /// The elements inside a constructed element; empty for a primitive one.
    pub fn children(&self) -> &[Node<'a>] {
        match &self.body {
            Body::Primitive(_) => &[],
            Body::Constructed(children) => children,
        }
    }

    /// The `index`-th element inside this one.
    ///
    /// # Errors
    /// [`PaError::Structure`] naming `what` when there is no such element.
    pub fn child(&self, index: usize, what: &'static str) -> Result<&Node<'a>, Error> {
        self.children().get(index).ok_or(PaError::Structure { what }.into())
    }

    /// This node when its tag is `tag`.
    ///
    /// # Errors
    /// [`PaError::Structure`] naming `what` for another tag.
    pub fn expect(&self, tag: Tag, what: &'static str) -> Result<&Node<'a>, Error> {
        if self.tag == tag { Ok(self) } else { Err(PaError::Structure { what }.into()) }
    }

    /// The content of this node when it is a primitive element with tag `tag`.
    ///
    /// # Errors
    /// [`PaError::Structure`] naming `what` for another tag or a constructed element.
    pub fn primitive(&self, tag: Tag, what: &'static str) -> Result<&[u8], Error> {
        match (&self.body, self.tag == tag) {
            (Body::Primitive(bytes), true) => Ok(bytes),
            _ => Err(PaError::Structure { what }.into()),
        }
    }

    /// The DER encoding of this element (X.690 §10): definite minimal lengths, strings in one primitive piece,
    /// `BOOLEAN` true as `FF`, `INTEGER` without redundant leading bytes, and the elements of every universal `SET`
    /// in ascending order of their encodings (§11.6).
    pub fn to_der(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.raw.len());
        self.write_der(self.tag, &mut out);
        out
    }

    /// The DER encoding of this element under another tag: an IMPLICIT `[0] SET OF` re-tagged as the universal
    /// `SET OF` it stands for (RFC 5652 §5.4), its elements sorted.
    pub fn to_der_as(&self, tag: Tag) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.raw.len());
        self.write_der(tag, &mut out);
        out
    }

    /// The original encoding under another tag: the identifier octets replaced, length and contents kept as they
    /// were (RFC 5652 §5.4 hashes signed attributes that way: "the IMPLICIT [0] tag ... is not used for the DER
    /// encoding, rather an EXPLICIT SET OF tag is used").
    pub fn raw_as(&self, tag: Tag) -> Vec<u8> {
        let header = identifier_len(self.raw);
        let mut out = Vec::with_capacity(self.raw.len().saturating_add(4));
        tag.encode(&mut out);
        out.extend_from_slice(self.raw.get(header..).unwrap_or_default());
        out
    }

    fn write_der(&self, tag: Tag, out: &mut Vec<u8>) {
        match &self.body {
            Body::Primitive(bytes) => {
                let content: &[u8] = if tag == Tag::BOOLEAN && bytes.len() == 1 {
                    if bytes.first() == Some(&0) { &[0] } else { &[0xFF] }
                } else if tag == Tag::INTEGER {
                    minimal_integer(bytes)
                } else {
                    bytes
                };
                Tag { constructed: false, ..tag }.encode(out);
                write_length(content.len(), out);
                out.extend_from_slice(content);
            }
            Body::Constructed(children) => {
                let mut encoded: Vec<Vec<u8>> = children.iter().map(Node::to_der).collect();
                if tag == Tag::SET {
                    encoded.sort_by(|a, b| der_set_order(a, b));
                }
                let length = encoded.iter().map(Vec::len).sum();
                Tag { constructed: true, ..tag }.encode(out);
                write_length(length, out);
                for e in &encoded {
                    out.extend_from_slice(e);
                }
            }
        }
    }
}

/// Normalises one BER element to DER.
///
/// # Errors
/// As [`Node::parse`].
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, Error> {
    Ok(Node::parse(input)?.to_der())
}

fn ber(e: BerError) -> Error {
    PaError::Ber(e).into()
}

/// X.690 §11.6: the encodings compared as octet strings, the shorter one padded with zero octets at its end.
fn der_set_order(a: &[u8], b: &[u8]) -> Ordering {
    let n = a.len().max(b.len());
    let pad = |s: &[u8], i: usize| s.get(i).copied().unwrap_or(0);
    (0..n).map(|i| pad(a, i).cmp(&pad(b, i))).find(|o| o.is_ne()).unwrap_or(Ordering::Equal)
}

/// X.690 §8.3.2: no leading `00` before a byte below `80`, no leading `FF` before a byte from `80` up.
fn minimal_integer(mut bytes: &[u8]) -> &[u8] {
    while let [first, second, ..] = bytes {
        let redundant = (*first == 0 && *second < 0x80) || (*first == 0xFF && *second >= 0x80);
        if !redundant {
            break;
        }
        bytes = bytes.get(1..).unwrap_or_default();
    }
    bytes
}

fn write_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
        return;
    }
    let bytes = len.to_be_bytes();
    let skip = bytes.iter().take_while(|&&b| b == 0).count();
    let significant = bytes.get(skip..).unwrap_or_default();
    out.push(0x80 | significant.len() as u8);
    out.extend_from_slice(significant);
}

/// Length of the identifier octets at the start of an element already parsed.
fn identifier_len(raw: &[u8]) -> usize {
    match raw.first() {
        Some(b) if b & 0x1F == 0x1F => 1 + raw.iter().skip(1).take_while(|&&b| b & 0x80 != 0).count() + 1,
        _ => 1,
    }
}

struct Parser<'a> {
    input: &'a [u8],
    nodes: usize,
}

/// Where an element's contents end.
enum Extent {
    Definite(usize),
    Indefinite,
}

impl<'a> Parser<'a> {
    /// Reads the element at `at`; `None` at the end-of-contents octets `00 00`.
    fn element(&mut self, at: usize, depth: usize) -> Result<Option<(Node<'a>, usize)>, Error> {
        if depth > MAX_DEPTH {
            return Err(ber(BerError::TooDeep { limit: MAX_DEPTH }));
        }
        self.nodes += 1;
        if self.nodes > MAX_NODES {
            return Err(ber(BerError::TooManyElements { limit: MAX_NODES }));
        }
        let (tag, after_tag) = self.tag(at)?;
        let (extent, content_start) = self.length(after_tag)?;
        if tag.class == Class::Universal && tag.number == 0 && !tag.constructed {
            // End-of-contents (X.690 §8.1.5): its caller decides whether one was allowed here.
            return match extent {
                Extent::Definite(0) => Ok(None),
                _ => Err(ber(BerError::Malformed { offset: at, what: "end-of-contents with a length" })),
            };
        }
        let (body, end) = match extent {
            Extent::Definite(len) => {
                let end = content_start
                    .checked_add(len)
                    .filter(|&e| e <= self.input.len())
                    .ok_or(ber(BerError::UnexpectedEnd { offset: at }))?;
                let body = if tag.constructed {
                    let mut children = Vec::new();
                    let mut pos = content_start;
                    while pos < end {
                        let (child, next) =
                            self.element_within(pos, end, depth + 1)?.ok_or(ber(BerError::Malformed {
                                offset: pos,
                                what: "end-of-contents in a definite length",
                            }))?;
                        children.push(child);
                        pos = next;
                    }
                    Body::Constructed(children)
                } else {
                    Body::Primitive(Cow::Borrowed(self.input.get(content_start..end).unwrap_or_default()))
                };
                (body, end)
            }
            Extent::Indefinite => {
                if !tag.constructed {
                    return Err(ber(BerError::Malformed {
                        offset: at,
                        what: "indefinite length on a primitive element",
                    }));
                }
                let mut children = Vec::new();
                let mut pos = content_start;
                loop {
                    match self.element(pos, depth + 1)? {
                        Some((child, next)) => {
                            children.push(child);
                            pos = next;
                        }
                        // The two end-of-contents octets close the element.
                        None => break (Body::Constructed(children), pos + 2),
                    }
                }
            }
        };
        let body = if tag.constructed && tag.is_string_type() {
            Body::Primitive(Cow::Owned(join_segments(tag, body, at)?))
        } else {
            body
        };
        let tag = if matches!(body, Body::Primitive(_)) { Tag { constructed: false, ..tag } } else { tag };
        let raw = self.input.get(at..end).ok_or(ber(BerError::UnexpectedEnd { offset: at }))?;
        Ok(Some((Node { tag, raw, offset: at, body }, end)))
    }

    /// An element that must end by `limit`, the end of its definite-length parent.
    fn element_within(&mut self, at: usize, limit: usize, depth: usize) -> Result<Option<(Node<'a>, usize)>, Error> {
        // The same input cut at the parent's end: a child's length can then never reach past it.
        let mut sub = Parser { input: self.input.get(..limit).unwrap_or_default(), nodes: self.nodes };
        let result = sub.element(at, depth);
        self.nodes = sub.nodes;
        result
    }

    fn byte(&self, at: usize) -> Result<u8, Error> {
        self.input.get(at).copied().ok_or(ber(BerError::UnexpectedEnd { offset: at }))
    }

    fn tag(&self, at: usize) -> Result<(Tag, usize), Error> {
        let first = self.byte(at)?;
        let class = match first >> 6 {
            0 => Class::Universal,
            1 => Class::Application,
            2 => Class::Context,
            _ => Class::Private,
        };
        let constructed = first & 0x20 != 0;
        if first & 0x1F != 0x1F {
            return Ok((Tag { class, constructed, number: u32::from(first & 0x1F) }, at + 1));
        }
        // High tag number form (X.690 §8.1.2.4): at most four bytes of seven bits, no leading zero group.
        let mut number: u32 = 0;
        for i in 1..=4 {
            let b = self.byte(at + i)?;
            if i == 1 && b == 0x80 {
                return Err(ber(BerError::Malformed { offset: at, what: "tag number with a leading zero group" }));
            }
            number = (number << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok((Tag { class, constructed, number }, at + i + 1));
            }
        }
        Err(ber(BerError::Malformed { offset: at, what: "tag number longer than four bytes" }))
    }

    fn length(&self, at: usize) -> Result<(Extent, usize), Error> {
        let first = self.byte(at)?;
        match first {
            0..=0x7F => Ok((Extent::Definite(usize::from(first)), at + 1)),
            0x80 => Ok((Extent::Indefinite, at + 1)),
            0x81..=0x84 => {
                let count = usize::from(first & 0x7F);
                let mut len: usize = 0;
                for i in 1..=count {
                    len = (len << 8) | usize::from(self.byte(at + i)?);
                }
                if len > MAX_INPUT {
                    return Err(ber(BerError::TooLarge { limit: MAX_INPUT }));
                }
                Ok((Extent::Definite(len), at + 1 + count))
            }
            _ => Err(ber(BerError::Malformed { offset: at, what: "length field longer than four bytes" })),
        }
    }
}

/// The content of a constructed string (X.690 §8.7.3, §8.6.4): its segments, themselves primitive or constructed
/// strings of the same type, joined. A BIT STRING's segments each start with their count of unused bits, which only
/// the last may have.
fn join_segments<'a>(tag: Tag, body: Body<'a>, at: usize) -> Result<Vec<u8>, Error> {
    let Body::Constructed(children) = body else {
        return Ok(Vec::new());
    };
    let bad = || ber(BerError::Malformed { offset: at, what: "segment of a constructed string of another type" });
    let mut out = Vec::new();
    if tag.number == 3 {
        let mut unused = 0u8;
        let count = children.len();
        out.push(0);
        for (i, child) in children.iter().enumerate() {
            if child.tag.number != tag.number || child.tag.class != Class::Universal {
                return Err(bad());
            }
            let content = child.content().ok_or_else(bad)?;
            let (&bits, data) = content.split_first().ok_or_else(bad)?;
            if bits > 7 || (bits != 0 && i + 1 != count) {
                return Err(bad());
            }
            unused = bits;
            out.extend_from_slice(data);
        }
        if let Some(first) = out.first_mut() {
            *first = unused;
        }
    } else {
        for child in &children {
            if child.tag.number != tag.number || child.tag.class != Class::Universal {
                return Err(bad());
            }
            out.extend_from_slice(child.content().ok_or_else(bad)?);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indefinite_lengths_and_segments_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING constructed (indefinite) { 04 01 AA, 04 02 BB CC }, INTEGER 00 05 }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x01, 0xAA, 0x04, 0x02, 0xBB, 0xCC, 0x00, 0x00, 0x02, 0x02, 0x00, 0x05, 0x00,
            0x00,
        ];
        let node = Node::parse(&ber).unwrap();
        assert_eq!(node.raw, &ber);
        assert_eq!(node.to_der(), [0x30, 0x08, 0x04, 0x03, 0xAA, 0xBB, 0xCC, 0x02, 0x01, 0x05]);
    }

    #[test]
    fn sets_are_sorted_and_booleans_canonical() {
        let ber = [0x31, 0x06, 0x02, 0x01, 0x07, 0x02, 0x01, 0x03, 0x01, 0x01, 0x01];
        assert!(Node::parse(&ber).is_err(), "trailing bytes");
        let ber = [0x31, 0x09, 0x02, 0x01, 0x07, 0x02, 0x01, 0x03, 0x01, 0x01, 0x01];
        let node = Node::parse(&ber).unwrap();
        assert_eq!(node.to_der(), [0x31, 0x09, 0x01, 0x01, 0xFF, 0x02, 0x01, 0x03, 0x02, 0x01, 0x07]);
    }

    #[test]
    fn retagging_keeps_the_original_bytes() {
        let ber = [0xA0, 0x03, 0x02, 0x01, 0x05];
        let node = Node::parse(&ber).unwrap();
        assert_eq!(node.raw_as(Tag::SET), [0x31, 0x03, 0x02, 0x01, 0x05]);
        assert_eq!(node.to_der_as(Tag::SET), [0x31, 0x03, 0x02, 0x01, 0x05]);
    }

    #[test]
    fn bounds_hold() {
        let deep: Vec<u8> = std::iter::repeat_n([0x30u8, 0x80], MAX_DEPTH + 2).flatten().collect();
        assert!(Node::parse(&deep).is_err());
        assert!(Node::parse(&[0x30, 0x85, 0, 0, 0, 0, 1]).is_err());
        assert!(Node::parse(&[0x04, 0x80, 0x00, 0x00]).is_err());
        assert!(Node::parse(&[0x30, 0x80, 0x02, 0x01, 0x01]).is_err());
        assert!(Node::parse(&[0x30, 0x03, 0x00, 0x00, 0x00]).is_err());
        assert!(Node::parse(&[]).is_err());
        assert!(Node::parse(&[0x1F, 0x80, 0x01, 0x00]).is_err());
    }

    #[test]
    fn high_tag_numbers_round_trip() {
        // DG2's biometric information template tag 7F61 around an INTEGER.
        let ber = [0x7F, 0x61, 0x03, 0x02, 0x01, 0x05];
        let node = Node::parse(&ber).unwrap();
        assert_eq!(node.tag, Tag { class: Class::Application, constructed: true, number: 0x61 });
        assert_eq!(node.to_der(), ber);
        let long = [0x9F, 0x81, 0x00, 0x00];
        assert_eq!(Node::parse(&long).unwrap().tag.number, 0x80);
        assert_eq!(Node::parse(&long).unwrap().to_der(), long);
    }
}
