//! Deltas: the operations that change the list in force, `{"op":"add", ...record}` (adds a record or replaces the
//! one with the same `entry_id`) and `{"op":"remove","entry_id":"..."}`, and how they apply to a list in memory.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::lines::parse_lines;
use super::{Line, MAX_RECORDS, Problem, RawRecord, Record, RecordError, check_entry_id};

/// One line of a delta.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum DeltaOp {
    /// Adds the record, or replaces the record with the same `entry_id`.
    Add(Record),
    /// Removes the record with this `entry_id`.
    Remove {
        /// The entry to remove.
        entry_id: String,
    },
}

impl DeltaOp {
    /// The entry the operation is about.
    pub fn entry_id(&self) -> &str {
        match self {
            Self::Add(record) => &record.entry_id,
            Self::Remove { entry_id } => entry_id,
        }
    }
}

/// A delta line as it is written.
#[derive(Deserialize)]
#[serde(tag = "op", rename_all = "lowercase")]
enum RawDeltaOp {
    Add(Box<RawRecord>),
    Remove { entry_id: String },
}

impl Line for DeltaOp {
    fn parse(line: &str) -> Result<Self, Problem> {
        match serde_json::from_str(line).map_err(Problem::Json)? {
            RawDeltaOp::Add(raw) => Ok(DeltaOp::Add(Record::try_from(*raw)?)),
            RawDeltaOp::Remove { entry_id } => {
                check_entry_id(&entry_id)?;
                Ok(DeltaOp::Remove { entry_id })
            }
        }
    }

    fn entry(&self) -> &str {
        self.entry_id()
    }
}

/// The operations of a delta, one JSON object per line: `{"op":"add", ...record}` or
/// `{"op":"remove","entry_id":"..."}`; blank lines are skipped.
///
/// # Errors
/// [`RecordError`] naming the first line that is too long, is not a valid operation, names an entry already named
/// on an earlier line or goes over [`MAX_RECORDS`]; nothing of the file is kept then.
pub fn parse_delta_jsonl(text: &str) -> Result<Vec<DeltaOp>, RecordError> {
    parse_lines(text)
}

/// Why a delta does not fit the list in force.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DeltaError {
    /// The delta removes an entry the list does not hold: it was made for another list.
    #[error("the delta removes entry \"{entry_id}\", which the list in force does not hold")]
    RemoveUnknown {
        /// The entry.
        entry_id: String,
    },
    /// The list would grow over the limit.
    #[error("the list would hold more than {limit} entries")]
    TooManyRecords {
        /// The limit.
        limit: usize,
    },
}

/// The list that results from applying `ops` to `in_force`: replaced records keep their place, added ones follow.
/// Each entry appears at most once in `ops`, as [`parse_delta_jsonl`] ensures.
///
/// # Errors
/// [`DeltaError`] when an operation does not fit the list; `in_force` is untouched either way.
pub fn apply_delta(in_force: &[Record], ops: &[DeltaOp]) -> Result<Vec<Record>, DeltaError> {
    let mut records: Vec<Option<Record>> = in_force.iter().cloned().map(Some).collect();
    let position: HashMap<&str, usize> =
        in_force.iter().enumerate().map(|(index, record)| (record.entry_id.as_str(), index)).collect();
    for op in ops {
        let slot = position.get(op.entry_id()).and_then(|&index| records.get_mut(index));
        match (op, slot) {
            (DeltaOp::Add(record), Some(slot)) => *slot = Some(record.clone()),
            (DeltaOp::Add(record), None) => records.push(Some(record.clone())),
            (DeltaOp::Remove { .. }, Some(slot)) => *slot = None,
            (DeltaOp::Remove { entry_id }, None) => {
                return Err(DeltaError::RemoveUnknown { entry_id: entry_id.clone() });
            }
        }
    }
    let records: Vec<Record> = records.into_iter().flatten().collect();
    if records.len() > MAX_RECORDS {
        return Err(DeltaError::TooManyRecords { limit: MAX_RECORDS });
    }
    Ok(records)
}
