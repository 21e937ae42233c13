//! Synthetic *cekal* watchlists and traveller populations, for tests and benchmarks: realistic names (Javanese and
//! other single names, Arabic-origin names with their Indonesian spellings, Batak and Minahasa clan names,
//! Chinese-Indonesian names, and foreign names), aliases, full and partial dates of birth, documents and NIKs; and
//! travellers who are true variants of listed people (as their passports spell them) or nobody on the list.
//!
//! Everything is drawn from a seeded generator (SplitMix64), so a seed always gives the same list. Records follow
//! ../shared/CLI.md's watchlist record; travellers are one JSON object per line: `names`, `date_of_birth`,
//! `nationality`, `documents`, `direction`, and for variants `expected_entry_id` and `variations` (what was changed).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use serde_json::{Value, json};

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (0 when n is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 { 0 } else { (self.next_u64() % n as u64) as usize }
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One item of a non-empty slice.
    pub fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items.get(self.below(items.len())).copied().unwrap_or("")
    }
}

/// Javanese, Sundanese, Balinese and other Indonesian given names, often the whole name.
#[rustfmt::skip]
const ID_GIVEN: &[&str] = &[
    "BUDI", "AGUS", "ADI", "ANDI", "AHMAD", "ARIF", "BAMBANG", "BAYU", "BENNY", "CAHYO", "DEDI", "DEDY", "DENI",
    "DIAN", "DIMAS", "DODI", "EKO", "ERWIN", "FAJAR", "FERRY", "GALIH", "GILANG", "HADI", "HARI", "HENDRA", "HERU",
    "IMAM", "INDRA", "IRFAN", "IWAN", "JOKO", "KURNIAWAN", "LUKMAN", "MULYADI", "NANANG", "NOVAL", "PRIYO", "PUTU",
    "RAHMAT", "RIZKY", "ROBBY", "RUDI", "SAPTO", "SETIO", "SLAMET", "SUGENG", "SUPRIADI", "SURYA", "TAUFIK", "TEGUH",
    "TONI", "TRI", "WAHYU", "WAYAN", "YOGA", "YUDI", "ZAINAL", "ANI", "AYU", "CITRA", "DEWI", "DWI", "ENDANG",
    "FITRI", "INDAH", "INTAN", "KARTIKA", "KOMANG", "LESTARI", "LINA", "MAYA", "MEGA", "NINING", "NOVI", "NURUL",
    "PUJI", "PUTRI", "RATNA", "RINA", "RINI", "SARI", "SITI", "SRI", "TUTI", "WATI", "WULAN", "YANTI", "YULI", "ARYA",
    "BAGUS", "DARMA", "GEDE", "KETUT", "MADE", "NYOMAN", "RADEN", "ASEP", "CECEP", "DADANG", "UJANG", "ENCEP",
    "ANGGA", "ANGGI", "BIMA", "DANU", "ELANG", "FIRMAN", "GUNAWAN", "HARYANTO", "IKHSAN", "JAJANG", "KRESNA",
    "LANGIT", "MAHESA", "NUGROHO", "OKTA", "PANJI", "RANGGA", "SATRIA", "TIRTA", "UTAMA", "WISNU", "YUSUF", "ZAKI",
    "ADITYA", "ARDIANSYAH", "BAGAS", "DAFFA", "FARHAN", "HAFIZ", "ILHAM", "KEVIN", "NAUFAL", "RAFI", "REZA",
    "SYAHRUL", "YOGI", "AULIA", "BUNGA", "CINDY", "DINDA", "ELISA", "FARAH", "GITA", "HANA", "IRMA", "JIHAN", "KIKI",
    "LAILA", "MELATI", "NADIA", "OLIVIA", "PERMATA", "QORI", "RARA", "SALSA", "TASYA", "UMI", "VINA", "WIDYA",
    "YASMIN", "ZAHRA",
];

