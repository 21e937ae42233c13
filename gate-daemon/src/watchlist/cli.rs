//! What the list authority runs (../shared/CLI.md): `gate-daemon watchlist keygen --out DIR` and
//! `gate-daemon watchlist sign --key FILE --version N [--delta] RECORDS.jsonl --out BUNDLE`.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::SystemTime;

use serde_json::json;

use super::bundle::{self, BundleError, Kind};

/// The stable snake_case kind of a bundle error, for `{"error": {"kind"}}`.
pub fn error_kind(e: &BundleError) -> &'static str {
    match e {
        BundleError::Unsigned => "watchlist_unsigned",
        BundleError::BadSignature | BundleError::SignatureEncoding => "watchlist_bad_signature",
        BundleError::PayloadMismatch | BundleError::CountMismatch { .. } | BundleError::LineEndingsChanged => {
            "watchlist_tampered"
        }
        BundleError::Record(_) => "watchlist_broken_line",
        BundleError::RolledBack { .. } | BundleError::CreatedBeforeInForce { .. } => "watchlist_rolled_back",
        BundleError::OutOfOrder { .. } | BundleError::DeltaWithoutBase { .. } => "watchlist_out_of_order",
        BundleError::CreatedInFuture { .. } => "watchlist_from_the_future",
        BundleError::KeyFile { .. } | BundleError::KeyExists { .. } => "watchlist_key",
        BundleError::Io { .. } => "unreadable_input",
        BundleError::Random => "internal",
        _ => "watchlist_invalid",
    }
}

fn fail(json: bool, e: &BundleError) -> ExitCode {
    let code = match e {
        BundleError::Io { .. } | BundleError::Record(_) => 2,
        _ => 1,
    };
    crate::output::fail(json, code, error_kind(e), &e.to_string())
}

