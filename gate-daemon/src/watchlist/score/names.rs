//! Two names aligned token by token, and the bits their agreement is worth (see [`score`](super::score)).

use super::super::normalise::{self, MAX_TOKEN_LEN, NormalName, Token, TokenKind};

/// Tokens per side that take part in an alignment; the rest of a longer name is not aligned.
const MAX_SIDE: usize = 12;
/// Candidate pairs considered per alignment.
const MAX_EDGES: usize = 256;

/// What each way of agreeing costs, in bits taken from the agreeing tokens' own: the more spellings a way of
/// agreeing lets meet, the likelier it meets by chance.
const COST_DOUBLED: f32 = 0.3;
const COST_ABBREVIATION: f32 = 0.5;
const COST_VARIANT: f32 = 0.7;
const COST_JOINED: f32 = 1.0;
const COST_EDIT_1: f32 = 4.5;
const COST_EDIT_1_LONG: f32 = 4.0;
const COST_EDIT_2: f32 = 7.5;
const LONG: usize = 8;
const COST_VOWELS: f32 = 1.5;
const COST_SOUND: f32 = 6.0;
/// What a name agreeing in full on both sides, no name token left on either, gains: the record's name has no more
/// tokens than the traveller's, which a record merely holding the tokens need not (a single name more so).
const COMPLETE_BITS: f32 = 1.0;
const COMPLETE_SINGLE_BITS: f32 = 2.5;
const MIN_SOUND_LEN: usize = 4;
/// What a name token one side has and the other lacks costs, when only one side has such tokens.
pub(super) const MISSING_BITS: f32 = 1.5;
/// What a pair of name tokens that disagree costs: each side has a name the other lacks (AGUS SETIAWAN, BUDI
/// SETIAWAN).
pub(super) const CONFLICT_BITS: f32 = 8.0;

/// How two tokens (or one token and two joined) agree.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Agreement {
    Exact,
    OldSpelling,
    Abbreviation,
    Variant,
    Doubled,
    Edits(u8),
    Vowels,
    Sound,
    Initial,
}

#[derive(Clone, Copy, Debug)]
struct Edge {
    /// Positions on the traveller's side, as bits.
    q: u16,
    /// Positions on the record's side, as bits.
    r: u16,
    /// What the agreement is worth.
    bits: f32,
    /// What the way of agreeing cost.
    cost: f32,
    agreement: Agreement,
    joined: bool,
    /// Whether the pair agrees as a whole name would: two name tokens in one canonical form, or two initials or
    /// particles alike.
    whole: bool,
}

const NO_EDGE: Edge =
    Edge { q: 0, r: 0, bits: 0.0, cost: 0.0, agreement: Agreement::Exact, joined: false, whole: false };

/// The tokens of one name that take part, by position.
struct Side<'a> {
    tokens: [Option<&'a Token>; MAX_SIDE],
    len: usize,
}

