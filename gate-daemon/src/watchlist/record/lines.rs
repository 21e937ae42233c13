//! Records and delta files read line by line: each line checked as it comes (length, JSON, fields, repeated
//! entries, the most entries a file may hold), so that a list is refused at its first broken line, named by number
//! (from 1; blank lines are allowed and counted), and need not be held whole to be checked.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::marker::PhantomData;

use super::{MAX_LINE_BYTES, MAX_RECORDS, Problem, RawRecord, Record, RecordError};

/// What one line of a list file holds: a [`Record`] in a full list, a [`DeltaOp`](super::DeltaOp) in a delta.
pub trait Line: Sized {
    /// Parses a line that is not blank.
    ///
    /// # Errors
    /// [`Problem`] when the line is not a valid record or operation.
    fn parse(line: &str) -> Result<Self, Problem>;

    /// The entry the line is about.
    fn entry(&self) -> &str;
}

impl Line for Record {
    fn parse(line: &str) -> Result<Self, Problem> {
        let raw: RawRecord = serde_json::from_str(line).map_err(Problem::Json)?;
        Record::try_from(raw)
    }

    fn entry(&self) -> &str {
        &self.entry_id
    }
}

/// The checks of a records or delta file, one line at a time as the file is read, so that a list need not be held
/// whole to be checked: the same checks, in the same order, as [`parse_jsonl`](super::parse_jsonl) and [`parse_delta_jsonl`](super::parse_delta_jsonl).
#[derive(Debug)]
pub struct LineChecker<T> {
    /// The line where each entry appeared first.
    first_seen: HashMap<String, usize>,
    items: usize,
    line: PhantomData<fn() -> T>,
}

impl<T: Line> Default for LineChecker<T> {
    fn default() -> Self {
        Self { first_seen: HashMap::new(), items: 0, line: PhantomData }
    }
}

impl<T: Line> LineChecker<T> {
    /// Line `number` (from 1), without its LF: its record or operation, or `None` when it is blank.
    ///
    /// # Errors
    /// [`RecordError`] when the line is too long, is not a valid record or operation, repeats an `entry_id` of an
    /// earlier line or goes over [`MAX_RECORDS`].
    pub fn check(&mut self, number: usize, line: &str) -> Result<Option<T>, RecordError> {
        let refuse = |reason| RecordError { line: number, reason };
        let line = line.strip_suffix('\r').unwrap_or(line);
        if line.len() > MAX_LINE_BYTES {
            return Err(line_too_long(number, line.len()));
        }
        if line.trim().is_empty() {
            return Ok(None);
        }
        if self.items >= MAX_RECORDS {
            return Err(refuse(Problem::TooManyRecords { limit: MAX_RECORDS }));
        }
        let item = T::parse(line).map_err(refuse)?;
        match self.first_seen.entry(item.entry().to_owned()) {
            Entry::Occupied(first) => {
                let (entry_id, first_line) = first.remove_entry();
                return Err(refuse(Problem::Duplicate { entry_id, first_line }));
            }
            Entry::Vacant(slot) => {
                slot.insert(number);
            }
        }
        self.items += 1;
        Ok(Some(item))
    }

    /// How many records or operations the lines checked so far hold.
    pub fn count(&self) -> usize {
        self.items
    }
}

/// The refusal of line `number`, `length` bytes long without its line end: over [`MAX_LINE_BYTES`].
pub fn line_too_long(number: usize, length: usize) -> RecordError {
    RecordError { line: number, reason: Problem::LineTooLong { length, limit: MAX_LINE_BYTES } }
}

/// Parses the non-blank lines, refusing the file at the first line that is too long, fails to parse, goes over
/// [`MAX_RECORDS`] or repeats an `entry_id`.
pub(super) fn parse_lines<T: Line>(text: &str) -> Result<Vec<T>, RecordError> {
    let mut checker = LineChecker::default();
    let mut items = Vec::new();
    for (index, line) in text.split('\n').enumerate() {
        items.extend(checker.check(index + 1, line)?);
    }
    Ok(items)
}

/// The records of a full list, one JSON object per line; blank lines are skipped.
///
/// # Errors
/// [`RecordError`] naming the first line that is too long, is not a valid record, repeats an `entry_id` or goes over
/// [`MAX_RECORDS`]; nothing of the file is kept then.
pub fn parse_jsonl(text: &str) -> Result<Vec<Record>, RecordError> {
    parse_lines(text)
}

/// The bytes of a records or delta file as text.
///
/// # Errors
/// [`Problem::NotUtf8`] naming the line where the text stops being UTF-8.
pub fn as_text(bytes: &[u8]) -> Result<&str, RecordError> {
    std::str::from_utf8(bytes).map_err(|error| {
        let valid = bytes.get(..error.valid_up_to()).unwrap_or_default();
        RecordError { line: valid.iter().filter(|&&b| b == b'\n').count() + 1, reason: Problem::NotUtf8 }
    })
}
