//! A private pcscd with one vpcd reader entry, for tests (see `shared/reference/pcsc-serial-gpio.md`).
//!
//! pcscd insists on `/run/pcscd/pcscd.comm`, so a second instance runs in a mount namespace of its own where the
//! test's directory is bind-mounted on `/run/pcscd`; clients find its socket through `PCSCLITE_CSOCK_NAME`. vpcd
//! listens on two consecutive TCP ports (one per virtual reader) taken from the entry's channel id.

use std::ffi::CString;
use std::fs;
use std::io::Write as _;
use std::net::TcpListener;
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use pcsc::{Context, ReaderState, Scope, State};

use crate::{Error, SOCKET_ENV};

/// Set to `1` to turn "pcscd cannot be started here" into a printed SKIP instead of a failure.
pub const SKIP_ENV: &str = "AUTOGATE_E2E_SKIP_PCSCD";

const DIR_ENV: &str = "AUTOGATE_E2E_PCSCD_DIR";
const PORT_ENV: &str = "AUTOGATE_E2E_PCSCD_PORT";
const PID_ENV: &str = "AUTOGATE_E2E_PCSCD_PID";

const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const FRIENDLY_NAME: &str = "Virtual PCD";

const START_TIMEOUT: Duration = Duration::from_secs(10);
// A restarted pcscd on a busy two-core machine has been seen to take over 3 s before vpcd listens again.
const LISTEN_TIMEOUT: Duration = Duration::from_secs(15);
const STOP_TIMEOUT: Duration = Duration::from_secs(5);
const POLL: Duration = Duration::from_millis(10);
const PORT_ATTEMPTS: u32 = 8;

/// Ports handed to a pcscd by this process, never handed out again: two harnesses picking N and N+1 at once would
/// each pass the other's check.
static PORTS_TAKEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
static INSTANCE: AtomicU32 = AtomicU32::new(0);

#[derive(Debug)]
enum Process {
    /// Started by this process: stopped and reaped here.
    Spawned(Child),
    /// Started by the parent test process: stopped here by its id, reaped there.
    Adopted(i32),
    Stopped,
}

/// A private pcscd with one vpcd entry (readers `"Virtual PCD 00 00"` on [`Pcscd::vpcd_port`] and
/// `"Virtual PCD 00 01"` on the next port). Dropping it stops pcscd and removes its directory.
#[derive(Debug)]
pub struct Pcscd {
    dir: PathBuf,
    port: u16,
    process: Process,
    /// Whether this value made the directory (and removes it), rather than borrowing it from a parent test process.
    owner: bool,
    unshare: PathBuf,
    pcscd: PathBuf,
}

impl Pcscd {
    /// Starts a private pcscd on free ports.
    ///
    /// # Errors
    /// [`Error::NotRoot`], [`Error::Missing`] when pcscd, vpcd or unshare is not installed, [`Error::PcscdExited`]
    /// or [`Error::Timeout`] when pcscd does not come up, [`Error::NoFreePorts`] when vpcd never got its ports,
    /// [`Error::Io`] for file-system failures.
    pub fn start() -> Result<Self, Error> {
        if !nix::unistd::geteuid().is_root() {
            return Err(Error::NotRoot);
        }
        let pcscd = find_program("pcscd")?;
        let unshare = find_program("unshare")?;
        if !Path::new(VPCD_DRIVER).is_file() {
            return Err(Error::Missing { what: "the vpcd driver (vsmartcard-vpcd)", path: VPCD_DRIVER.into() });
        }
        // The mount point for the private socket directory has to exist in the host's namespace.
        fs::create_dir_all("/run/pcscd").map_err(Error::io("cannot create", "/run/pcscd"))?;
        let dir = std::env::temp_dir().join(format!(
            "autogate-pcscd-{}-{}",
            std::process::id(),
            INSTANCE.fetch_add(1, Ordering::Relaxed)
        ));
        for sub in ["run", "conf"] {
            fs::create_dir_all(dir.join(sub)).map_err(Error::io("cannot create", dir.join(sub)))?;
        }
        let mut me = Self { dir, port: 0, process: Process::Stopped, owner: true, unshare, pcscd };
        for _ in 0..PORT_ATTEMPTS {
            me.port = free_port_pair()?;
            me.write_config()?;
            me.launch()?;
            if me.wait_vpcd_listening()? {
                return Ok(me);
            }
            // Someone took a port between our check and vpcd's bind: try another pair.
            me.stop()?;
        }
        Err(Error::NoFreePorts { attempts: PORT_ATTEMPTS })
    }

