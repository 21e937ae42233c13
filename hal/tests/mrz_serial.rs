//! The serial MRZ reader over a pseudo-terminal: the test writes as a document reader would on the master side,
//! the reader under test opens the slave as a serial port.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]
#![cfg(feature = "serial")]

use std::fs::File;
use std::io::Write;
use std::path::PathBuf;
use std::time::Duration;

use hal::Error;
use hal::mrz_reader::{MrzReader, SerialMrzReader};

// Specimen MRZs from ICAO 9303 Part 4 (TD3) and Part 6 (TD2), Appendix A.
const TD3: [&str; 2] = ["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<", "L898902C36UTO7408122F1204159ZE184226B<<<<<10"];
const TD2: [&str; 2] = ["I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<", "D231458907UTO7408122F1204159<<<<<<<6"];

/// A pty pair: the master as a file the test writes to, and the reader under test on the slave's device path.
fn pty(inter_line_timeout: Duration) -> (File, SerialMrzReader) {
    let pair = nix::pty::openpty(None, None).unwrap();
    let path: PathBuf = nix::unistd::ttyname(&pair.slave).unwrap();
    let reader = SerialMrzReader::open(&path, 9600, inter_line_timeout).unwrap();
    // The reader holds its own descriptor of the slave now.
    drop(pair.slave);
    (File::from(pair.master), reader)
}

/// Writes the parts from a thread of its own, with pauses, as a document reader would: a full pty buffer blocks
/// the writer, never the reader's runtime.
fn write_from_thread(mut master: File, parts: Vec<(Duration, Vec<u8>)>) -> std::thread::JoinHandle<File> {
    std::thread::spawn(move || {
        for (pause, bytes) in parts {
            std::thread::sleep(pause);
            master.write_all(&bytes).unwrap();
        }
        master
    })
}

fn now(bytes: impl Into<Vec<u8>>) -> (Duration, Vec<u8>) {
    (Duration::ZERO, bytes.into())
}

async fn next(reader: &mut SerialMrzReader) -> Vec<String> {
    tokio::time::timeout(Duration::from_secs(10), reader.next_mrz()).await.expect("no MRZ within 10 s").unwrap()
}

#[tokio::test]
async fn td3_among_noise_with_crlf_and_lf_endings() {
    let (master, mut reader) = pty(Duration::from_secs(2));
    let writer = write_from_thread(
        master,
        vec![
            now("READER V1.2 READY\r\n"),
            now(b"\x02\xff\xfe garbage \x00\r\n".to_vec()),
            now(format!("{}\r\n", TD3[0])),
            now("STATUS OK\r\n"),
            now(format!("{}\r\n", TD3[1])),
            now(format!("{}\n", TD3[0])),
            now("P<UTO<<NOT<AN<MRZ<LINE<OF<FORTY<FOUR<CHARSX<<<<<<\n"),
            now(format!("{}\n", TD3[1])),
        ],
    );
    assert_eq!(next(&mut reader).await, TD3);
    assert_eq!(next(&mut reader).await, TD3);
    drop(writer.join().unwrap());
}

#[tokio::test]
async fn over_long_line_is_skipped() {
    let (master, mut reader) = pty(Duration::from_secs(2));
    let mut long = vec![b'<'; 20_000];
    long.extend_from_slice(b"\r\n");
    let writer = write_from_thread(
        master,
        vec![now(long), now(format!("{}\r\n{}\r\n", TD3[0], TD3[1])), now(format!("{}\r\n{}\r\n", TD2[0], TD2[1]))],
    );
    assert_eq!(next(&mut reader).await, TD3);
    assert_eq!(next(&mut reader).await, TD2);
    drop(writer.join().unwrap());
}

#[tokio::test]
async fn partial_document_is_dropped_after_a_pause() {
    let (master, mut reader) = pty(Duration::from_millis(200));
    let writer = write_from_thread(
        master,
        vec![
            now(format!("{}\r\n", TD3[0])),
            // Longer than the reader's inter-line timeout: the first line must not pair with the next one.
            (Duration::from_millis(800), format!("{}\r\n", TD3[1]).into_bytes()),
            now(format!("{}\r\n{}\r\n", TD2[0], TD2[1])),
        ],
    );
    assert_eq!(next(&mut reader).await, TD2);
    drop(writer.join().unwrap());
}

#[tokio::test]
async fn closed_line_ends_the_reader() {
    let (master, mut reader) = pty(Duration::from_secs(2));
    let writer = write_from_thread(master, vec![now(format!("{}\r\n{}\r\n", TD3[0], TD3[1]))]);
    assert_eq!(next(&mut reader).await, TD3);
    drop(writer.join().unwrap());
    // The slave of a pty whose master closed reads EIO (or end of file): either way the reader stops, without hanging.
    let end = tokio::time::timeout(Duration::from_secs(10), reader.next_mrz()).await.unwrap();
    assert!(matches!(end, Err(Error::SerialRead { .. } | Error::SerialClosed)), "{end:?}");
}

#[test]
fn missing_port_is_an_open_error() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let _guard = runtime.enter();
    let err = SerialMrzReader::open(std::path::Path::new("/dev/does-not-exist"), 9600, Duration::from_secs(1));
    assert!(matches!(err, Err(Error::SerialOpen { .. })), "{err:?}");
}
