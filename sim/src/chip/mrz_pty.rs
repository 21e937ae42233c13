//! The document reader's serial line, on a pseudo-terminal: the reader OCRs the data page and sends each MRZ line
//! ended by CR LF, as full-page readers do on their serial or virtual COM port. The daemon opens the slave side like
//! a serial port; the simulator keeps both sides open (a slave with nobody holding it would make writes fail once the
//! daemon closes it) and puts the slave in raw mode, so that no line discipline echoes or rewrites the bytes.

use std::io::Write;
use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};

use nix::sys::termios::{self, SetArg};

use crate::error::Error;

/// What a reader sends before a good read when it first sees a page it cannot read yet (a page moving into place).
const NOISE: &[u8] = b"<<<?<<\r\n";

/// A pseudo-terminal whose slave is linked at a path.
#[derive(Debug)]
pub struct MrzPty {
    master: std::fs::File,
    _slave: OwnedFd,
    link: PathBuf,
    slave_path: PathBuf,
}

impl MrzPty {
    /// Opens a pseudo-terminal pair, makes the slave raw and links its path at `link` (replacing an earlier link).
    ///
    /// # Errors
    /// [`Error::Pty`] when the pair cannot be opened or configured, or the link cannot be made.
    pub fn open(link: &Path) -> Result<MrzPty, Error> {
        let err = |source: std::io::Error| Error::Pty { path: link.to_path_buf(), source };
        let pair = nix::pty::openpty(None, None).map_err(|e| err(e.into()))?;
        let mut attrs = termios::tcgetattr(&pair.slave).map_err(|e| err(e.into()))?;
        termios::cfmakeraw(&mut attrs);
        termios::tcsetattr(&pair.slave, SetArg::TCSANOW, &attrs).map_err(|e| err(e.into()))?;
        let slave_path = nix::unistd::ttyname(&pair.slave).map_err(|e| err(e.into()))?;
        match std::fs::symlink_metadata(link) {
            Ok(m) if m.file_type().is_symlink() => std::fs::remove_file(link).map_err(err)?,
            Ok(_) => {
                return Err(err(std::io::Error::new(
                    std::io::ErrorKind::AlreadyExists,
                    "exists and is not a symbolic link; not replaced",
                )));
            }
            Err(_) => {}
        }
        std::os::unix::fs::symlink(&slave_path, link).map_err(err)?;
        tracing::info!(link = %link.display(), tty = %slave_path.display(), "MRZ reader on a pseudo-terminal");
        Ok(MrzPty {
            master: std::fs::File::from(pair.master),
            _slave: pair.slave,
            link: link.to_path_buf(),
            slave_path,
        })
    }

    /// The slave's device path.
    pub fn slave_path(&self) -> &Path {
        &self.slave_path
    }

    /// Sends the MRZ lines, each ended by CR LF, after a line of noise when asked.
    ///
    /// # Errors
    /// [`Error::Pty`] when the write fails.
    pub fn send(&mut self, lines: &[String], noise: bool) -> Result<(), Error> {
        let mut out = Vec::new();
        if noise {
            out.extend_from_slice(NOISE);
        }
        for line in lines {
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        self.master.write_all(&out).map_err(|source| Error::Pty { path: self.link.clone(), source })?;
        tracing::info!(lines = lines.len(), "MRZ sent on the pseudo-terminal");
        Ok(())
    }
}

impl Drop for MrzPty {
    fn drop(&mut self) {
        // Only our own link: it still points at our slave.
        if std::fs::read_link(&self.link).is_ok_and(|t| t == self.slave_path) {
            let _ = std::fs::remove_file(&self.link);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_slave_reads_the_lines_as_sent() {
        let link = std::env::temp_dir().join(format!("sim-mrz-pty-{}", std::process::id()));
        let mut pty = MrzPty::open(&link).unwrap();
        assert_eq!(std::fs::read_link(&link).unwrap(), pty.slave_path());
        let mut reader = std::fs::File::open(&link).unwrap();
        let lines = vec!["P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<".to_owned(), "L898902C<3UTO".to_owned()];
        pty.send(&lines, true).unwrap();
        let want = format!("<<<?<<\r\n{}\r\n{}\r\n", lines[0], lines[1]);
        let mut got = vec![0u8; want.len()];
        reader.read_exact(&mut got).unwrap();
        assert_eq!(String::from_utf8(got).unwrap(), want);
        drop(pty);
        assert!(std::fs::symlink_metadata(&link).is_err());
    }
}
