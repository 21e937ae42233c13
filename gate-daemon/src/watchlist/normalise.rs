//! Names as people really write them, reduced to comparable tokens and keys: a passport's MRZ or DG1 name and a
//! list record's name both become a [`NormalName`], whose [`Token`]s [`score`](super::score) aligns and whose
//! [`blocking_keys`] an index uses to find the few records worth scoring.
//!
//! # From text to tokens
//!
//! 1. **Folding.** ASCII letters are upper-cased. The Latin-1 Supplement and Latin Extended-A letters fold to their
//!    base letters (`É`→`E`, `Ñ`→`N`, `Ł`→`L`, `Ä`→`A`, `Ø`→`O`, `Å`→`A`), a few to two letters (`ß`→`SS`,
//!    `Æ`→`AE`, `Œ`→`OE`, `Þ`→`TH`, `Ĳ`→`IJ`); combining accents (U+0300–U+036F) are dropped, so decomposed text
//!    folds like composed text. ICAO 9303-3 lets a passport write `Ä` as `AE` or `A`: both meet within one edit.
//! 2. **Splitting and joining.** Apostrophes join (`MA'RUF`→`MARUF`, `O'BRIEN`→`OBRIEN`): a passport writes the name
//!    without them. Hyphens split (`ABDUL-RAHMAN`→`ABDUL RAHMAN`, `AL-AMIN`→`AL AMIN`); the scorer compares a token
//!    with two tokens joined, so the other spelling still meets. The MRZ fillers `<` and `<<`, white space, commas
//!    and every other character split. Dots split (`M.RIZKI`→`M RIZKI`), except where the dotted letters together
//!    spell a title (`S.H.`, `Dr.`, `H.`), which is then recognised as one. Letters of other scripts are dropped.
//! 3. **Kinds.** Each token is one of [`TokenKind`]: titles and honorifics (`H`, `HJ`, `HAJI`, `DR`, `DRS`, `IR`,
//!    `PROF`, `SH`, `SE`, `MR`, `MRS`, …) and connectors (`BIN`, `BINTI`, `BT`, `BN`, `ALIAS`, …) are kept for the
//!    record but not matched; particles and nobility (`AL`, `VAN`, `I`, `NI`, `RADEN`, `R`, `TENGKU`, `GUSTI`, …)
//!    are matched for few bits; a single letter is an initial; everything else is a name. When a name has
//!    nothing but titles and connectors, those become names, so no name is left empty.
//! 4. **Canonical form** (names only). Spellings of the Dutch-based orthography used before 1972 are rewritten to
//!    the current ones in one pass, left to right: `OE`→`U` (SOEKARNO→SUKARNO), `IE`→`I` (LIEM→LIM), `DJ`→`J`
//!    (DJOKO→JOKO), `TJ`→`C` (TJAHJA→CAHJA), `SJ`→`SY`, `CH`→`KH` (CHAIRUL→KHAIRUL), and `NJ`→`NY` at the start
//!    only (NJOMAN→NYOMAN; in the middle of a name `NJ` is also current spelling, as in PANJI). The old `J` for
//!    today's `Y` (JUSUF/YUSUF) cannot be told apart from today's `J`, so it is left to the phonetic key and to edit
//!    distance (and to the vowel alternations of the scorer). The same pass turns the `OU` of the French
//!    transliteration of Arabic into `U` (YOUSSEF→YUSEF, MAHMOUD→MAHMUD). Doubled letters are then collapsed
//!    (HASSAN→HASAN, SITTI→SITI); Arabic `KH`, written `H` as often, becomes `H` (KHAIRUL, CHAIRUL→HAIRUL;
//!    AKHMAD, ACHMAD→AHMAD; KHADIJAH→HADIJAH); the article assimilated after
//!    ABDU is restored (ABDURRAHMAN, ABDURAHMAN→ABDULRAHMAN; ABDUSSALAM→ABDULSALAM; ABDUR→ABDUL), so that joined and
//!    split spellings meet; and known variant groups take one form: the Muhammad family (MUHAMMAD, MOHAMMAD,
//!    MOHAMMED, MOCHAMAD, MUCHAMMAD, and the abbreviations MD, MHD, MOH, MOHD, MOCH, MUH, MUHD, MHMD, …) becomes
//!    `MUHAMAD`; ABD, ABDUL, ABDOEL, ABDOL, ABDEL become `ABDUL`; NUR, NOOR, NOER, NOUR become `NUR`. NURUL ("light
//!    of the") stays itself: merging it with NUR would join different names. Given-name shortenings (AGUS and
//!    AGUSTINUS, YANTI and SURYANTI) are different names and are not merged.
//! 5. **Phonetic key** ([`phonetic_key`]), over the canonical form, for Indonesian, Malay and Arabic-origin names:
//!    digraphs first (`KH` and `H` are silent; `SY`, `SH`→`S`; `TH`, `DH`→`T`; `DZ`→`S`; `PH`→`P`; `GH`→`K`;
//!    `NY`→`N`; `CK`→`K`; `X`→`KS`), then letter classes: `P F V`, `D T`, `G K Q`, `S Z`, and `B`, `C`, `L`, `M`,
//!    `N`, `R`, `W` alone; `J` and `Y` are one class before a vowel and a vowel elsewhere (RIZKY/RIZKI), `W` is a
//!    vowel before a consonant. Vowels are dropped, except that a name starting with a vowel (after silent
//!    letters: HASAN, KHAIRUL) keeps one vowel mark. Repeats of a class with no vowel between collapse. So
//!    AHMAD/ACHMAD/AKHMAD, RIZKI/RIZKY/RISKI/RIZQI, FATIMA/FATIMAH, JUSUF/YUSUF, KHAIRUL/CHAIRUL/HAIRUL,
//!    SYAHRIR/SJAHRIR share a key; BAYU and WAHYU do not. Keys hold up to 15 classes.
//!
//! Each token also carries its *bits*: the information agreeing on it brings, `−log2` of the share of people whose
//! names hold it. Without a list to count in, a name of four letters or more has [`NAME_BITS`] (about one person in
//! 8,000 bears it; [`LONG_NAME_BITS`] from eight letters), of three letters [`THREE_LETTER_BITS`], of two [`TWO_LETTER_BITS`]; a name on the [`COMMON`]
//! list (MUHAMMAD, SITI, NUR, ABDUL, AGUS, BUDI, …) [`COMMON_BITS`]; an initial [`INITIAL_BITS`]; a particle
//! [`PARTICLE_BITS`]; titles and connectors none. [`NormalName::set_bits`] replaces the bits of name tokens with
//! ones from the list's own token counts ([`frequency_bits`]). On a large list it should: which names are common
//! depends on the list, and with a million records a date of birth is shared with some forty of them, so that
//! agreement on a name the fixed bits call distinctive can be chance.
//!
//! # Blocking
//!
//! [`blocking_keys`] gives the keys an index files a name under: the phonetic key of each name token, and the key of
//! each two neighbouring tokens joined (names, or a name and a particle), in both orders. A search scores only the
//! records sharing a key with the traveller (the date of birth adds keys, see
//! [`score::date_blocking_keys`](super::score::date_blocking_keys)).
//!
//! Guarantee: a traveller and a record share a key when at least one pair of their name tokens agrees exactly, in
//! canonical form (spelling, abbreviation, variant group) or by phonetic key, or when one side's token equals, in
//! canonical form, two neighbouring tokens of the other joined. Limits: tokens that agree only within edit distance
//! (a typo that changes a consonant), only as an initial, or as two tokens that are not neighbours, share no name
//! key; a name whose every agreement is of that sort is found only through the date of birth. Keys of common tokens
//! have long posting lists: an index that skips such keys to bound its work keeps the guarantee only through the
//! keys it keeps.
//!
//! Names are personal data: the `Debug` output of [`NormalName`] and [`Token`] is redacted.

