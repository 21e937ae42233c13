//! End-to-end test support: a private pcscd with the vpcd driver, a minimal virtual card, and the workspace's binaries.
//!
//! - [`Pcscd`] runs a pcscd of the test's own in a mount namespace (it insists on `/run/pcscd`), with one vpcd entry
//!   on free TCP ports, as `shared/reference/pcsc-serial-gpio.md` describes. It needs root.
//! - [`in_private_pcscd`] runs a test body in a child copy of the test executable whose environment points
//!   libpcsclite at that pcscd: libpcsclite reads `PCSCLITE_CSOCK_NAME` once per process, and this workspace forbids
//!   the `unsafe` that setting it in-process would take.
//! - [`vcard::VirtualCard`] is a card that answers APDUs with a closure, over vpcd's TCP protocol.
//! - [`workspace_binary`] builds (once per process) and finds `gate-daemon` or `gate-sim` next to the test executable.

mod pcscd;
pub mod vcard;

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub use pcscd::{Pcscd, SKIP_ENV};

/// The environment variable that libpcsclite takes the pcscd socket's path from.
pub const SOCKET_ENV: &str = "PCSCLITE_CSOCK_NAME";

/// Set in a child test process to the name of the test it runs.
const CHILD_ENV: &str = "AUTOGATE_E2E_CHILD";

/// Printed by a child test process when the body ran, so that a mistyped test name cannot pass by running nothing.
const RAN_MARKER: &str = "AUTOGATE_E2E_BODY_RAN";

/// The bound on one child test process.
const CHILD_TIMEOUT: Duration = Duration::from_secs(300);

/// The bound on building a missing binary.
const BUILD_TIMEOUT: Duration = Duration::from_secs(1800);

/// The error a test body returns.
pub type BodyError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Errors of the test harness.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A private pcscd needs root for its mount namespace.
    #[error("a private pcscd needs root (mount namespace, bind mount); run as root, or set {SKIP_ENV}=1 to skip")]
    NotRoot,
    /// A program or driver the harness needs is not installed.
    #[error("{what} is missing at {}; install it (apt-get install pcscd vsmartcard-vpcd util-linux), or set {SKIP_ENV}=1 to skip", path.display())]
    Missing {
        /// What is missing.
        what: &'static str,
        /// Where it was looked for.
        path: PathBuf,
    },
    /// A file-system or process operation failed.
    #[error("{action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On what.
        path: PathBuf,
        /// The operating system's report.
        #[source]
        source: std::io::Error,
    },
    /// pcscd exited while starting.
    #[error("pcscd exited while starting ({status}); its log is {}", log.display())]
    PcscdExited {
        /// How it exited.
        status: ExitStatus,
        /// Its output.
        log: PathBuf,
    },
    /// Something awaited did not happen in time.
    #[error("timed out after {after:?} waiting for {what}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
        /// The bound.
        after: Duration,
    },
    /// No pair of free consecutive TCP ports was found for vpcd.
    #[error("vpcd could not listen on two free consecutive TCP ports after {attempts} attempts")]
    NoFreePorts {
        /// How many pairs were tried.
        attempts: u32,
    },
    /// A PC/SC call of the harness failed.
    #[error("PC/SC failed while {action}")]
    Pcsc {
        /// What was being done.
        action: &'static str,
        /// libpcsclite's report.
        #[source]
        source: pcsc::Error,
    },
    /// The process talks to another pcscd than this one (or to the system's).
    #[error("{SOCKET_ENV} is {found:?}, not this pcscd's socket {}: run the test body through e2e::in_private_pcscd", expected.display())]
    SocketEnv {
        /// This pcscd's socket.
        expected: PathBuf,
        /// The variable's value in this process.
        found: Option<OsString>,
    },
    /// A variable the parent test process passes to its child is missing or malformed.
    #[error("the environment variable {name} is missing or malformed")]
    Env {
        /// The variable.
        name: &'static str,
    },
    /// A signal could not be sent to pcscd.
    #[error("cannot signal pcscd (pid {pid})")]
    Signal {
        /// pcscd's process id.
        pid: i32,
        /// The operating system's report.
        #[source]
        source: nix::Error,
    },
    /// The test body returned an error.
    #[error("the test body failed")]
    Body {
        /// What the body returned.
        #[source]
        source: BodyError,
    },
    /// The child test process failed; its output was printed.
    #[error("the child process running {test} failed ({status}); its output is above")]
    ChildFailed {
        /// The test's name.
        test: String,
        /// How the child exited.
        status: ExitStatus,
    },
    /// The child test process did not run the body: the name given is not the test's name.
    #[error("the child process ran no test body for {test}: is the name given to in_private_pcscd the test's name?")]
    ChildRanNoTest {
        /// The test's name as given.
        test: String,
    },
    /// `cargo build` of a missing binary failed.
    #[error("`cargo build --bin {bin} -p {package}` failed ({status})")]
    Build {
        /// The package.
        package: String,
        /// The binary.
        bin: String,
        /// How cargo exited.
        status: ExitStatus,
    },
    /// A binary is still missing after it was built.
    #[error("the binary {bin} is missing at {} even after cargo build", path.display())]
    BinaryMissing {
        /// The binary.
        bin: String,
        /// Where it was expected.
        path: PathBuf,
    },
    /// The virtual card's connection failed.
    #[error("virtual card: {action}")]
    VirtualCard {
        /// What was being done.
        action: &'static str,
        /// The operating system's report.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    fn io(action: &'static str, path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Self {
        let path = path.into();
        move |source| Self::Io { action, path, source }
    }
}

