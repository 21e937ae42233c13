//! A bundle's payload read from a file instead of held in memory, in two passes, so that a list of a million entries
//! is checked and imported one line at a time.
//!
//! The first pass ([`scan`]) hashes the payload and finds where it stops being UTF-8 text, before any line is parsed:
//! an altered list is refused as altered, whatever its lines hold. The second pass ([`Lines`]) parses one line at a
//! time with the checks of [`record::parse_jsonl`], hands each record or operation on, and hashes the payload again,
//! so that a file changed between the two passes is refused too: nothing is taken from it but what was signed.

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Cursor, Read, Seek, SeekFrom, Take};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use super::{BundleError, Kind, Manifest};
use crate::watchlist::record::{self, DeltaOp, Line, LineChecker, Problem, Record, RecordError};

/// Where a bundle is read from: the file itself, or a copy in memory of what cannot be read twice (a pipe).
#[derive(Debug)]
pub enum Source {
    /// A regular file.
    File(BufReader<File>),
    /// The bytes read from a pipe or a device.
    Memory(Cursor<Vec<u8>>),
}

impl Read for Source {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Self::File(file) => file.read(buf),
            Self::Memory(bytes) => bytes.read(buf),
        }
    }
}

impl BufRead for Source {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            Self::File(file) => file.fill_buf(),
            Self::Memory(bytes) => bytes.fill_buf(),
        }
    }

    fn consume(&mut self, amount: usize) {
        match self {
            Self::File(file) => file.consume(amount),
            Self::Memory(bytes) => bytes.consume(amount),
        }
    }
}

impl Seek for Source {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        match self {
            Self::File(file) => file.seek(position),
            Self::Memory(bytes) => bytes.seek(position),
        }
    }
}

/// Reads a line of at most `max` bytes into `line`, without its LF: whether an LF ended it. A longer line is cut
/// after `max + 1` bytes, so that its length shows it was too long.
pub(super) fn read_line(reader: &mut impl BufRead, max: usize, line: &mut Vec<u8>) -> io::Result<bool> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    Read::take(reader, limit).read_until(b'\n', line)?;
    let ended = line.last() == Some(&b'\n');
    if ended {
        line.pop();
    }
    Ok(ended)
}

/// What the first pass found in a payload.
pub(super) struct Scan {
    /// The SHA-256 of its bytes.
    pub sha256: [u8; 32],
    /// How many bytes it holds (at most the limit given to [`scan`]).
    pub length: u64,
    /// The line (from 1) where it stops being UTF-8 text, if it does.
    pub not_utf8: Option<usize>,
}

/// The first pass: hashes the rest of `reader`, at most `limit` bytes, and checks it is UTF-8 text.
pub(super) fn scan(reader: &mut impl BufRead, limit: u64) -> io::Result<Scan> {
    let mut reader = Read::take(reader, limit);
    let mut hasher = Sha256::new();
    let mut text = Utf8Scan::default();
    let mut length = 0u64;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        hasher.update(chunk);
        text.feed(chunk);
        let read = chunk.len();
        length += u64::try_from(read).unwrap_or(u64::MAX);
        reader.consume(read);
    }
    Ok(Scan { sha256: hasher.finalize().into(), length, not_utf8: text.finish() })
}

/// Where a text stops being UTF-8, found as its bytes go by: a character may straddle two reads. The line is
/// counted as [`record::as_text`] counts it.
#[derive(Default)]
struct Utf8Scan {
    /// LFs in the valid text so far.
    lines: usize,
    /// The start of a character whose end has not been read yet (at most 3 bytes, never an LF).
    pending: Vec<u8>,
    /// The line where the text stopped being UTF-8.
    broken: Option<usize>,
}

impl Utf8Scan {
    fn feed(&mut self, mut bytes: &[u8]) {
        if self.broken.is_some() {
            return;
        }
        while !self.pending.is_empty() {
            let Some((&byte, rest)) = bytes.split_first() else { return };
            bytes = rest;
            self.pending.push(byte);
            match std::str::from_utf8(&self.pending) {
                Ok(_) => self.pending.clear(),
                Err(e) if e.error_len().is_some() => {
                    self.broken = Some(self.lines + 1);
                    return;
                }
                Err(_) => {}
            }
        }
        let valid = match std::str::from_utf8(bytes) {
            Ok(_) => bytes,
            Err(e) => {
                let (valid, rest) = bytes.split_at_checked(e.valid_up_to()).unwrap_or((bytes, &[]));
                match e.error_len() {
                    Some(_) => self.broken = Some(self.lines + count_lf(valid) + 1),
                    None => self.pending.extend_from_slice(rest),
                }
                valid
            }
        };
        self.lines += count_lf(valid);
    }

    fn finish(&self) -> Option<usize> {
        self.broken.or_else(|| (!self.pending.is_empty()).then_some(self.lines + 1))
    }
}