use std::fmt;

/// Tokens kept from one name; the rest of a longer name is dropped.
pub const MAX_TOKENS: usize = 16;

/// Letters kept from one token; a longer token is cut.
pub const MAX_TOKEN_LEN: usize = 32;

/// Name tokens so common in Indonesia that agreeing on one says little, in canonical form: they carry
/// [`COMMON_BITS`]. Birth-order names (EKA, DWI, TRI; Balinese WAYAN, MADE, NYOMAN, KETUT, PUTU, …) belong here too.
pub const COMMON: &[&str] = &[
    "ABDUL", "ABDULAH", "ADI", "AGUS", "AHMAD", "ALI", "ANDI", "BUDI", "DEWI", "DWI", "EKA", "EKO", "GEDE", "KADEK",
    "KETUT", "KOMANG", "LUH", "MADE", "MUHAMAD", "NENGAH", "NUR", "NURUL", "NYOMAN", "PUTRA", "PUTRI", "PUTU",
    "SAPUTRA", "SAPUTRI", "SITI", "SRI", "TRI", "WAYAN",
];

/// Bits of a name of four to seven letters, with no list to count it in.
pub const NAME_BITS: f32 = 13.0;
/// Bits of a name of eight letters or more, with no list to count it in: long names are rarer, each spelling more
/// so.
pub const LONG_NAME_BITS: f32 = 15.0;
/// Bits of a name of three letters (EKO, ADI), with no list to count it in.
pub const THREE_LETTER_BITS: f32 = 9.0;
/// Bits of a name of one or two letters, with no list to count it in.
pub const TWO_LETTER_BITS: f32 = 6.5;
/// Bits of a token on the [`COMMON`] list, with no list to count it in.
pub const COMMON_BITS: f32 = 4.5;
/// Bits of an initial: the first letter of a name.
pub const INITIAL_BITS: f32 = 4.0;
/// Bits of a particle or nobility title.
pub const PARTICLE_BITS: f32 = 2.0;

