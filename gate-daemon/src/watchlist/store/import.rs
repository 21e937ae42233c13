//! Imports: a verified list made the list in force in one write transaction.
//!
//! A bundle read from a file ([`Store::import_open`]) is written as it is read, one record or operation at a time.
//! A full list's records go into `records`, `prepared`, `entries` and `documents` at once; their (index key, entry
//! number) pairs, about 35 per entry, are sorted outside the database: in runs of [`RUN_PAIRS`] pairs in memory,
//! each spilled to a temporary file in the database's folder, then merged, so that each key's entry numbers are
//! written once, in key order, and memory does not grow with the list. The temporary file is unnamed as soon as it
//! is open (on Unix, where the open file lives on), so that not even a killed import leaves it behind; elsewhere it
//! is removed when the import ends, whether it succeeded or not. A delta changes the tables in place.
//!
//! Nothing is committed before the bundle's last line has been read and every check has held: a refusal drops the
//! write transaction, and the list in force stays as it was.

use std::borrow::Borrow;
use std::cmp::Reverse;
use std::collections::{BTreeSet, BinaryHeap, HashMap};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use redb::{ReadableTable, WriteTransaction};

use super::super::bundle::{self, BundleError, ListState, Manifest, OpenBundle, Payload, PayloadLines, VerifiedBundle};
use super::super::normalise;
use super::super::record::{DeltaOp, Record};
use super::prepared::encode_prepared;
use super::{
    DOCUMENTS, ENTRIES, ImportReport, META, NAMES, POSTINGS, PREPARED, RECORDS, Store, StoreError, TOKENS, decode_ids,
    document_key, encode_ids, record_keys, unix_secs,
};

/// How many (index key, entry number) pairs are sorted in memory at once: 48 MB of them.
const RUN_PAIRS: usize = 4 << 20;
/// A pair in a run: the key's high and low halves and the entry number, little-endian `u32`s.
const PAIR_BYTES: usize = 12;
/// How many pairs of each run the merge reads at once.
const MERGE_READ_PAIRS: usize = 8 * 1024;

impl Store {
    /// Imports a verified bundle held in memory: a full list replaces the list in force, a delta changes it, each
    /// in one transaction. The version rules of [`bundle::check_sequence`] are applied first; on any error the list
    /// in force stays as it was.
    ///
    /// # Errors
    /// [`StoreError::Bundle`] for a rolled-back or out-of-order list, [`StoreError::RemoveUnknown`],
    /// [`StoreError::Database`], [`StoreError::TemporaryFile`].
    pub fn import(&self, bundle: &VerifiedBundle) -> Result<ImportReport, StoreError> {
        let before = self.check_sequence(&bundle.manifest)?;
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let entries = match &bundle.payload {
            Payload::Full(records) => self.write_full(&txn, records.iter().map(Ok))?,
            Payload::Delta(ops) => self.write_delta(&txn, ops.iter().map(Ok), before)?,
        };
        self.commit(txn, &bundle.manifest, entries)
    }

    /// Imports a bundle read from a file ([`bundle::open_file`]) as [`Store::import`] does, one line at a time, so
    /// that memory does not grow with the list (see the module documentation). The refusals come in the order of
    /// [`bundle::verify`] followed by [`Store::import`]: a broken line or a wrong count before a version out of
    /// sequence or a delta's removal of an entry the list does not have.
    ///
    /// # Errors
    /// As [`Store::import`], and [`StoreError::Bundle`] for a broken line, a wrong count or a file that changed
    /// while it was read.
    pub fn import_open<R: BufRead>(&self, bundle: OpenBundle<R>) -> Result<ImportReport, StoreError> {
        let OpenBundle { manifest, payload } = bundle;
        let before = match self.check_sequence(&manifest) {
            Ok(before) => before,
            Err(refused) => {
                payload.drain()?;
                return Err(refused);
            }
        };
        let txn = self.db.begin_write().map_err(|e| self.err(e))?;
        let entries = match payload {
            PayloadLines::Full(records) => self.write_full(&txn, records)?,
            PayloadLines::Delta(ops) => self.write_delta(&txn, ops, before)?,
        };
        self.commit(txn, &manifest, entries)
    }

