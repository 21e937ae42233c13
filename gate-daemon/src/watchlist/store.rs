//! The list in force, on the board: an embedded redb database (a copy-on-write B-tree store whose commits are atomic
//! and durable), so that a list is switched in one transaction and a crash in the middle of an import leaves the
//! previous list in force.
//!
//! Tables: `meta` (version, creation time, entry count of the list in force), `records` (entry number → the record
//! as JSON), `prepared` (entry number → what screening needs of it, without JSON), `entries` (entry id → entry
//! number), `postings` (index key → entry numbers, little-endian `u32`s), `documents` (issuing state and document
//! number → entry numbers), `tokens` (canonical name token → how many entries hold it, which gives the token its
//! bits) and `names` (a whole name's key → how many entries bear exactly it).
//!
//! Index keys: each blocking key of each of a record's names ([`super::normalise::blocking_keys`]: every name
//! token's phonetic key and the keys of neighbouring tokens joined), combined with each part of the date of birth the
//! list knows (the year; the year and month; the full date), or alone when it knows none. A query looks up its keys
//! alone and with each part of its date of birth (and with day and month swapped), so a listed person is found when
//! one name token (or two neighbouring tokens joined) sounds alike and the date of birth agrees as far as the list
//! knows it. Keys whose postings exceed [`MAX_POSTING`] entries are not selective enough to be worth scoring and are
//! skipped: a common token with a year says little, the same token with the full date much more.
//!
//! Imports: `watchlist import` reads the bundle from its file one line at a time ([`Store::import_open`]) and writes
//! each record as it is read; the index's (key, entry number) pairs, about 35 per entry, are sorted in runs that
//! spill to a temporary file next to the database (`.NAME.import-PID.tmp`, unnamed as soon as it is open, so that
//! not even a killed import leaves it behind) and merged into `postings`. With redb's cache bounded to
//! [`IMPORT_CACHE_BYTES`] ([`Store::open_for_import`]), a list of a million entries imports in about 260 MB,
//! whatever its size; the temporary file needs about 12 bytes per pair on the disk of the database (420 MB for a
//! million entries).

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime};

use redb::{Database, ReadableDatabase, ReadableTable, ReadableTableMetadata, TableDefinition};

use super::bundle::{BundleError, Kind};
use super::record::Record;

mod import;
mod keys;
mod prepared;

pub use keys::{query_keys, record_keys};
pub use prepared::{Prepared, prepare};

use prepared::decode_prepared;

const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const RECORDS: TableDefinition<u32, &[u8]> = TableDefinition::new("records");
const ENTRIES: TableDefinition<&str, u32> = TableDefinition::new("entries");
const POSTINGS: TableDefinition<u64, &[u8]> = TableDefinition::new("postings");
const DOCUMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("documents");
const TOKENS: TableDefinition<&str, u32> = TableDefinition::new("tokens");
/// How many entries bear exactly each whole name ([`whole_key`](super::normalise::whole_key)): read a few keys
/// per screening, unlike `tokens`, which a screening process reads whole once.
const NAMES: TableDefinition<&str, u32> = TableDefinition::new("names");
const PREPARED: TableDefinition<u32, &[u8]> = TableDefinition::new("prepared");

/// redb's cache of a process that reads the list (redb's default).
const DEFAULT_CACHE_BYTES: usize = 1024 * 1024 * 1024;

/// redb's cache of a process that imports a list: half of it may hold the write transaction's pages, the rest
/// pages read. A full list's import writes most of its pages once, in order, so that a larger cache buys little
/// time for much memory.
pub const IMPORT_CACHE_BYTES: usize = 128 * 1024 * 1024;

/// Postings longer than this are skipped at query time: a key shared by that many entries says little.
pub const MAX_POSTING: usize = 400;