    /// Starts a private pcscd, or, when it cannot be started and [`SKIP_ENV`]`=1` is set, prints a SKIP line (past
    /// the test harness's capture, so it is seen) and returns `None`.
    ///
    /// # Errors
    /// Those of [`Pcscd::start`] when [`SKIP_ENV`] is not `1`: CI runs as root with everything installed, so a
    /// missing piece fails loudly there.
    pub fn start_or_skip() -> Result<Option<Self>, Error> {
        match Self::start() {
            Ok(pcscd) => Ok(Some(pcscd)),
            Err(error) if std::env::var_os(SKIP_ENV).is_some_and(|v| v == "1") => {
                // Printing is best effort: a closed stderr cannot be reported anywhere.
                drop(writeln!(std::io::stderr(), "SKIP: no private pcscd ({error}); {SKIP_ENV}=1 is set"));
                Ok(None)
            }
            Err(error) => Err(error),
        }
    }

    /// The pcscd started by the parent test process, as described by its environment (see
    /// [`crate::in_private_pcscd`]).
    pub(crate) fn adopt_from_env() -> Result<Self, Error> {
        let var = |name: &'static str| std::env::var(name).map_err(|_| Error::Env { name });
        let dir = PathBuf::from(var(DIR_ENV)?);
        let port = var(PORT_ENV)?.parse().map_err(|_| Error::Env { name: PORT_ENV })?;
        let pid = var(PID_ENV)?.parse().map_err(|_| Error::Env { name: PID_ENV })?;
        Ok(Self {
            dir,
            port,
            process: Process::Adopted(pid),
            owner: false,
            unshare: find_program("unshare")?,
            pcscd: find_program("pcscd")?,
        })
    }

    /// The variables that describe this pcscd to a child test process.
    pub(crate) fn child_env(&self) -> Vec<(&'static str, String)> {
        let mut env = vec![(DIR_ENV, self.dir.display().to_string()), (PORT_ENV, self.port.to_string())];
        if let Some(pid) = self.pid() {
            env.push((PID_ENV, pid.to_string()));
        }
        env
    }

    /// The path of pcscd's socket: give it to clients as [`SOCKET_ENV`] (`PCSCLITE_CSOCK_NAME`). libpcsclite reads it
    /// once per process, before its first connection, so set it in a child's environment (or run the test through
    /// [`crate::in_private_pcscd`]).
    #[must_use]
    pub fn socket_path(&self) -> PathBuf {
        self.dir.join("run").join("pcscd.comm")
    }

    /// The TCP port of the first vpcd reader, where a virtual card connects (`gate-sim chip --vpcd 127.0.0.1:PORT`).
    #[must_use]
    pub fn vpcd_port(&self) -> u16 {
        self.port
    }

    /// The PC/SC name of the first vpcd reader, the one on [`Pcscd::vpcd_port`].
    #[must_use]
    pub fn reader_name(&self) -> String {
        format!("{FRIENDLY_NAME} 00 00")
    }

