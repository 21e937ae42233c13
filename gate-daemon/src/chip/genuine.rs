//! Proving the chip genuine under secure messaging: Chip Authentication with DG14's key (ICAO 9303-11 §6.2) and
//! Active Authentication with DG15's key (§6.1). A copied chip has the files but not the private keys, so it fails
//! both.
//!
//! Chip Authentication has no answer to check: the proof is that the chip can go on with secure messaging under the
//! keys only the holder of the private key can derive, so the caller's next protected command is the check.

use hal::card::CardTransport;
use mrtd::aa::{self, AaPublicKey};
use mrtd::apdu::Command;
use mrtd::ca;
use mrtd::lds::EMRTD_AID;
use mrtd::security_infos::SecurityInfos;
use mrtd::sw::StatusWord;

use super::{Chip, Secured};
use crate::error::{Error, Step};

/// Why the chip did not prove itself genuine.
#[derive(Debug)]
pub enum NotGenuine {
    /// The chip refused or answered Chip or Active Authentication wrongly.
    Refused(mrtd::Error),
    /// An Active Authentication signature that does not verify.
    BadSignature,
}

impl<T: CardTransport> Chip<T, Secured> {
    /// Selects the eMRTD application under secure messaging (after PACE, which runs in the master file).
    ///
    /// # Errors
    /// [`Error::ChipStatus`] when the chip has no eMRTD application; transport and protocol errors.
    pub fn select_application(&mut self) -> Result<(), Error> {
        let cmd = Command::new(0x00, 0xA4, 0x04, 0x0C).with_data(EMRTD_AID.to_vec());
        let resp = self.secure_exchange(&cmd, Step::SelectApplication)?;
        match resp.sw {
            StatusWord::Ok => Ok(()),
            sw => Err(Error::ChipStatus { step: Step::SelectApplication, sw }),
        }
    }

    /// Runs Chip Authentication with the first key DG14 offers and switches to the new session keys. `Ok(None)` when
    /// DG14 offers no Chip Authentication; `Ok(Some(Err(..)))` when the chip refused it (not genuine, or not able).
    ///
    /// # Errors
    /// Transport errors, and [`Error::Random`].
    pub fn chip_authentication(&mut self, dg14: &SecurityInfos) -> Result<Option<Result<(), NotGenuine>>, Error> {
        let pairs = dg14.chip_authentication_pairs();
        let Some((info, key)) = pairs.first() else { return Ok(None) };
        let ephemeral = match ca::Terminal::generate_ephemeral(key) {
            Ok(e) => e,
            Err(e) => return Ok(Some(Err(NotGenuine::Refused(e)))),
        };
        let terminal = match ca::Terminal::new(info, key, &ephemeral, &self.state.sm) {
            Ok(t) => t,
            Err(e) => return Ok(Some(Err(NotGenuine::Refused(e)))),
        };
        let (mut cmd, mut terminal) = terminal.start();
        // MSE:Set KAT, or MSE:Set AT and GENERAL AUTHENTICATE: a handful of steps at most.
        for _ in 0..4 {
            let resp = self.secure_exchange(&cmd, Step::ChipAuthentication)?;
            match terminal.next(&resp) {
                Ok(ca::Step::Send(next, t)) => {
                    cmd = next;
                    terminal = t;
                }
                Ok(ca::Step::Done(sm)) => {
                    self.state.sm = sm;
                    self.state.current = None;
                    return Ok(Some(Ok(())));
                }
                Err(e) => return Ok(Some(Err(NotGenuine::Refused(e)))),
            }
        }
        Ok(Some(Err(NotGenuine::Refused(mrtd::Error::Status(StatusWord::Unknown)))))
    }

    /// Sends one protected command and checks that the chip answered it: after Chip Authentication, the proof that
    /// the chip holds the private key.
    ///
    /// # Errors
    /// [`Error::ChipStatus`] when the chip refuses, [`Error::Protocol`] when its answer does not verify; transport
    /// errors.
    pub fn confirm(&mut self, cmd: &Command) -> Result<(), Error> {
        let resp = self.secure_exchange(cmd, Step::ChipAuthentication)?;
        if resp.sw.is_success() {
            Ok(())
        } else {
            Err(Error::ChipStatus { step: Step::ChipAuthentication, sw: resp.sw })
        }
    }

    /// Runs Active Authentication: a fresh challenge signed with DG15's key, checked with the public key and the
    /// signature algorithm DG14 names (for ECDSA keys).
    ///
    /// # Errors
    /// Transport errors, and [`Error::Random`].
    pub fn active_authentication(
        &mut self,
        key: &AaPublicKey,
        dg14: Option<&SecurityInfos>,
    ) -> Result<Result<(), NotGenuine>, Error> {
        let challenge = aa::new_challenge().map_err(|_| Error::Random)?;
        let cmd = aa::internal_authenticate(&challenge, key);
        let resp = self.secure_exchange(&cmd, Step::ActiveAuthentication)?;
        if resp.sw != StatusWord::Ok {
            return Ok(Err(NotGenuine::Refused(mrtd::Error::Status(resp.sw))));
        }
        let algorithm = dg14.and_then(SecurityInfos::active_authentication).map(|info| info.signature_algorithm);
        match aa::verify(key, algorithm.as_ref(), &challenge, &resp.data) {
            Ok(()) => Ok(Ok(())),
            Err(_) => Ok(Err(NotGenuine::BadSignature)),
        }
    }
}
