//! The `read-chip` command (../shared/CLI.md): human text by default, one JSON object with `--json`; exit 0 when
//! the chip was read, 1 when the operation ran and failed, 2 on bad usage or unreadable input.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use hal::card::{PcscConfig, PcscReader, ReaderSelection};
use hal::mrz_reader::{MrzReader, SerialMrzReader};
use mrtd::lds::FileId;
use mrtd::lds::dg2::{Container, ImageFormat};
use mrtd::mrz::{self, Mrz};
use serde_json::{Value, json};

use crate::error::{Error, UsageError};
use crate::read::{self, ChipRead, ReadOptions};

/// Arguments of `gate-daemon read-chip`.
#[derive(Debug, Clone, clap::Args)]
pub struct ReadChipArgs {
    /// A line of the MRZ printed on the data page (give each line; 2 for a passport, 3 for a TD1 card).
    #[arg(long = "mrz", value_name = "LINE")]
    pub mrz: Vec<String>,
    /// Take the MRZ from the document reader on this serial line instead of --mrz.
    #[arg(long, value_name = "DEVICE", conflicts_with = "mrz")]
    pub mrz_serial: Option<PathBuf>,
    /// Baud rate of the document reader's serial line.
    #[arg(long, default_value_t = 9600)]
    pub mrz_baud: u32,
    /// The card access number: PACE is keyed with it instead of the MRZ.
    #[arg(long, value_name = "DIGITS")]
    pub can: Option<String>,
    /// Read from this reader (its name, or the start of it) instead of the first one with a card.
    #[arg(long, value_name = "NAME")]
    pub reader: Option<String>,
    /// Trust anchors for Passive Authentication: a CSCA master list (CMS), certificates (DER or PEM), CRLs, or a
    /// folder of them (repeatable). Without any, a document is at best `untrusted`.
    #[arg(long, value_name = "FILE")]
    pub trust: Vec<PathBuf>,
    /// Check certificates at this date (YYYY-MM-DD) when the SOD has no signing time, instead of today.
    #[arg(long, value_name = "DATE")]
    pub at: Option<String>,
    /// Keep to short APDUs even when the chip takes extended length.
    #[arg(long)]
    pub no_extended_length: bool,
    /// Never ask for more than N bytes per READ BINARY (JMRTD reads 223-byte blocks; for comparisons).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub max_block: Option<u16>,
    /// Seconds to wait for a card (and for the MRZ from the serial line).
    #[arg(long, default_value_t = 10)]
    pub wait: u64,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// Runs `read-chip` and prints its outcome.
pub fn read_chip_command(args: &ReadChipArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return crate::output::fail(args.json, 1, "internal", &format!("cannot start the runtime: {e}")),
    };
    match runtime.block_on(read_chip(args)) {
        Ok(read) => {
            let report = report(&read, today());
            if args.json {
                println!("{report}");
            } else {
                print_human(&read, &report);
            }
            ExitCode::SUCCESS
        }
        Err(e) => crate::output::error(args.json, &e),
    }
}

async fn read_chip(args: &ReadChipArgs) -> Result<ChipRead, Error> {
    let wait = Duration::from_secs(args.wait);
    let lines = match &args.mrz_serial {
        Some(path) => {
            let mut reader = SerialMrzReader::open(path, args.mrz_baud, Duration::from_millis(500))?;
            tokio::time::timeout(wait, reader.next_mrz())
                .await
                .map_err(|_| Error::Timeout { what: "the MRZ from the document reader", seconds: args.wait })??
        }
        None if args.mrz.is_empty() => return Err(Error::Usage(UsageError::NoMrz)),
        None => args.mrz.clone(),
    };
    // Every check digit is verified before the chip is touched: a wrong MRZ is the first cause of failed access.
    let mrz = Mrz::parse(&lines).map_err(Error::Mrz)?;
    if let Some(can) = &args.can
        && (can.is_empty() || can.len() > 12 || !can.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(Error::Usage(UsageError::Can));
    }
    let at = match &args.at {
        Some(text) => crate::verify_sod::parse_date(text)
            .ok_or_else(|| Error::Usage(UsageError::Date { argument: text.clone() }))?,
        None => std::time::SystemTime::now(),
    };
    let (trust, _skipped) = crate::verify_sod::load_trust(&args.trust, &[])?;

    let handle = PcscReader::spawn(PcscConfig::default())?;
    let selection = match &args.reader {
        Some(name) => ReaderSelection::Named(name.clone()),
        None => ReaderSelection::FirstWithCard,
    };
    if handle.wait_for_card(&selection, wait).await?.is_none() {
        return Err(Error::Hardware(hal::Error::NoCard { reader: args.reader.clone() }));
    }
    let card = handle.connect(&selection).await?;
    let options = ReadOptions {
        extended_length: !args.no_extended_length,
        max_block: args.max_block.map(usize::from),
        can: args.can.clone(),
        trust: std::sync::Arc::new(trust),
        at,
        ..ReadOptions::default()
    };
    tokio::task::spawn_blocking(move || read::read_passport(card, &mrz, &options))
        .await
        .map_err(|_| Error::Timeout { what: "the chip read", seconds: 0 })?
}