    /// Whether `manifest` may follow the list in force: the entries in force if it may.
    fn check_sequence(&self, manifest: &Manifest) -> Result<u64, StoreError> {
        let info = self.info()?;
        let state = info.map(|i| ListState { version: i.version, created: i.created });
        bundle::check_sequence(state.as_ref(), manifest)?;
        Ok(info.map_or(0, |i| i.entries))
    }

    fn commit(&self, txn: WriteTransaction, manifest: &Manifest, entries: u64) -> Result<ImportReport, StoreError> {
        {
            let mut meta = txn.open_table(META).map_err(|e| self.err(e))?;
            meta.insert("version", manifest.version).map_err(|e| self.err(e))?;
            meta.insert("created", unix_secs(manifest.created)).map_err(|e| self.err(e))?;
            meta.insert("entries", entries).map_err(|e| self.err(e))?;
        }
        // The commit is the switch: before it, readers and a restarted gate see the previous list.
        txn.commit().map_err(|e| self.err(e))?;
        Ok(ImportReport { kind: manifest.kind, version: manifest.version, records: manifest.records, entries })
    }

    fn write_full<T: Borrow<Record>>(
        &self,
        txn: &WriteTransaction,
        records: impl Iterator<Item = Result<T, BundleError>>,
    ) -> Result<u64, StoreError> {
        txn.delete_table(RECORDS).map_err(|e| self.err(e))?;
        txn.delete_table(ENTRIES).map_err(|e| self.err(e))?;
        txn.delete_table(POSTINGS).map_err(|e| self.err(e))?;
        txn.delete_table(DOCUMENTS).map_err(|e| self.err(e))?;
        txn.delete_table(TOKENS).map_err(|e| self.err(e))?;
        txn.delete_table(NAMES).map_err(|e| self.err(e))?;
        txn.delete_table(PREPARED).map_err(|e| self.err(e))?;
        let mut tokens: HashMap<String, u32> = HashMap::new();
        let mut postings = PostingSorter::new(&self.path, RUN_PAIRS);
        let mut count = 0usize;
        {
            let mut table = txn.open_table(RECORDS).map_err(|e| self.err(e))?;
            let mut prepared = txn.open_table(PREPARED).map_err(|e| self.err(e))?;
            let mut entries = txn.open_table(ENTRIES).map_err(|e| self.err(e))?;
            let mut documents = txn.open_table(DOCUMENTS).map_err(|e| self.err(e))?;
            for record in records {
                let record = record?;
                let record = record.borrow();
                let id = u32::try_from(count).map_err(|_| StoreError::TooManyEntries)?;
                count += 1;
                let json = serde_json::to_vec(record).unwrap_or_default();
                table.insert(id, json.as_slice()).map_err(|e| self.err(e))?;
                prepared.insert(id, encode_prepared(record).as_slice()).map_err(|e| self.err(e))?;
                entries.insert(record.entry_id.as_str(), id).map_err(|e| self.err(e))?;
                for key in record_keys(record) {
                    postings.push(key, id)?;
                }
                for d in &record.documents {
                    let key = document_key(d.issuing_state.as_str(), &d.number);
                    update_ids(&mut documents, &key.as_str(), |ids| ids.push(id)).map_err(|e| self.err(e))?;
                }
                for token in record_tokens(record) {
                    *tokens.entry(token).or_default() += 1;
                }
            }
        }
        let mut table = txn.open_table(POSTINGS).map_err(|e| self.err(e))?;
        postings.write(|key, ids| table.insert(key, ids).map(drop).map_err(|e| self.err(e)))?;
        let mut table = txn.open_table(TOKENS).map_err(|e| self.err(e))?;
        let mut names = txn.open_table(NAMES).map_err(|e| self.err(e))?;
        for (token, count) in tokens {
            let table = if is_whole(&token) { &mut names } else { &mut table };
            table.insert(token.as_str(), count).map_err(|e| self.err(e))?;
        }
        Ok(count as u64)
    }