/// Runs `body` against a private pcscd, in a child copy of this test executable whose environment has
/// [`SOCKET_ENV`] set to the pcscd's socket, so that in-process PC/SC clients (such as `hal`'s reader service) reach
/// it.
///
/// `test_name` must be the test function's path within its test binary (the name `cargo test` prints, e.g.
/// `transmit_short_and_extended`): the child runs `<exe> <test_name> --exact`. In the child, the body gets a
/// [`Pcscd`] that can stop and restart the pcscd. In the parent, the child's output is printed through the test
/// harness's capture. Returns `Ok(())` without running anything when pcscd cannot be started and
/// [`SKIP_ENV`]`=1` is set (a SKIP line is printed).
///
/// # Errors
/// Any [`Error`] of starting pcscd (see [`Pcscd::start_or_skip`]); [`Error::ChildFailed`] when the body failed or
/// panicked, [`Error::ChildRanNoTest`] when the name is wrong, [`Error::Timeout`] when the child ran longer than
/// five minutes; in the child, [`Error::Body`] with the body's error.
pub fn in_private_pcscd<F>(test_name: &str, body: F) -> Result<(), Error>
where
    F: FnOnce(&mut Pcscd) -> Result<(), BodyError>,
{
    if let Some(running) = std::env::var_os(CHILD_ENV) {
        if running != test_name {
            // A binary without libtest's filter (a bench) calls every body: only the one asked for runs.
            return Ok(());
        }
        let mut pcscd = Pcscd::adopt_from_env()?;
        println!("\n{RAN_MARKER}");
        return body(&mut pcscd).map_err(|source| Error::Body { source });
    }

    let Some(pcscd) = Pcscd::start_or_skip()? else {
        return Ok(());
    };
    let exe = std::env::current_exe().map_err(Error::io("cannot find the test executable", test_name))?;
    let mut child = Command::new(&exe)
        .args([test_name, "--exact", "--nocapture", "--include-ignored", "--test-threads=1"])
        .env(SOCKET_ENV, pcscd.socket_path())
        .env(CHILD_ENV, test_name)
        .envs(pcscd.child_env())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Error::io("cannot start the child test process", &exe))?;
    // Drained on threads of their own so that a chatty child never blocks on a full pipe.
    let stdout = child.stdout.take().map(drain);
    let stderr = child.stderr.take().map(drain);
    let deadline = Instant::now() + CHILD_TIMEOUT;
    let status = loop {
        match child.try_wait().map_err(Error::io("cannot wait for the child test process", &exe))? {
            Some(status) => break Ok(status),
            None if Instant::now() >= deadline => {
                // Already exiting or gone is fine: it is stopped either way.
                drop(child.kill());
                drop(child.wait());
                break Err(Error::Timeout { what: "the child test process", after: CHILD_TIMEOUT });
            }
            None => std::thread::sleep(Duration::from_millis(20)),
        }
    };
    let out = stdout.and_then(|h| h.join().ok()).unwrap_or_default();
    let err = stderr.and_then(|h| h.join().ok()).unwrap_or_default();
    print!("{out}");
    eprint!("{err}");
    drop(pcscd);
    let status = status?;
    if !status.success() {
        return Err(Error::ChildFailed { test: test_name.to_owned(), status });
    }
    // libtest prints "test NAME ... " before the body's output, on the same line.
    if !out.contains(RAN_MARKER) {
        return Err(Error::ChildRanNoTest { test: test_name.to_owned() });
    }
    Ok(())
}

