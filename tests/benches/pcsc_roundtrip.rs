//! Figures for the PC/SC path: the round trip of one short APDU through hal's reader service, libpcsclite, pcscd and
//! vpcd to a closure card (and without hal, straight through the `pcsc` crate), the time of extended-length reads,
//! and the largest response vpcd carries.
//!
//! Run as root: `cargo bench -p e2e --bench pcsc_roundtrip` (it starts a private pcscd).

use std::time::{Duration, Instant};

use e2e::BodyError;
use e2e::vcard::VirtualCard;
use hal::card::{CardTransport, PcscConfig, PcscReader, ReaderSelection};

const SAMPLES: usize = 200;
const WARM_UP: usize = 20;
const ECHO: [u8; 9] = [0x80, 0x01, 0x00, 0x00, 0x04, 0xDE, 0xAD, 0xBE, 0xEF];

fn respond(apdu: &[u8]) -> Vec<u8> {
    match apdu {
        [0x80, 0x01, 0x00, 0x00, lc, data @ ..] if usize::from(*lc) == data.len() => [data, &[0x90, 0x00]].concat(),
        [0x00, 0xB0, 0x00, 0x00, 0x00, hi, lo] => {
            let le = match u16::from_be_bytes([*hi, *lo]) {
                0 => 65536,
                n => usize::from(n),
            };
            let mut response = vec![0x5A; le];
            response.extend_from_slice(&[0x90, 0x00]);
            response
        }
        _ => vec![0x6D, 0x00],
    }
}

fn read_binary(le: u16) -> [u8; 7] {
    let [hi, lo] = le.to_be_bytes();
    [0x00, 0xB0, 0x00, 0x00, 0x00, hi, lo]
}

struct Summary(Vec<Duration>);

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut sorted = self.0.clone();
        sorted.sort();
        let at = |q: f64| {
            let index = ((sorted.len().saturating_sub(1)) as f64 * q).round() as usize;
            sorted.get(index).copied().unwrap_or_default()
        };
        write!(
            f,
            "median {:>9.1?}  p10 {:>9.1?}  p90 {:>9.1?}  min {:>9.1?}  max {:>9.1?}  (n={})",
            at(0.5),
            at(0.1),
            at(0.9),
            at(0.0),
            at(1.0),
            sorted.len()
        )
    }
}

fn time<E>(n: usize, mut exchange: impl FnMut() -> Result<(), E>) -> Result<Summary, E> {
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let started = Instant::now();
        exchange()?;
        samples.push(started.elapsed());
    }
    Ok(Summary(samples))
}

fn main() -> Result<(), e2e::Error> {
    e2e::in_private_pcscd("pcsc_roundtrip", |pcscd| {
        let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
        let mut vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
        pcscd.wait_for_reader_state(true, Duration::from_secs(10))?;
        let mut config = PcscConfig::default();
        config.request_timeout = Duration::from_secs(3);
        let reader = PcscReader::spawn(config)?;
        let card = runtime.block_on(reader.connect(&ReaderSelection::FirstWithCard))?;

        println!("short APDU round trip ({} bytes out, 6 back), after {WARM_UP} warm-up exchanges:", ECHO.len());
        runtime.block_on(async {
            for _ in 0..WARM_UP {
                card.transmit_async(&ECHO).await?;
            }
            let mut samples = Vec::with_capacity(SAMPLES);
            for _ in 0..SAMPLES {
                let started = Instant::now();
                card.transmit_async(&ECHO).await?;
                samples.push(started.elapsed());
            }
            println!("  hal async (PcscCard::transmit_async)   {}", Summary(samples));
            Ok::<(), hal::Error>(())
        })?;
        let mut card = card;
        let (card, blocking) = runtime.block_on(runtime.spawn_blocking(move || {
            let summary = time(SAMPLES, || CardTransport::transmit(&mut card, &ECHO).map(drop));
            (card, summary)
        }))?;
        println!("  hal blocking (CardTransport::transmit) {}", blocking?);
        runtime.block_on(card.disconnect())?;

        let context = pcsc::Context::establish(pcsc::Scope::User)?;
        let name = std::ffi::CString::new(pcscd.reader_name())?;
        let raw = context.connect(&name, pcsc::ShareMode::Shared, pcsc::Protocols::T0 | pcsc::Protocols::T1)?;
        let mut buffer = vec![0; pcsc::MAX_BUFFER_SIZE_EXTENDED];
        println!(
            "  pcsc crate alone (no hal thread)       {}",
            time(SAMPLES, || raw.transmit(&ECHO, &mut buffer).map(drop))?
        );

        println!("extended-length READ BINARY (00 B0 00 00 00 HH LL), pcsc crate alone:");
        for le in [256_u16, 4096, 16384, 65533] {
            let summary = time(20, || raw.transmit(&read_binary(le), &mut buffer).map(drop))?;
            println!("  Le {le:>5} ({:>5} bytes back)  {summary}", usize::from(le) + 2);
        }
        drop(raw);

        println!("largest response through vpcd and pcscd (hal, bound 3 s):");
        for (le, label) in [(65533_u16, "65535 bytes"), (65534, "65536 bytes"), (0, "65538 bytes (Le 0000)")] {
            let card = runtime.block_on(reader.connect(&ReaderSelection::FirstWithCard))?;
            let started = Instant::now();
            let result = runtime.block_on(card.transmit_async(&read_binary(le)));
            match result {
                Ok(response) => println!("  {label}: ok, {} bytes in {:.1?}", response.len(), started.elapsed()),
                Err(error) => {
                    println!("  {label}: {error} ({error:?}) after {:.1?}", started.elapsed());
                    // The card could not frame its answer and left; put it back for the next size.
                    drop(vcard);
                    vcard = VirtualCard::insert(pcscd.vpcd_port(), VirtualCard::DEFAULT_ATR, respond)?;
                    pcscd.wait_for_reader_state(true, Duration::from_secs(10))?;
                }
            }
        }
        drop(vcard);
        Ok::<(), BodyError>(())
    })
}