    fn write_delta<T: Borrow<DeltaOp>>(
        &self,
        txn: &WriteTransaction,
        mut ops: impl Iterator<Item = Result<T, BundleError>>,
        before: u64,
    ) -> Result<u64, StoreError> {
        let mut records = txn.open_table(RECORDS).map_err(|e| self.err(e))?;
        let mut prepared = txn.open_table(PREPARED).map_err(|e| self.err(e))?;
        let mut entries = txn.open_table(ENTRIES).map_err(|e| self.err(e))?;
        let mut postings = txn.open_table(POSTINGS).map_err(|e| self.err(e))?;
        let mut documents = txn.open_table(DOCUMENTS).map_err(|e| self.err(e))?;
        let mut tokens = txn.open_table(TOKENS).map_err(|e| self.err(e))?;
        let mut names = txn.open_table(NAMES).map_err(|e| self.err(e))?;
        let mut next = records.last().map_err(|e| self.err(e))?.map_or(0, |(k, _)| k.value().saturating_add(1));
        let mut count = before;
        let mut unknown = None;
        for op in ops.by_ref() {
            let op = op?;
            let op = op.borrow();
            // Whatever the op, the entry's current record leaves the indexes first.
            let existing = entries.remove(op.entry_id()).map_err(|e| self.err(e))?.map(|v| v.value());
            if let Some(id) = existing {
                let old = records.remove(id).map_err(|e| self.err(e))?.map(|v| v.value().to_vec());
                prepared.remove(id).map_err(|e| self.err(e))?;
                if let Some(bytes) = old {
                    let record: Record = serde_json::from_slice(&bytes)
                        .map_err(|_| StoreError::Corrupt { path: self.path.clone(), entry: id })?;
                    for key in record_keys(&record) {
                        update_ids(&mut postings, &key, |ids| ids.retain(|&i| i != id)).map_err(|e| self.err(e))?;
                    }
                    for d in &record.documents {
                        let key = document_key(d.issuing_state.as_str(), &d.number);
                        update_ids(&mut documents, &key.as_str(), |ids| ids.retain(|&i| i != id))
                            .map_err(|e| self.err(e))?;
                    }
                    for token in record_tokens(&record) {
                        let table = if is_whole(&token) { &mut names } else { &mut tokens };
                        let held = table.get(token.as_str()).map_err(|e| self.err(e))?.map_or(0, |v| v.value());
                        if held <= 1 {
                            table.remove(token.as_str()).map_err(|e| self.err(e))?;
                        } else {
                            table.insert(token.as_str(), held - 1).map_err(|e| self.err(e))?;
                        }
                    }
                }
                count = count.saturating_sub(1);
            }
            match op {
                DeltaOp::Remove { entry_id } if existing.is_none() => {
                    unknown = Some(entry_id.clone());
                    break;
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
                        update_ids(&mut postings, &key, |ids| ids.push(id)).map_err(|e| self.err(e))?;
                    }
                    for d in &record.documents {
                        let key = document_key(d.issuing_state.as_str(), &d.number);
                        update_ids(&mut documents, &key.as_str(), |ids| ids.push(id)).map_err(|e| self.err(e))?;
                    }
                    for token in record_tokens(record) {
                        let table = if is_whole(&token) { &mut names } else { &mut tokens };
                        let held = table.get(token.as_str()).map_err(|e| self.err(e))?.map_or(0, |v| v.value());
                        table.insert(token.as_str(), held.saturating_add(1)).map_err(|e| self.err(e))?;
                    }
                    count += 1;
                }
            }
        }
        if let Some(entry_id) = unknown {
            // A broken line or a wrong count further on is the refusal, as when a delta was parsed whole before it
            // was applied.
            for later in ops {
                later?;
            }
            return Err(StoreError::RemoveUnknown { entry_id });
        }
        Ok(count)
    }
}

/// Whether a key of [`record_tokens`] is a whole name's (for the `names` table) rather than a token's (for
/// `tokens`).
fn is_whole(token: &str) -> bool {
    token.starts_with('=')
}

/// The canonical name tokens and whole keys of a record's names, each once.
fn record_tokens(record: &Record) -> BTreeSet<String> {
    let mut tokens = BTreeSet::new();
    for name in &record.names {
        let name = normalise::normalise_name(name);
        tokens.extend(normalise::whole_key(&name));
        tokens.extend(
            name.tokens.into_iter().filter(|t| t.kind == normalise::TokenKind::Name).map(|t| t.canonical.to_string()),
        );
    }
    tokens
}

