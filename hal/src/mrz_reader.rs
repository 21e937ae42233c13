//! The document reader: the MRZ lines it OCRs from the data page, one document at a time.
//!
//! Document readers send each MRZ line (ICAO 9303 Part 3, section 4.2: upper-case A-Z, digits and the filler `<`)
//! ended by CR LF over a serial line, often mixed with status lines of their own. [`MrzLineAssembler`] turns that
//! byte stream into documents: lines end at LF (a CR before it is dropped), a line that is not a plausible MRZ line
//! (not 30, 36 or 44 characters, or a character outside A-Z 0-9 `<`) is skipped, and consecutive plausible lines of
//! one length make a document: three of 30 (TD1), two of 36 (TD2) or two of 44 (TD3). A blank line, a line of
//! another length or a pause longer than the inter-line timeout drops a partial document. Lines are bounded: an
//! over-long one is skipped without being buffered. Check digits are not looked at here; the daemon verifies them.
//!
//! [`StreamMrzReader`] drives the assembler from any async byte stream; with the feature `serial` it opens a serial
//! port through `tokio-serial`.

use std::collections::VecDeque;
use std::future::Future;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tracing::{debug, trace};

use crate::Error;

/// The longest line kept, in bytes (without its LF); longer lines are skipped as noise.
pub const MAX_LINE_LEN: usize = 256;

/// A pause between two lines of one document after which the partial document is dropped, unless configured.
pub const DEFAULT_INTER_LINE_TIMEOUT: Duration = Duration::from_secs(1);

/// A source of MRZs: one document's lines per call.
pub trait MrzReader: Send {
    /// Waits for the next document and returns its 2 or 3 MRZ lines, in order. The wait has no bound of its own:
    /// a traveller may take any time to lay the passport down; race it against shutdown or a timeout as needed.
    ///
    /// # Errors
    /// [`Error::SerialRead`] when reading fails, [`Error::SerialClosed`] when the line closed.
    fn next_mrz(&mut self) -> impl Future<Output = Result<Vec<String>, Error>> + Send;
}

/// The MRZ document formats, by line length (ICAO 9303 Parts 4 to 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Td1,
    Td2,
    Td3,
}

impl Format {
    fn of_length(len: usize) -> Option<Self> {
        match len {
            30 => Some(Self::Td1),
            36 => Some(Self::Td2),
            44 => Some(Self::Td3),
            _ => None,
        }
    }

    fn lines(self) -> usize {
        match self {
            Self::Td1 => 3,
            Self::Td2 | Self::Td3 => 2,
        }
    }
}

/// Why a line was skipped; logged instead of the line, which may hold personal data.
#[derive(Debug, Clone, Copy)]
enum Noise {
    Length,
    Characters,
    TooLong,
}

/// Turns the bytes from a document reader into documents, without doing any I/O.
#[derive(Debug, Default)]
pub struct MrzLineAssembler {
    line: Vec<u8>,
    /// The current line went past [`MAX_LINE_LEN`]: its bytes are dropped up to the next LF.
    overflowed: bool,
    group: Vec<String>,
    group_format: Option<Format>,
    documents: VecDeque<Vec<String>>,
    accepted: u64,
}

impl MrzLineAssembler {
    /// An assembler with nothing buffered.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Takes bytes as they came from the reader; completed documents are then available from
    /// [`MrzLineAssembler::next_document`].
    pub fn push(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            if byte == b'\n' {
                self.end_line();
            } else if self.overflowed {
                // Dropped: the line is already refused.
            } else if self.line.len() >= MAX_LINE_LEN {
                self.overflowed = true;
                self.line.clear();
            } else {
                self.line.push(byte);
            }
        }
    }

    /// The oldest completed document not yet taken.
    pub fn next_document(&mut self) -> Option<Vec<String>> {
        self.documents.pop_front()
    }

    /// How many lines of a document not yet complete are held.
    #[must_use]
    pub fn partial_lines(&self) -> usize {
        self.group.len()
    }

    /// How many plausible MRZ lines were taken so far; it changes whenever a line joins a document.
    #[must_use]
    pub fn accepted_lines(&self) -> u64 {
        self.accepted
    }

    /// Drops a partial document (the lines of a document not yet complete), e.g. after a pause.
    pub fn reset_partial(&mut self) {
        if !self.group.is_empty() {
            debug!(lines = self.group.len(), "dropped a partial MRZ");
        }
        self.group.clear();
        self.group_format = None;
    }

    fn end_line(&mut self) {
        let raw = std::mem::take(&mut self.line);
        if std::mem::take(&mut self.overflowed) {
            self.skip(Noise::TooLong, MAX_LINE_LEN);
            return;
        }
        // Trailing CR, padding and framing bytes some readers add (STX/ETX) are not part of the line.
        let text = trim_framing(&raw);
        if text.is_empty() {
            self.reset_partial();
            return;
        }
        let Some(format) = Format::of_length(text.len()) else {
            self.skip(Noise::Length, text.len());
            return;
        };
        if !text.iter().all(|&b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'<') {
            self.skip(Noise::Characters, text.len());
            return;
        }
        if self.group_format != Some(format) {
            self.reset_partial();
            self.group_format = Some(format);
        }
        self.group.push(String::from_utf8_lossy(text).into_owned());
        self.accepted = self.accepted.wrapping_add(1);
        trace!(line = %String::from_utf8_lossy(text), "MRZ line");
        if self.group.len() >= format.lines() {
            debug!(format = ?format, "MRZ read");
            self.documents.push_back(std::mem::take(&mut self.group));
            self.group_format = None;
        }
    }

    fn skip(&self, reason: Noise, len: usize) {
        debug!(?reason, len, "skipped a line that is not an MRZ line");
    }
}

