//! hal's PC/SC transport against a real pcscd with the vpcd driver and a closure card.
//!
//! Each test runs in a child process with its own private pcscd (see `e2e::in_private_pcscd`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test helpers fail the test loudly"
)]

use std::time::{Duration, Instant};

use e2e::BodyError;
use e2e::vcard::VirtualCard;
use hal::Error;
use hal::card::{CardTransport, PcscConfig, PcscReader, ReaderSelection};

const ECHO: [u8; 9] = [0x80, 0x01, 0x00, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF];
const ECHO_RESPONSE: [u8; 6] = [0xDE, 0xAD, 0xBE, 0xEF, 0x90, 0x00];

/// The largest response APDU vpcd can carry: its frames have a 16-bit length, so 65533 data bytes and the status
/// word (a chip's full 65536-byte extended response does not fit).
const VPCD_MAX_RESPONSE: usize = 65535;

/// Answers `80 01 00 00 Lc DATA` with DATA 90 00 and a READ BINARY with extended Le (`00 B0 00 00 00 HH LL`) with
/// that many bytes (0000 meaning 65536) and 90 00; anything else with 6D 00 (instruction not supported).
fn respond(apdu: &[u8]) -> Vec<u8> {
    match apdu {
        [0x80, 0x01, 0x00, 0x00, lc, data @ ..] if usize::from(*lc) == data.len() => [data, &[0x90, 0x00]].concat(),
        [0x00, 0xB0, 0x00, 0x00, 0x00, hi, lo] => {
            let le = match u16::from_be_bytes([*hi, *lo]) {
                0 => 65536,
                n => usize::from(n),
            };
            let mut response = file_bytes(le);
            response.extend_from_slice(&[0x90, 0x00]);
            response
        }
        _ => vec![0x6D, 0x00],
    }
}

fn file_bytes(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i % 251) as u8).collect()
}

fn read_binary_extended(le: u16) -> [u8; 7] {
    let [hi, lo] = le.to_be_bytes();
    [0x00, 0xB0, 0x00, 0x00, 0x00, hi, lo]
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap()
}

const PRESENT_TIMEOUT: Duration = Duration::from_secs(10);

#[test]
fn transmit_short_and_extended() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("transmit_short_and_extended", |pcscd| {
        let vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
        pcscd.wait_for_reader_state(true, PRESENT_TIMEOUT)?;
        runtime().block_on(async {
            let reader = PcscReader::spawn(PcscConfig::default())?;
            let readers = reader.list_readers().await?;
            assert!(readers.contains(&pcscd.reader_name()), "{readers:?}");

            let presence = reader.wait_for_card(&ReaderSelection::FirstWithCard, PRESENT_TIMEOUT).await?.unwrap();
            assert_eq!(presence.reader, pcscd.reader_name());
            assert_eq!(presence.atr, VirtualCard::DEFAULT_ATR);

            let card = reader.connect(&ReaderSelection::Named("Virtual PCD".to_owned())).await?;
            assert_eq!(card.reader_name(), pcscd.reader_name());
            assert_eq!(card.atr(), VirtualCard::DEFAULT_ATR);
            assert_eq!(card.transmit_async(&ECHO).await?, ECHO_RESPONSE);
            assert_eq!(card.transmit_async(&[0x00, 0x00, 0x00, 0x00]).await?, [0x6D, 0x00]);

            let extended = card.transmit_async(&read_binary_extended(4096)).await?;
            assert_eq!(extended.len(), 4098);
            assert_eq!(extended[..4096], file_bytes(4096)[..]);
            assert_eq!(extended[4096..], [0x90, 0x00]);

            let largest = card.transmit_async(&read_binary_extended(65533)).await?;
            assert_eq!(largest.len(), VPCD_MAX_RESPONSE);

            // The blocking transport, as the daemon drives the chip protocol from spawn_blocking.
            let mut card = card;
            let (card, echoed, read) = tokio::task::spawn_blocking(move || {
                let echoed = CardTransport::transmit(&mut card, &ECHO);
                let read = CardTransport::transmit(&mut card, &read_binary_extended(4096));
                (card, echoed, read)
            })
            .await?;
            assert_eq!(echoed?, ECHO_RESPONSE);
            assert_eq!(read?.len(), 4098);

            card.disconnect().await?;
            assert_eq!(vcard.apdu_count(), 6);
            Ok::<(), BodyError>(())
        })
    })
}

#[test]
fn card_removed_mid_session() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("card_removed_mid_session", |pcscd| {
        let vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
        pcscd.wait_for_reader_state(true, PRESENT_TIMEOUT)?;
        runtime().block_on(async {
            let reader = PcscReader::spawn(PcscConfig::default())?;
            let mut card = reader.connect(&ReaderSelection::FirstWithCard).await?;
            assert_eq!(card.transmit_async(&ECHO).await?, ECHO_RESPONSE);

            vcard.remove();
            let started = Instant::now();
            let removed = card.transmit_async(&ECHO).await;
            assert!(matches!(removed, Err(Error::CardRemoved { .. })), "{removed:?}");
            assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());

            // Every later exchange says the same, on the blocking transport too, and nothing hangs.
            let (card, again) = tokio::task::spawn_blocking(move || {
                let again = CardTransport::transmit(&mut card, &ECHO);
                (card, again)
            })
            .await?;
            assert!(matches!(again, Err(Error::CardRemoved { .. })), "{again:?}");
            assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());

            assert!(reader.wait_for_removal(card.reader_name(), Duration::from_secs(5)).await?);
            assert_eq!(reader.wait_for_card(&ReaderSelection::FirstWithCard, Duration::from_millis(300)).await?, None);
            card.disconnect().await?;

            // The next traveller's card works in a new session.
            let _vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
            let presence = reader.wait_for_card(&ReaderSelection::FirstWithCard, PRESENT_TIMEOUT).await?;
            assert!(presence.is_some());
            let card = reader.connect(&ReaderSelection::FirstWithCard).await?;
            assert_eq!(card.transmit_async(&ECHO).await?, ECHO_RESPONSE);
            Ok::<(), BodyError>(())
        })
    })
}