    /// pcscd's output (`-f -a`: errors and APDUs).
    #[must_use]
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("pcscd.log")
    }

    /// pcscd's process id, while it runs.
    #[must_use]
    pub fn pid(&self) -> Option<u32> {
        match &self.process {
            Process::Spawned(child) => Some(child.id()),
            Process::Adopted(pid) => u32::try_from(*pid).ok(),
            Process::Stopped => None,
        }
    }

    /// Stops pcscd (SIGTERM, SIGKILL after five seconds) and waits until it is gone.
    ///
    /// # Errors
    /// [`Error::Signal`] or [`Error::Io`] when pcscd cannot be signalled or waited for.
    pub fn stop(&mut self) -> Result<(), Error> {
        match std::mem::replace(&mut self.process, Process::Stopped) {
            Process::Stopped => Ok(()),
            Process::Spawned(mut child) => {
                let pid = i32::try_from(child.id()).unwrap_or(i32::MAX);
                signal(pid, Signal::SIGTERM)?;
                let deadline = Instant::now() + STOP_TIMEOUT;
                loop {
                    if child.try_wait().map_err(Error::io("cannot wait for pcscd", &self.dir))?.is_some() {
                        return Ok(());
                    }
                    if Instant::now() >= deadline {
                        drop(child.kill());
                        child.wait().map_err(Error::io("cannot wait for pcscd", &self.dir))?;
                        return Ok(());
                    }
                    std::thread::sleep(POLL);
                }
            }
            Process::Adopted(pid) => {
                signal(pid, Signal::SIGTERM)?;
                let deadline = Instant::now() + STOP_TIMEOUT;
                while is_running(pid) {
                    if Instant::now() >= deadline {
                        signal(pid, Signal::SIGKILL)?;
                        let killed = Instant::now() + STOP_TIMEOUT;
                        while is_running(pid) && Instant::now() < killed {
                            std::thread::sleep(POLL);
                        }
                        break;
                    }
                    std::thread::sleep(POLL);
                }
                Ok(())
            }
        }
    }

    /// Stops pcscd and starts it again with the same socket path and vpcd port (a "pcscd restarted" fault). Cards
    /// connected to vpcd lose their connection and have to connect again.
    ///
    /// # Errors
    /// Those of [`Pcscd::stop`] and [`Pcscd::start`]; [`Error::Timeout`] when vpcd does not get its port back.
    pub fn restart(&mut self) -> Result<(), Error> {
        self.stop()?;
        self.launch()?;
        if self.wait_vpcd_listening()? {
            Ok(())
        } else {
            Err(Error::Timeout { what: "vpcd to listen on its port again", after: LISTEN_TIMEOUT })
        }
    }

    /// Waits until the first vpcd reader shows a card (`present`) or shows none, through `SCardGetStatusChange`.
    /// The calling process must talk to this pcscd ([`SOCKET_ENV`] set to [`Pcscd::socket_path`]).
    ///
    /// # Errors
    /// [`Error::SocketEnv`] when this process would talk to another pcscd, [`Error::Pcsc`] when PC/SC fails,
    /// [`Error::Timeout`] when the state was not reached in time.
    pub fn wait_for_reader_state(&self, present: bool, timeout: Duration) -> Result<(), Error> {
        let found = std::env::var_os(SOCKET_ENV);
        if found.as_deref() != Some(self.socket_path().as_os_str()) {
            return Err(Error::SocketEnv { expected: self.socket_path(), found });
        }
        let pcsc = |action| move |source| Error::Pcsc { action, source };
        let context = Context::establish(Scope::User).map_err(pcsc("connecting to the private pcscd"))?;
        let name = CString::new(self.reader_name()).unwrap_or_default();
        let mut states = [ReaderState::new(name, State::UNAWARE)];
        let wanted = if present { State::PRESENT } else { State::EMPTY };
        let deadline = Instant::now() + timeout;
        loop {
            let slice = deadline.saturating_duration_since(Instant::now()).min(Duration::from_millis(200));
            match context.get_status_change(slice, &mut states) {
                Ok(()) => {
                    let [state] = &mut states;
                    let event = state.event_state();
                    if event.contains(wanted) {
                        return Ok(());
                    }
                    if event.contains(State::UNKNOWN) {
                        // The reader is not (yet) known to pcscd: ask again shortly rather than spin.
                        *state = ReaderState::new(state.name().to_owned(), State::UNAWARE);
                        std::thread::sleep(POLL);
                    } else {
                        state.sync_current_state();
                    }
                }
                Err(pcsc::Error::Timeout) => {}
                Err(pcsc::Error::UnknownReader) => std::thread::sleep(POLL),
                Err(source) => return Err(Error::Pcsc { action: "waiting for the reader's state", source }),
            }
            if Instant::now() >= deadline {
                return Err(Error::Timeout {
                    what: if present { "a card in the vpcd reader" } else { "the vpcd reader to be empty" },
                    after: timeout,
                });
            }
        }
    }

    fn write_config(&self) -> Result<(), Error> {
        let path = self.dir.join("conf").join("vpcd");
        let port = self.port;
        let text = format!(
            "FRIENDLYNAME \"{FRIENDLY_NAME}\"\nDEVICENAME   /dev/null:0x{port:04X}\nLIBPATH      {VPCD_DRIVER}\nCHANNELID    0x{port:04X}\n"
        );
        fs::write(&path, text).map_err(Error::io("cannot write", path))
    }

    /// Starts pcscd in its own mount namespace and waits until its socket accepts connections.
    fn launch(&mut self) -> Result<(), Error> {
        let run = self.dir.join("run");
        for stale in ["pcscd.comm", "pcscd.pid"] {
            // Left by a killed pcscd; a fresh one must not mistake them for a running instance.
            drop(fs::remove_file(run.join(stale)));
        }
        let log_path = self.log_path();
        let log = fs::File::options()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(Error::io("cannot open", &log_path))?;
        let log_err = log.try_clone().map_err(Error::io("cannot open", &log_path))?;
        let child = Command::new(&self.unshare)
            .args(["-m", "sh", "-c", r#"mount --bind "$1" /run/pcscd && exec "$2" -f -a -c "$3""#, "sh"])
            .args([run.as_os_str(), self.pcscd.as_os_str(), self.dir.join("conf").as_os_str()])
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(Error::io("cannot start", &self.unshare))?;
        self.process = Process::Spawned(child);
        let socket = self.socket_path();
        let deadline = Instant::now() + START_TIMEOUT;
        loop {
            // The socket file appears at bind(); a connection succeeds once pcscd listens.
            if UnixStream::connect(&socket).is_ok() {
                return Ok(());
            }
            self.check_alive()?;
            if Instant::now() >= deadline {
                self.stop()?;
                return Err(Error::Timeout { what: "pcscd's socket", after: START_TIMEOUT });
            }
            std::thread::sleep(POLL);
        }
    }

    fn check_alive(&mut self) -> Result<(), Error> {
        if let Process::Spawned(child) = &mut self.process
            && let Some(status) = child.try_wait().map_err(Error::io("cannot wait for pcscd", &self.dir))?
        {
            self.process = Process::Stopped;
            return Err(Error::PcscdExited { status, log: self.log_path() });
        }
        Ok(())
    }

    /// Whether vpcd (inside this pcscd) listens on both of its ports: the ports' listening sockets in
    /// `/proc/net/tcp*` must be among pcscd's open files, or the ports belong to someone else.
    fn wait_vpcd_listening(&mut self) -> Result<bool, Error> {
        let deadline = Instant::now() + LISTEN_TIMEOUT;
        loop {
            if let Some(pid) = self.pid() {
                let owned = socket_inodes(pid);
                let listening = listening_inodes(self.port);
                let next = listening_inodes(self.port.saturating_add(1));
                if listening.iter().any(|i| owned.contains(i)) && next.iter().any(|i| owned.contains(i)) {
                    return Ok(true);
                }
            }
            self.check_alive()?;
            if Instant::now() >= deadline {
                return Ok(false);
            }
            std::thread::sleep(POLL);
        }
    }
}

impl Drop for Pcscd {
    fn drop(&mut self) {
        if matches!(self.process, Process::Adopted(_)) {
            // The parent test process owns it and stops it.
            return;
        }
        // Nothing to report to in a destructor; the directory removal below still runs.
        drop(self.stop());
        if self.owner {
            // A child test process that died without its destructors may leave a pcscd it restarted.
            if let Some(pid) = fs::read_to_string(self.dir.join("run").join("pcscd.pid"))
                .ok()
                .and_then(|s| s.trim().parse::<i32>().ok())
                .filter(|pid| is_pcscd(*pid))
            {
                drop(signal(pid, Signal::SIGKILL));
            }
            drop(fs::remove_dir_all(&self.dir));
        }
    }
}

fn signal(pid: i32, signal: Signal) -> Result<(), Error> {
    match kill(Pid::from_raw(pid), signal) {
        Ok(()) | Err(nix::Error::ESRCH) => Ok(()),
        Err(source) => Err(Error::Signal { pid, source }),
    }
}

/// Whether the process runs (a zombie waiting for its parent to reap it has stopped).
fn is_running(pid: i32) -> bool {
    fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| stat.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with(|c| c != 'Z' && c != 'X')))
        .unwrap_or(false)
}

