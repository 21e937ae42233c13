//! The list in force, on the board: an embedded redb database (a copy-on-write B-tree store whose commits are atomic
//! and durable), so that a list is switched in one transaction and a crash in the middle of an import leaves the
//! previous list in force.
//!
//! Tables: `meta` (version, creation time, entry count of the list in force), `records` (entry number → the record
//! as JSON), `entries` (entry id → entry number), `postings` (index key → entry numbers, little-endian `u32`s) and
//! `documents` (issuing state and document number → entry numbers) and `tokens` (canonical name token → how many
//! entries hold it, which weighs the token by the information it carries).
//!
//! Index keys: each blocking key of each of a record's names ([`super::normalise::blocking_keys`]: every name
//! token's phonetic key and the keys of neighbouring tokens joined), combined with each part of the date of birth the
//! list knows (the year; the year and month; the full date), or alone when it knows none. A query looks up its keys
//! alone and with each part of its date of birth (and with day and month swapped), so a listed person is found when
//! one name token (or two neighbouring tokens joined) sounds alike and the date of birth agrees as far as the list
//! knows it. Keys whose postings exceed [`MAX_POSTING`] entries are not selective enough to be worth scoring and are
//! skipped: a common token with a year says little, the same token with the full date much more.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::bundle::{self, BundleError, Kind, ListState, Payload, VerifiedBundle};
use super::normalise::{self, BlockingKey, NormalName};
use super::record::{self, DeltaOp, ListKind, Record};

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RECORDS: TableDefinition<u32, &[u8]> = TableDefinition::new("records");
const ENTRIES: TableDefinition<&str, u32> = TableDefinition::new("entries");
const POSTINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("postings");
const DOCUMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("documents");
const TOKENS: TableDefinition<&str, u32> = TableDefinition::new("tokens");
const PREPARED: TableDefinition<u32, &[u8]> = TableDefinition::new("prepared");

/// Postings longer than this are skipped at query time: a key shared by that many entries says little.
pub const MAX_POSTING: usize = 400;

/// Why the store failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file cannot be opened, read or written.
    #[error("watchlist database {path}: {source}")]
    Database {
        /// The file.
        path: PathBuf,
        /// redb's error.
        #[source]
        source: redb::Error,
    },
    /// A stored record does not parse: the database was changed outside the gate.
    #[error("watchlist database {path}: entry {entry} is corrupt")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// The entry number.
        entry: u32,
    },
    /// The bundle was refused: the list in force stays in force.
    #[error(transparent)]
    Bundle(#[from] BundleError),
    /// A delta removes an entry the list does not have.
    #[error("the delta removes entry {entry_id}, which the list in force does not have")]
    RemoveUnknown {
        /// The entry id.
        entry_id: String,
    },
    /// More entries than entry numbers.
    #[error("the list would hold more than 4,294,967,295 entries")]
    TooManyEntries,
}

/// What the gate knows of the list in force.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ListInfo {
    /// The authority's version.
    pub version: u64,
    /// When the authority created it (for a delta, the delta's time).
    pub created: SystemTime,
    /// How many entries it holds.
    pub entries: u64,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    /// Full or delta.
    pub kind: Kind,
    /// The version now in force.
    pub version: u64,
    /// Records or operations in the bundle.
    pub records: usize,
    /// Entries in force after the import.
    pub entries: u64,
}

/// The watchlist database.
#[derive(Debug)]
pub struct Store {
    db: Database,
    path: PathBuf,
    /// The `tokens` table of the list in force, read once per list: every screening weighs its tokens with it.
    counts: Mutex<Option<(ListInfo, Arc<TokenCounts>)>>,
}

/// How many entries hold each canonical name token.
pub type TokenCounts = HashMap<Box<str>, u32>;

/// What screening needs of an entry, as the `prepared` table holds it: read without JSON.
#[derive(Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The authority's entry id.
    pub entry_id: String,
    /// Which list.
    pub list: ListKind,
    /// Full names as written.
    pub names: Vec<String>,
    /// Date of birth: year, month, day, as far as known.
    pub date_of_birth: Option<(u16, Option<u8>, Option<u8>)>,
    /// Nationality, as an ICAO 9303 code.
    pub nationality: Option<String>,
    /// Sex, when male or female.
    pub sex: Option<record::Sex>,
    /// Known travel documents: issuing state and number.
    pub documents: Vec<(String, String)>,
}