/// Arabic-origin names as Indonesians write them.
#[rustfmt::skip]
const ID_ARABIC: &[&str] = &[
    "MUHAMMAD", "AHMAD", "ABDUL", "RAHMAN", "HAKIM", "HASAN", "HUSEIN", "ALI", "UMAR", "USMAN", "FAUZI", "FIRDAUS",
    "HIDAYAT", "HIDAYATULLAH", "ISMAIL", "IBRAHIM", "ISKANDAR", "JAMAL", "KHAIRUL", "LATIF", "MAHMUD", "MUSTOFA",
    "NASRULLAH", "NUR", "RASYID", "RIDWAN", "SALEH", "SAIFUL", "SYAMSUL", "THOHIR", "WAHID", "YAHYA", "ZULKIFLI",
    "FATIMAH", "AISYAH", "KHADIJAH", "MARYAM", "ZAINAB", "HALIMAH", "AMINAH", "SALMA", "NURHAYATI", "ROHMAH",
];

/// Javanese and other family or second names; Batak, Minahasa and Ambonese clan names; Chinese-Indonesian names.
#[rustfmt::skip]
const ID_FAMILY: &[&str] = &[
    "SANTOSO", "SANTOSA", "WIJAYA", "SETIAWAN", "PRATAMA", "SAPUTRA", "SAPUTRI", "HIDAYAT", "NUGRAHA", "KUSUMA",
    "GUNAWAN", "HALIM", "SUSANTO", "SUGIARTO", "PURNOMO", "SUHENDRA", "WIBOWO", "PRASETYO", "HARTONO", "SUTRISNO",
    "WIDODO", "SUBAGYO", "SUPRAPTO", "RAHARJO", "SETIADI", "FIRMANSYAH", "KURNIAWATI", "LESTARI", "PERMANA",
    "RAMADHAN", "SYAHPUTRA", "HUTAPEA", "SIREGAR", "NASUTION", "SIMANJUNTAK", "SITUMORANG", "SIMATUPANG", "HARAHAP",
    "LUBIS", "PANJAITAN", "SINAGA", "TAMPUBOLON", "MANURUNG", "PASARIBU", "SIHOMBING", "GINTING", "TARIGAN",
    "SEMBIRING", "SURBAKTI", "TAMBUNAN", "WAROUW", "LUMENTUT", "SUMAMPOUW", "RUMAGIT", "PATTIMURA", "LATUMAHINA",
    "TANOTO", "TANUWIJAYA", "SALIM", "LIMANTO", "HALIMAN", "GOZALI", "KARTADINATA", "SOEDARSO", "SOEWARNO",
    "DJOJOHADIKUSUMO", "MANGKUNEGARA", "HADIKUSUMO", "SASTROWARDOYO", "NOTONEGORO", "WIRANATAKUSUMAH", "PAKPAHAN",
    "PURBA", "DAMANIK", "SARAGIH", "SILALAHI", "SIAHAAN", "SIMBOLON", "BUTAR-BUTAR", "MARPAUNG", "NAPITUPULU",
    "PRAWIRO", "SURYADI", "ADIPUTRA", "MAHENDRA", "ANGGORO", "BASKORO", "CAHYADI", "DARMAWAN", "EFENDI", "FAHREZI",
];

/// Old-spelling (pre-1972) single names of older Indonesians.
#[rustfmt::skip]
const ID_OLD_SINGLE: &[&str] = &[
    "SOEKARNO", "SOEHARTO", "SOEDIRMAN", "SOEMITRO", "SOEPRAPTO", "DJOKO", "DJAJA", "TJIPTO", "SOEKATNO", "POERWANTO",
    "SOETOMO", "SOEPARMAN", "WIDJOJO", "SOEDJATMIKO", "MOELJADI", "KOESNADI", "SOEWANDI", "HARDJONO", "SOENARJO",
];

/// Foreign given names.
#[rustfmt::skip]
const FOREIGN_GIVEN: &[&str] = &[
    "JOHN", "DAVID", "MICHAEL", "JAMES", "ROBERT", "WILLIAM", "THOMAS", "DANIEL", "MARK", "PAUL", "PETER", "ANDREW",
    "SARAH", "EMMA", "OLIVIA", "SOPHIE", "ANNA", "MARIA", "LAURA", "JULIA", "CHLOE", "HANNAH", "WEI", "JIAN", "XIAO",
    "LI", "MING", "HUI", "YAN", "HIROSHI", "TAKESHI", "YUKI", "KENJI", "AKIRA", "MIN-JUN", "SEO-YEON", "JI-HOON",
    "RAJESH", "PRIYA", "ANIL", "SUNITA", "VIKRAM", "ARJUN", "DEEPA", "OMAR", "KHALID", "YOUSSEF", "LAYLA", "NOOR",
    "HAMZA", "IVAN", "OLGA", "DMITRI", "NATALIA", "PIERRE", "JEAN", "CLAIRE", "HANS", "KLAUS", "JÜRGEN", "FRANÇOIS",
    "JOSÉ", "JOÃO", "CARLOS", "LUCÍA", "NGUYEN", "MINH", "THANH", "SOMCHAI", "SOMSAK", "NURUL", "AZLAN", "FARID",
];