fn drain(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        // Whatever was read before an error is still worth showing.
        drop(pipe.read_to_end(&mut bytes));
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The binaries built by this process: `cargo build` runs once per binary and process.
static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Set to `1` to use the binaries found next to the test executable without running `cargo build` first.
pub const NO_BUILD_ENV: &str = "AUTOGATE_E2E_NO_BUILD";

/// The path of a binary of this workspace (`gate-daemon` of package `gate-daemon`, `gate-sim` of package `sim`),
/// next to the running test executable (`target/<profile>/deps/..` gives `target/<profile>/`).
///
/// The first call for a binary in a process runs `cargo build --bin BIN -p PACKAGE` (in the test's profile): a
/// no-op of a second when the binary is fresh, and it keeps a stale binary from being tested (`cargo test` builds
/// another package's binaries only as unit-test harnesses). With [`NO_BUILD_ENV`]`=1`, cargo runs only when the
/// binary is missing.
///
/// # Errors
/// [`Error::Io`] when cargo cannot be run, [`Error::Build`] when the build fails, [`Error::Timeout`] when it takes
/// more than 30 minutes, [`Error::BinaryMissing`] when it is still not there.
pub fn workspace_binary(package: &str, bin: &str) -> Result<PathBuf, Error> {
    let exe = std::env::current_exe().map_err(Error::io("cannot find the test executable", bin))?;
    let mut dir = exe.parent().map(Path::to_path_buf).unwrap_or_default();
    if dir.file_name().is_some_and(|n| n == "deps") {
        dir.pop();
    }
    let path = dir.join(bin);
    // Held across the build: concurrent tests wait for one build rather than racing cargo's own lock.
    let mut built = BUILT.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let no_build = std::env::var_os(NO_BUILD_ENV).is_some_and(|v| v == "1");
    if built.iter().any(|b| b == bin) || (no_build && path.is_file()) {
        return if path.is_file() { Ok(path) } else { Err(Error::BinaryMissing { bin: bin.to_owned(), path }) };
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap_or(Path::new("."));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(&cargo);
    command.current_dir(workspace).args(["build", "--bin", bin, "-p", package]);
    if dir.file_name().is_some_and(|n| n == "release") {
        command.arg("--release");
    }
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(Error::io("cannot run cargo", &cargo))?;
    // cargo's progress is shown only when the build fails, through the test harness's capture.
    let progress = child.stderr.take().map(drain);
    let deadline = Instant::now() + BUILD_TIMEOUT;
    let status = loop {
        if let Some(status) = child.try_wait().map_err(Error::io("cannot wait for cargo", &cargo))? {
            break status;
        }
        if Instant::now() >= deadline {
            drop(child.kill());
            drop(child.wait());
            return Err(Error::Timeout { what: "cargo build", after: BUILD_TIMEOUT });
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let progress = progress.and_then(|h| h.join().ok()).unwrap_or_default();
    if !status.success() {
        eprint!("{progress}");
        return Err(Error::Build { package: package.to_owned(), bin: bin.to_owned(), status });
    }
    built.push(bin.to_owned());
    if path.is_file() { Ok(path) } else { Err(Error::BinaryMissing { bin: bin.to_owned(), path }) }
}
