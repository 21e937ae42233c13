//! How every command ends, as ../shared/CLI.md fixes it: human text on stderr, or one JSON object
//! `{"error": {"kind", "message"}}` with `--json`; exit 1 when the operation ran and failed, 2 on bad usage or
//! unreadable input.

use std::process::ExitCode;

use serde_json::json;

use crate::error::Error;

/// Prints a failure and returns its exit status.
pub fn fail(json: bool, code: u8, kind: &str, message: &str) -> ExitCode {
    if json {
        println!("{}", json!({ "error": { "kind": kind, "message": message } }));
    } else {
        eprintln!("gate-daemon: {message}");
    }
    ExitCode::from(code)
}

/// Prints an error with its causes and returns its exit status (2 for bad input, else 1).
pub fn error(json: bool, e: &Error) -> ExitCode {
    fail(json, if e.is_bad_input() { 2 } else { 1 }, e.kind(), &message(e))
}

/// The error's message with its causes, as one sentence.
pub fn message(e: &Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let more = s.to_string();
        if !text.contains(&more) {
            text.push_str(": ");
            text.push_str(&more);
        }
        source = s.source();
    }
    text
}