/// Foreign family names.
#[rustfmt::skip]
const FOREIGN_FAMILY: &[&str] = &[
    "SMITH", "JOHNSON", "BROWN", "TAYLOR", "WILSON", "DAVIES", "EVANS", "THOMAS", "ROBERTS", "WALKER", "WANG", "LI",
    "ZHANG", "LIU", "CHEN", "YANG", "HUANG", "ZHAO", "TANAKA", "SUZUKI", "SATO", "WATANABE", "KIM", "LEE", "PARK",
    "CHOI", "SHARMA", "PATEL", "SINGH", "KUMAR", "GUPTA", "KHAN", "AL-FARSI", "AL-RASHID", "HADDAD", "IVANOV",
    "PETROV", "SMIRNOV", "MÜLLER", "SCHMIDT", "SCHNEIDER", "DUBOIS", "MARTIN", "LEFÈVRE", "GARCÍA", "FERNÁNDEZ",
    "GONÇALVES", "SILVA", "DE JONG", "VAN DER BERG", "JANSSEN", "TRAN", "PHAM", "LE", "CHAIYAPORN", "BIN ABDULLAH",
    "O'BRIEN", "MCDONALD", "ROSSI", "BIANCHI", "NOVAK", "KOWALSKI", "NIELSEN", "HANSEN", "ANDERSSON", "OKAFOR",
];

#[rustfmt::skip]
const FOREIGN_STATES: &[&str] = &[
    "MYS", "SGP", "AUS", "CHN", "JPN", "KOR", "IND", "PAK", "SAU", "ARE", "RUS", "D<<", "FRA", "ESP", "PRT", "NLD",
    "GBR", "USA", "VNM", "THA", "PHL", "NGA", "ITA", "POL", "DNK", "SWE", "BRA", "TUR",
];

/// Indonesian spelling variants a passport may carry for a listed name, as (listed, written) fragments.
#[rustfmt::skip]
const RESPELLINGS: &[(&str, &str)] = &[
    ("OE", "U"), ("DJ", "J"), ("TJ", "C"), ("SJ", "SY"), ("NJ", "NY"), ("CH", "KH"), ("J", "Y"),
    ("PH", "F"), ("TH", "T"), ("AA", "A"), ("IE", "I"), ("KS", "X"), ("Q", "K"), ("V", "F"),
];

/// How Indonesians write Muhammad, in passports and lists.
#[rustfmt::skip]
pub const MUHAMMAD: &[&str] = &[
    "MUHAMMAD", "MUHAMAD", "MUHAMMED", "MOHAMMAD", "MOHAMAD", "MOHAMMED", "MOCHAMAD", "MOCHAMMAD", "MOH", "MOCH",
    "MUH", "MHD", "MOHD", "M",
];

/// Javanese names are built from syllables and endings (SU-RYA-NTO, WI-DYA-NINGSIH, PUR-WANTO), which gives the long
/// tail of distinct names a real population has; the curated tables give the common head.
const SYLLABLE_START: &[&str] = &[
    "SU", "SRI", "WI", "PUR", "HAR", "SE", "TRI", "DWI", "EKO", "ADI", "BU", "DA", "KA", "MA", "NA", "PRA", "RA", "SA",
    "TA", "WA", "YU", "HA", "JA", "LA", "GU", "BA", "DE", "RI", "NU", "KU", "MU", "PA", "SI", "TU", "WU", "GA",
];
const SYLLABLE_MIDDLE: &[&str] = &[
    "RYA", "TYA", "DYA", "JAT", "GIT", "NGGA", "LIS", "MIN", "DAR", "PAR", "WAR", "SAN", "TAR", "KUS", "HAD", "SET",
    "HEN", "BAM", "GUN", "PRI", "JOY", "YAN", "RAH", "MUL", "SUD", "KAR", "LAK", "MAN", "NOR", "RUS", "TIN", "WAS",
];
const SYLLABLE_END: &[&str] = &[
    "NTO", "YANTO", "WATI", "YATI", "NINGSIH", "WAN", "DI", "YONO", "JO", "NO", "SIH", "TUTI", "ANTI", "NI", "TO",
    "MAN", "SARI", "DANI", "RINI", "ADI", "HARJO", "WIDJAJA", "SENO", "PRANOTO", "TOMO", "YAH", "LIA", "NAH",
];

