//! BER-TLV: `Tlv::parse`, `parse_header`, `TlvIter` (recursing into constructed values), `find` and `parse_exact`.
//!
//! Round trips asserted:
//! - `parse_header` and `Tlv::parse` agree on the tag, the length and the bytes taken;
//! - `to_vec(tag, value)` re-encodes a parsed TLV to exactly its input bytes when the input's length field was the
//!   shortest form (the only encoding `to_vec` writes); otherwise the re-encoding differs only in the length field,
//!   is shorter, and parses to the same TLV. Tags always round trip: a parsed tag's bytes are the input's.
//! - iterating consumes the input exactly: the TLVs yielded, put back together, are the input up to the first error.

#![no_main]

use libfuzzer_sys::fuzz_target;
use mrtd::tlv::{self, Tag, Tlv, TlvIter};

/// Constructed values are followed this deep; deeper nesting is walked by the top-level iterator only.
const MAX_DEPTH: usize = 8;

fuzz_target!(|data: &[u8]| {
    one(data);
    walk(data, 0);
    if let Ok(header) = tlv::parse_header(data) {
        // The tag found first is found by `find`, and `parse_exact` takes the input only when it is one TLV.
        if let Ok(Some(value)) = tlv::find(data, header.tag) {
            let (first, _) = Tlv::parse(data).expect("find found a value, so the first TLV parses");
            assert_eq!(first.tag, header.tag);
            assert_eq!(value, first.value);
        }
        match Tlv::parse_exact(data, header.tag) {
            Ok(value) => assert_eq!(header.total_len(), data.len(), "parse_exact took {} bytes", value.len()),
            Err(_) => assert_ne!(Some(data.len()), Tlv::parse(data).ok().map(|_| header.total_len())),
        }
        let other = Tag(header.tag.0 ^ 1);
        assert!(Tlv::parse_exact(data, other).is_err());
    }
});

/// One TLV at the start of `input`: header agreement and the re-encoding.
fn one(input: &[u8]) {
    let parsed = Tlv::parse(input);
    let header = tlv::parse_header(input);
    let Ok((tlv, rest)) = parsed else {
        // A header that parses with its value present would have made the TLV parse.
        if let Ok(h) = header {
            assert!(h.total_len() > input.len(), "header {h:?} fits {} bytes but the TLV did not parse", input.len());
        }
        return;
    };
    let header = header.expect("a TLV that parses has a header that parses");
    let consumed = input.get(..input.len() - rest.len()).expect("rest is a suffix of the input");
    assert_eq!(header.tag, tlv.tag);
    assert_eq!(header.length, tlv.value.len());
    assert_eq!(header.total_len(), consumed.len());
    assert!(header.length <= tlv::MAX_LENGTH);

    let tag_bytes = tlv.tag.to_bytes();
    assert!(consumed.starts_with(&tag_bytes), "tag {} does not encode to its input bytes", tlv.tag);
    let encoded = tlv::to_vec(tlv.tag, tlv.value);
    if encoded != consumed {
        // Only a non-minimal length field may differ: 81 05 for 05, 82 00 80 for 81 80, ...
        let mut shortest = Vec::new();
        tlv::encode_length(tlv.value.len(), &mut shortest);
        let len_field = &consumed[tag_bytes.len()..header.header_len];
        assert_ne!(len_field, &shortest[..], "shortest-form input re-encoded differently");
        assert!(len_field.len() > shortest.len(), "to_vec wrote a longer length than the input's");
        assert_eq!(&encoded[..tag_bytes.len()], &tag_bytes[..]);
        assert_eq!(&encoded[tag_bytes.len() + shortest.len()..], tlv.value);
    }
    let (again, after) = Tlv::parse(&encoded).expect("to_vec output parses");
    assert_eq!(again, tlv);
    assert!(after.is_empty());
}

/// Iterates over the TLVs of `input`, and into constructed ones.
fn walk(input: &[u8], depth: usize) {
    let mut taken = 0usize;
    let mut iter = TlvIter::new(input);
    for item in iter.by_ref() {
        let Ok(item) = item else {
            // The error is the last item.
            break;
        };
        let rest = input.get(taken..).expect("within the input");
        let (same, after) = Tlv::parse(rest).expect("the iterator yielded what parse gives");
        assert_eq!(same, item);
        taken = input.len() - after.len();
        if depth < MAX_DEPTH && item.tag.is_constructed() {
            walk(item.value, depth + 1);
            let _ = item.children().count();
        }
    }
    assert!(iter.next().is_none(), "the iterator went on after its end or its error");
    assert!(taken <= input.len());
}
