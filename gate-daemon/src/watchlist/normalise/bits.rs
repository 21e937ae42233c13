//! What agreeing on a name is worth, in bits: from the fixed bits of its tokens, a list's count of each token
//! ([`frequency_bits`]), and a list's count of each whole name ([`whole_bits`]).

use super::{NormalName, TokenKind};

/// The fewest bits a name token carries.
pub const MIN_BITS: f32 = 0.5;
/// The most bits a name token carries.
pub const MAX_BITS: f32 = 30.0;
/// How many records of prior knowledge [`frequency_bits`] mixes with a list's counts.
pub const PRIOR_RECORDS: f64 = 20_000.0;

/// The bits of a name token from its count in a list: `records_with_token` of the list's `records` have a name
/// holding the token (canonical form), and `prior_bits` is what the token carries without a list.
///
/// The share of people bearing the token is estimated as `(held + P × 2^−prior) / (records + P)`, the list's count
/// smoothed with [`PRIOR_RECORDS`] records of prior knowledge, and the bits are `−log2` of it. So a small list
/// leaves the fixed bits nearly as they are, and a large one speaks for itself: in a list of a million, a token
/// held by one record carries about 18 bits, by 1,000 records about 10, and by 100,000 (MUHAMMAD) about 3.3.
#[must_use]
pub fn frequency_bits(records_with_token: u32, records: u32, prior_bits: f32) -> f32 {
    let prior = (-f64::from(prior_bits)).exp2();
    let held = f64::from(records_with_token.min(records));
    let share = (held + PRIOR_RECORDS * prior) / (f64::from(records) + PRIOR_RECORDS);
    (-share.log2()).clamp(f64::from(MIN_BITS), f64::from(MAX_BITS)) as f32
}

/// The key of a name's name tokens (canonical forms, sorted, each once, behind `=`), under which a list counts the
/// entries that bear exactly those tokens; `None` for a name without name tokens.
#[must_use]
pub fn whole_key(name: &NormalName) -> Option<String> {
    let tokens: Vec<&str> = name.tokens.iter().filter(|t| t.kind == TokenKind::Name).map(|t| &*t.canonical).collect();
    key_of(tokens)
}

/// The tokens' key: sorted, each once, behind `=`.
fn key_of(mut tokens: Vec<&str>) -> Option<String> {
    if tokens.is_empty() {
        return None;
    }
    tokens.sort_unstable();
    tokens.dedup();
    Some(format!("={}", tokens.join(" ")))
}

/// Name tokens of a name whose every part [`whole_keys`] gives; a longer name gives only its whole.
pub const MAX_WHOLE_PARTS: usize = 5;

/// The keys ([`whole_key`]) of a traveller's name and of each part of its name tokens, each with the positions of
/// its tokens among the [`matched`](NormalName::matched) ones as bits: every part up to [`MAX_WHOLE_PARTS`] name
/// tokens, the whole name alone beyond.
#[must_use]
pub fn whole_keys(name: &NormalName) -> Vec<(u16, String)> {
    let names: Vec<(usize, &str)> = name
        .matched()
        .enumerate()
        .take(16)
        .filter(|(_, t)| t.kind == TokenKind::Name)
        .map(|(i, t)| (i, &*t.canonical))
        .collect();
    let full = (1u32 << names.len().min(16)) - 1;
    let parts: Vec<u32> = if names.len() <= MAX_WHOLE_PARTS { (1..=full).collect() } else { vec![full] };
    parts
        .into_iter()
        .filter_map(|part| {
            let chosen: Vec<&(usize, &str)> =
                names.iter().enumerate().filter(|(k, _)| part & (1 << k) != 0).map(|(_, n)| n).collect();
            let mask = chosen.iter().fold(0u16, |m, (i, _)| m | (1 << i));
            key_of(chosen.iter().map(|(_, t)| *t).collect()).map(|key| (mask, key))
        })
        .collect()
}

/// The bits of a whole name (see [`whole_key`]) that `held` of a list's `records` entries bear, when its tokens
/// together carry `token_bits`.
///
/// One of the entries counted may be the traveller's own, so the others are `held − 1`. The tokens' bits predict
/// `λ = records × 2^−token_bits` entries bearing the name; the estimate of the share is `(others + λ / (1 + λ)) /
/// records`: when the tokens predict less than one such entry and none is found, the tokens' bits stand; when
/// they predict many, the count takes over, whether it finds more (tokens that go together, as MUHAMMAD with an
/// Arabic name) or fewer (a name that is rarely the whole of anyone's, as HIDAYATULLAH).
#[must_use]
pub fn whole_bits(held: u32, records: u32, token_bits: f32) -> f32 {
    let records = f64::from(records.max(1));
    let others = f64::from(held.saturating_sub(1)).min(records);
    let expected = records * (-f64::from(token_bits)).exp2();
    let share = (others + expected / (1.0 + expected)) / records;
    (-share.log2()).max(f64::from(MIN_BITS)) as f32
}
