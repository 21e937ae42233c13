//! What every command prints on its way out, as ../shared/CLI.md fixes it: human text by default, one JSON object with
//! `--json`; exit 0 on success, 1 when the operation ran and failed, 2 on bad usage or unreadable input.

use std::process::ExitCode;

/// Exit status: the operation ran and failed.
pub const FAILED: u8 = 1;
/// Exit status: bad usage or unreadable input.
pub const BAD_INPUT: u8 = 2;

/// Prints an error as `{"error": {"kind", "message"}}` (with `--json`) or as one line on stderr, and returns `code`.
pub fn fail(json: bool, code: u8, kind: &str, message: &str) -> ExitCode {
    if json {
        let v = serde_json::json!({ "error": { "kind": kind, "message": message } });
        println!("{v}");
    } else {
        eprintln!("gate-sim: {message}");
    }
    ExitCode::from(code)
}

/// Prints a JSON value on stdout (with `--json`) or the human text, and returns success.
pub fn done(json: bool, value: &serde_json::Value, human: &str) -> ExitCode {
    if json {
        println!("{value}");
    } else {
        println!("{human}");
    }
    ExitCode::SUCCESS
}