fn count_lf(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// A bundle whose signature and payload hash hold and whose manifest is well formed, read from a file: its records
/// or operations are parsed as [`OpenBundle::payload`] is read.
#[derive(Debug)]
pub struct OpenBundle<R> {
    /// The signed manifest.
    pub manifest: Manifest,
    /// The payload, not yet read a second time.
    pub payload: PayloadLines<R>,
}

impl<R: BufRead> OpenBundle<R> {
    /// `reader` stands at the first byte of the payload, `length` bytes long, which hashed to the manifest's SHA-256.
    pub(super) fn new(manifest: Manifest, reader: R, length: u64, path: &Path) -> Self {
        let payload = match manifest.kind {
            Kind::Full => PayloadLines::Full(Lines::new(&manifest, reader, length, path)),
            Kind::Delta => PayloadLines::Delta(Lines::new(&manifest, reader, length, path)),
        };
        Self { manifest, payload }
    }
}

/// The payload of an [`OpenBundle`]: the records of a full list or the operations of a delta.
#[derive(Debug)]
pub enum PayloadLines<R> {
    /// The records of a full snapshot.
    Full(Lines<R, Record>),
    /// The operations of a delta.
    Delta(Lines<R, DeltaOp>),
}

impl<R: BufRead> PayloadLines<R> {
    /// Reads the rest of the payload for its errors only, keeping nothing: how a refusal that comes later in
    /// [`super::verify`]'s order (a version out of sequence) gives way to a broken line or a wrong count.
    ///
    /// # Errors
    /// As [`Lines`].
    pub fn drain(self) -> Result<(), BundleError> {
        match self {
            Self::Full(records) => records.drain(),
            Self::Delta(ops) => ops.drain(),
        }
    }
}

/// The records or operations of a payload as they are read, each line checked as [`record::parse_jsonl`] checks it;
/// after the last line, the payload's hash (read again) and the count the manifest declares. The first error ends
/// the iteration: a caller that applies the items must read to the end before it keeps anything.
pub struct Lines<R, T> {
    reader: Take<R>,
    path: PathBuf,
    checker: LineChecker<T>,
    hasher: Sha256,
    sha256: [u8; 32],
    declared: usize,
    line: Vec<u8>,
    number: usize,
    done: bool,
}

impl<R, T> fmt::Debug for Lines<R, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Lines").field("path", &self.path).field("line", &self.number).finish_non_exhaustive()
    }
}

/// What the second pass read.
enum Next {
    /// A line, in [`Lines::line`].
    Line,
    /// A line too long to hold, this many bytes without its line end.
    TooLong(usize),
    /// The end of the payload.
    End,
}

impl<R: BufRead, T: Line> Lines<R, T> {
    fn new(manifest: &Manifest, reader: R, length: u64, path: &Path) -> Self {
        Self {
            reader: reader.take(length),
            path: path.to_owned(),
            checker: LineChecker::default(),
            hasher: Sha256::new(),
            sha256: manifest.sha256,
            declared: manifest.records,
            line: Vec::new(),
            number: 0,
            done: false,
        }
    }

    fn drain(mut self) -> Result<(), BundleError> {
        self.try_for_each(|item| item.map(drop))
    }

    /// The next line into `self.line`, hashed, without its LF; a line over [`record::MAX_LINE_BYTES`] (with room
    /// for a CR) is read to its end but not kept.
    fn read(&mut self) -> io::Result<Next> {
        self.line.clear();
        let max = record::MAX_LINE_BYTES + 1;
        let ended = read_line(&mut self.reader, max, &mut self.line)?;
        self.hasher.update(&self.line);
        if ended {
            self.hasher.update(b"\n");
            return Ok(Next::Line);
        }
        if self.line.is_empty() {
            return Ok(Next::End);
        }
        if self.line.len() <= max {
            return Ok(Next::Line);
        }
        let mut length = self.line.len();
        let mut last = self.line.last().copied();
        loop {
            let chunk = self.reader.fill_buf()?;
            if chunk.is_empty() {
                break;
            }
            let end = chunk.iter().position(|&b| b == b'\n');
            let part = chunk.get(..end.unwrap_or(chunk.len())).unwrap_or_default();
            self.hasher.update(part);
            length += part.len();
            last = part.last().copied().or(last);
            let consumed = part.len();
            self.reader.consume(consumed);
            if end.is_some() {
                self.hasher.update(b"\n");
                self.reader.consume(1);
                break;
            }
        }
        Ok(Next::TooLong(if last == Some(b'\r') { length - 1 } else { length }))
    }

    fn advance(&mut self) -> Result<Option<T>, BundleError> {
        loop {
            let read = self.read().map_err(|source| BundleError::Io { path: self.path.clone(), source })?;
            match read {
                Next::End => return self.finish().map(|()| None),
                Next::TooLong(length) => {
                    self.number += 1;
                    return Err(record::line_too_long(self.number, length).into());
                }
                Next::Line => {
                    self.number += 1;
                    let number = self.number;
                    let text = std::str::from_utf8(&self.line)
                        .map_err(|_| RecordError { line: number, reason: Problem::NotUtf8 })?;
                    if let Some(item) = self.checker.check(number, text)? {
                        return Ok(Some(item));
                    }
                }
            }
        }
    }

    /// The checks that need the whole payload: its hash (the file may have changed since the first pass) and its
    /// count.
    fn finish(&mut self) -> Result<(), BundleError> {
        let sha256: [u8; 32] = std::mem::take(&mut self.hasher).finalize().into();
        if sha256 != self.sha256 {
            return Err(BundleError::PayloadMismatch);
        }
        let found = self.checker.count();
        if found != self.declared {
            return Err(BundleError::CountMismatch { declared: self.declared, found });
        }
        Ok(())
    }
}

impl<R: BufRead, T: Line> Iterator for Lines<R, T> {
    type Item = Result<T, BundleError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let item = self.advance().transpose();
        self.done = !matches!(item, Some(Ok(_)));
        item
    }
}