impl fmt::Debug for Prepared {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Prepared({}, {}, redacted)", self.entry_id, self.list)
    }
}

/// What one screening reads from the list in force, in one read transaction.
#[derive(Debug)]
pub struct Lookup {
    /// The list in force.
    pub info: Option<ListInfo>,
    /// The entries worth scoring, by entry number.
    pub candidates: Vec<Prepared>,
    /// How many entries hold each name token.
    pub counts: Arc<TokenCounts>,
}

fn put_str(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    let len = u16::try_from(bytes.len()).unwrap_or(u16::MAX);
    out.extend_from_slice(&len.to_le_bytes());
    out.extend_from_slice(bytes.get(..usize::from(len)).unwrap_or_default());
}

fn put_count(out: &mut Vec<u8>, count: usize) {
    out.extend_from_slice(&u16::try_from(count).unwrap_or(u16::MAX).to_le_bytes());
}

/// The `prepared` form of a record: list, sex, date of birth (year, month, day; 0 when unknown), nationality,
/// entry id, names and documents, each string as a little-endian `u16` length and its UTF-8 bytes, each sequence
/// as a `u16` count and its items.
fn encode_prepared(record: &Record) -> Vec<u8> {
    let mut out = Vec::with_capacity(128);
    out.push(match record.list {
        ListKind::Cegah => 0,
        ListKind::Tangkal => 1,
    });
    out.push(match record.sex {
        Some(record::Sex::Male) => 1,
        Some(record::Sex::Female) => 2,
        _ => 0,
    });
    let (year, month, day) =
        record.date_of_birth.map_or((0, 0, 0), |d| (d.year, d.month.unwrap_or(0), d.day.unwrap_or(0)));
    out.extend_from_slice(&year.to_le_bytes());
    out.push(month);
    out.push(day);
    put_str(&mut out, record.nationality.as_ref().map_or("", |c| c.as_str()));
    put_str(&mut out, &record.entry_id);
    let names = record.names.len().min(usize::from(u16::MAX));
    put_count(&mut out, names);
    for name in record.names.iter().take(names) {
        put_str(&mut out, name);
    }
    let documents = record.documents.len().min(usize::from(u16::MAX));
    put_count(&mut out, documents);
    for d in record.documents.iter().take(documents) {
        put_str(&mut out, d.issuing_state.as_str());
        put_str(&mut out, &d.number);
    }
    out
}

/// Reads the `prepared` form, refusing short input and trailing bytes.
struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn u8(&mut self) -> Option<u8> {
        self.take(1)?.first().copied()
    }

    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }

    fn str(&mut self) -> Option<&'a str> {
        let len = self.u16()?;
        std::str::from_utf8(self.take(usize::from(len))?).ok()
    }
}

fn decode_prepared(bytes: &[u8]) -> Option<Prepared> {
    let mut r = Reader(bytes);
    let list = match r.u8()? {
        0 => ListKind::Cegah,
        1 => ListKind::Tangkal,
        _ => return None,
    };
    let sex = match r.u8()? {
        0 => None,
        1 => Some(record::Sex::Male),
        2 => Some(record::Sex::Female),
        _ => return None,
    };
    let (year, month, day) = (r.u16()?, r.u8()?, r.u8()?);
    let date_of_birth = (year != 0).then_some((year, (month != 0).then_some(month), (day != 0).then_some(day)));
    let nationality = Some(r.str()?).filter(|n| !n.is_empty()).map(str::to_owned);
    let entry_id = r.str()?.to_owned();
    let names = (0..r.u16()?).map(|_| r.str().map(str::to_owned)).collect::<Option<Vec<_>>>()?;
    let documents =
        (0..r.u16()?).map(|_| Some((r.str()?.to_owned(), r.str()?.to_owned()))).collect::<Option<Vec<_>>>()?;
    r.0.is_empty().then_some(Prepared { entry_id, list, names, date_of_birth, nationality, sex, documents })
}

/// What of the date of birth an index key carries: nothing, the year, the year and month, or the full date.
fn date_tags(year: u16, month: Option<u8>, day: Option<u8>) -> impl Iterator<Item = u64> {
    let y = u64::from(year);
    let ym = month.map(|m| (y << 16) | (u64::from(m) << 8));
    let ymd = month.zip(day).map(|(m, d)| (y << 16) | (u64::from(m) << 8) | u64::from(d));
    [Some(y), ym, ymd].into_iter().flatten()
}