/// Changes the entry numbers filed under `key` (in `postings` or `documents`) with `change`; a key left with none
/// is removed.
fn update_ids<K: redb::Key + 'static>(
    table: &mut redb::Table<K, &'static [u8]>,
    key: &K::SelfType<'_>,
    change: impl FnOnce(&mut Vec<u32>),
) -> Result<(), redb::Error> {
    let mut ids: Vec<u32> = table.get(key)?.map(|v| decode_ids(v.value()).collect()).unwrap_or_default();
    change(&mut ids);
    if ids.is_empty() {
        table.remove(key)?;
    } else {
        table.insert(key, encode_ids(&ids).as_slice())?;
    }
    Ok(())
}

/// The (index key, entry number) pairs of a full list, sorted by key then entry number without holding them all:
/// runs of [`RUN_PAIRS`] are sorted in memory and spilled to a [`TempFile`], then merged. A list small enough for
/// one run never touches the disk.
struct PostingSorter {
    /// `[key >> 32, key & 0xFFFF_FFFF, entry]`: as arrays, these sort by key, then by entry number.
    pairs: Vec<[u32; 3]>,
    /// How many pairs make a run.
    run_pairs: usize,
    /// The database, next to which the runs spill.
    db_path: PathBuf,
    spill: Option<Spill>,
}

/// The runs spilled so far: each a range of bytes of the file.
struct Spill {
    file: TempFile,
    runs: Vec<(u64, u64)>,
}

impl PostingSorter {
    fn new(db_path: &Path, run_pairs: usize) -> Self {
        Self { pairs: Vec::new(), run_pairs: run_pairs.max(1), db_path: db_path.to_owned(), spill: None }
    }

    fn push(&mut self, key: u64, id: u32) -> Result<(), StoreError> {
        let (high, low) = ((key >> 32) as u32, key as u32);
        self.pairs.push([high, low, id]);
        if self.pairs.len() >= self.run_pairs { self.spill_run() } else { Ok(()) }
    }

    /// Sorts the pairs in memory and appends them to the file as one run.
    fn spill_run(&mut self) -> Result<(), StoreError> {
        self.pairs.sort_unstable();
        let spill = match &mut self.spill {
            Some(spill) => spill,
            None => self.spill.insert(Spill { file: TempFile::create(&self.db_path)?, runs: Vec::new() }),
        };
        let start = spill.runs.last().map_or(0, |&(_, end)| end);
        let write = |file: &File| -> io::Result<()> {
            let mut file = file;
            file.seek(SeekFrom::Start(start))?;
            let mut out = BufWriter::with_capacity(1 << 20, file);
            for pair in &self.pairs {
                for half in pair {
                    out.write_all(&half.to_le_bytes())?;
                }
            }
            out.flush()
        };
        write(&spill.file.file).map_err(|e| spill.file.error(e))?;
        let length = u64::try_from(self.pairs.len() * PAIR_BYTES).unwrap_or(u64::MAX);
        spill.runs.push((start, start + length));
        self.pairs.clear();
        Ok(())
    }

    /// Hands each key, with its entry numbers as little-endian `u32`s in ascending order, to `insert`, in key order.
    fn write(mut self, insert: impl FnMut(u64, &[u8]) -> Result<(), StoreError>) -> Result<(), StoreError> {
        if self.spill.is_none() {
            self.pairs.sort_unstable();
            return group(self.pairs.iter().map(|&pair| Ok(pair)), insert);
        }
        if !self.pairs.is_empty() {
            self.spill_run()?;
        }
        self.pairs = Vec::new();
        let Some(spill) = self.spill else { return Ok(()) };
        let merge = Merge::new(&spill.file.file, &spill.runs).map_err(|e| spill.file.error(e))?;
        group(merge.map(|pair| pair.map_err(|e| spill.file.error(e))), insert)
    }
}

/// Groups pairs sorted by key for `insert`.
fn group(
    pairs: impl Iterator<Item = Result<[u32; 3], StoreError>>,
    mut insert: impl FnMut(u64, &[u8]) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    let mut current = None;
    let mut ids = Vec::new();
    for pair in pairs {
        let [high, low, id] = pair?;
        let key = (u64::from(high) << 32) | u64::from(low);
        if current != Some(key) {
            if let Some(previous) = current {
                insert(previous, &ids)?;
            }
            ids.clear();
            current = Some(key);
        }
        ids.extend_from_slice(&id.to_le_bytes());
    }
    match current {
        Some(key) => insert(key, &ids),
        None => Ok(()),
    }
}

