//! `gate-sim chip`: a simulated e-passport chip (ICAO 9303) served to pcscd through vsmartcard's vpcd driver, so that
//! the gate reads it through real PC/SC as it would a passport on its contactless reader.
//!
//! - [`passport_dir`]: loads a passport directory (the chip's files and `chip.toml`).
//! - [`card`]: the chip itself, an APDU state machine with no I/O (ISO/IEC 7816-4, ICAO 9303-10 and -11).
//! - [`vpcd`]: the socket protocol to pcscd's vpcd driver, with reconnection.
//! - [`link`]: the contactless link's bit rate and latency.
//! - [`fault`]: the faults the chip can be told to show.
//! - [`mrz_pty`]: the document reader's serial line on a pseudo-terminal, which sends the printed MRZ once the card
//!   is in the reader.
//!
//! The command runs until SIGINT or SIGTERM (exit 0), or until the `remove-after` fault takes the card away (exit 0).
//! It prints one line per event (one JSON object with `--json`): `inserted` each time it connects to vpcd,
//! `disconnected` when pcscd goes away (it then reconnects), `removed` and `stopped` when it ends.

pub mod card;
pub mod fault;
pub mod link;
pub mod mrz_pty;
pub mod passport_dir;
pub mod vpcd;

use std::net::ToSocketAddrs;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use nix::sys::signal::{SigSet, Signal};
use serde_json::json;

use crate::cli::{self, BAD_INPUT, FAILED};
use crate::error::Error;
use card::{Card, CardConfig, LeOverflow};
use fault::Faults;
use link::LinkModel;
use passport_dir::{Access, Passport};
use vpcd::{Event, Outcome, VpcdOptions};

/// The port pcscd's stock vpcd configuration listens on.
pub const DEFAULT_VPCD: &str = "127.0.0.1:35963";

/// Arguments of `gate-sim chip`.
#[derive(Debug, Clone, clap::Args)]
pub struct ChipArgs {
    /// The passport directory: EF.COM.bin, EF.SOD.bin, DG1.bin ... and an optional chip.toml (JMRTD's specimen
    /// layouts are read too).
    #[arg(long, value_name = "DIR")]
    pub passport: PathBuf,
    /// Where pcscd's vpcd driver listens.
    #[arg(long, value_name = "HOST:PORT", default_value = DEFAULT_VPCD)]
    pub vpcd: String,
    /// Access control, overriding chip.toml: bac, pace, pace-cam or pace+bac, within what the passport's files allow
    /// (PACE needs EF.CardAccess; pace-cam a PACE-CAM PACEInfo and the Chip Authentication key on PACE's curve; BAC
    /// an MRZ). `pace` on a PACE-CAM passport is that chip with CAM switched off.
    #[arg(long, value_name = "ACCESS")]
    pub access: Option<String>,
    /// Refuse extended-length APDUs (6700) and do not announce them in the ATR and EF.ATR/INFO.
    #[arg(long)]
    pub no_extended_length: bool,
    /// The chip's response buffer: the largest response data field, secure messaging included (64 to 65533).
    #[arg(long, value_name = "BYTES", default_value_t = card::DEFAULT_MAX_RESPONSE)]
    pub max_response: usize,
    /// What a READ BINARY asking for more than fits gets: wrong-length (6700), exact-le (6Cxx) or fewer-bytes.
    #[arg(long, value_name = "MODE", default_value = "wrong-length")]
    pub le_overflow: String,
    /// Contactless bit rate in kbit/s (106, 212, 424, 848 ...); each APDU waits for its bytes to cross the link.
    #[arg(long, value_name = "N")]
    pub link_kbps: Option<u32>,
    /// Fixed delay added to each APDU, in milliseconds.
    #[arg(long, value_name = "N", default_value_t = 0.0)]
    pub apdu_latency_ms: f64,
    /// A fault to show (repeatable): remove-after:N, wrong-mac[:N], truncate[:N], tamper-dg2, bad-sod-signature,
    /// clone (the chip answers Chip and Active Authentication and PACE-CAM with keys of its own, so the terminal's
    /// checks fail).
    #[arg(long = "fault", value_name = "NAME")]
    pub faults: Vec<String>,
    /// Also be the document reader: link a pseudo-terminal here and send the printed MRZ on it once the card is in
    /// the reader.
    #[arg(long, value_name = "LINK")]
    pub mrz_pty: Option<PathBuf>,
    /// Send a line of noise on the MRZ pseudo-terminal before the MRZ.
    #[arg(long, requires = "mrz_pty")]
    pub mrz_noise: bool,
    /// Print one JSON object per event.
    #[arg(long)]
    pub json: bool,
}