/// The tag of the year of an entry that knows only the year of birth.
fn year_only_tag(year: u16) -> u64 {
    YEAR_ONLY | u64::from(year)
}

/// Marks [`year_only_tag`]s apart from the tags of [`date_tags`], which stay below 2^32.
const YEAR_ONLY: u64 = 1 << 40;

/// Postings longer than this are skipped for keys that carry only the year: a name with the year alone selects
/// little, and an entry that knows more of its date is found by its month or full date as well. Entries that know
/// only the year are filed under a key of their own ([`year_only_tag`]), which the usual limit applies to.
pub const MAX_YEAR_POSTING: usize = 40;

/// Mixes a blocking key with a date tag (0: no date) into one index key (SplitMix64's finaliser).
fn index_key(key: BlockingKey, tag: u64) -> u64 {
    let mut z = key.0 ^ tag.rotate_left(29) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The index keys a record is filed under: each blocking key of each name with each part of the date of birth the
/// list knows (year; year and month; full date), or alone when the list knows no date.
pub fn record_keys(record: &Record) -> Vec<u64> {
    let tags: Vec<u64> = match record.date_of_birth {
        Some(d) if d.month.is_none() => vec![u64::from(d.year), year_only_tag(d.year)],
        Some(d) => date_tags(d.year, d.month, d.day).collect(),
        None => vec![0],
    };
    let mut keys: Vec<u64> = record
        .names
        .iter()
        .flat_map(|n| normalise::blocking_keys(&normalise::normalise_name(n)))
        .flat_map(|k| tags.iter().map(move |&t| index_key(k, t)))
        .collect();
    keys.sort_unstable();
    keys.dedup();
    keys
}

/// The index keys a traveller is looked up under, each with the longest posting worth reading: each blocking key of
/// each name alone (entries without a date of birth) and with each part of the traveller's date of birth, and with
/// the date whose day and month are swapped. Keys with the year alone are read up to [`MAX_YEAR_POSTING`] entries,
/// and with the year of entries that know only the year up to [`MAX_POSTING`]; the others up to [`MAX_POSTING`].
pub fn query_keys(names: &[NormalName], date: Option<(u16, Option<u8>, Option<u8>)>) -> Vec<(u64, usize)> {
    let mut tags = vec![(0, MAX_POSTING)];
    if let Some((year, month, day)) = date {
        tags.push((year_only_tag(year), MAX_POSTING));
        let limit = if month.is_some() { MAX_YEAR_POSTING } else { MAX_POSTING };
        tags.extend(date_tags(year, month, day).map(|t| (t, if t == u64::from(year) { limit } else { MAX_POSTING })));
        if let (Some(m), Some(d)) = (month, day)
            && d <= 12
            && d != m
        {
            tags.extend(date_tags(year, Some(d), Some(m)).skip(1).map(|t| (t, MAX_POSTING)));
        }
    }
    let mut keys = Vec::new();
    for name in names {
        for k in normalise::blocking_keys(name) {
            keys.extend(tags.iter().map(|&(t, limit)| (index_key(k, t), limit)));
        }
    }
    keys.sort_unstable();
    keys.dedup_by_key(|(k, _)| *k);
    keys
}

/// The canonical name tokens of a record's names, each once.
fn record_tokens(record: &Record) -> BTreeSet<String> {
    record
        .names
        .iter()
        .flat_map(|n| {
            normalise::normalise_name(n)
                .tokens
                .into_iter()
                .filter(|t| t.kind == normalise::TokenKind::Name)
                .map(|t| t.canonical.to_string())
        })
        .collect()
}

fn document_key(state: &str, number: &str) -> String {
    let number: String = number.chars().filter(|c| c.is_ascii_alphanumeric()).collect();
    format!("{}:{}", state.trim_end_matches('<'), number.to_ascii_uppercase())
}

fn encode_ids(ids: &[u32]) -> Vec<u8> {
    ids.iter().flat_map(|i| i.to_le_bytes()).collect()
}

fn decode_ids(bytes: &[u8]) -> impl Iterator<Item = u32> + '_ {
    bytes.chunks_exact(4).filter_map(|c| <[u8; 4]>::try_from(c).ok()).map(u32::from_le_bytes)
}

fn system_time(secs: u64) -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(secs)
}