fn is_pcscd(pid: i32) -> bool {
    is_running(pid) && fs::read_to_string(format!("/proc/{pid}/comm")).is_ok_and(|comm| comm.trim() == "pcscd")
}

fn find_program(name: &'static str) -> Result<PathBuf, Error> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(["/usr/sbin", "/sbin", "/usr/bin", "/bin"].map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|candidate| candidate.is_file())
        .ok_or(Error::Missing { what: name, path: PathBuf::from("/usr/sbin").join(name) })
}

/// Two consecutive free TCP ports, N and N+1, for vpcd's two readers. They are checked by binding them on all
/// interfaces, as vpcd does, and released just before pcscd starts; the caller verifies vpcd got them.
fn free_port_pair() -> Result<u16, Error> {
    let mut taken = PORTS_TAKEN.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    for _ in 0..64 {
        let first = TcpListener::bind(("0.0.0.0", 0)).map_err(Error::io("cannot bind a TCP port", "0.0.0.0:0"))?;
        let port = first.local_addr().map_err(Error::io("cannot read a bound port", "0.0.0.0:0"))?.port();
        let Some(next) = port.checked_add(1) else { continue };
        if taken.contains(&port) || taken.contains(&next) {
            continue;
        }
        if TcpListener::bind(("0.0.0.0", next)).is_ok() {
            taken.extend([port, next]);
            return Ok(port);
        }
    }
    Err(Error::NoFreePorts { attempts: 64 })
}