/// Everything `gate-sim chip` needs, validated.
#[derive(Debug)]
struct Setup {
    card: Card,
    vpcd: VpcdOptions,
    mrz: Option<(PathBuf, Vec<String>)>,
}

fn bad(json: bool, message: &str) -> ExitCode {
    cli::fail(json, BAD_INPUT, "bad_argument", message)
}

fn setup(args: &ChipArgs) -> Result<Setup, ExitCode> {
    let json = args.json;
    let faults = Faults::parse(&args.faults).map_err(|e| bad(json, &e.to_string()))?;
    let access = match args.access.as_deref() {
        None => None,
        Some(name) => Some(
            Access::from_name(name)
                .ok_or_else(|| bad(json, &format!("--access {name:?} is not one of bac, pace, pace-cam, pace+bac")))?,
        ),
    };
    let le_overflow = LeOverflow::from_name(&args.le_overflow).ok_or_else(|| {
        bad(json, &format!("--le-overflow {:?} is not one of wrong-length, exact-le, fewer-bytes", args.le_overflow))
    })?;
    if !(card::MIN_RESPONSE_LIMIT..=card::MAX_RESPONSE_LIMIT).contains(&args.max_response) {
        return Err(bad(json, "--max-response must be between 64 and 65533 bytes (vpcd carries at most 65535)"));
    }
    if args.link_kbps == Some(0) {
        return Err(bad(json, "--link-kbps must be at least 1"));
    }
    if !(args.apdu_latency_ms.is_finite() && (0.0..=60_000.0).contains(&args.apdu_latency_ms)) {
        return Err(bad(json, "--apdu-latency-ms must be between 0 and 60000"));
    }
    if !args.vpcd.to_socket_addrs().is_ok_and(|mut a| a.next().is_some()) {
        return Err(bad(json, &format!("--vpcd {:?} is not a HOST:PORT address that resolves", args.vpcd)));
    }
    let passport = Passport::load(&args.passport)
        .map_err(|e| cli::fail(json, BAD_INPUT, "unreadable_passport", &e.to_string()))?;
    let remove_after = faults.remove_after;
    let config = CardConfig {
        access: access.unwrap_or(passport.access),
        extended_length: !args.no_extended_length,
        max_response: args.max_response,
        le_overflow,
        faults,
    };
    let card = Card::new(&passport, config).map_err(|e| match (&e, access) {
        (Error::InvalidChipConfig { .. }, _) => bad(json, &e.to_string()),
        // The passport cannot be the chip --access asks for; the message says which option it was.
        (Error::InvalidPassport { .. } | Error::InvalidMrz { .. }, Some(a)) if a != passport.access => {
            cli::fail(json, BAD_INPUT, "unreadable_passport", &format!("--access {}: {e}", a.as_str()))
        }
        _ => cli::fail(json, BAD_INPUT, "unreadable_passport", &e.to_string()),
    })?;
    let mrz = match &args.mrz_pty {
        None => None,
        Some(link) => Some((
            link.clone(),
            passport.printed_lines().map_err(|e| cli::fail(json, BAD_INPUT, "unreadable_passport", &e.to_string()))?,
        )),
    };
    let vpcd = VpcdOptions {
        addr: args.vpcd.clone(),
        link: LinkModel { kbps: args.link_kbps, latency: Duration::from_secs_f64(args.apdu_latency_ms / 1000.0) },
        remove_after,
    };
    Ok(Setup { card, vpcd, mrz })
}