fn unix_secs(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

impl Store {
    /// Opens the database at `path`, creating it (and its folder) when missing.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the file cannot be opened or is not a redb database.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| db_error(path, redb::Error::Io(e)))?;
        }
        let db = Database::create(path).map_err(|e| db_error(path, e.into()))?;
        Ok(Store { db, path: path.to_path_buf(), counts: Mutex::new(None) })
    }

    fn err(&self, e: impl Into<redb::Error>) -> StoreError {
        db_error(&self.path, e.into())
    }

    /// The list in force, if any.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn info(&self) -> Result<Option<ListInfo>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        self.read_info(&txn)
    }

    fn read_info(&self, txn: &redb::ReadTransaction) -> Result<Option<ListInfo>, StoreError> {
        let meta = match txn.open_table(META) {
            Ok(t) => t,
            Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
            Err(e) => return Err(self.err(e)),
        };
        let get = |k: &str| -> Result<Option<u64>, StoreError> {
            Ok(meta.get(k).map_err(|e| self.err(e))?.map(|v| v.value()))
        };
        match (get("version")?, get("created")?, get("entries")?) {
            (Some(version), Some(created), Some(entries)) => {
                Ok(Some(ListInfo { version, created: system_time(created), entries }))
            }
            _ => Ok(None),
        }
    }

    /// Imports a verified bundle: a full list replaces the list in force, a delta changes it, each in one
    /// transaction. The version rules of [`bundle::check_sequence`] are applied first; on any error the list in
    /// force stays as it was.
    ///
    /// # Errors
    /// [`StoreError::Bundle`] for a rolled-back or out-of-order list, [`StoreError::RemoveUnknown`],
    /// [`StoreError::Database`].
    pub fn import(&self, bundle: &VerifiedBundle) -> Result<ImportReport, StoreError> {
        let info = self.info()?;
        let state = info.map(|i| ListState { version: i.version, created: i.created });
        bundle::check_sequence(state.as_ref(), &bundle.manifest)?;
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let entries = match &bundle.payload {
            Payload::Full(records) => self.write_full(&txn, records)?,
            Payload::Delta(ops) => self.write_delta(&txn, ops, info.map_or(0, |i| i.entries))?,
        };
        {
            let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
            meta.insert("version", bundle.manifest.version).map_err(|e| self.err(e))?;
            meta.insert("created", unix_secs(bundle.manifest.created)).map_err(|e| self.err(e))?;
            meta.insert("entries", entries).map_err(|e| self.err(e))?;
        }
        // The commit is the switch: before it, readers and a restarted gate see the previous list.
        txn.commit().map_err(|e| self.err(e))?;
        Ok(ImportReport {
            kind: bundle.manifest.kind,
            version: bundle.manifest.version,
            records: bundle.payload.len(),
            entries,
        })
    }

    fn write_full(&self, txn: &redb::WriteTransaction, records: &[Record]) -> Result<u64, StoreError> {
        txn.delete_table(RECORDS).map_err(|e| self.err(e))?;
        txn.delete_table(ENTRIES).map_err(|e| self.err(e))?;
        txn.delete_table(POSTINGS).map_err(|e| self.err(e))?;
        txn.delete_table(DOCUMENTS).map_err(|e| self.err(e))?;
        txn.delete_table(TOKENS).map_err(|e| self.err(e))?;
        txn.delete_table(PREPARED).map_err(|e| self.err(e))?;
        let mut tokens: HashMap<String, u32> = HashMap::new();
        // (index key, entry number) pairs, sorted and grouped by key once all are known.
        let mut postings: Vec<(u64, u32)> = Vec::new();
        let mut documents: BTreeMap<String, Vec<u32>> = BTreeMap::new();
        {
            let mut table = txn.open_table(RECORDS).map_err(|e| self.err(e))?;
            let mut prepared = txn.open_table(PREPARED).map_err(|e| self.err(e))?;
            let mut entries = txn.open_table(ENTRIES).map_err(|e| self.err(e))?;
            for (i, record) in records.iter().enumerate() {
                let id = u32::try_from(i).map_err(|_| StoreError::TooManyEntries)?;
                let json = serde_json::to_vec(record).unwrap_or_default();
                table.insert(id, json.as_slice()).map_err(|e| self.err(e))?;
                prepared.insert(id, encode_prepared(record).as_slice()).map_err(|e| self.err(e))?;
                entries.insert(record.entry_id.as_str(), id).map_err(|e| self.err(e))?;
                postings.extend(record_keys(record).into_iter().map(|key| (key, id)));
                for d in &record.documents {
                    documents.entry(document_key(d.issuing_state.as_str(), &d.number)).or_default().push(id);
                }
                for token in record_tokens(record) {
                    *tokens.entry(token).or_default() += 1;
                }
            }
        }
        postings.sort_unstable();
        let mut table = txn.open_table(POSTINGS).map_err(|e| self.err(e))?;
        let mut ids = Vec::new();
        for group in postings.chunk_by(|a, b| a.0 == b.0) {
            if let Some(&(key, _)) = group.first() {
                ids.clear();
                ids.extend(group.iter().flat_map(|&(_, id)| id.to_le_bytes()));
                table.insert(key, ids.as_slice()).map_err(|e| self.err(e))?;
            }
        }
        drop(postings);
        let mut table = txn.open_table(DOCUMENTS).map_err(|e| self.err(e))?;
        for (key, ids) in documents {
            table.insert(key.as_str(), encode_ids(&ids).as_slice()).map_err(|e| self.err(e))?;
        }
        let mut table = txn.open_table(TOKENS).map_err(|e| self.err(e))?;
        for (token, count) in tokens {
            table.insert(token.as_str(), count).map_err(|e| self.err(e))?;
        }
        Ok(records.len() as u64)
    }

    fn write_delta(&self, txn: &redb::WriteTransaction, ops: &[DeltaOp], before: u64) -> Result<u64, StoreError> {
        let mut records = txn.open_table(RECORDS).map_err(|e| self.err(e))?;
        let mut prepared = txn.open_table(PREPARED).map_err(|e| self.err(e))?;
        let mut entries = txn.open_table(ENTRIES).map_err(|e| self.err(e))?;
        let mut postings = txn.open_table(POSTINGS).map_err(|e| self.err(e))?;
        let mut documents = txn.open_table(DOCUMENTS).map_err(|e| self.err(e))?;
        let mut tokens = txn.open_table(TOKENS).map_err(|e| self.err(e))?;
        let mut next = records.last().map_err(|e| self.err(e))?.map_or(0, |(k, _)| k.value().saturating_add(1));
        let mut count = before;
        for op in ops {
            // Whatever the op, the entry's current record leaves the indexes first.
            let existing = entries.remove(op.entry_id()).map_err(|e| self.err(e))?.map(|v| v.value());
            if let Some(id) = existing {
                let old = records.remove(id).map_err(|e| self.err(e))?.map(|v| v.value().to_vec());
                prepared.remove(id).map_err(|e| self.err(e))?;
                if let Some(bytes) = old {
                    let record: Record = serde_json::from_slice(&bytes)
                        .map_err(|_| StoreError::Corrupt { path: self.path.clone(), entry: id })?;
                    for key in record_keys(&record) {
                        remove_id(&mut postings, key, id).map_err(|e| self.err(e))?;
                    }
                    for d in &record.documents {
                        let key = document_key(d.issuing_state.as_str(), &d.number);
                        remove_doc(&mut documents, &key, id).map_err(|e| self.err(e))?;
                    }
                    for token in record_tokens(&record) {
                        let held = tokens.get(token.as_str()).map_err(|e| self.err(e))?.map_or(0, |v| v.value());
                        if held <= 1 {
                            tokens.remove(token.as_str()).map_err(|e| self.err(e))?;
                        } else {
                            tokens.insert(token.as_str(), held - 1).map_err(|e| self.err(e))?;
                        }
                    }
                }
                count = count.saturating_sub(1);
            }
            match op {
                DeltaOp::Remove { entry_id } if existing.is_none() => {
                    return Err(StoreError::RemoveUnknown { entry_id: entry_id.clone() });
                }
                DeltaOp::Remove { .. } => {}
                DeltaOp::Add(record) => {
                    let id = next;
                    next = next.checked_add(1).ok_or(StoreError::TooManyEntries)?;
                    let json = serde_json::to_vec(record).unwrap_or_default();
                    records.insert(id, json.as_slice()).map_err(|e| self.err(e))?;
                    prepared.insert(id, encode_prepared(record).as_slice()).map_err(|e| self.err(e))?;
                    entries.insert(record.entry_id.as_str(), id).map_err(|e| self.err(e))?;
                    for key in record_keys(record) {
                        add_id(&mut postings, key, id).map_err(|e| self.err(e))?;
                    }
                    for d in &record.documents {
                        let key = document_key(d.issuing_state.as_str(), &d.number);
                        let mut ids: Vec<u32> = documents
                            .get(key.as_str())
                            .map_err(|e| self.err(e))?
                            .map(|v| decode_ids(v.value()).collect())
                            .unwrap_or_default();
                        ids.push(id);
                        documents.insert(key.as_str(), encode_ids(&ids).as_slice()).map_err(|e| self.err(e))?;
                    }
                    for token in record_tokens(record) {
                        let held = tokens.get(token.as_str()).map_err(|e| self.err(e))?.map_or(0, |v| v.value());
                        tokens.insert(token.as_str(), held.saturating_add(1)).map_err(|e| self.err(e))?;
                    }
                    count += 1;
                }
            }
        }
        Ok(count)
    }

    /// The entries filed under any of `keys` (skipping keys with more than [`MAX_POSTING`] entries) or holding one
    /// of `documents` (issuing state, number).
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub fn candidates(&self, keys: &[u64], documents: &[(&str, &str)]) -> Result<Vec<Record>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let (postings, docs, records) =
            match (txn.open_table(POSTINGS), txn.open_table(DOCUMENTS), txn.open_table(RECORDS)) {
                (Ok(p), Ok(d), Ok(r)) => (p, d, r),
                _ => return Ok(Vec::new()),
            };
        let mut ids = Vec::new();
        for key in keys {
            if let Some(v) = postings.get(key).map_err(|e| self.err(e))? {
                let bytes = v.value();
                if bytes.len() / 4 <= MAX_POSTING {
                    ids.extend(decode_ids(bytes));
                }
            }
        }
        for (state, number) in documents {
            if let Some(v) = docs.get(document_key(state, number).as_str()).map_err(|e| self.err(e))? {
                ids.extend(decode_ids(v.value()));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        let mut out = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(v) = records.get(id).map_err(|e| self.err(e))? {
                let record = serde_json::from_slice(v.value())
                    .map_err(|_| StoreError::Corrupt { path: self.path.clone(), entry: id })?;
                out.push(record);
            }
        }
        Ok(out)
    }

    /// What screening a traveller needs, read in one transaction: the list in force, the entries filed under any
    /// of `keys` (skipping keys whose postings are longer than the limit given with each) or holding one of `documents` (issuing
    /// state, number), in their prepared form, and the token counts of the list.
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub fn lookup(&self, keys: &[(u64, usize)], documents: &[(&str, &str)]) -> Result<Lookup, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let info = self.read_info(&txn)?;
        let counts = self.cached_counts(&txn, info)?;
        let (postings, docs, records) =
            match (txn.open_table(POSTINGS), txn.open_table(DOCUMENTS), txn.open_table(RECORDS)) {
                (Ok(p), Ok(d), Ok(r)) => (p, d, r),
                _ => return Ok(Lookup { info, candidates: Vec::new(), counts }),
            };
        let mut ids = Vec::new();
        for &(key, limit) in keys {
            if let Some(v) = postings.get(key).map_err(|e| self.err(e))? {
                let bytes = v.value();
                if bytes.len() / 4 <= limit {
                    ids.extend(decode_ids(bytes));
                }
            }
        }
        for (state, number) in documents {
            if let Some(v) = docs.get(document_key(state, number).as_str()).map_err(|e| self.err(e))? {
                ids.extend(decode_ids(v.value()));
            }
        }
        ids.sort_unstable();
        ids.dedup();
        // A list imported before the prepared form existed has only its JSON records.
        let prepared = txn.open_table(PREPARED).ok();
        let corrupt = |entry| StoreError::Corrupt { path: self.path.clone(), entry };
        let mut candidates = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(v) = prepared.as_ref().map(|t| t.get(id)).transpose().map_err(|e| self.err(e))?.flatten() {
                candidates.push(decode_prepared(v.value()).ok_or_else(|| corrupt(id))?);
            } else if let Some(v) = records.get(id).map_err(|e| self.err(e))? {
                let record: Record = serde_json::from_slice(v.value()).map_err(|_| corrupt(id))?;
                candidates.push(prepare(&record));
            }
        }
        Ok(Lookup { info, candidates, counts })
    }

    /// The token counts of the list in force, read from the database when the list changed since the last read.
    fn cached_counts(
        &self,
        txn: &redb::ReadTransaction,
        info: Option<ListInfo>,
    ) -> Result<Arc<TokenCounts>, StoreError> {
        let mut cache = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        if let (Some(info), Some((cached, counts))) = (info, cache.as_ref())
            && info == *cached
        {
            return Ok(Arc::clone(counts));
        }
        let mut counts = TokenCounts::new();
        if let Ok(table) = txn.open_table(TOKENS) {
            counts.reserve(usize::try_from(table.len().map_err(|e| self.err(e))?).unwrap_or(0));
            for item in table.iter().map_err(|e| self.err(e))? {
                let (k, v) = item.map_err(|e| self.err(e))?;
                counts.insert(k.value().into(), v.value());
            }
        }
        let counts = Arc::new(counts);
        *cache = info.map(|i| (i, Arc::clone(&counts)));
        Ok(counts)
    }

    /// Calls `f` with every entry in force (a plain scan, for comparison with the index).
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub fn for_each(&self, mut f: impl FnMut(&Record)) -> Result<(), StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let Ok(records) = txn.open_table(RECORDS) else { return Ok(()) };
        for item in records.iter().map_err(|e| self.err(e))? {
            let (k, v) = item.map_err(|e| self.err(e))?;
            let record: Record = serde_json::from_slice(v.value())
                .map_err(|_| StoreError::Corrupt { path: self.path.clone(), entry: k.value() })?;
            f(&record);
        }
        Ok(())
    }

    /// How many entries hold each of `tokens` (canonical name tokens); tokens no entry holds are left out.
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn token_counts<'a>(
        &self,
        tokens: impl IntoIterator<Item = &'a str>,
    ) -> Result<HashMap<String, u32>, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let Ok(table) = txn.open_table(TOKENS) else { return Ok(HashMap::new()) };
        let mut out = HashMap::new();
        for token in tokens {
            if out.contains_key(token) {
                continue;
            }
            if let Some(v) = table.get(token).map_err(|e| self.err(e))? {
                out.insert(token.to_string(), v.value());
            }
        }
        Ok(out)
    }

    /// The number of index keys (for reports).
    ///
    /// # Errors
    /// [`StoreError::Database`].
    pub fn index_keys(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        match txn.open_table(POSTINGS) {
            Ok(t) => t.len().map_err(|e| self.err(e)),
            Err(_) => Ok(0),
        }
    }
}