/// The k-way merge of sorted runs.
struct Merge<'a> {
    file: &'a File,
    runs: Vec<Run>,
    /// The smallest unread pair of each run that has one, with the run's index.
    heads: BinaryHeap<Reverse<([u32; 3], usize)>>,
}

/// A run being read: the byte range still on disk, and what was read of it.
struct Run {
    next: u64,
    end: u64,
    buffer: Vec<u8>,
    at: usize,
}

impl Run {
    fn pop(&mut self, file: &File) -> io::Result<Option<[u32; 3]>> {
        if self.at >= self.buffer.len() {
            if self.next >= self.end {
                return Ok(None);
            }
            let length = (self.end - self.next).min(u64::try_from(MERGE_READ_PAIRS * PAIR_BYTES).unwrap_or(u64::MAX));
            self.buffer.resize(usize::try_from(length).unwrap_or(0), 0);
            let mut file = file;
            file.seek(SeekFrom::Start(self.next))?;
            file.read_exact(&mut self.buffer)?;
            self.next += length;
            self.at = 0;
        }
        let pair = self.buffer.get(self.at..self.at + PAIR_BYTES).ok_or(io::ErrorKind::UnexpectedEof)?;
        self.at += PAIR_BYTES;
        let mut out = [0u32; 3];
        for (value, bytes) in out.iter_mut().zip(pair.chunks_exact(4)) {
            *value = u32::from_le_bytes(bytes.try_into().map_err(|_| io::ErrorKind::InvalidData)?);
        }
        Ok(Some(out))
    }
}

impl<'a> Merge<'a> {
    fn new(file: &'a File, ranges: &[(u64, u64)]) -> io::Result<Self> {
        let mut runs: Vec<Run> =
            ranges.iter().map(|&(next, end)| Run { next, end, buffer: Vec::new(), at: 0 }).collect();
        let mut heads = BinaryHeap::with_capacity(runs.len());
        for (index, run) in runs.iter_mut().enumerate() {
            if let Some(pair) = run.pop(file)? {
                heads.push(Reverse((pair, index)));
            }
        }
        Ok(Self { file, runs, heads })
    }
}

impl Iterator for Merge<'_> {
    type Item = io::Result<[u32; 3]>;

    fn next(&mut self) -> Option<Self::Item> {
        let Reverse((pair, index)) = self.heads.pop()?;
        match self.runs.get_mut(index).map(|run| run.pop(self.file)).transpose() {
            Ok(Some(Some(next))) => self.heads.push(Reverse((next, index))),
            Ok(_) => {}
            Err(e) => return Some(Err(e)),
        }
        Some(Ok(pair))
    }
}

/// A temporary file next to the database, mode 0600: unnamed as soon as it is open where the system allows it (on
/// Unix the open file lives on), or else removed when dropped, so that an import that fails, or is killed, leaves
/// nothing behind.
struct TempFile {
    file: File,
    path: PathBuf,
    /// Dropped after `file`, so that the file is closed when it is removed.
    _name: Option<Leftover>,
}

/// A file name to remove when dropped.
struct Leftover(PathBuf);

impl Drop for Leftover {
    fn drop(&mut self) {
        let _ = fs::remove_file(&self.0);
    }
}

impl TempFile {
    fn create(db_path: &Path) -> Result<Self, StoreError> {
        let db_name = db_path.file_name().map_or_else(|| "watchlist".into(), |n| n.to_string_lossy());
        let path = db_path.with_file_name(format!(".{db_name}.import-{}.tmp", std::process::id()));
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|source| StoreError::TemporaryFile { path: path.clone(), source })?;
        let name = fs::remove_file(&path).is_err().then(|| Leftover(path.clone()));
        Ok(Self { file, path, _name: name })
    }

    fn error(&self, source: io::Error) -> StoreError {
        StoreError::TemporaryFile { path: self.path.clone(), source }
    }
}

#[cfg(test)]
mod tests;