/// A name reduced to tokens, in the order written.
#[derive(Clone, PartialEq, Default)]
pub struct NormalName {
    /// The tokens, at most [`MAX_TOKENS`].
    pub tokens: Vec<Token>,
    /// The bits of the whole name and of its parts, from how many entries of a list bear exactly those name
    /// tokens (see [`whole_keys`]), each with the positions of its tokens among the [`matched`](Self::matched)
    /// ones as bits; empty when not known. The scorer takes these instead of the sum of the tokens' bits when a
    /// record's name agrees in full with the part, as they count the tokens' going together (MUHAMMAD with an
    /// Arabic name; the two halves of MIN-JUN) that the sum does not.
    pub wholes: Vec<(u16, f32)>,
}

/// One word of a name.
#[derive(Clone, PartialEq)]
pub struct Token {
    /// The word folded to the letters A–Z, at most [`MAX_TOKEN_LEN`] of them.
    pub folded: Box<str>,
    /// The canonical form (names only; otherwise the folded form): current spelling, doubled letters collapsed,
    /// variant groups in one form.
    pub canonical: Box<str>,
    /// The phonetic key of the canonical form (names only; otherwise empty).
    pub key: PhoneticKey,
    /// What the token is.
    pub kind: TokenKind,
    /// The variant group the token belongs to, if any.
    pub group: Option<Group>,
    /// Whether the token is an abbreviation within its group (MOH, MUH, MOCH, ABD, …).
    pub abbreviated: bool,
    /// Whether the old-spelling rewrite changed the token.
    pub old_spelling: bool,
    /// Whether a transliteration rule changed the token (YOUSSEF→YUSEF, ABDURRAHMAN→ABDULRAHMAN).
    pub transliterated: bool,
    /// Whether the canonical form is on the [`COMMON`] list.
    pub common: bool,
    /// The information agreeing on the token brings, in bits; 0 for titles and connectors.
    pub bits: f32,
}

/// What a token is, which decides how it is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A name: matched in full, by spelling, edit distance and sound.
    Name,
    /// A single letter: matches a name starting with it, for few bits; `M` also stands for MUHAMMAD.
    Initial,
    /// A particle or nobility title (`AL`, `VAN`, `I`, `NI`, `RADEN`, `R`, `TENGKU`, …): matched only exactly, for
    /// few bits, so that its absence on the other side costs little.
    Particle,
    /// A title or honorific (`H`, `HAJI`, `DR`, `DRS`, `IR`, `PROF`, `SH`, `MR`, …): not matched.
    Title,
    /// A connector (`BIN`, `BINTI`, `BT`, `BN`, `ALIAS`, …): not matched.
    Connector,
}