fn javanese_name(rng: &mut Rng) -> String {
    let mut name = rng.pick(SYLLABLE_START).to_string();
    if rng.chance(0.6) {
        name.push_str(rng.pick(SYLLABLE_MIDDLE));
    }
    name.push_str(rng.pick(SYLLABLE_END));
    name
}

/// A single name in the spelling of before 1972: a curated one, or a Javanese name spelled the old way
/// (SURYANTO as SOERJANTO), which gives old names the long tail new ones have.
fn old_single(rng: &mut Rng) -> String {
    if rng.chance(0.25) {
        return rng.pick(ID_OLD_SINGLE).to_string();
    }
    javanese_name(rng).replace('J', "DJ").replace('C', "TJ").replace('Y', "J").replace('U', "OE")
}

fn given(rng: &mut Rng) -> String {
    if rng.chance(0.55) { rng.pick(ID_GIVEN).to_string() } else { javanese_name(rng) }
}

fn family(rng: &mut Rng) -> String {
    if rng.chance(0.5) { rng.pick(ID_FAMILY).to_string() } else { javanese_name(rng) }
}

/// A generated Indonesian name's tokens.
fn indonesian_name(rng: &mut Rng) -> Vec<String> {
    let roll = rng.below(100);
    let mut tokens: Vec<String> = Vec::new();
    match roll {
        // A single name, the way many Javanese and older Indonesians are named.
        0..=11 => tokens.push(if rng.chance(0.3) { old_single(rng) } else { given(rng) }),
        // Muhammad and an Arabic-origin name, often a third.
        12..=29 => {
            tokens.push("MUHAMMAD".into());
            tokens.push(rng.pick(ID_ARABIC).into());
            if rng.chance(0.6) {
                tokens.push(if rng.chance(0.5) { given(rng) } else { family(rng) });
            }
        }
        30..=44 => {
            tokens.push(rng.pick(ID_ARABIC).into());
            tokens.push(given(rng));
            if rng.chance(0.5) {
                tokens.push(family(rng));
            }
        }
        _ => {
            tokens.push(given(rng));
            if rng.chance(0.45) {
                tokens.push(given(rng));
            }
            tokens.push(family(rng));
        }
    }
    let mut out: Vec<String> = Vec::new();
    for t in tokens {
        if !out.contains(&t) {
            out.push(t);
        }
    }
    out
}

fn foreign_name(rng: &mut Rng) -> Vec<String> {
    let mut out = vec![rng.pick(FOREIGN_GIVEN).to_string()];
    if rng.chance(0.25) {
        out.push(rng.pick(FOREIGN_GIVEN).to_string());
    }
    out.push(rng.pick(FOREIGN_FAMILY).to_string());
    out.dedup();
    out
}

fn date(rng: &mut Rng, from_year: u32, years: usize) -> (u32, u32, u32) {
    let y = from_year + rng.below(years) as u32;
    let m = 1 + rng.below(12) as u32;
    let days = match m {
        2 if y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400)) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (y, m, 1 + rng.below(days) as u32)
}

fn document_number(rng: &mut Rng, indonesian: bool) -> String {
    let letters = b"ABCDEFGHJKLMNPRSTUVWXYZ";
    let mut s = String::new();
    let letter = |rng: &mut Rng| char::from(letters.get(rng.below(letters.len())).copied().unwrap_or(b'X'));
    if indonesian {
        s.push(letter(rng));
        (0..7).for_each(|_| s.push(char::from(b'0' + rng.below(10) as u8)));
    } else {
        (0..2).for_each(|_| s.push(letter(rng)));
        (0..7).for_each(|_| s.push(char::from(b'0' + rng.below(10) as u8)));
    }
    s
}

