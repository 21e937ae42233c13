//! The phonetic key of a name token and the blocking keys of a name (see the module documentation of
//! [`normalise`](super)).

use super::{BlockingKey, MAX_TOKEN_LEN, NormalName, PhoneticKey, Token, TokenKind};

// Letter classes of the phonetic key; 0 is no class.
const K_VOWEL: u8 = 1;
const K_B: u8 = 2;
const K_C: u8 = 3;
const K_K: u8 = 4;
const K_L: u8 = 5;
const K_M: u8 = 6;
const K_N: u8 = 7;
const K_P: u8 = 8;
const K_R: u8 = 9;
const K_S: u8 = 10;
const K_T: u8 = 11;
const K_W: u8 = 12;
const K_Y: u8 = 13;
const SILENT: u8 = 0xff;
const VOWEL: u8 = 0xfe;
const MAX_KEY_CLASSES: usize = 15;

fn is_vowel(c: Option<u8>) -> bool {
    matches!(c, Some(b'A' | b'E' | b'I' | b'O' | b'U'))
}

/// The phonetic key of a canonical form (A–Z; other bytes are ignored). See the module documentation for the rules.
#[must_use]
pub fn phonetic_key(canonical: &str) -> PhoneticKey {
    let b = canonical.as_bytes();
    let mut key: u64 = 0;
    let mut classes = 0usize;
    let mut last = 0u8;
    let mut first = true;
    let mut i = 0;
    let mut push = |class: u8, key: &mut u64, last: &mut u8| {
        if class != *last && classes < MAX_KEY_CLASSES {
            *key = (*key << 4) | u64::from(class);
            classes += 1;
        }
        *last = class;
    };
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        let (class, step) = match (c, next) {
            (b'K', Some(b'H')) => (SILENT, 2),
            (b'S', Some(b'Y' | b'H')) | (b'D', Some(b'Z')) => (K_S, 2),
            (b'T' | b'D', Some(b'H')) => (K_T, 2),
            (b'P', Some(b'H')) => (K_P, 2),
            (b'G', Some(b'H')) | (b'C', Some(b'K')) => (K_K, 2),
            (b'N', Some(b'Y')) => (K_N, 2),
            (b'X', _) => {
                first = false;
                push(K_K, &mut key, &mut last);
                (K_S, 1)
            }
            (b'A' | b'E' | b'I' | b'O' | b'U', _) => (VOWEL, 1),
            (b'J' | b'Y', n) => (if is_vowel(n) { K_Y } else { VOWEL }, 1),
            (b'W', n) => (if is_vowel(n) { K_W } else { VOWEL }, 1),
            (b'H', _) => (SILENT, 1),
            (b'B', _) => (K_B, 1),
            (b'P' | b'F' | b'V', _) => (K_P, 1),
            (b'D' | b'T', _) => (K_T, 1),
            (b'G' | b'K' | b'Q', _) => (K_K, 1),
            (b'C', _) => (K_C, 1),
            (b'S' | b'Z', _) => (K_S, 1),
            (b'L', _) => (K_L, 1),
            (b'M', _) => (K_M, 1),
            (b'N', _) => (K_N, 1),
            (b'R', _) => (K_R, 1),
            _ => (SILENT, 1),
        };
        match class {
            SILENT => {}
            VOWEL => {
                if first {
                    push(K_VOWEL, &mut key, &mut last);
                    first = false;
                }
                last = 0;
            }
            _ => {
                push(class, &mut key, &mut last);
                first = false;
            }
        }
        i += step;
    }
    PhoneticKey(key)
}

/// The keys an index files `name` under, sorted and without repeats: each name token's phonetic key, and the key of
/// each two neighbouring tokens joined (names, or a name and a particle: AL AMIN), in both orders. See the module
/// documentation for what they guarantee.
#[must_use]
pub fn blocking_keys(name: &NormalName) -> Vec<BlockingKey> {
    let mut keys: Vec<BlockingKey> = name
        .tokens
        .iter()
        .filter(|t| t.kind == TokenKind::Name && !t.key.is_empty())
        .map(|t| BlockingKey::phonetic(t.key))
        .collect();
    let joinable: Vec<&Token> =
        name.tokens.iter().filter(|t| matches!(t.kind, TokenKind::Name | TokenKind::Particle)).collect();
    let mut joined = String::with_capacity(2 * MAX_TOKEN_LEN);
    for pair in joinable.windows(2) {
        if let [a, b] = pair
            && (a.kind == TokenKind::Name || b.kind == TokenKind::Name)
        {
            for (x, y) in [(a, b), (b, a)] {
                joined.clear();
                joined.push_str(&x.canonical);
                joined.push_str(&y.canonical);
                keys.push(BlockingKey::phonetic(phonetic_key(&joined)));
            }
        }
    }
    keys.sort_unstable();
    keys.dedup();
    keys
}