/// The inodes of the sockets a process has open.
fn socket_inodes(pid: u32) -> Vec<u64> {
    let Ok(fds) = fs::read_dir(format!("/proc/{pid}/fd")) else { return Vec::new() };
    fds.filter_map(|fd| fs::read_link(fd.ok()?.path()).ok())
        .filter_map(|target| {
            let target = target.to_str()?;
            target.strip_prefix("socket:[")?.strip_suffix(']')?.parse().ok()
        })
        .collect()
}

/// The inodes of the TCP sockets listening on `port` (IPv4 and IPv6).
fn listening_inodes(port: u16) -> Vec<u64> {
    const LISTEN: &str = "0A";
    ["/proc/net/tcp", "/proc/net/tcp6"]
        .iter()
        .filter_map(|table| fs::read_to_string(table).ok())
        .flat_map(|text| {
            text.lines()
                .skip(1)
                .filter_map(|line| {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    let local = fields.get(1)?;
                    let state = fields.get(3)?;
                    let inode = fields.get(9)?;
                    let local_port = u16::from_str_radix(local.rsplit_once(':')?.1, 16).ok()?;
                    (local_port == port && *state == LISTEN).then(|| inode.parse().ok()).flatten()
                })
                .collect::<Vec<u64>>()
        })
        .collect()
}