impl TokenKind {
    /// Whether tokens of this kind take part in matching.
    #[must_use]
    pub fn is_matched(self) -> bool {
        matches!(self, Self::Name | Self::Initial | Self::Particle)
    }
}

/// A family of spellings that stand for one name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Group {
    /// MUHAMMAD and its spellings and abbreviations; canonical `MUHAMAD`.
    Muhammad,
    /// ABDUL and its spellings; canonical `ABDUL`.
    Abdul,
    /// NUR and its spellings; canonical `NUR`.
    Nur,
}

/// A phonetic key: up to 15 letter classes, four bits each; 0 is the empty key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct PhoneticKey(pub u64);

impl PhoneticKey {
    /// The empty key, which never counts as agreement.
    pub const EMPTY: Self = Self(0);

    /// The number of letter classes.
    #[must_use]
    pub fn len(self) -> usize {
        let bits = 64 - self.0.leading_zeros() as usize;
        bits.div_ceil(4)
    }

    /// Whether the key is empty.
    #[must_use]
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

/// A key under which an index files a record; phonetic keys and date keys share one space without colliding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockingKey(pub u64);

impl BlockingKey {
    const DATE_TAG: u64 = 1 << 63;

    /// The key of a phonetic key.
    #[must_use]
    pub fn phonetic(key: PhoneticKey) -> Self {
        Self(key.0)
    }

    /// The key of a full date of birth.
    #[must_use]
    pub fn date(year: u16, month: u8, day: u8) -> Self {
        Self(Self::DATE_TAG | (u64::from(year) << 16) | (u64::from(month) << 8) | u64::from(day))
    }
}

impl NormalName {
    /// The tokens that take part in matching.
    pub fn matched(&self) -> impl Iterator<Item = &Token> {
        self.tokens.iter().filter(|t| t.kind.is_matched())
    }

    /// The folded tokens joined by spaces, titles and connectors included: the name as the officer reads it.
    #[must_use]
    pub fn display(&self) -> String {
        let mut out = String::new();
        for token in &self.tokens {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&token.folded);
        }
        out
    }

    /// Replaces the bits of each name token with `bits(canonical, bits before)` (an index's bits from its token
    /// counts, say); other tokens keep theirs. Bits are kept within [`MIN_BITS`]–[`MAX_BITS`].
    pub fn set_bits(&mut self, mut bits: impl FnMut(&str, f32) -> f32) {
        for token in &mut self.tokens {
            if token.kind == TokenKind::Name {
                let b = bits(&token.canonical, token.bits);
                if b.is_finite() {
                    token.bits = b.clamp(MIN_BITS, MAX_BITS);
                }
            }
        }
    }
}

impl fmt::Debug for NormalName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "NormalName({} tokens, redacted)", self.tokens.len())
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Token({:?}, redacted)", self.kind)
    }
}

/// Reduces a name, as written anywhere (MRZ name field, DG1, a list record), to tokens.
#[must_use]
pub fn normalise_name(raw: &str) -> NormalName {
    let mut pieces: Vec<String> = Vec::new();
    for chunk in raw.split(|c: char| !is_chunk_char(c)) {
        if pieces.len() >= MAX_TOKENS {
            break;
        }
        chunk_pieces(chunk, &mut pieces);
    }
    pieces.truncate(MAX_TOKENS);
    let mut tokens: Vec<Token> = pieces.iter().map(|p| make_token(p, false)).collect();
    if !tokens.is_empty() && !tokens.iter().any(|t| t.kind.is_matched()) {
        tokens = pieces.iter().map(|p| make_token(p, true)).collect();
    }
    NormalName { tokens, wholes: Vec::new() }
}

/// Folds one character to the letters A–Z, appending them to `out`; false when the character is not a letter this
/// module reads (it then separates or joins, see the module documentation).
pub fn fold_char(c: char, out: &mut String) -> bool {
    if c.is_ascii_alphabetic() {
        out.push(c.to_ascii_uppercase());
        return true;
    }
    match fold_non_ascii(c) {
        Some(folded) => {
            out.push_str(folded);
            true
        }
        None => false,
    }
}