/// One generated person: names (first primary), date of birth, nationality, sex, documents.
#[derive(Debug, Clone)]
pub struct Person {
    /// Each name's tokens; the first is the primary name.
    pub names: Vec<Vec<String>>,
    /// Year, month, day.
    pub born: (u32, u32, u32),
    /// Alpha-3.
    pub nationality: String,
    /// `M` or `F`.
    pub sex: &'static str,
    /// Passport numbers with their issuing state.
    pub documents: Vec<(String, String)>,
}

/// A person as the list or a population would hold them; `foreign_share` of them foreigners.
pub fn person(rng: &mut Rng, foreign_share: f64) -> Person {
    let foreign = rng.chance(foreign_share);
    let primary = if foreign { foreign_name(rng) } else { indonesian_name(rng) };
    let nationality = if foreign { rng.pick(FOREIGN_STATES).to_string() } else { "IDN".to_string() };
    let mut names = vec![primary];
    if rng.chance(0.2) {
        names.push(if foreign { foreign_name(rng) } else { indonesian_name(rng) });
    }
    let documents =
        if rng.chance(0.6) { vec![(document_number(rng, !foreign), nationality.clone())] } else { Vec::new() };
    Person { names, born: date(rng, 1940, 68), nationality, sex: if rng.chance(0.5) { "M" } else { "F" }, documents }
}

/// A list record for `person`, as ../shared/CLI.md specifies it.
pub fn record(rng: &mut Rng, id: usize, p: &Person) -> Value {
    let (y, m, d) = p.born;
    let dob = match rng.below(100) {
        0..=69 => Some(format!("{y:04}-{m:02}-{d:02}")),
        70..=79 => Some(format!("{y:04}-{m:02}")),
        80..=94 => Some(format!("{y:04}")),
        _ => None,
    };
    let list = if p.nationality == "IDN" || rng.chance(0.1) { "cegah" } else { "tangkal" };
    let mut r = json!({
        "entry_id": format!("CK-{id:07}"),
        "list": list,
        "names": p.names.iter().map(|n| n.join(" ")).collect::<Vec<_>>(),
        "nationality": p.nationality,
        "sex": p.sex,
        "documents": p.documents.iter().map(|(n, s)| json!({ "number": n, "issuing_state": s })).collect::<Vec<_>>(),
        "reason_code": if list == "cegah" { "C-PIDANA" } else { "T-IMIGRASI" },
        "authority": if list == "cegah" { "KEJAKSAAN AGUNG" } else { "DITJEN IMIGRASI" },
        "valid_from": "2025-01-01",
        "valid_until": "2027-12-31",
    });
    if let (Some(dob), Some(obj)) = (dob, r.as_object_mut()) {
        obj.insert("date_of_birth".into(), json!(dob));
    }
    if p.nationality == "IDN"
        && rng.chance(0.4)
        && let Some(obj) = r.as_object_mut()
    {
        let nik: String = (0..16).map(|_| char::from(b'0' + rng.below(10) as u8)).collect();
        obj.insert("nik".into(), json!(nik));
    }
    r
}

