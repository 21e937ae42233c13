//! The `verify-sod` command (../shared/CLI.md): Passive Authentication offline (ICAO 9303-11 §5.1) of an EF.SOD
//! and the data groups given, against master lists, certificates and folders of them, and CRLs. Human text by
//! default, one JSON object with `--json`; exit 0 only when the verdict is `valid`, 1 for `invalid` or `untrusted`,
//! 2 when an input cannot be read.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime};

use mrtd::pa::{self, PaReport, Sod, SourceStatus, TrustStore, TrustStoreBuilder};
use serde_json::{Map, Value, json};

use crate::error::{Error, UsageError};

/// Arguments of `gate-daemon verify-sod`.
#[derive(Debug, Clone, clap::Args)]
pub struct VerifySodArgs {
    /// The EF.SOD file, exactly as read from the chip (tag 77), in DER or BER.
    #[arg(long, value_name = "FILE")]
    pub sod: PathBuf,
    /// A data group as read from the chip, by number: `--dg 1=DG1.bin` (repeat for each).
    #[arg(long = "dg", value_name = "N=FILE")]
    pub dg: Vec<String>,
    /// Trust: a CSCA master list (CMS), a certificate or bundle (DER or PEM), a CRL, or a folder of them (repeat).
    /// A master list counts once its signer chains to a certificate given here.
    #[arg(long, value_name = "FILE", required = true)]
    pub trust: Vec<PathBuf>,
    /// A CRL (DER or PEM) of a CSCA (repeat).
    #[arg(long, value_name = "FILE")]
    pub crl: Vec<PathBuf>,
    /// Check the certificates on this day (12:00 UTC) when the SOD has no signingTime; default today.
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub at: Option<String>,
    /// Print one JSON object.
    #[arg(long)]
    pub json: bool,
}

/// The most files read from one trust folder, and how deep its subfolders are followed.
const MAX_FOLDER_FILES: usize = 10_000;
const MAX_FOLDER_DEPTH: usize = 4;
/// The largest file read: a master list is about 1 MB; a data group with a large image some 100 KB.
const MAX_FILE: u64 = 64 * 1024 * 1024;

/// Runs `verify-sod` and prints its outcome.
pub fn verify_sod_command(args: &VerifySodArgs) -> ExitCode {
    match run(args) {
        Ok((report, trust, skipped)) => {
            let value = to_json(&report, &trust, &skipped);
            if args.json {
                println!("{value}");
            } else {
                print_human(&report, &trust, &skipped);
            }
            if report.status == pa::Status::Valid { ExitCode::SUCCESS } else { ExitCode::from(1) }
        }
        Err(e) => crate::output::error(args.json, &e),
    }
}

/// A file of a trust folder that was not a certificate, CRL or master list, and why.
#[derive(Debug)]
pub struct Skipped {
    /// The file.
    pub path: PathBuf,
    /// Why it was skipped.
    pub why: String,
}

fn run(args: &VerifySodArgs) -> Result<(PaReport, TrustStore, Vec<Skipped>), Error> {
    let at = match &args.at {
        Some(text) => parse_date(text).ok_or(Error::Usage(UsageError::Date { argument: text.clone() }))?,
        None => SystemTime::now(),
    };
    let mut groups = Vec::with_capacity(args.dg.len());
    for arg in &args.dg {
        let (number, path) = parse_dg(arg).ok_or(Error::Usage(UsageError::DataGroup { argument: arg.clone() }))?;
        groups.push((number, read(&path)?));
    }
    let sod_bytes = read(&args.sod)?;
    let sod = Sod::parse(&sod_bytes).map_err(|source| Error::Malformed { path: args.sod.clone(), source })?;

    let (trust, skipped) = load_trust(&args.trust, &args.crl)?;

    let borrowed: Vec<(u8, &[u8])> = groups.iter().map(|(n, b)| (*n, b.as_slice())).collect();
    let report = sod.verify(&borrowed, &trust, at);
    Ok((report, trust, skipped))
}

