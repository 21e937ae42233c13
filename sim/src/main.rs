//! `gate-sim`: the gate's hardware simulator (see ../shared/CLI.md for the stable command surface).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "gate-sim", version, about = "Hardware simulator of the e-passport gate")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// The test PKI: a CSCA, its Document Signers (valid, expired, revoked) and CRL, and an untrusted CSCA.
    Pki {
        #[command(subcommand)]
        command: PkiCommand,
    },
    /// Passport chip images.
    Passport {
        #[command(subcommand)]
        command: PassportCommand,
    },
    /// Serves a passport's chip to pcscd through the vpcd driver until stopped.
    Chip(sim::chip::ChipArgs),
    /// Runs the daemon against the simulated gate through a scenario file and prints each traveller's outcome.
    Scenario(sim::rig::ScenarioArgs),
    /// The whole gate, end to end, on the simulator.
    Demo {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Synthetic watchlists and traveller populations.
    Watchlist {
        #[command(subcommand)]
        command: WatchlistCommand,
    },
}

#[derive(Debug, Subcommand)]
enum WatchlistCommand {
    /// Writes OUT/list.jsonl (records) and OUT/travellers.jsonl (true variants of listed people, then a clean
    /// population), all from one seed.
    Generate(sim::watchlist::GenerateArgs),
}

#[derive(Debug, Subcommand)]
enum PkiCommand {
    /// Creates the test PKI in DIR.
    ///
    /// csca.pem csca.der csca.key: the CSCA, valid from 4 years back to 15 years ahead.
    ///
    /// dsc.pem dsc.der dsc.key: a valid Document Signer the CSCA issued.
    ///
    /// crl.der: the CSCA's CRL, listing the revoked Document Signer.
    ///
    /// expired/dsc.pem dsc.der dsc.key: a Document Signer of the CSCA valid from 3 years ago for 1 year.
    ///
    /// revoked/dsc.pem dsc.der dsc.key: a Document Signer of the CSCA, listed on crl.der.
    ///
    /// untrusted/csca.* dsc.* crl.der: a second CSCA, which no gate trusts, its Document Signer and empty CRL.
    ///
    /// `passport make --signer valid|expired|revoked|untrusted` signs with one of the Document Signers. Keys are
    /// PKCS#8 PEM with mode 0600; everything is ECDSA P-256 with SHA-256.
    Init {
        /// Folder to write the PKI to.
        dir: PathBuf,
        /// Replace a PKI already in DIR.
        #[arg(long)]
        force: bool,
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum PassportCommand {
    /// Makes a complete chip image from a passport profile.
    Make(sim::passport::MakeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::try_from_env("GATE_SIM_LOG").unwrap_or_else(|_| "warn".into()))
        .with_writer(std::io::stderr)
        .init();
    match cli.command {
        Command::Pki { command: PkiCommand::Init { dir, force, json } } => sim::pki::init_command(&dir, force, json),
        Command::Passport { command: PassportCommand::Make(args) } => sim::passport::make_command(&args),
        Command::Chip(args) => sim::chip::chip_command(&args),
        Command::Scenario(args) => sim::rig::scenario_command(&args),
        Command::Demo { json } => sim::rig::demo_command(json),
        Command::Watchlist { command: WatchlistCommand::Generate(args) } => sim::watchlist::generate_command(&args),
    }
}
