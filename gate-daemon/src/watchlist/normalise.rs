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
//!    are matched at a low weight; a single letter is an initial; everything else is a name. When a name has
//!    nothing but titles and connectors, those become names, so no name is left empty.
//! 4. **Canonical form** (names only). Spellings of the Dutch-based orthography used before 1972 are rewritten to
//!    the current ones in one pass, left to right: `OE`→`U` (SOEKARNO→SUKARNO), `IE`→`I` (LIEM→LIM), `DJ`→`J`
//!    (DJOKO→JOKO), `TJ`→`C` (TJAHJA→CAHJA), `SJ`→`SY`, `CH`→`KH` (CHAIRUL→KHAIRUL), and `NJ`→`NY` at the start
//!    only (NJOMAN→NYOMAN; in the middle of a name `NJ` is also current spelling, as in PANJI). The old `J` for
//!    today's `Y` (JUSUF/YUSUF) cannot be told apart from today's `J`, so it is left to the phonetic key and to edit
//!    distance. The same pass turns the `OU` of the French transliteration of Arabic into `U` (YOUSSEF→YUSEF,
//!    MAHMOUD→MAHMUD). Doubled letters are then collapsed (HASSAN→HASAN, SITTI→SITI); the article assimilated after
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
//! Each token also carries a weight, the evidence it brings when it agrees: 1.0 for a name of four letters or more,
//! 0.7 for three, 0.5 for two, 0.35 for a name on the [`COMMON`] list (MUHAMMAD, SITI, NUR, ABDUL, AGUS, BUDI,
//! …: agreeing on them says little), 0.2 for an initial, 0.15 for a particle, nothing for titles and connectors.
//! [`NormalName::set_weights`] replaces the name weights with ones from the list's own token frequencies
//! ([`frequency_weight`]). On a large list it should: which names are common depends on the list, and with a
//! million records a date of birth is shared with some forty of them, so that agreement on a name the fixed weights
//! call distinctive can be chance.
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

/// Name tokens so common in Indonesia that agreeing on one says little, in canonical form: they weigh
/// [`COMMON_WEIGHT`]. Birth-order names (EKA, DWI, TRI; Balinese WAYAN, MADE, NYOMAN, KETUT, PUTU, …) belong here too.
pub const COMMON: &[&str] = &[
    "ABDUL", "ABDULAH", "ADI", "AGUS", "AHMAD", "ALI", "ANDI", "BUDI", "DEWI", "DWI", "EKA", "EKO", "GEDE", "KADEK",
    "KETUT", "KOMANG", "LUH", "MADE", "MUHAMAD", "NENGAH", "NUR", "NURUL", "NYOMAN", "PUTRA", "PUTRI", "PUTU",
    "SAPUTRA", "SAPUTRI", "SITI", "SRI", "TRI", "WAYAN",
];

/// Weight of a token on the [`COMMON`] list.
pub const COMMON_WEIGHT: f32 = 0.35;
/// Weight of an initial.
pub const INITIAL_WEIGHT: f32 = 0.2;
/// Weight of a particle or nobility title.
pub const PARTICLE_WEIGHT: f32 = 0.15;

/// A name reduced to tokens, in the order written.
#[derive(Clone, PartialEq, Default)]
pub struct NormalName {
    /// The tokens, at most [`MAX_TOKENS`].
    pub tokens: Vec<Token>,
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
    /// The evidence the token brings when it agrees; 0 for titles and connectors.
    pub weight: f32,
}

/// What a token is, which decides how it is matched.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TokenKind {
    /// A name: matched in full, by spelling, edit distance and sound.
    Name,
    /// A single letter: matches a name starting with it, at a low weight; `M` also stands for MUHAMMAD.
    Initial,
    /// A particle or nobility title (`AL`, `VAN`, `I`, `NI`, `RADEN`, `R`, `TENGKU`, …): matched only exactly, at a
    /// low weight, so that its absence on the other side costs little.
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

    /// Replaces the weight of each name token with `weight(canonical)` where that gives one (an index's weight
    /// from its token frequencies, say); other tokens keep theirs. Weights are clamped to 0.05–1.
    pub fn set_weights(&mut self, mut weight: impl FnMut(&str) -> Option<f32>) {
        for token in &mut self.tokens {
            if token.kind == TokenKind::Name
                && let Some(w) = weight(&token.canonical)
                && w.is_finite()
            {
                token.weight = w.clamp(0.05, 1.0);
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

/// Dates of birth a list's records spread over: some 65 years.
const DATES_OF_BIRTH: f64 = 24_000.0;
/// The chance agreement tolerated for one traveller against the whole list.
const CHANCE: f64 = 1e-3;
/// The evidence at which a name found in full on both sides, with the date of birth and nationality agreeing,
/// reaches `possible` in [`score`](super::score).
const POSSIBLE_EVIDENCE: f64 = 0.77;

/// The weight of a name token from its document frequency: `records_with_token` of the list's `records` have a
/// name holding the token (canonical form; a token no record holds counts as held by one).
///
/// Weights are made proportional to the information a token carries, `log2(records / records_with_token)` bits,
/// so that the weights of several agreeing tokens add up as their information does. The scale is set by the chance
/// agreement to beat: a traveller shares a date of birth with about `records / 24,000` records, so a name agreeing
/// on `b` bits meets a same-date record by chance about `records / 24,000 × 2^−b` of the time; the weights are
/// scaled so that the bits that bring this down to 0.1 % weigh what a name needs, with the date of birth and
/// nationality, to become `possible`. In a list of a million records a token held by one record weighs 1, by 24
/// records 0.77, by 1,000 records 0.5 and by 100,000 (MUHAMMAD) 0.17. Weights stay within 0.05–1; in a list too
/// small for chance to matter every token weighs 1.
#[must_use]
pub fn frequency_weight(records_with_token: u32, records: u32) -> f32 {
    let total = f64::from(records.max(1));
    let held = f64::from(records_with_token.clamp(1, records.max(1)));
    let needed = (total / (DATES_OF_BIRTH * CHANCE)).log2();
    if needed <= 1.0 {
        return 1.0;
    }
    ((total / held).log2() / needed * POSSIBLE_EVIDENCE).clamp(0.05, 1.0) as f32
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
    NormalName { tokens }
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
        weight: 0.0,
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
            token.weight = if token.common {
                COMMON_WEIGHT
            } else {
                match canonical.len() {
                    0..=2 => 0.5,
                    3 => 0.7,
                    _ => 1.0,
                }
            };
            token.canonical = canonical.into_boxed_str();
        }
        TokenKind::Initial => token.weight = INITIAL_WEIGHT,
        TokenKind::Particle => token.weight = PARTICLE_WEIGHT,
        TokenKind::Title | TokenKind::Connector => {}
    }
    token
}

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

#[cfg(test)]
mod tests;