/// A trust store from `--trust` files and folders (master lists, certificates in DER or PEM, CRLs) and `--crl`
/// files, with the files of the folders that are not trust material.
///
/// # Errors
/// [`Error::Usage`] for an unreadable path, [`Error::Malformed`] for a named file that is not trust material.
pub fn load_trust(trust: &[PathBuf], crls: &[PathBuf]) -> Result<(TrustStore, Vec<Skipped>), Error> {
    let mut builder = TrustStore::builder();
    let mut skipped = Vec::new();
    for path in trust {
        if path.is_dir() {
            add_folder(&mut builder, path, 0, &mut skipped)?;
        } else {
            let bytes = read(path)?;
            builder
                .add(&path.display().to_string(), &bytes)
                .map_err(|source| Error::Malformed { path: path.clone(), source })?;
        }
    }
    for path in crls {
        let bytes = read(path)?;
        builder
            .add_crl(&path.display().to_string(), &bytes)
            .map_err(|source| Error::Malformed { path: path.clone(), source })?;
    }
    Ok((builder.build(), skipped))
}

/// Adds every file of a folder (and its subfolders, to a bounded depth), in name order; files that are not trust
/// material are skipped and listed, so that a README beside the certificates does no harm.
fn add_folder(
    builder: &mut TrustStoreBuilder,
    dir: &Path,
    depth: usize,
    skipped: &mut Vec<Skipped>,
) -> Result<(), Error> {
    let unreadable = |source| Error::Usage(UsageError::Unreadable { path: dir.to_path_buf(), source });
    let mut entries: Vec<PathBuf> =
        std::fs::read_dir(dir).map_err(unreadable)?.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for path in entries.into_iter().take(MAX_FOLDER_FILES) {
        let hidden = path.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with('.'));
        if hidden {
            continue;
        }
        if path.is_dir() {
            if depth + 1 < MAX_FOLDER_DEPTH {
                add_folder(builder, &path, depth + 1, skipped)?;
            }
            continue;
        }
        let bytes = read(&path)?;
        if let Err(e) = builder.add(&path.display().to_string(), &bytes) {
            skipped.push(Skipped { path, why: e.to_string() });
        }
    }
    Ok(())
}

fn read(path: &Path) -> Result<Vec<u8>, Error> {
    let unreadable = |source| Error::Usage(UsageError::Unreadable { path: path.to_path_buf(), source });
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if meta.len() > MAX_FILE {
        return Err(unreadable(std::io::Error::new(std::io::ErrorKind::InvalidData, "file over 64 MiB")));
    }
    std::fs::read(path).map_err(unreadable)
}

/// `N=FILE` with N from 1 to 16.
fn parse_dg(arg: &str) -> Option<(u8, PathBuf)> {
    let (number, path) = arg.split_once('=')?;
    let number = number.trim().trim_start_matches(['D', 'G', 'd', 'g']).parse::<u8>().ok()?;
    ((1..=16).contains(&number) && !path.is_empty()).then(|| (number, PathBuf::from(path)))
}