fn trim_framing(line: &[u8]) -> &[u8] {
    let framing = |b: &u8| b.is_ascii_whitespace() || b.is_ascii_control();
    let start = line.iter().position(|b| !framing(b)).unwrap_or(line.len());
    let end = line.iter().rposition(|b| !framing(b)).map_or(start, |last| last + 1);
    line.get(start..end).unwrap_or_default()
}

/// An [`MrzReader`] over any async byte stream: a serial port, a pty, a socket.
///
/// [`MrzReader::next_mrz`] is cancel-safe: bytes already read stay buffered in the reader.
#[derive(Debug)]
pub struct StreamMrzReader<R> {
    port: R,
    assembler: MrzLineAssembler,
    inter_line_timeout: Duration,
    /// When the partial document is dropped if no further line comes.
    partial_deadline: Option<tokio::time::Instant>,
    seen: u64,
}

impl<R: AsyncRead + Unpin + Send> StreamMrzReader<R> {
    /// Reads documents from `port`; a partial document is dropped after `inter_line_timeout` without a line.
    pub fn new(port: R, inter_line_timeout: Duration) -> Self {
        Self { port, assembler: MrzLineAssembler::new(), inter_line_timeout, partial_deadline: None, seen: 0 }
    }

    /// The underlying stream.
    pub fn into_inner(self) -> R {
        self.port
    }
}

impl<R: AsyncRead + Unpin + Send> MrzReader for StreamMrzReader<R> {
    async fn next_mrz(&mut self) -> Result<Vec<String>, Error> {
        let mut chunk = [0_u8; 256];
        loop {
            if let Some(document) = self.assembler.next_document() {
                return Ok(document);
            }
            let deadline = if self.assembler.partial_lines() > 0 { self.partial_deadline } else { None };
            let read = match deadline {
                Some(deadline) => match tokio::time::timeout_at(deadline, self.port.read(&mut chunk)).await {
                    Ok(read) => read,
                    Err(_) => {
                        debug!(timeout = ?self.inter_line_timeout, "no MRZ line within the inter-line timeout");
                        self.assembler.reset_partial();
                        self.partial_deadline = None;
                        continue;
                    }
                },
                None => self.port.read(&mut chunk).await,
            };
            let n = read.map_err(|source| Error::SerialRead { source })?;
            let Some(bytes) = chunk.get(..n).filter(|b| !b.is_empty()) else {
                return Err(Error::SerialClosed);
            };
            self.assembler.push(bytes);
            if self.assembler.accepted_lines() != self.seen {
                self.seen = self.assembler.accepted_lines();
                self.partial_deadline = Some(tokio::time::Instant::now() + self.inter_line_timeout);
            }
        }
    }
}

/// The MRZ reader on a serial port.
#[cfg(feature = "serial")]
pub type SerialMrzReader = StreamMrzReader<tokio_serial::SerialStream>;