/// The fold table for the Latin-1 Supplement and Latin Extended-A letters (and the Romanian comma letters).
fn fold_non_ascii(c: char) -> Option<&'static str> {
    let folded = match c {
        'À'..='Å' | 'à'..='å' | 'Ā'..='ą' => "A",
        'Æ' | 'æ' => "AE",
        'Ç' | 'ç' | 'Ć'..='č' => "C",
        'Ð' | 'ð' | 'Ď'..='đ' => "D",
        'È'..='Ë' | 'è'..='ë' | 'Ē'..='ě' => "E",
        'Ĝ'..='ģ' => "G",
        'Ĥ'..='ħ' => "H",
        'Ì'..='Ï' | 'ì'..='ï' | 'Ĩ'..='ı' => "I",
        'Ĳ' | 'ĳ' => "IJ",
        'Ĵ' | 'ĵ' => "J",
        'Ķ'..='ĸ' => "K",
        'Ĺ'..='ł' => "L",
        'Ñ' | 'ñ' | 'Ń'..='ŋ' => "N",
        'Ò'..='Ö' | 'ò'..='ö' | 'Ø' | 'ø' | 'Ō'..='ő' => "O",
        'Œ' | 'œ' => "OE",
        'Ŕ'..='ř' => "R",
        'Ś'..='š' | 'ſ' | 'Ș' | 'ș' => "S",
        'ß' | 'ẞ' => "SS",
        'Ţ'..='ŧ' | 'Ț' | 'ț' => "T",
        'Þ' | 'þ' => "TH",
        'Ù'..='Ü' | 'ù'..='ü' | 'Ũ'..='ų' => "U",
        'Ŵ' | 'ŵ' => "W",
        'Ý' | 'ý' | 'ÿ' | 'Ŷ'..='Ÿ' => "Y",
        'Ź'..='ž' => "Z",
        _ => return None,
    };
    Some(folded)
}

/// Apostrophes and the like, which join the letters around them.
fn is_joiner(c: char) -> bool {
    matches!(c, '\'' | '`' | '\u{00B4}' | '\u{2018}' | '\u{2019}' | '\u{02BB}' | '\u{02BC}' | '\u{02B9}')
        || ('\u{0300}'..='\u{036F}').contains(&c)
}

fn is_hyphen(c: char) -> bool {
    matches!(c, '-' | '\u{2010}' | '\u{2011}' | '\u{2012}' | '\u{2013}' | '\u{2014}')
}

/// Characters that stay inside a chunk (a run between separators): letters, joiners, dots, hyphens.
fn is_chunk_char(c: char) -> bool {
    c.is_ascii_alphabetic() || is_joiner(c) || c == '.' || is_hyphen(c) || fold_non_ascii(c).is_some()
}