/// Arguments of `gate-daemon watchlist keygen`.
#[derive(Debug, Clone, clap::Args)]
pub struct KeygenArgs {
    /// Folder for `authority.key` (the secret seed, mode 0600) and `authority.pub` (for the gates' config).
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Makes the list authority's Ed25519 key pair.
pub fn keygen_command(args: &KeygenArgs) -> ExitCode {
    match bundle::keygen(&args.out) {
        Ok(public) => {
            let public_hex = hex::encode(public.as_bytes());
            let key = args.out.join("authority.key");
            let public_path = args.out.join("authority.pub");
            if args.json {
                println!("{}", json!({ "key": key, "public_key": public_path, "public_key_hex": public_hex }));
            } else {
                println!("wrote {} (keep it offline) and {}: {public_hex}", key.display(), public_path.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(args.json, &e),
    }
}

/// Arguments of `gate-daemon watchlist sign`.
#[derive(Debug, Clone, clap::Args)]
pub struct SignArgs {
    /// The authority's secret key (`authority.key`).
    #[arg(long)]
    pub key: PathBuf,
    /// The list's version: above the one in force for a full list, exactly one above for a delta.
    #[arg(long)]
    pub version: u64,
    /// The file holds add and remove operations, not a whole list.
    #[arg(long)]
    pub delta: bool,
    /// The records (JSON lines), or with --delta the operations.
    pub records: PathBuf,
    /// Where to write the signed bundle.
    #[arg(long)]
    pub out: PathBuf,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Signs a list or a delta as the list authority.
pub fn sign_command(args: &SignArgs) -> ExitCode {
    let io = |path: &PathBuf, source: std::io::Error| BundleError::Io { path: path.clone(), source };
    let result = (|| -> Result<(Vec<u8>, usize), BundleError> {
        let key = bundle::load_signing_key(&args.key)?;
        let payload = std::fs::read(&args.records).map_err(|e| io(&args.records, e))?;
        let kind = if args.delta { Kind::Delta } else { Kind::Full };
        let signed = bundle::sign(&key, args.version, kind, &payload, SystemTime::now())?;
        std::fs::write(&args.out, &signed).map_err(|e| io(&args.out, e))?;
        let lines = payload.split(|&b| b == b'\n').filter(|l| l.iter().any(|b| !b.is_ascii_whitespace())).count();
        Ok((signed, lines))
    })();
    match result {
        Ok((signed, lines)) => {
            let kind = if args.delta { "delta" } else { "full" };
            if args.json {
                println!(
                    "{}",
                    json!({ "bundle": args.out, "kind": kind, "version": args.version, "records": lines,
                            "bytes": signed.len() })
                );
            } else {
                println!("signed {kind} list version {} ({lines} lines) into {}", args.version, args.out.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => fail(args.json, &e),
    }
}

/// The `[watchlist]` table of the gate's configuration (default /etc/autogate/gate.toml); command-line options
/// override it.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WatchlistConfig {
    /// The database of the list in force.
    pub db: PathBuf,
    /// The list authority's Ed25519 public key, 64 hex digits.
    pub public_key: Option<String>,
    /// Or the file holding it.
    pub public_key_file: Option<PathBuf>,
    /// A list older than this makes the gate refer every traveller.
    pub max_age_hours: u64,
    /// Scores at or above it are a `hit`.
    pub hit: f32,
    /// Scores at or above it (and below `hit`) are `possible`.
    pub possible: f32,
}

impl Default for WatchlistConfig {
    fn default() -> Self {
        WatchlistConfig {
            db: PathBuf::from("/var/lib/autogate/watchlist.redb"),
            public_key: None,
            public_key_file: None,
            max_age_hours: 72,
            hit: 0.9,
            possible: 0.75,
        }
    }
}

/// The default configuration file.
pub const DEFAULT_CONFIG: &str = "/etc/autogate/gate.toml";

/// Reads the `[watchlist]` table of `path`; the defaults when `path` is the default and absent.
///
/// # Errors
/// A message naming the file and the key when the file cannot be read or the table is wrong.
pub fn load_config(path: Option<&std::path::Path>) -> Result<WatchlistConfig, String> {
    #[derive(serde::Deserialize, Default)]
    struct File {
        #[serde(default)]
        watchlist: Option<toml::Value>,
    }
    let (path, explicit) = match path {
        Some(p) => (p.to_path_buf(), true),
        None => (PathBuf::from(DEFAULT_CONFIG), false),
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if !explicit && e.kind() == std::io::ErrorKind::NotFound => return Ok(WatchlistConfig::default()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let file: File = toml::from_str(&text).map_err(|e| format!("{}: {}", path.display(), e.message()))?;
    match file.watchlist {
        None => Ok(WatchlistConfig::default()),
        Some(table) => {
            WatchlistConfig::deserialize(table).map_err(|e| format!("{}: [watchlist]: {}", path.display(), e.message()))
        }
    }
}

use serde::Deserialize as _;

/// Where the list is and whom to believe: shared by `import` and `check`.
#[derive(Debug, Clone, clap::Args)]
pub struct StoreArgs {
    /// The database of the list in force (default: the config's `db`, else /var/lib/autogate/watchlist.redb).
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// The gate's configuration file.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// Arguments of `gate-daemon watchlist import`.
#[derive(Debug, Clone, clap::Args)]
pub struct ImportArgs {
    /// A bundle made by `watchlist sign`.
    pub bundle: PathBuf,
    /// The list authority's public key file (`authority.pub`), instead of the config's.
    #[arg(long, value_name = "FILE")]
    pub public_key: Option<PathBuf>,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Verifies a bundle against the authority's key and makes it the list in force.
pub fn import_command(args: &ImportArgs) -> ExitCode {
    let started = std::time::Instant::now();
    let config = match load_config(args.store.config.as_deref()) {
        Ok(c) => c,
        Err(message) => return crate::output::fail(args.json, 2, "config_invalid", &message),
    };
    let key = match (&args.public_key, &config.public_key, &config.public_key_file) {
        (Some(file), _, _) | (None, None, Some(file)) => bundle::load_public_key(file),
        (None, Some(hex), _) => bundle::parse_public_key(hex)
            .map_err(|problem| BundleError::KeyFile { path: PathBuf::from("[watchlist] public_key"), problem }),
        (None, None, None) => {
            let message = "give the list authority's public key with --public-key or [watchlist] public_key";
            return crate::output::fail(args.json, 2, "usage", message);
        }
    };
    let key = match key {
        Ok(k) => k,
        Err(e) => return fail(args.json, &e),
    };
    // Read from the file line by line: a list of a million entries is never held whole.
    let bundle = match bundle::open_file(&args.bundle, &key, SystemTime::now()) {
        Ok(b) => b,
        Err(e) => return fail(args.json, &e),
    };
    let db = args.store.db.clone().unwrap_or(config.db);
    let store = match super::store::Store::open_for_import(&db) {
        Ok(s) => s,
        Err(e) => return store_fail(args.json, &e),
    };
    match store.import_open(bundle) {
        Ok(report) => {
            let elapsed_ms = started.elapsed().as_millis();
            if args.json {
                println!(
                    "{}",
                    json!({ "imported": report.kind.as_str(), "version": report.version, "records": report.records,
                            "entries": report.entries, "db": db, "elapsed_ms": elapsed_ms })
                );
            } else {
                println!(
                    "list version {} in force ({} {}, {} entries) in {elapsed_ms} ms",
                    report.version, report.kind, report.records, report.entries
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => store_fail(args.json, &e),
    }
}

/// Prints a store error (a refused bundle keeps its own kind) and returns its exit status.
pub fn store_fail(json: bool, e: &super::store::StoreError) -> ExitCode {
    use super::store::StoreError;
    match e {
        StoreError::Bundle(b) => fail(json, b),
        StoreError::RemoveUnknown { .. } => crate::output::fail(json, 1, "watchlist_out_of_order", &e.to_string()),
        _ => crate::output::fail(json, 1, "watchlist_store", &e.to_string()),
    }
}

/// Arguments of `gate-daemon watchlist check`.
#[derive(Debug, Clone, clap::Args)]
pub struct CheckArgs {
    /// The traveller's direction: `arrival` (tangkal applies to foreigners) or `departure` (cegah applies).
    #[arg(long, value_parser = ["arrival", "departure"])]
    pub direction: String,
    /// A line of the traveller's MRZ (give each line): names, date of birth, nationality and document from it.
    #[arg(long = "mrz", value_name = "LINE")]
    pub mrz: Vec<String>,
    /// Surname (primary identifier).
    #[arg(long)]
    pub surname: Option<String>,
    /// Given names (secondary identifier).
    #[arg(long)]
    pub given_names: Option<String>,
    /// Date of birth: YYYY-MM-DD, YYYY-MM or YYYY.
    #[arg(long, value_name = "DATE")]
    pub date_of_birth: Option<String>,
    /// Nationality, ICAO 9303 code.
    #[arg(long, value_name = "XXX")]
    pub nationality: Option<String>,
    /// Document number.
    #[arg(long, value_name = "N")]
    pub document_number: Option<String>,
    /// The document's issuing state.
    #[arg(long, value_name = "XXX")]
    pub issuing_state: Option<String>,
    /// Score every entry instead of looking the traveller up in the index (for comparison).
    #[arg(long)]
    pub scan: bool,
    #[command(flatten)]
    pub store: StoreArgs,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

fn birth_date(text: &str) -> Option<super::score::BirthDate> {
    let mut parts = text.split('-');
    let year: u16 = parts.next().filter(|y| y.len() == 4)?.parse().ok()?;
    let month = match parts.next() {
        Some(m) => Some(m.parse::<u8>().ok().filter(|m| (1..=12).contains(m))?),
        None => None,
    };
    let day = match parts.next() {
        Some(d) => Some(d.parse::<u8>().ok().filter(|d| (1..=31).contains(d))?),
        None => None,
    };
    if parts.next().is_some() {
        return None;
    }
    Some(super::score::BirthDate { year, month, day })
}

/// Screens one traveller against the list in force.
pub fn check_command(args: &CheckArgs) -> ExitCode {
    use super::score::{Direction, Query, ScoreConfig, TravelDocument};

    let config = match load_config(args.store.config.as_deref()) {
        Ok(c) => c,
        Err(message) => return crate::output::fail(args.json, 2, "config_invalid", &message),
    };
    let direction = if args.direction == "arrival" { Direction::Arrival } else { Direction::Departure };
    let mut query = Query {
        names: Vec::new(),
        date_of_birth: None,
        nationality: None,
        sex: None,
        documents: Vec::new(),
        direction,
    };
    if !args.mrz.is_empty() {
        let mrz = match mrtd::mrz::Mrz::parse(&args.mrz) {
            Ok(m) => m,
            Err(e) => return crate::output::fail(args.json, 2, "mrz_invalid", &format!("the MRZ is not valid: {e}")),
        };
        query = super::check::query_from_mrz(&mrz, direction, crate::cli::today());
    }
    if args.nationality.is_some() {
        query.nationality = args.nationality.clone();
    }
    let mut names = Vec::new();
    if args.surname.is_some() || args.given_names.is_some() {
        names.push(format!("{} {}", args.surname.as_deref().unwrap_or(""), args.given_names.as_deref().unwrap_or("")));
    }
    if query.names.is_empty() && names.iter().all(|n| n.trim().is_empty()) && args.document_number.is_none() {
        return crate::output::fail(args.json, 2, "usage", "give the traveller's --mrz, or --surname/--given-names");
    }
    if let Some(text) = &args.date_of_birth {
        match birth_date(text) {
            Some(d) => query.date_of_birth = Some(d),
            None => {
                let message = format!("--date-of-birth {text}: give YYYY-MM-DD, YYYY-MM or YYYY");
                return crate::output::fail(args.json, 2, "usage", &message);
            }
        }
    }
    if let Some(number) = &args.document_number {
        let state = args.issuing_state.clone().or_else(|| query.nationality.clone()).unwrap_or_default();
        query.documents.push(TravelDocument { number: number.clone(), issuing_state: state });
    }
    query.names.extend(names.iter().map(|n| super::normalise::normalise_name(n)));
    let score_config = ScoreConfig { hit: config.hit, possible: config.possible, ..ScoreConfig::default() };
    if let Err(e) = score_config.validate() {
        return crate::output::fail(args.json, 2, "config_invalid", &e.to_string());
    }
    let db = args.store.db.clone().unwrap_or(config.db);
    let store = match super::store::Store::open(&db) {
        Ok(s) => s,
        Err(e) => return store_fail(args.json, &e),
    };
    let info = match store.info() {
        Ok(Some(info)) => info,
        Ok(None) => {
            let message = "no watchlist is in force: every traveller is referred until one is imported";
            return crate::output::fail(args.json, 1, "watchlist_missing", message);
        }
        Err(e) => return store_fail(args.json, &e),
    };
    let max_age = std::time::Duration::from_secs(config.max_age_hours.saturating_mul(3600));
    let stale = super::check::is_stale(info.created, max_age);
    let screening = if args.scan {
        super::check::screen_by_scan(&store, &query, &score_config)
    } else {
        super::check::screen(&store, &query, &score_config)
    };
    let screening = match screening {
        Ok(s) => s,
        Err(e) => return store_fail(args.json, &e),
    };
    let matches: Vec<serde_json::Value> = screening
        .matches
        .iter()
        .map(|f| {
            json!({ "entry_id": f.entry_id, "list": f.list.as_str(),
                    "score": (f64::from(f.matched.score) * 1000.0).round() / 1000.0, "why": f.matched.why })
        })
        .collect();
    let mut report = json!({
        "result": screening.result.as_str(),
        "list_version": info.version,
        "matches": matches,
        "elapsed_us": screening.elapsed.as_micros() as u64,
        "scored": screening.scored,
    });
    if stale && let Some(map) = report.as_object_mut() {
        // Fail closed: the officer is told why every traveller is referred.
        let why = bundle::freshness(info.created, SystemTime::now(), max_age).to_string();
        map.insert("refer".into(), json!("watchlist_stale"));
        map.insert("refer_why".into(), json!(why));
    }
    if args.json {
        println!("{report}");
    } else {
        println!("{} (list version {}, {} µs)", screening.result.as_str(), info.version, screening.elapsed.as_micros());
        for f in &screening.matches {
            println!("  {} {} {:.3}: {}", f.entry_id, f.list.as_str(), f.matched.score, f.matched.why.join("; "));
        }
        if stale {
            println!("  refer: {}", bundle::freshness(info.created, SystemTime::now(), max_age));
        }
    }
    ExitCode::SUCCESS
}