/// What screening needs of a record.
pub fn prepare(record: &Record) -> Prepared {
    Prepared {
        entry_id: record.entry_id.clone(),
        list: record.list,
        names: record.names.clone(),
        date_of_birth: record.date_of_birth.map(|d| (d.year, d.month, d.day)),
        nationality: record.nationality.as_ref().map(|c| c.as_str().to_owned()),
        sex: record.sex.filter(|s| *s != record::Sex::Unspecified),
        documents: record.documents.iter().map(|d| (d.issuing_state.as_str().to_owned(), d.number.clone())).collect(),
    }
}

fn db_error(path: &Path, source: redb::Error) -> StoreError {
    StoreError::Database { path: path.to_path_buf(), source }
}

fn add_id(table: &mut redb::Table<u64, &[u8]>, key: u64, id: u32) -> Result<(), redb::Error> {
    let mut ids: Vec<u32> = table.get(key)?.map(|v| decode_ids(v.value()).collect()).unwrap_or_default();
    ids.push(id);
    table.insert(key, encode_ids(&ids).as_slice())?;
    Ok(())
}

fn remove_id(table: &mut redb::Table<u64, &[u8]>, key: u64, id: u32) -> Result<(), redb::Error> {
    let ids: Vec<u32> =
        table.get(key)?.map(|v| decode_ids(v.value()).filter(|&i| i != id).collect()).unwrap_or_default();
    if ids.is_empty() {
        table.remove(key)?;
    } else {
        table.insert(key, encode_ids(&ids).as_slice())?;
    }
    Ok(())
}

fn remove_doc(table: &mut redb::Table<&str, &[u8]>, key: &str, id: u32) -> Result<(), redb::Error> {
    let ids: Vec<u32> =
        table.get(key)?.map(|v| decode_ids(v.value()).filter(|&i| i != id).collect()).unwrap_or_default();
    if ids.is_empty() {
        table.remove(key)?;
    } else {
        table.insert(key, encode_ids(&ids).as_slice())?;
    }
    Ok(())
}

#[cfg(test)]
mod tests;