#[test]
fn stopped_pcscd_is_service_unavailable_and_restart_recovers() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("stopped_pcscd_is_service_unavailable_and_restart_recovers", |pcscd| {
        let vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
        pcscd.wait_for_reader_state(true, PRESENT_TIMEOUT)?;
        let runtime = runtime();
        let reader = runtime.block_on(async {
            let reader = PcscReader::spawn(PcscConfig::default())?;
            let card = reader.connect(&ReaderSelection::FirstWithCard).await?;
            assert_eq!(card.transmit_async(&ECHO).await?, ECHO_RESPONSE);
            Ok::<_, BodyError>((reader, card))
        })?;

        pcscd.stop()?;
        drop(vcard);
        let (reader, old_card) = runtime.block_on(async {
            let (reader, card) = reader;
            let started = Instant::now();
            let lost = card.transmit_async(&ECHO).await;
            assert!(matches!(lost, Err(Error::ServiceUnavailable { .. })), "{lost:?}");
            let listed = reader.list_readers().await;
            assert!(matches!(listed, Err(Error::ServiceUnavailable { .. })), "{listed:?}");
            let waited = reader.wait_for_card(&ReaderSelection::FirstWithCard, Duration::from_secs(1)).await;
            assert!(matches!(waited, Err(Error::ServiceUnavailable { .. })), "{waited:?}");
            assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());
            (reader, card)
        });

        pcscd.restart()?;
        let _vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
        runtime.block_on(async {
            // The service connects to the new pcscd by itself; the session of the old one is gone.
            let presence = reader.wait_for_card(&ReaderSelection::FirstWithCard, PRESENT_TIMEOUT).await?;
            assert!(presence.is_some());
            let card = reader.connect(&ReaderSelection::FirstWithCard).await?;
            assert_eq!(card.transmit_async(&ECHO).await?, ECHO_RESPONSE);
            let stale = old_card.transmit_async(&ECHO).await;
            assert!(matches!(stale, Err(Error::NotConnected { .. })), "{stale:?}");
            Ok::<(), BodyError>(())
        })
    })
}

#[test]
fn unresponsive_card_times_out() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("unresponsive_card_times_out", |pcscd| {
        let _vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, |apdu| {
            if apdu.first() == Some(&0xFF) {
                std::thread::sleep(Duration::from_secs(2));
            }
            respond(apdu)
        })?;
        pcscd.wait_for_reader_state(true, PRESENT_TIMEOUT)?;
        runtime().block_on(async {
            let mut config = PcscConfig::default();
            config.request_timeout = Duration::from_millis(300);
            let reader = PcscReader::spawn(config)?;
            let card = reader.connect(&ReaderSelection::FirstWithCard).await?;
            let started = Instant::now();
            let slow = card.transmit_async(&[0xFF, 0x00, 0x00, 0x00]).await;
            assert!(matches!(slow, Err(Error::Timeout { .. })), "{slow:?}");
            assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
            Ok::<(), BodyError>(())
        })
    })
}

#[test]
fn nothing_to_connect_to() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("nothing_to_connect_to", |pcscd| {
        pcscd.wait_for_reader_state(false, PRESENT_TIMEOUT)?;
        runtime().block_on(async {
            let reader = PcscReader::spawn(PcscConfig::default())?;
            let none = reader.connect(&ReaderSelection::FirstWithCard).await;
            assert!(matches!(none, Err(Error::NoCard { reader: None })), "{none:?}");
            let named = reader.connect(&ReaderSelection::Named(pcscd.reader_name())).await;
            assert!(matches!(named, Err(Error::NoCard { reader: Some(_) })), "{named:?}");
            let unknown = reader.connect(&ReaderSelection::Named("ACS ACR1252".to_owned())).await;
            assert!(matches!(unknown, Err(Error::UnknownReader { .. })), "{unknown:?}");

            let started = Instant::now();
            let waited = reader.wait_for_card(&ReaderSelection::FirstWithCard, Duration::from_millis(300)).await?;
            assert_eq!(waited, None);
            assert!(started.elapsed() < Duration::from_secs(2), "took {:?}", started.elapsed());

            // A caller that gives up on a long wait frees the service within a slice.
            let abandoned = tokio::time::timeout(
                Duration::from_millis(100),
                reader.wait_for_card(&ReaderSelection::FirstWithCard, Duration::from_secs(60)),
            )
            .await;
            assert!(abandoned.is_err());
            let started = Instant::now();
            reader.list_readers().await?;
            assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
            Ok::<(), BodyError>(())
        })
    })
}