#[cfg(feature = "serial")]
impl StreamMrzReader<tokio_serial::SerialStream> {
    /// Opens the serial port at `path` (8 data bits, no parity, 1 stop bit at `baud`). Call it within a tokio
    /// runtime.
    ///
    /// # Errors
    /// [`Error::SerialOpen`] when the port cannot be opened.
    pub fn open(path: &std::path::Path, baud: u32, inter_line_timeout: Duration) -> Result<Self, Error> {
        use tokio_serial::SerialPortBuilderExt as _;
        let port = tokio_serial::new(path.to_string_lossy(), baud)
            .open_native_async()
            .map_err(|source| Error::SerialOpen { path: path.to_owned(), source: Box::new(source) })?;
        debug!(path = %path.display(), baud, "MRZ reader's serial port open");
        Ok(Self::new(port, inter_line_timeout))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Specimen TD3 MRZ from ICAO 9303 Part 4, Appendix A.
    const TD3: [&str; 2] =
        ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
    // Specimen TD1 MRZ from ICAO 9303 Part 5, Appendix A.
    const TD1: [&str; 3] =
        ["I<UTOD231458907<<<<<<<<<<<<<<<", "7408122F1204159UTO<<<<<<<<<<<6", "ERIKSSON<<ANNA<MARIA<<<<<<<<<<"];
    // Specimen TD2 MRZ from ICAO 9303 Part 6, Appendix A.
    const TD2: [&str; 2] = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"];

    fn feed(text: &str) -> (MrzLineAssembler, Vec<Vec<String>>) {
        let mut a = MrzLineAssembler::new();
        a.push(text.as_bytes());
        let mut docs = Vec::new();
        while let Some(d) = a.next_document() {
            docs.push(d);
        }
        (a, docs)
    }

    #[test]
    fn groups_each_format() {
        let text =
            format!("{}\r\n{}\r\n{}\r\n{}\r\n{}\r\n{}\n{}\n", TD3[0], TD3[1], TD1[0], TD1[1], TD1[2], TD2[0], TD2[1]);
        let (a, docs) = feed(&text);
        assert_eq!(docs, vec![TD3.to_vec(), TD1.to_vec(), TD2.to_vec()]);
        assert_eq!(a.partial_lines(), 0);
    }

    #[test]
    fn skips_noise_without_breaking_a_document() {
        let text = format!(
            "READY\r\nstatus: ok\r\n{}\r\n{}\r\n{}\r\n",
            TD3[0], "P<utoeriksson lower case noise 44 chars long", TD3[1]
        );
        let (_, docs) = feed(&text);
        assert_eq!(docs, vec![TD3.to_vec()]);
    }

    #[test]
    fn blank_line_drops_a_partial_document() {
        let text = format!("{}\r\n\r\n{}\r\n", TD3[0], TD3[1]);
        let (a, docs) = feed(&text);
        assert!(docs.is_empty());
        assert_eq!(a.partial_lines(), 1);
    }

    #[test]
    fn a_line_of_another_length_starts_over() {
        let text = format!("{}\r\n{}\r\n{}\r\n{}\r\n", TD1[0], TD3[0], TD3[1], TD1[1]);
        let (a, docs) = feed(&text);
        assert_eq!(docs, vec![TD3.to_vec()]);
        assert_eq!(a.partial_lines(), 1);
    }

    #[test]
    fn over_long_line_is_refused_with_bounded_memory() {
        let mut a = MrzLineAssembler::new();
        a.push(TD3[0].as_bytes());
        a.push(b"\r\n");
        for _ in 0..1000 {
            a.push(&[b'A'; 1000]);
            assert!(a.line.len() <= MAX_LINE_LEN);
        }
        a.push(b"\r\n");
        a.push(TD3[1].as_bytes());
        a.push(b"\r\n");
        assert_eq!(a.next_document(), Some(TD3.iter().map(|s| (*s).to_owned()).collect()));
    }

    #[test]
    fn a_line_of_exactly_the_bound_is_kept_as_noise_not_overflow() {
        let mut a = MrzLineAssembler::new();
        a.push(&[b'<'; MAX_LINE_LEN]);
        assert!(!a.overflowed);
        a.push(b"<");
        assert!(a.overflowed);
        a.push(b"\n");
        assert!(!a.overflowed);
        assert!(a.line.is_empty());
    }

    #[test]
    fn bytes_split_anywhere_give_the_same_document() {
        let text = format!("noise\r\n{}\r\n{}\r\n", TD3[0], TD3[1]);
        for split in 0..text.len() {
            let mut a = MrzLineAssembler::new();
            let (head, tail) = text.as_bytes().split_at(split);
            a.push(head);
            a.push(tail);
            assert_eq!(a.next_document(), Some(TD3.iter().map(|s| (*s).to_owned()).collect()), "split at {split}");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn pause_between_lines_drops_the_partial_document() {
        let (mut tx, rx) = tokio::io::duplex(1024);
        let mut reader = StreamMrzReader::new(rx, Duration::from_millis(500));
        let writer = tokio::spawn(async move {
            use tokio::io::AsyncWriteExt;
            tx.write_all(format!("{}\r\n", TD3[0]).as_bytes()).await.unwrap();
            tokio::time::sleep(Duration::from_secs(2)).await;
            tx.write_all(format!("{}\r\n", TD3[1]).as_bytes()).await.unwrap();
            tx.write_all(format!("{}\r\n{}\r\n", TD2[0], TD2[1]).as_bytes()).await.unwrap();
            tx
        });
        // The TD3 pair was interrupted by the pause: its second line alone starts a new partial document, which the
        // TD2 lines replace.
        assert_eq!(reader.next_mrz().await.unwrap(), TD2.to_vec());
        drop(writer.await.unwrap());
        assert!(matches!(reader.next_mrz().await, Err(Error::SerialClosed)));
    }
}