/// Splits one chunk at dots and hyphens into folded pieces, unless its dotted letters spell a title.
fn chunk_pieces(chunk: &str, pieces: &mut Vec<String>) {
    let mut local: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut dotted = false;
    for c in chunk.chars() {
        if fold_char(c, &mut current) || is_joiner(c) {
            continue;
        }
        dotted |= c == '.';
        if !current.is_empty() {
            local.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        local.push(current);
    }
    if dotted && local.len() > 1 {
        let joined = local.concat();
        if is_title(&joined) {
            pieces.push(joined);
            return;
        }
    }
    pieces.extend(local);
}

/// Titles and honorifics, matched on the folded token.
fn is_title(t: &str) -> bool {
    matches!(
        t,
        "H" | "HJ"
            | "HJH"
            | "HAJI"
            | "HAJAH"
            | "HAJJAH"
            | "KH"
            | "KYAI"
            | "KIAI"
            | "USTAD"
            | "USTADZ"
            | "USTADZAH"
            | "SYEKH"
            | "SYAIKH"
            | "SHEIKH"
            | "SHAIKH"
            | "SHEIK"
            | "DR"
            | "DRS"
            | "DRA"
            | "DRG"
            | "IR"
            | "PROF"
            | "SH"
            | "SE"
            | "ST"
            | "SS"
            | "SAG"
            | "SPD"
            | "SPDI"
            | "SKOM"
            | "SSOS"
            | "SIP"
            | "SKM"
            | "SKEP"
            | "SKED"
            | "SPSI"
            | "SHI"
            | "STP"
            | "SSI"
            | "AMD"
            | "MT"
            | "MM"
            | "MH"
            | "MSI"
            | "MPD"
            | "MAG"
            | "MKES"
            | "MBA"
            | "MSC"
            | "BSC"
            | "PHD"
            | "MR"
            | "MRS"
            | "MS"
            | "MISS"
            | "MDM"
            | "MADAM"
            | "SIR"
            | "TUAN"
            | "NY"
            | "NYONYA"
            | "NN"
            | "NONA"
            | "IBU"
            | "BAPAK"
            | "BPK"
            | "SDR"
            | "SDRI"
            | "ALM"
            | "ALMH"
            | "ALMARHUM"
            | "ALMARHUMAH"
            | "JR"
            | "II"
            | "III"
    )
}

/// Connectors of patronymics and inline aliases, matched on the folded token.
fn is_connector(t: &str) -> bool {
    matches!(t, "BIN" | "BINTI" | "BINT" | "BT" | "BTE" | "BN" | "IBN" | "ALIAS" | "ALS" | "AKA")
}

/// Particles and nobility titles, matched on the folded token.
fn is_particle(t: &str) -> bool {
    matches!(
        t,
        "AL" | "EL"
            | "VAN"
            | "VON"
            | "DER"
            | "DEN"
            | "DE"
            | "DI"
            | "DA"
            | "DU"
            | "LA"
            | "LE"
            | "DOS"
            | "DAS"
            | "DEL"
            | "DELLA"
            | "I"
            | "NI"
            | "R"
            | "RA"
            | "RM"
            | "RR"
            | "RD"
            | "RADEN"
            | "RADIN"
            | "TENGKU"
            | "TGK"
            | "TUBAGUS"
            | "TB"
            | "GUSTI"
            | "NGURAH"
            | "ANAK"
            | "DAENG"
            | "KI"
            | "NYI"
            | "SUTAN"
            | "MAS"
    )
}

/// The variant group of a canonical (rewritten, collapsed) spelling: the group, its canonical form, and whether the
/// spelling abbreviates it.
fn group_of(c: &str) -> Option<(Group, &'static str, bool)> {
    let found = match c {
        "MUHAMAD" | "MUHAMED" | "MOHAMAD" | "MOHAMED" | "MUKHAMAD" | "MOKHAMAD" | "MUKHAMED" | "MOKHAMED"
        | "MUHAMAT" | "MOHAMAT" => (Group::Muhammad, "MUHAMAD", false),
        "MD" | "MHD" | "MOH" | "MUH" | "MOHD" | "MUHD" | "MOKH" | "MUKH" | "MOKHD" | "MUKHD" | "MHMD" | "MUHAM"
        | "MOHAM" | "MOKHAM" | "MUKHAM" | "MUHAMD" | "MOHAMD" => (Group::Muhammad, "MUHAMAD", true),
        "ABDUL" | "ABDOL" | "ABDEL" => (Group::Abdul, "ABDUL", false),
        "ABD" | "ABDL" => (Group::Abdul, "ABDUL", true),
        "NUR" | "NOR" | "NOUR" => (Group::Nur, "NUR", false),
        _ => return None,
    };
    Some(found)
}

/// Rewrites pre-1972 spelling to the current one in one left-to-right pass, collapses doubled letters, and undoes
/// two transliterations of Arabic (`OU` for `U`, the assimilated article after ABDU); returns the spelling, whether
/// the old-spelling rewrite changed something, and whether a transliteration rule did.
fn respell(folded: &str) -> (String, bool, bool) {
    let b = folded.as_bytes();
    let mut out: Vec<u8> = Vec::with_capacity(b.len() + 2);
    let mut changed = false;
    let mut transliterated = false;
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        let next = b.get(i + 1).copied();
        let replacement: Option<&[u8]> = match (c, next) {
            (b'O', Some(b'E')) => Some(b"U"),
            (b'I', Some(b'E')) => Some(b"I"),
            (b'D', Some(b'J')) => Some(b"J"),
            (b'T', Some(b'J')) => Some(b"C"),
            (b'S', Some(b'J')) => Some(b"SY"),
            (b'C', Some(b'H')) => Some(b"KH"),
            (b'N', Some(b'J')) if i == 0 => Some(b"NY"),
            _ => None,
        };
        if let Some(r) = replacement {
            out.extend_from_slice(r);
            changed = true;
            i += 2;
        } else if (c, next) == (b'O', Some(b'U')) {
            // YOUSSEF, MAHMOUD, MOUSSA: the French transliteration of Arabic writes U as OU.
            out.push(b'U');
            transliterated = true;
            i += 2;
        } else {
            out.push(c);
            i += 1;
        }
    }
    out.dedup();
    // KHADIJAH, HADIJAH; KHAIRUL, HAIRUL; AKHMAD, AHMAD: Arabic KH is written H as often as KH.
    let mut i = 0;
    while i + 1 < out.len() {
        if out.get(i..i + 2) == Some(b"KH") {
            out.remove(i);
            transliterated = true;
        }
        i += 1;
    }
    // ABDURRAHMAN, ABDUSSALAM, ABDUR: the article AL of ABDUL takes the sound of a following R, S, T, Z, N or D.
    if let Some(rest) = out.strip_prefix(b"ABDU")
        && matches!(rest.first(), Some(b'R' | b'S' | b'T' | b'Z' | b'N' | b'D'))
    {
        let mut restored = b"ABDUL".to_vec();
        if rest.len() > 1 {
            restored.extend_from_slice(rest);
        }
        out = restored;
        transliterated = true;
    }
    (String::from_utf8_lossy(&out).into_owned(), changed, transliterated)
}