/// Raises `stop` on SIGINT or SIGTERM. The signals are blocked in this thread before any other starts, so every
/// thread inherits the mask and only the waiting thread takes them.
fn stop_on_signals() -> Result<Arc<AtomicBool>, nix::Error> {
    let mut set = SigSet::empty();
    set.add(Signal::SIGINT);
    set.add(Signal::SIGTERM);
    set.thread_block()?;
    let stop = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&stop);
    std::thread::Builder::new()
        .name("signals".into())
        .spawn(move || {
            if let Ok(sig) = set.wait() {
                tracing::info!(signal = %sig, "stopping");
            }
            flag.store(true, Ordering::Relaxed);
        })
        .map_err(|_| nix::Error::EAGAIN)?;
    Ok(stop)
}

/// Prints one event line. A closed stdout (the watcher went away) must not stop the chip, so write errors are
/// only logged, where `println!` would panic.
fn print_event(json: bool, value: &serde_json::Value, human: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let written = if json { writeln!(out, "{value}") } else { writeln!(out, "{human}") };
    if let Err(e) = written.and_then(|()| out.flush()) {
        tracing::debug!(error = %e, "event not printed");
    }
}

/// `gate-sim chip`: serves the passport's chip through vpcd until stopped.
pub fn chip_command(args: &ChipArgs) -> ExitCode {
    let json = args.json;
    let Setup { mut card, vpcd: options, mrz } = match setup(args) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let mut pty = match &mrz {
        None => None,
        Some((link, _)) => match mrz_pty::MrzPty::open(link) {
            Ok(p) => Some(p),
            Err(e) => return cli::fail(json, BAD_INPUT, "mrz_pty_failed", &e.to_string()),
        },
    };
    let stop = match stop_on_signals() {
        Ok(s) => s,
        Err(e) => return cli::fail(json, FAILED, "signals", &format!("cannot set up signal handling: {e}")),
    };
    let files: Vec<String> =
        card.files().keys().filter(|f| **f != mrtd::lds::FileId::AtrInfo).map(|f| f.name()).collect();
    let config = card.config().clone();
    let pace = card.pace_protocols();
    let (chip_authentication, active_authentication) =
        (card.has_chip_authentication(), card.has_active_authentication());
    let mut mrz_sent = false;
    let mut on_event = |event: &Event| match event {
        Event::Inserted { addr } => {
            print_event(
                json,
                &json!({
                    "event": "inserted",
                    "vpcd": addr.to_string(),
                    "reader_port": addr.port(),
                    "access": config.access.as_str(),
                    "extended_length": config.extended_length,
                    "max_response": config.max_response,
                    "le_overflow": config.le_overflow.as_str(),
                    "files": files,
                    "faults": config.faults.names(),
                    "pace": pace,
                    "chip_authentication": chip_authentication,
                    "active_authentication": active_authentication,
                }),
                &format!("chip inserted (vpcd {addr}, access {}, files {})", config.access.as_str(), files.join(" ")),
            );
            // The traveller laid the passport down: the document reader reads the page once.
            if let (Some(p), Some((_, lines)), false) = (pty.as_mut(), &mrz, mrz_sent) {
                match p.send(lines, args.mrz_noise) {
                    Ok(()) => mrz_sent = true,
                    Err(e) => tracing::warn!(error = %e, "MRZ not sent"),
                }
            }
        }
        Event::Disconnected { stats } => print_event(
            json,
            &json!({"event": "disconnected", "apdus": stats.apdus, "bytes_in": stats.bytes_in,
                    "bytes_out": stats.bytes_out}),
            &format!("vpcd went away after {} APDUs; reconnecting", stats.apdus),
        ),
        Event::Removed { stats } => print_event(
            json,
            &json!({"event": "removed", "apdus": stats.apdus, "bytes_in": stats.bytes_in,
                    "bytes_out": stats.bytes_out}),
            &format!("chip removed after {} APDUs", stats.apdus),
        ),
    };
    let outcome = vpcd::serve(&mut card, &options, &stop, &mut on_event);
    match outcome {
        Ok(Outcome::Stopped) => {
            print_event(json, &json!({"event": "stopped"}), "chip stopped");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Removed) => ExitCode::SUCCESS,
        Err(e) => cli::fail(json, FAILED, "vpcd", &e.to_string()),
    }
}