/// A traveller who is `p`, their passport spelling the name in one or more of the ways people really write it.
/// Returns the traveller and the changes made.
pub fn variant(rng: &mut Rng, p: &Person) -> (Vec<String>, (u32, u32, u32), Vec<&'static str>) {
    let mut tokens = p.names.first().cloned().unwrap_or_default();
    if p.names.len() > 1 && rng.chance(0.2) {
        tokens = p.names.get(1).cloned().unwrap_or_default();
    }
    let mut changes = Vec::new();
    let mut born = p.born;
    let wanted = 1 + rng.below(2);
    let mut tries = 0;
    let mut done = [false; 8];
    let mut title = None;
    while changes.len() < wanted && tries < 20 {
        tries += 1;
        // Each kind of change at most once.
        let kind = rng.below(8);
        if done.get(kind).copied().unwrap_or(true) {
            continue;
        }
        let before = changes.len();
        match kind {
            0 => {
                if let Some(t) = tokens.iter_mut().find(|t| *t == "MUHAMMAD") {
                    *t = rng.pick(MUHAMMAD).to_string();
                    changes.push("muhammad_spelling");
                }
            }
            // Indonesian spelling reforms apply to Indonesian names.
            1 if p.nationality == "IDN" => {
                let i = rng.below(tokens.len());
                if let Some(t) = tokens.get_mut(i) {
                    for (from, to) in RESPELLINGS {
                        if t.contains(from) {
                            *t = t.replacen(from, to, 1);
                            changes.push("respelled");
                            break;
                        }
                    }
                }
            }
            2 if tokens.len() >= 2 => {
                tokens.rotate_left(1);
                changes.push("order_changed");
            }
            3 if tokens.len() >= 2 => {
                let i = rng.below(tokens.len() - 1);
                let joined = format!(
                    "{}{}",
                    tokens.get(i).cloned().unwrap_or_default(),
                    tokens.get(i + 1).cloned().unwrap_or_default()
                );
                if joined.len() <= 20 {
                    tokens.splice(i..i + 2, [joined]);
                    changes.push("tokens_joined");
                }
            }
            4 => {
                // One typing error: a letter replaced by its neighbour, doubled or dropped, in a long enough token.
                let i = rng.below(tokens.len());
                if let Some(t) = tokens.get_mut(i).filter(|t| t.len() >= 5) {
                    let mut b = t.clone().into_bytes();
                    let at = 1 + rng.below(b.len() - 2);
                    match rng.below(3) {
                        0 => b.remove(at),
                        1 => {
                            let c = b.get(at).copied().unwrap_or(b'A');
                            b.insert(at, c);
                            c
                        }
                        _ => {
                            b.swap(at, at + 1);
                            0
                        }
                    };
                    *t = String::from_utf8(b).unwrap_or_default();
                    changes.push("typo");
                }
            }
            5 if born.2 <= 12 && born.1 != born.2 => {
                born = (born.0, born.2, born.1);
                changes.push("day_month_swapped");
            }
            6 => {
                // Added once the other changes are made, so that it is never joined to a name.
                title = Some(rng.pick(&["DR", "H", "HJ", "IR", "DRS", "PROF"]));
                changes.push("title_added");
            }
            _ => {}
        }
        if changes.len() > before
            && let Some(d) = done.get_mut(kind)
        {
            *d = true;
        }
    }
    if let Some(title) = title {
        tokens.insert(0, title.to_string());
    }
    if changes.is_empty() {
        changes.push("as_listed");
    }
    (tokens, born, changes)
}