fn make_token(folded: &str, fallback: bool) -> Token {
    let mut folded = folded.to_owned();
    folded.truncate(MAX_TOKEN_LEN);
    let kind = if fallback {
        TokenKind::Name
    } else if is_title(&folded) {
        TokenKind::Title
    } else if is_connector(&folded) {
        TokenKind::Connector
    } else if is_particle(&folded) {
        TokenKind::Particle
    } else if folded.len() == 1 {
        TokenKind::Initial
    } else {
        TokenKind::Name
    };
    let mut token = Token {
        canonical: folded.clone().into_boxed_str(),
        folded: folded.into_boxed_str(),
        key: PhoneticKey::EMPTY,
        kind,
        group: None,
        abbreviated: false,
        old_spelling: false,
        transliterated: false,
        common: false,
        bits: 0.0,
    };
    match kind {
        TokenKind::Name => {
            let (respelled, changed, assimilated) = respell(&token.folded);
            token.old_spelling = changed;
            token.transliterated = assimilated;
            let canonical = match group_of(&respelled) {
                Some((group, canonical, abbreviated)) => {
                    token.group = Some(group);
                    token.abbreviated = abbreviated;
                    canonical.to_owned()
                }
                None => respelled,
            };
            token.common = COMMON.contains(&canonical.as_str());
            token.key = phonetic_key(&canonical);
            token.bits = if token.common {
                COMMON_BITS
            } else {
                match canonical.len() {
                    0..=2 => TWO_LETTER_BITS,
                    3 => THREE_LETTER_BITS,
                    4..=7 => NAME_BITS,
                    _ => LONG_NAME_BITS,
                }
            };
            token.canonical = canonical.into_boxed_str();
        }
        TokenKind::Initial => token.bits = INITIAL_BITS,
        TokenKind::Particle => token.bits = PARTICLE_BITS,
        TokenKind::Title | TokenKind::Connector => {}
    }
    token
}

mod bits;
mod phonetic;

pub use bits::{MAX_BITS, MAX_WHOLE_PARTS, MIN_BITS, PRIOR_RECORDS, frequency_bits, whole_bits, whole_key, whole_keys};
pub use phonetic::{blocking_keys, phonetic_key};

#[cfg(test)]
mod tests;