/// Today's date in UTC, from the system clock.
pub fn today() -> mrz::Ymd {
    let days =
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() / 86_400).unwrap_or(0);
    civil_from_days(days)
}

/// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: u64) -> mrz::Ymd {
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (u16::try_from(year).unwrap_or(u16::MAX), month as u8, day as u8)
}

fn container_name(c: Container) -> &'static str {
    match c {
        Container::Iso19794_5 => "ISO19794-5",
        Container::Iso39794_5 => "ISO39794-5",
    }
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Jpeg2000 => "JPEG2000",
        ImageFormat::Png => "PNG",
        _ => "other",
    }
}

/// The JSON report of a read (keys as ../shared/CLI.md fixes them, and more).
pub fn report(read: &ChipRead, today: mrz::Ymd) -> Value {
    let m = &read.dg1;
    let dg1 = json!({
        "document_code": m.document_code(),
        "issuing_state": m.issuing_state(),
        "document_number": m.document_number(),
        "surname": m.surname(),
        "given_names": m.given_names(),
        "nationality": m.nationality(),
        "date_of_birth": m.birth_date_iso(today),
        "date_of_birth_mrz": m.date_of_birth(),
        "sex": m.sex().as_str(),
        "date_of_expiry": m.expiry_date_iso(today),
        "date_of_expiry_mrz": m.date_of_expiry(),
        "optional_data": m.optional_data(),
    });
    let face = read.face.as_ref().map(|f| {
        json!({
            "container": container_name(f.container),
            "image_format": format_name(f.image_format),
            "width": f.width,
            "height": f.height,
            "decoded": f.decoded,
        })
    });
    let auth = &read.authenticity;
    let reasons: Vec<String> = auth.reasons.iter().map(ToString::to_string).collect();
    let reason_codes: Vec<&str> = {
        let mut codes: Vec<&str> = auth.reasons.iter().map(|r| r.code).collect();
        codes.dedup();
        codes
    };
    let pa = auth.pa.as_ref().map(|pa| {
        json!({
            "signature_algorithm": pa.signature_algorithm,
            "dsc": pa.dsc.as_ref().map(|c| json!({"subject": c.subject, "issuer": c.issuer, "serial": c.serial})),
            "csca": pa.csca.as_ref().map(|c| json!({"subject": c.subject})),
            "data_groups": pa.data_groups.iter().map(|(n, check)| (n.to_string(), json!(check.as_str())))
                .collect::<serde_json::Map<String, Value>>(),
        })
    });
    let problems: Vec<String> = read.problems.iter().map(ToString::to_string).collect();
    let files: Vec<String> = read.order.iter().map(|f: &FileId| f.name()).collect();
    json!({
        "access_control": read.access_control,
        "files": files,
        "dg1": dg1,
        "dg1_matches_mrz": read.dg1_matches_printed,
        "face": face,
        "authenticity": {
            "passive": auth.passive.as_str(),
            "chip": auth.chip.as_str(),
            "reasons": reasons,
            "reason_codes": reason_codes,
            "passive_authentication": pa,
        },
        "problems": problems,
        "apdus": read.stats.apdus,
        "apdus_access": read.apdus_access,
        "apdus_chip_authentication": read.apdus_chip_authentication,
        "bytes_read": read.stats.file_bytes,
        "bytes_sent": read.stats.bytes_sent,
        "bytes_received": read.stats.bytes_received,
        "extended_length": read.extended_length,
        "block_size": read.block_size,
        "elapsed_ms": read.elapsed.as_secs_f64() * 1000.0,
        "card_ms": read.stats.card_time.as_secs_f64() * 1000.0,
    })
}

fn print_human(read: &ChipRead, report: &Value) {
    let m = &read.dg1;
    println!("access control   {}", read.access_control);
    println!("files            {}", read.order.iter().map(|f| f.name()).collect::<Vec<_>>().join(" "));
    println!("passport         {} {} {}", m.document_code(), m.issuing_state(), m.document_number());
    println!("holder           {} / {}", m.surname(), m.given_names());
    let date =
        |key: &str| report.get("dg1").and_then(|d| d.get(key)).and_then(Value::as_str).unwrap_or("unknown").to_owned();
    println!("born, expires    {} {}", date("date_of_birth"), date("date_of_expiry"));
    println!("DG1 = MRZ        {}", if read.dg1_matches_printed { "yes" } else { "NO" });
    match &read.face {
        Some(f) => println!(
            "face             {} {} {}x{}",
            container_name(f.container),
            format_name(f.image_format),
            f.width.unwrap_or(0),
            f.height.unwrap_or(0)
        ),
        None => println!("face             none"),
    }
    let auth = &read.authenticity;
    println!("document         {} (passive authentication)", auth.passive.as_str());
    println!("chip             {}", auth.chip.as_str());
    for reason in &auth.reasons {
        println!("refer            {reason}");
    }
    println!(
        "read             {} APDUs, {} bytes, {:.1} ms ({} length, {}-byte blocks)",
        read.stats.apdus,
        read.stats.file_bytes,
        read.elapsed.as_secs_f64() * 1000.0,
        if read.extended_length { "extended" } else { "short" },
        read.block_size
    );
    for p in &read.problems {
        println!("problem          {p}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_779), (2026, 11, 22));
    }
}
