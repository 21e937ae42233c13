//! Distinguished names compared by meaning, not by bytes (RFC 5280 §7.1, RFC 4518 §2).
//!
//! The Malaysian SOD names its signer's issuer with the same attributes as the DSC's issuer, in another order and
//! another string type; other issuers mix PrintableString and UTF8String or change case between a CSCA's subject
//! and the issuer field of the DSCs it signs. Two names match here when they have the same RDNs in the same order,
//! each RDN holding the same attribute types with values equal after decoding the string type, folding case and
//! collapsing insignificant space.

use der::oid::ObjectIdentifier;
use x509_cert::name::Name;

use super::ber::{Class, Node};

/// A name reduced to what RFC 5280 §7.1 compares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct NameKey(Vec<Vec<(ObjectIdentifier, Value)>>);

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Value {
    /// A directory string, decoded and prepared.
    Text(String),
    /// Anything else, compared by its DER encoding.
    Other(Vec<u8>),
}

impl NameKey {
    /// The comparison form of `name`.
    pub(crate) fn new(name: &Name) -> NameKey {
        let rdns = name
            .iter_rdn()
            .map(|rdn| {
                let mut avas: Vec<(ObjectIdentifier, Value)> =
                    rdn.iter().map(|ava| (ava.oid, value(&ava.value))).collect();
                // A multi-valued RDN is a set: its order carries no meaning.
                avas.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()).then_with(|| a.1.cmp(&b.1)));
                avas
            })
            .collect();
        NameKey(rdns)
    }
}

fn value(any: &der::Any) -> Value {
    let Ok(encoded) = der::Encode::to_der(any) else {
        return Value::Other(any.value().to_vec());
    };
    let Ok(node) = Node::parse(&encoded) else {
        return Value::Other(encoded);
    };
    match (node.tag.class, node.tag.number, node.content()) {
        (Class::Universal, number, Some(bytes)) => match decode(number, bytes) {
            Some(text) => Value::Text(prepare(&text)),
            None => Value::Other(encoded),
        },
        _ => Value::Other(encoded),
    }
}

/// The characters of a directory string (X.520 DirectoryString and the IA5String of emailAddress and
/// domainComponent).
fn decode(number: u32, bytes: &[u8]) -> Option<String> {
    match number {
        // UTF8String; PrintableString, NumericString, IA5String and VisibleString are ASCII subsets of it.
        12 | 18 | 19 | 22 | 26 => String::from_utf8(bytes.to_vec()).ok(),
        // TeletexString: in practice Latin-1 (RFC 5280 §4.1.2.4 leaves it to local policy).
        20 => Some(bytes.iter().map(|&b| char::from(b)).collect()),
        // BMPString: UCS-2, big-endian.
        30 => {
            let units: Vec<u16> =
                bytes.chunks(2).map(|c| Some(u16::from_be_bytes([*c.first()?, *c.get(1)?]))).collect::<Option<_>>()?;
            String::from_utf16(&units).ok()
        }
        // UniversalString: UCS-4, big-endian.
        28 => bytes
            .chunks(4)
            .map(|c| {
                let b: [u8; 4] = c.try_into().ok()?;
                char::from_u32(u32::from_be_bytes(b))
            })
            .collect(),
        _ => None,
    }
}

/// RFC 4518 §2.4-2.6 in the small: case folded, leading and trailing space removed, runs of inner space made one.
fn prepare(text: &str) -> String {
    text.split_whitespace().map(str::to_lowercase).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use std::str::FromStr as _;

    use super::*;

    #[test]
    fn case_space_and_string_type_do_not_matter() {
        let a = Name::from_str("CN=Country  Signer,O=Immigration,C=MY").unwrap();
        let b = Name::from_str("CN= country signer ,O=IMMIGRATION,C=MY").unwrap();
        assert_eq!(NameKey::new(&a), NameKey::new(&b));
        let c = Name::from_str("CN=Country Signer,O=Other,C=MY").unwrap();
        assert_ne!(NameKey::new(&a), NameKey::new(&c));
    }

    #[test]
    fn rdn_order_matters() {
        let a = Name::from_str("CN=Signer,O=Immigration,C=MY").unwrap();
        let b = Name::from_str("O=Immigration,CN=Signer,C=MY").unwrap();
        assert_ne!(NameKey::new(&a), NameKey::new(&b));
    }

    #[test]
    fn bmp_and_teletex_strings_decode() {
        assert_eq!(decode(30, &[0, b'A', 0, b'b']).as_deref(), Some("Ab"));
        assert_eq!(decode(20, &[0xE9]).as_deref(), Some("é"));
        assert_eq!(decode(30, &[0, b'A', 0]), None);
    }
}