/// Arguments of `gate-sim watchlist generate`.
#[derive(Debug, Clone, clap::Args)]
pub struct GenerateArgs {
    /// Number of list entries.
    #[arg(long, default_value_t = 1000)]
    pub entries: usize,
    /// Travellers who are true variants of listed people.
    #[arg(long, default_value_t = 0)]
    pub variants: usize,
    /// Travellers who are nobody on the list.
    #[arg(long, default_value_t = 0)]
    pub clean: usize,
    /// Seed of the generator.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Folder for list.jsonl and travellers.jsonl.
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Writes a synthetic list and traveller population.
pub fn generate_command(args: &GenerateArgs) -> ExitCode {
    match generate(args) {
        Ok(summary) => crate::cli::done(args.json, &summary, &format!("wrote {}", args.out.display())),
        Err(e) => crate::cli::fail(args.json, crate::cli::FAILED, "io", &e.to_string()),
    }
}

fn generate(args: &GenerateArgs) -> std::io::Result<Value> {
    std::fs::create_dir_all(&args.out)?;
    let mut rng = Rng::new(args.seed);
    let mut list = std::io::BufWriter::new(std::fs::File::create(args.out.join("list.jsonl"))?);
    let mut listed = Vec::new();
    // Passport numbers are unique: a clean traveller never carries one of the list's.
    let mut listed_numbers = std::collections::HashSet::new();
    for id in 0..args.entries {
        let p = person(&mut rng, 0.3);
        listed_numbers.extend(p.documents.iter().map(|(number, _)| number.clone()));
        let r = record(&mut rng, id, &p);
        writeln!(list, "{r}")?;
        if listed.len() < args.variants.max(1) * 4 {
            // The direction in which the entry's list applies: cegah on departure, tangkal on arrival.
            let direction =
                if r.get("list").and_then(|v| v.as_str()) == Some("cegah") { "departure" } else { "arrival" };
            listed.push((id, p, direction));
        }
    }
    list.flush()?;
    let mut out = std::io::BufWriter::new(std::fs::File::create(args.out.join("travellers.jsonl"))?);
    for _ in 0..args.variants {
        let Some((id, p, direction)) = listed.get(rng.below(listed.len())) else { break };
        let (tokens, (y, m, d), changes) = variant(&mut rng, p);
        let t = json!({
            "names": [tokens.join(" ")],
            "date_of_birth": format!("{y:04}-{m:02}-{d:02}"),
            "nationality": p.nationality,
            "direction": direction,
            "expected_entry_id": format!("CK-{id:07}"),
            "variations": changes,
        });
        writeln!(out, "{t}")?;
    }
    // The clean population comes from another stream, so nobody in it is drawn as a listed person.
    let mut clean_rng = Rng::new(args.seed ^ 0x5EED_C1EA_u64);
    for _ in 0..args.clean {
        let mut p = person(&mut clean_rng, 0.3);
        let indonesian = p.nationality == "IDN";
        for (number, _) in &mut p.documents {
            while listed_numbers.contains(number) {
                *number = document_number(&mut clean_rng, indonesian);
            }
        }
        let (y, m, d) = p.born;
        let direction = if p.nationality == "IDN" { "departure" } else { "arrival" };
        let t = json!({
            "names": [p.names.first().map(|n| n.join(" ")).unwrap_or_default()],
            "date_of_birth": format!("{y:04}-{m:02}-{d:02}"),
            "nationality": p.nationality,
            "documents": p.documents.iter().map(|(n, s)| json!({ "number": n, "issuing_state": s })).collect::<Vec<_>>(),
            "direction": direction,
        });
        writeln!(out, "{t}")?;
    }
    out.flush()?;
    Ok(json!({ "list": args.out.join("list.jsonl"), "travellers": args.out.join("travellers.jsonl"),
        "entries": args.entries, "variants": args.variants, "clean": args.clean, "seed": args.seed }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_gives_the_same_list() {
        let mut a = Rng::new(7);
        let mut b = Rng::new(7);
        for id in 0..50 {
            let (pa, pb) = (person(&mut a, 0.3), person(&mut b, 0.3));
            assert_eq!(record(&mut a, id, &pa), record(&mut b, id, &pb));
        }
    }

    #[test]
    fn records_have_the_documented_fields() {
        let mut rng = Rng::new(1);
        let mut single = 0;
        let mut partial = 0;
        for id in 0..2000 {
            let p = person(&mut rng, 0.3);
            let r = record(&mut rng, id, &p);
            assert!(r["entry_id"].as_str().unwrap().starts_with("CK-"));
            assert!(matches!(r["list"].as_str(), Some("cegah" | "tangkal")));
            let names = r["names"].as_array().unwrap();
            assert!(!names.is_empty());
            single += usize::from(!names[0].as_str().unwrap().contains(' '));
            if let Some(d) = r["date_of_birth"].as_str() {
                partial += usize::from(d.len() < 10);
                assert!(d.len() == 4 || d.len() == 7 || d.len() == 10, "{d}");
            }
            if r["list"] == "tangkal" {
                assert_ne!(r["nationality"], "IDN");
            }
            if let Some(nik) = r["nik"].as_str() {
                assert_eq!(nik.len(), 16);
            }
        }
        // About 12 % of Indonesians (70 % of entries) carry a single name; about a quarter of dates are partial.
        assert!((100..250).contains(&single), "{single}");
        assert!((350..650).contains(&partial), "{partial}");
    }

    #[test]
    fn variants_change_what_they_say() {
        let mut rng = Rng::new(3);
        let p = Person {
            names: vec![vec!["MUHAMMAD".into(), "RIZKY".into(), "PRATAMA".into()]],
            born: (1985, 3, 4),
            nationality: "IDN".into(),
            sex: "M",
            documents: Vec::new(),
        };
        for _ in 0..200 {
            let (tokens, born, changes) = variant(&mut rng, &p);
            if changes.contains(&"day_month_swapped") {
                assert_eq!(born, (1985, 4, 3));
            } else {
                assert_eq!(born, p.born);
            }
            if changes == ["as_listed"] {
                assert_eq!(tokens, p.names[0]);
            }
            if changes.contains(&"muhammad_spelling") {
                assert!(tokens.iter().any(|t| MUHAMMAD.contains(&t.as_str())));
            }
        }
    }
}
