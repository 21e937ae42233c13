//! `gate-daemon`: the gate controller and its command line (see ../shared/CLI.md for the stable command surface).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "gate-daemon", version, about = "E-passport gate controller")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The gate controller daemon (systemd Type=notify).
    Run(gate_daemon::run::cli::RunArgs),
    /// Reads the e-passport in the PC/SC reader.
    ReadChip(gate_daemon::cli::ReadChipArgs),
    /// Passive Authentication of an EF.SOD and data groups, offline.
    VerifySod(gate_daemon::verify_sod::VerifySodArgs),
    /// Matches a live face against a reference photo (the chip's DG2) on this machine.
    FaceMatch(gate_daemon::face_cli::FaceMatchArgs),
    /// Error rates of the face matcher on labelled pairs.
    FaceEval(gate_daemon::face_cli::FaceEvalArgs),
    /// The cekal watchlist.
    Watchlist {
        #[command(subcommand)]
        command: WatchlistCommand,
    },
}

#[derive(Debug, Subcommand)]
enum WatchlistCommand {
    /// Makes the list authority's Ed25519 key pair: DIR/authority.key and DIR/authority.pub.
    Keygen(gate_daemon::watchlist::cli::KeygenArgs),
    /// Signs a list (or with --delta, add and remove operations) as the list authority.
    Sign(gate_daemon::watchlist::cli::SignArgs),
    /// Verifies a signed list against the authority's key and makes it the list in force.
    Import(gate_daemon::watchlist::cli::ImportArgs),
    /// Screens a traveller against the list in force.
    Check(gate_daemon::watchlist::cli::CheckArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Run(args) = &cli.command {
        // The daemon logs to stdout, which systemd hands to the journal; GATE_LOG overrides the configured level.
        let level = gate_daemon::config::Config::load(&args.config).map_or_else(|_| "info".to_owned(), |c| c.log.level);
        tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GATE_LOG").unwrap_or_else(|_| level.into()))
            .with_writer(std::io::stdout)
            .with_ansi(false)
            .init();
        return gate_daemon::run::cli::run_command(args);
    }
    // Logs go to stderr so that stdout carries only the command's output (one JSON object with --json).
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GATE_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Run(args) => gate_daemon::run::cli::run_command(&args),
        Command::ReadChip(args) => gate_daemon::cli::read_chip_command(&args),
        Command::VerifySod(args) => gate_daemon::verify_sod::verify_sod_command(&args),
        Command::FaceMatch(args) => gate_daemon::face_cli::face_match_command(&args),
        Command::FaceEval(args) => gate_daemon::face_cli::face_eval_command(&args),
        Command::Watchlist { command: WatchlistCommand::Keygen(args) } => {
            gate_daemon::watchlist::cli::keygen_command(&args)
        }
        Command::Watchlist { command: WatchlistCommand::Sign(args) } => {
            gate_daemon::watchlist::cli::sign_command(&args)
        }
        Command::Watchlist { command: WatchlistCommand::Import(args) } => {
            gate_daemon::watchlist::cli::import_command(&args)
        }
        Command::Watchlist { command: WatchlistCommand::Check(args) } => {
            gate_daemon::watchlist::cli::check_command(&args)
        }
    }
}