/// `YYYY-MM-DD` as 12:00 UTC of that day: the middle of the day, so that a date on which a certificate's validity
/// begins or ends counts whichever hour it does so at, within half a day.
pub fn parse_date(text: &str) -> Option<SystemTime> {
    let mut parts = text.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1970..=9999).contains(&year) || !(1..=12).contains(&month) {
        return None;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    if day == 0 || day > *days_in_month.get(month as usize - 1)? {
        return None;
    }
    let days = days_from_civil(year, month, day);
    let seconds = u64::try_from(days).ok()?.checked_mul(86_400)?.checked_add(12 * 3600)?;
    SystemTime::UNIX_EPOCH.checked_add(Duration::from_secs(seconds))
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn date(t: &pa::DateTime) -> String {
    pa::iso_date(t)
}

fn time(t: &pa::DateTime) -> String {
    format!("{}T{:02}:{:02}:{:02}Z", date(t), t.hour(), t.minutes(), t.seconds())
}

fn cert_json(info: &pa::CertInfo) -> Value {
    json!({
        "subject": info.subject,
        "issuer": info.issuer,
        "serial": info.serial,
        "not_before": date(&info.not_before),
        "not_after": date(&info.not_after),
    })
}

fn status_detail(status: &SourceStatus) -> (&'static str, Option<String>) {
    match status {
        SourceStatus::Loaded => ("loaded", None),
        SourceStatus::Verified { signer } => ("verified", Some(format!("signed by {signer}"))),
        SourceStatus::Rejected { reason } => ("rejected", Some(reason.clone())),
        _ => ("other", None),
    }
}

/// The JSON report (keys as ../shared/CLI.md fixes them, and more).
fn to_json(report: &PaReport, trust: &TrustStore, skipped: &[Skipped]) -> Value {
    let groups: Map<String, Value> =
        report.data_groups.iter().map(|(n, c)| (n.to_string(), Value::from(c.as_str()))).collect();
    let sources: Vec<Value> = trust
        .sources()
        .iter()
        .map(|s| {
            let (status, detail) = status_detail(&s.status);
            json!({
                "path": s.label,
                "kind": s.kind.as_str(),
                "certificates": s.certificates,
                "crls": s.crls,
                "unreadable": s.unreadable,
                "status": status,
                "detail": detail,
            })
        })
        .collect();
    let skipped: Vec<Value> = skipped.iter().map(|s| json!({ "path": s.path, "why": s.why })).collect();
    json!({
        "status": report.status.as_str(),
        "signature_algorithm": report.signature_algorithm,
        "dsc": report.dsc.as_ref().map(cert_json),
        "csca": report.csca.as_ref().map(cert_json),
        "data_groups": groups,
        "reasons": report.reasons.iter().map(|r| r.message.clone()).collect::<Vec<_>>(),
        "reason_codes": report.reasons.iter().map(|r| r.code.as_str()).collect::<Vec<_>>(),
        "notes": report.notes,
        "signer_match": report.signer_match.map(|m| m.as_str()),
        "hash_algorithm": report.hash_algorithm.name(),
        "lds_security_object_version": report.lds_security_object_version,
        "lds_version": report.lds_version.as_ref().map(|(lds, _)| lds),
        "unicode_version": report.lds_version.as_ref().map(|(_, unicode)| unicode),
        "signing_time": report.signing_time.as_ref().map(time),
        "checked_at": date(&report.checked_at),
        "checked_at_source": match report.checked_at_source {
            pa::TimeSource::SigningTime => "signing_time",
            pa::TimeSource::Caller => "caller",
        },
        "trust": {
            "certificates": trust.len(),
            "crls": trust.crl_count(),
            "sources": sources,
            "skipped": skipped,
        },
    })
}

fn print_human(report: &PaReport, trust: &TrustStore, skipped: &[Skipped]) {
    println!("passive authentication  {}", report.status);
    println!("signature algorithm     {}", report.signature_algorithm.as_deref().unwrap_or("unknown"));
    println!("data group hash         {}", report.hash_algorithm);
    match &report.dsc {
        Some(dsc) => {
            println!("document signer         {}", dsc.subject);
            println!("  issued by             {}", dsc.issuer);
            println!("  serial                {}", dsc.serial);
            println!("  valid                 {} to {}", date(&dsc.not_before), date(&dsc.not_after));
        }
        None => println!("document signer         not found"),
    }
    if let Some(m) = report.signer_match {
        println!("  matched by            {}", m.as_str());
    }
    match &report.csca {
        Some(csca) => println!("CSCA                    {}", csca.subject),
        None => println!("CSCA                    none trusted"),
    }
    let source = match report.checked_at_source {
        pa::TimeSource::SigningTime => "the SOD's signingTime",
        pa::TimeSource::Caller => "given",
    };
    println!("checked at              {} ({source})", date(&report.checked_at));
    for (number, check) in &report.data_groups {
        println!("DG{number:<22}{}", check.as_str());
    }
    for r in &report.reasons {
        println!("reason                  {}: {}", r.code, r.message);
    }
    for n in &report.notes {
        println!("note                    {n}");
    }
    println!("trust                   {} certificates, {} CRLs", trust.len(), trust.crl_count());
    for s in trust.sources() {
        let (status, detail) = status_detail(&s.status);
        let detail = detail.map(|d| format!(": {d}")).unwrap_or_default();
        println!("  {} ({}, {} certificates) {status}{detail}", s.label, s.kind.as_str(), s.certificates);
    }
    for s in skipped {
        println!("  {} skipped: {}", s.path.display(), s.why);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_noon_utc() {
        let t = parse_date("2024-02-29").unwrap();
        assert_eq!(t.duration_since(SystemTime::UNIX_EPOCH).unwrap().as_secs(), 1_709_208_000);
        assert!(parse_date("2023-02-29").is_none());
        assert!(parse_date("2023-13-01").is_none());
        assert!(parse_date("20230101").is_none());
    }

    #[test]
    fn data_group_arguments() {
        assert_eq!(parse_dg("1=a.bin"), Some((1, PathBuf::from("a.bin"))));
        assert_eq!(parse_dg("DG14=x"), Some((14, PathBuf::from("x"))));
        assert_eq!(parse_dg("17=x"), None);
        assert_eq!(parse_dg("1="), None);
        assert_eq!(parse_dg("x"), None);
    }
}