impl<'a> Side<'a> {
    fn new(name: &'a NormalName) -> Self {
        let mut side = Side { tokens: [None; MAX_SIDE], len: 0 };
        for (slot, token) in side.tokens.iter_mut().zip(name.matched()) {
            *slot = Some(token);
            side.len += 1;
        }
        side
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &'a Token)> + '_ {
        self.tokens.iter().enumerate().filter_map(|(i, t)| t.map(|t| (i, t)))
    }

    /// The positions of the name tokens (not initials or particles), as bits.
    fn names(&self) -> u16 {
        self.iter().filter(|(_, t)| t.kind == TokenKind::Name).fold(0, |m, (i, _)| m | (1 << i))
    }

    /// The name tokens (not initials or particles) outside `used`.
    fn names_left(&self, used: u16) -> u32 {
        let left = self.iter().filter(|(i, t)| used & (1 << i) == 0 && t.kind == TokenKind::Name).count();
        u32::try_from(left).unwrap_or(u32::MAX)
    }
}

/// The best alignment of two names found.
pub(super) struct Alignment {
    /// What the agreement is worth, in bits, less the costs of the ways of agreeing and of the tokens left.
    pub(super) bits: f32,
    chosen: [Edge; MAX_SIDE],
    n_chosen: usize,
}

impl Alignment {
    /// Whether any pair of tokens agrees.
    pub(super) fn agrees(&self) -> bool {
        self.n_chosen > 0
    }
}

fn allowed_edits(len: usize) -> usize {
    match len {
        0..=4 => 0,
        5..=7 => 1,
        _ => 2,
    }
}

/// Whether two spellings are the male and female forms of one name: endings `A`/`O` against `I`/`Y` (PUTRA/PUTRI,
/// SUHARTO/SUHARTI; not when one is the other cut short, PRASETY/PRASETYO), a consonant ending against the same with
/// `I` or `Y` added (HIDAYAT/HIDAYATI), or an `I` ending against the same with `A` or `AH` added (FAUZI/FAUZIAH,
/// ZAKI/ZAKIA).
fn gendered(a: &[u8], b: &[u8]) -> bool {
    let male = |c: Option<&u8>| matches!(c, Some(b'A' | b'O'));
    let female = |c: Option<&u8>| matches!(c, Some(b'I' | b'Y'));
    let vowel = |c: Option<&u8>| matches!(c, Some(b'A' | b'E' | b'I' | b'O' | b'U' | b'Y'));
    let suffixed = |short: &[u8], long: &[u8]| match long.strip_prefix(short) {
        Some(b"I" | b"Y") => !vowel(short.last()),
        Some(b"A" | b"AH") => short.last() == Some(&b'I'),
        _ => false,
    };
    let cut = a.starts_with(b) || b.starts_with(a);
    let endings = (male(a.last()) && female(b.last())) || (female(a.last()) && male(b.last()));
    (endings && !cut) || suffixed(a, b) || suffixed(b, a)
}

/// The first vowel of a spelling, with `O` counted as `A` and `E` as `I` (the alternations of Javanese and of
/// transliteration: SANTOSA/SANTOSO, SALEH/SOLEH).
fn first_vowel(s: &[u8]) -> Option<u8> {
    s.iter().find_map(|&c| match c {
        b'A' | b'O' => Some(b'A'),
        b'E' | b'I' => Some(b'I'),
        b'U' => Some(b'U'),
        _ => None,
    })
}

/// Restricted Damerau–Levenshtein distance (optimal string alignment), or `None` when above `max`.
fn edit_distance(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    const W: usize = 2 * MAX_TOKEN_LEN + 1;
    if a.len().abs_diff(b.len()) > max || a.len() >= W || b.len() >= W {
        return None;
    }
    if max == 0 {
        return (a == b).then_some(0);
    }
    let mut prev2 = [0u8; W];
    let mut prev = [0u8; W];
    let mut cur = [0u8; W];
    for (j, p) in prev.iter_mut().enumerate() {
        *p = u8::try_from(j).unwrap_or(u8::MAX);
    }
    let max8 = u8::try_from(max).unwrap_or(u8::MAX);
    let mut a_prev = 0u8;
    for (i, &ca) in a.iter().enumerate() {
        let row = u8::try_from(i + 1).unwrap_or(u8::MAX);
        *cur.first_mut()? = row;
        let mut row_min = row;
        let mut b_prev = 0u8;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = prev.get(j)?.saturating_add(u8::from(ca != cb));
            let delete = prev.get(j + 1)?.saturating_add(1);
            let insert = cur.get(j)?.saturating_add(1);
            let mut v = substitute.min(delete).min(insert);
            if i > 0 && j > 0 && ca == b_prev && a_prev == cb {
                v = v.min(prev2.get(j - 1)?.saturating_add(1));
            }
            *cur.get_mut(j + 1)? = v;
            row_min = row_min.min(v);
            b_prev = cb;
        }
        if row_min > max8 {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
        a_prev = ca;
    }
    let d = usize::from(*prev.get(b.len())?);
    (d <= max).then_some(d)
}

/// How two tokens agree, if they do.
fn token_agreement(a: &Token, b: &Token) -> Option<(f32, Agreement)> {
    match (a.kind, b.kind) {
        (TokenKind::Name, TokenKind::Name) => name_agreement(a, b),
        (TokenKind::Particle, TokenKind::Particle) | (TokenKind::Initial, TokenKind::Initial) => {
            (a.folded == b.folded).then_some((0.0, Agreement::Exact))
        }
        (TokenKind::Initial, TokenKind::Name) => initial_agreement(a, b),
        (TokenKind::Name, TokenKind::Initial) => initial_agreement(b, a),
        _ => None,
    }
}

fn initial_agreement(initial: &Token, name: &Token) -> Option<(f32, Agreement)> {
    let letter = initial.folded.as_bytes().first()?;
    if *letter == b'M' && name.group == Some(normalise::Group::Muhammad) {
        return Some((COST_ABBREVIATION, Agreement::Abbreviation));
    }
    (name.folded.as_bytes().first() == Some(letter) || name.canonical.as_bytes().first() == Some(letter))
        .then_some((0.0, Agreement::Initial))
}

fn name_agreement(a: &Token, b: &Token) -> Option<(f32, Agreement)> {
    if a.folded == b.folded {
        return Some((0.0, Agreement::Exact));
    }
    if a.canonical == b.canonical {
        return Some(if a.abbreviated || b.abbreviated {
            (COST_ABBREVIATION, Agreement::Abbreviation)
        } else if a.old_spelling || b.old_spelling {
            (0.0, Agreement::OldSpelling)
        } else if a.transliterated || b.transliterated || a.group.is_some() {
            (COST_VARIANT, Agreement::Variant)
        } else {
            (COST_DOUBLED, Agreement::Doubled)
        });
    }
    let (ca, cb) = (a.canonical.as_bytes(), b.canonical.as_bytes());
    if gendered(ca, cb) {
        return None;
    }
    let shorter = ca.len().min(cb.len());
    if shorter >= 5 && same_skeleton(ca, cb) {
        return Some((COST_VOWELS, Agreement::Vowels));
    }
    if let Some(d) = edit_distance(ca, cb, allowed_edits(shorter)) {
        return Some(edit_agreement(d, shorter));
    }
    let sound = shorter >= MIN_SOUND_LEN && a.key.len() >= 2 && a.key == b.key && first_vowel(ca) == first_vowel(cb);
    sound.then_some((COST_SOUND, Agreement::Sound))
}

/// Whether two spellings differ only in the vowels that Indonesian spellings of one name alternate: `A` and `O`
/// (NUGRAHA, NUGROHO; SANTOSA, SANTOSO), `E` and `I` (SALEH, SALIH), and `Y`, `J` and `I` (PRASETYO, PRASETIO;
/// the old `J` for `Y`, HIDAJAT, HIDAYAT, JULIANTI, YULIANTI).
fn same_skeleton(a: &[u8], b: &[u8]) -> bool {
    let class = |c: u8| match c {
        b'O' => b'A',
        b'E' | b'Y' | b'J' => b'I',
        c => c,
    };
    a.len() == b.len() && a.iter().zip(b).all(|(&x, &y)| class(x) == class(y))
}

/// How one token agrees with two tokens joined (`first` then `second`).
fn joined_agreement(single: &Token, first: &Token, second: &Token) -> Option<(f32, Agreement)> {
    let s = single.canonical.as_bytes();
    let (x, y) = (first.canonical.as_bytes(), second.canonical.as_bytes());
    let total = x.len() + y.len();
    let allowed = allowed_edits(s.len().min(total));
    if s.len().abs_diff(total) > allowed || s.first() != x.first() || y.is_empty() {
        return None;
    }
    let mut buf = [0u8; 2 * MAX_TOKEN_LEN];
    let joined = buf.get_mut(..total)?;
    let (left, right) = joined.split_at_mut(x.len());
    left.copy_from_slice(x);
    right.copy_from_slice(y);
    if s == joined {
        return Some((COST_JOINED, Agreement::Exact));
    }
    let d = edit_distance(s, joined, allowed)?;
    let (cost, agreement) = edit_agreement(d, s.len().min(total));
    Some((cost + COST_JOINED, agreement))
}

fn edit_agreement(edits: usize, shorter: usize) -> (f32, Agreement) {
    let cost = match edits {
        0 | 1 if shorter < LONG => COST_EDIT_1,
        0 | 1 => COST_EDIT_1_LONG,
        _ => COST_EDIT_2,
    };
    (cost, Agreement::Edits(u8::try_from(edits).unwrap_or(u8::MAX)))
}

fn joinable(t: &Token) -> bool {
    matches!(t.kind, TokenKind::Name | TokenKind::Particle)
}

struct Edges {
    list: [Edge; MAX_EDGES],
    len: usize,
}

impl Edges {
    fn push(&mut self, edge: Edge) {
        if let Some(slot) = self.list.get_mut(self.len) {
            *slot = edge;
            self.len += 1;
        }
    }
}

/// Adds the edges of each single Name token on one side against two joined tokens on the other.
fn push_joins(singles: &Side<'_>, pairs: &Side<'_>, single_is_query: bool, edges: &mut Edges) {
    for (i, single) in singles.iter().filter(|(_, t)| t.kind == TokenKind::Name) {
        for (j, first) in pairs.iter().filter(|(_, t)| joinable(t)) {
            for (k, second) in pairs.iter().filter(|(k, t)| *k != j && joinable(t)) {
                if first.kind != TokenKind::Name && second.kind != TokenKind::Name {
                    continue;
                }
                if let Some((cost, agreement)) = joined_agreement(single, first, second) {
                    let one = 1u16 << i;
                    let two = (1u16 << j) | (1u16 << k);
                    let (q, r) = if single_is_query { (one, two) } else { (two, one) };
                    let bits = single.bits.min(first.bits + second.bits) - cost;
                    edges.push(Edge { q, r, bits, cost, agreement, joined: true, whole: false });
                }
            }
        }
    }
}

/// What a name agreeing in full on both sides, no name token left on either, gains for having `names` name tokens.
#[must_use]
pub fn complete_bits(names: usize) -> f32 {
    if names == 1 { COMPLETE_SINGLE_BITS } else { COMPLETE_BITS }
}

/// Aligns the traveller's name `query` with the record's name `record`: pairs of tokens are taken greedily, the
/// most bits first, each token in one pair at most. The alignment is worth the bits of its pairs, less
/// [`CONFLICT_BITS`] for each name token of one side facing one of the other that found no partner, and
/// [`MISSING_BITS`] for each name token left beyond those; a name agreeing in full on both sides gains
/// [`COMPLETE_BITS`] ([`COMPLETE_SINGLE_BITS`] for a single name).
pub(super) fn align(query: &NormalName, record: &NormalName) -> Alignment {
    let mut alignment = Alignment { bits: 0.0, chosen: [NO_EDGE; MAX_SIDE], n_chosen: 0 };
    let (q, r) = (Side::new(query), Side::new(record));
    if q.len == 0 || r.len == 0 {
        return alignment;
    }
    let mut edges = Edges { list: [NO_EDGE; MAX_EDGES], len: 0 };
    for (i, a) in q.iter() {
        for (j, b) in r.iter() {
            if let Some((cost, agreement)) = token_agreement(a, b) {
                let bits = a.bits.min(b.bits) - cost;
                let whole = match (a.kind, b.kind) {
                    (TokenKind::Name, TokenKind::Name) => a.canonical == b.canonical,
                    (TokenKind::Name, _) | (_, TokenKind::Name) => false,
                    _ => true,
                };
                edges.push(Edge { q: 1 << i, r: 1 << j, bits, cost, agreement, joined: false, whole });
            }
        }
    }
    push_joins(&q, &r, true, &mut edges);
    push_joins(&r, &q, false, &mut edges);
    let Some(found) = edges.list.get_mut(..edges.len) else {
        return alignment;
    };
    found.sort_unstable_by(|x, y| y.bits.total_cmp(&x.bits).then(x.cost.total_cmp(&y.cost)));

    let (mut q_used, mut r_used) = (0u16, 0u16);
    let mut bits = 0.0f32;
    for edge in found.iter() {
        if edge.q & q_used != 0 || edge.r & r_used != 0 {
            continue;
        }
        let Some(slot) = alignment.chosen.get_mut(alignment.n_chosen) else {
            break;
        };
        *slot = *edge;
        alignment.n_chosen += 1;
        q_used |= edge.q;
        r_used |= edge.r;
        // A pair whose way of agreeing costs all its bits still agrees: its tokens are not left over.
        bits += edge.bits.max(0.0);
    }
    if alignment.n_chosen == 0 {
        return alignment;
    }
    let (q_left, r_left) = (q.names_left(q_used), r.names_left(r_used));
    let conflicts = q_left.min(r_left);
    let missing = q_left.max(r_left) - conflicts;
    let complete = match (q_left + r_left, r.names_left(0)) {
        (0, n) => complete_bits(n as usize),
        _ => 0.0,
    };
    bits += complete;
    let chosen = alignment.chosen.get(..alignment.n_chosen).unwrap_or_default();
    if r_left == 0
        && chosen.iter().all(|e| e.whole)
        && let Some(&(_, whole)) = query.wholes.iter().find(|(mask, _)| *mask == q_used & q.names())
    {
        // The record's name is the traveller's, or a part of it, as a whole: the list's count of that whole name
        // speaks for its tokens together.
        bits = bits.min(whole);
    }
    alignment.bits = bits - CONFLICT_BITS * conflicts as f32 - MISSING_BITS * missing as f32;
    alignment
}

impl Alignment {
    /// Appends the name reasons: the names compared and how, the tokens left unmatched, the tokens ignored.
    pub(super) fn explain(&self, query: &NormalName, record: &NormalName, alias: bool, why: &mut Vec<String>) {
        let (q, r) = (Side::new(query), Side::new(record));
        let chosen = self.chosen.get(..self.n_chosen).unwrap_or_default();
        let label = if alias { "alias" } else { "name" };
        if chosen.is_empty() {
            why.push(format!("{label}: {} ≠ {} (no token agrees)", record.display(), query.display()));
            return;
        }
        let mut details: Vec<&str> = Vec::new();
        let mut edits = 0u32;
        let mut all_exact = true;
        for edge in chosen {
            let label = match edge.agreement {
                Agreement::Exact => None,
                Agreement::OldSpelling => Some("old spelling"),
                Agreement::Abbreviation => Some("abbreviation"),
                Agreement::Variant => Some("variant spelling"),
                Agreement::Doubled => Some("doubled letters"),
                Agreement::Edits(d) => {
                    edits += u32::from(d);
                    None
                }
                Agreement::Vowels => Some("vowels spelled otherwise"),
                Agreement::Sound => Some("sounds alike"),
                Agreement::Initial => Some("initial"),
            };
            all_exact &= edge.agreement == Agreement::Exact && !edge.joined;
            for text in label.into_iter().chain(edge.joined.then_some("joined tokens")) {
                if !details.contains(&text) {
                    details.push(text);
                }
            }
        }
        let edits_text = match edits {
            0 => None,
            1 => Some("1 edit".to_owned()),
            n => Some(format!("{n} edits")),
        };
        let mut ordered: Vec<&Edge> = chosen.iter().collect();
        ordered.sort_by_key(|e| e.q.trailing_zeros());
        let order_differs =
            ordered.windows(2).any(|w| matches!(w, [a, b] if a.r.trailing_zeros() > b.r.trailing_zeros()));
        let mut text: Vec<String> = details.iter().map(|d| (*d).to_owned()).collect();
        text.extend(edits_text);
        if order_differs {
            text.push("order differs".to_owned());
        }
        let q_used = chosen.iter().fold(0u16, |m, e| m | e.q);
        let r_used = chosen.iter().fold(0u16, |m, e| m | e.r);
        let unmatched = |side: &Side<'_>, used: u16| -> Vec<String> {
            side.iter().filter(|(i, _)| used & (1 << i) == 0).map(|(_, t)| t.folded.to_string()).collect()
        };
        let (q_left, r_left) = (unmatched(&q, q_used), unmatched(&r, r_used));
        let exact = all_exact && text.is_empty() && q_left.is_empty() && r_left.is_empty();
        let listed = record.display();
        let traveller = query.display();
        if exact {
            why.push(format!("{label}: {listed} = {traveller} (exact)"));
        } else {
            if text.is_empty() {
                text.push("exact".to_owned());
            }
            why.push(format!("{label}: {listed} ≈ {traveller} ({})", text.join(", ")));
        }
        if !q_left.is_empty() || !r_left.is_empty() {
            let mut parts = Vec::new();
            if !r_left.is_empty() {
                parts.push(format!("{} (listed)", r_left.join(" ")));
            }
            if !q_left.is_empty() {
                parts.push(format!("{} (traveller)", q_left.join(" ")));
            }
            why.push(format!("{label}: not matched: {}", parts.join(", ")));
        }
        let ignored: Vec<&str> = record
            .tokens
            .iter()
            .chain(query.tokens.iter())
            .filter(|t| !t.kind.is_matched())
            .map(|t| &*t.folded)
            .collect();
        if !ignored.is_empty() {
            why.push(format!("{label}: ignored: {}", ignored.join(", ")));
        }
    }
}

#[cfg(test)]
mod tests;