/// Entries read from the index for one screening, at most: the postings are read shortest first, and the first
/// that would pass this is not read, nor any after it (the entries of the traveller's documents are read besides).
pub const MAX_CANDIDATES: usize = 150;

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
    /// The temporary file an import sorts the index in cannot be written or read.
    #[error("watchlist import: temporary file {path}: {source}")]
    TemporaryFile {
        /// The file.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
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

/// What one screening reads from the list in force, in one read transaction.
#[derive(Debug)]
pub struct Lookup {
    /// The list in force.
    pub info: Option<ListInfo>,
    /// The entries worth scoring, by entry number.
    pub candidates: Vec<Prepared>,
    /// How many entries hold each name token.
    pub counts: Arc<TokenCounts>,
    /// How many entries bear exactly each whole name the plan asked for ([`whole_key`](super::normalise::whole_key)).
    pub whole_counts: HashMap<String, u32>,
}

/// What one screening reads, decided once the list in force and its token counts are known.
#[derive(Debug, Default)]
pub struct Plan {
    /// Index keys, each with the longest posting worth reading.
    pub keys: Vec<(u64, usize)>,
    /// Documents: issuing state and number.
    pub documents: Vec<(String, String)>,
    /// Whole names ([`whole_key`](super::normalise::whole_key)) whose counts to read.
    pub wholes: Vec<String>,
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
        Self::open_with_cache(path, DEFAULT_CACHE_BYTES)
    }

    /// Opens the database at `path` as [`Store::open`] does, for a process that imports a list: with a cache of
    /// [`IMPORT_CACHE_BYTES`], which bounds the pages of the write transaction held in memory.
    ///
    /// # Errors
    /// [`StoreError::Database`] when the file cannot be opened or is not a redb database.
    pub fn open_for_import(path: &Path) -> Result<Store, StoreError> {
        Self::open_with_cache(path, IMPORT_CACHE_BYTES)
    }

    fn open_with_cache(path: &Path, cache_bytes: usize) -> Result<Store, StoreError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| db_error(path, redb::Error::Io(e)))?;
        }
        let db = redb::Builder::new().set_cache_size(cache_bytes).create(path).map_err(|e| db_error(path, e.into()))?;
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

    /// What screening a traveller needs, read in one transaction: the list in force and its token counts, given
    /// to `plan`, which says what to read ([`Plan`]); then the entries filed under the plan's keys (skipping keys
    /// whose postings are longer than the limit given with each) or holding one of its documents, in their
    /// prepared form, and how many entries bear each of its whole names.
    ///
    /// # Errors
    /// [`StoreError::Database`], [`StoreError::Corrupt`].
    pub fn lookup(&self, plan: impl FnOnce(Option<ListInfo>, &Arc<TokenCounts>) -> Plan) -> Result<Lookup, StoreError> {
        let txn = self.db.begin_read().map_err(|e| self.err(e))?;
        let info = self.read_info(&txn)?;
        let counts = self.cached_counts(&txn, info)?;
        let plan = plan(info, &counts);
        let mut whole_counts = HashMap::new();
        if let Ok(table) = txn.open_table(NAMES) {
            for key in &plan.wholes {
                let held = table.get(key.as_str()).map_err(|e| self.err(e))?.map_or(0, |v| v.value());
                whole_counts.insert(key.clone(), held);
            }
        }
        let (postings, docs, records) =
            match (txn.open_table(POSTINGS), txn.open_table(DOCUMENTS), txn.open_table(RECORDS)) {
                (Ok(p), Ok(d), Ok(r)) => (p, d, r),
                _ => return Ok(Lookup { info, candidates: Vec::new(), counts, whole_counts }),
            };
        // The shortest postings first, as far as the candidate budget goes: an entry that shares only tokens held by
        // many entries is found, if at all, by its date of birth, whose postings are the shortest.
        let mut lists = Vec::with_capacity(plan.keys.len());
        for &(key, limit) in &plan.keys {
            if let Some(v) = postings.get(key).map_err(|e| self.err(e))? {
                let bytes = v.value();
                if bytes.len() / 4 <= limit {
                    lists.push(decode_ids(bytes).collect::<Vec<u32>>());
                }
            }
        }
        lists.sort_by_key(Vec::len);
        let mut ids = Vec::new();
        for list in lists {
            if ids.len() + list.len() > MAX_CANDIDATES && !ids.is_empty() {
                break;
            }
            ids.extend(list);
        }
        for (state, number) in &plan.documents {
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
        Ok(Lookup { info, candidates, counts, whole_counts })
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

fn db_error(path: &Path, source: redb::Error) -> StoreError {
    StoreError::Database { path: path.to_path_buf(), source }
}

#[cfg(test)]
mod tests;
