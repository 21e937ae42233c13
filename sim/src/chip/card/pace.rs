//! PACE, the chip's side (ICAO 9303-11 §4.4; the commands of §4.4.4), from [`mrtd::pace::Chip`].
//!
//! - MSE:Set AT `00 22 C1 A4` names the protocol (`80`, one of EF.CardAccess's PACEInfos), the password (`83`: `01`
//!   the MRZ, whose key K_π comes from the MRZ information as BAC's does; `02` the CAN of `chip.toml`) and optionally
//!   the domain parameters (`84`). A protocol, parameter set or password the chip does not have gets `6A88`
//!   (referenced data not found), malformed data `6A80`.
//! - Four GENERAL AUTHENTICATE commands follow, the first three chained (CLA `10`, 7816-4 §5.4.1): the encrypted
//!   nonce, the mapping (Generic, Integrated or Chip Authentication Mapping, whichever PACEInfo was chosen), the key
//!   agreement, the mutual authentication. A token that does not verify, because the terminal used another
//!   password, gets `6300` at the last step, as real chips answer (§4.4.4.2); the chip stays unauthenticated.
//!   Any other failure gets the status of [`mrtd::error::PaceError::status_word`] and ends the run too.
//! - Success starts secure messaging with the session keys of the protocol's cipher (AES or 3DES, §9.8), the SSC
//!   at zero; protected case-3 commands need no `Le`. PACE-CAM's answer also carries the encrypted chip
//!   authentication data `8A` (§4.4.3.5), made with the Chip Authentication key of DG14, which must lie on PACE's
//!   curve.
//!
//! Which protocols the chip runs: those EF.CardAccess lists whose domain parameters resolve, PACE-CAM only when the
//! access is `pace-cam` (so that `--access pace` on a PACE-CAM passport is that chip with CAM switched off). A
//! command other than GENERAL AUTHENTICATE abandons a run half-way.

use mrtd::apdu::{Command, Response};
use mrtd::pace::{self, ChipRandom, Password, PasswordType, SetAt};
use mrtd::security_infos::{Group, Mapping, PaceProtocol, SecurityInfos};
use mrtd::sw::StatusWord;

use super::{Auth, Card, Ctx, chip_auth};
use crate::access::Access;
use crate::chip::passport_dir::Passport;
use crate::error::Error;

/// One protocol the chip runs: a PACEInfo of EF.CardAccess with its resolved domain parameters.
#[derive(Debug, Clone)]
struct Offered {
    protocol: PaceProtocol,
    parameter_id: Option<u32>,
    group: Group,
}

/// What the chip offers for PACE, and the passwords it knows.
pub(super) struct Offer {
    protocols: Vec<Offered>,
    mrz: Option<Password>,
    can: Option<Password>,
}

impl std::fmt::Debug for Offer {
    // The passwords are the holder's data.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Offer")
            .field("protocols", &self.protocols.iter().map(|o| o.protocol).collect::<Vec<_>>())
            .field("mrz", &self.mrz.is_some())
            .field("can", &self.can.is_some())
            .finish()
    }
}

fn invalid(passport: &Passport, reason: &'static str) -> Error {
    Error::InvalidPassport { path: passport.dir.clone(), reason }
}

impl Offer {
    /// The PACE protocols of the passport's EF.CardAccess that `access` allows.
    ///
    /// # Errors
    /// [`Error::InvalidPassport`] for `pace-cam` when EF.CardAccess lists no PACE-CAM protocol the chip can run or
    /// the Chip Authentication key is not on its curve.
    pub(super) fn new(passport: &Passport, access: Access, keys: &chip_auth::Keys) -> Result<Offer, Error> {
        let mut offer = Offer { protocols: Vec::new(), mrz: None, can: None };
        if !access.offers_pace() {
            return Ok(offer);
        }
        offer.mrz = passport.key_mrz().ok().map(|mrz| Password::mrz(mrz.mrz_information()));
        offer.can = passport.can.as_deref().map(Password::can);
        let card_access = passport.files.get(&mrtd::lds::FileId::CardAccess).map(Vec::as_slice).unwrap_or_default();
        let infos = match SecurityInfos::from_card_access(card_access) {
            Ok(infos) => infos,
            Err(e) => {
                tracing::warn!(error = %e, "EF.CardAccess does not parse: MSE:Set AT will get 6A88");
                SecurityInfos::default()
            }
        };
        for info in infos.pace() {
            if info.protocol.mapping == Mapping::ChipAuthentication && access != Access::PaceCam {
                continue;
            }
            let group = infos.pace_domain_parameters(info).ok_or(()).and_then(|p| p.resolve().map_err(|_| ()));
            match group {
                Ok(group) if group.agreement() == info.protocol.agreement => {
                    offer.protocols.push(Offered { protocol: info.protocol, parameter_id: info.parameter_id, group })
                }
                _ => tracing::warn!(parameter_id = ?info.parameter_id, "a PACEInfo's domain parameters are unusable"),
            }
        }
        if access == Access::PaceCam {
            let cam = offer.protocols.iter().find(|o| o.protocol.mapping == Mapping::ChipAuthentication);
            let Some(Offered { group: Group::Ec(curve), .. }) = cam else {
                return Err(invalid(passport, "pace-cam needs a PACE-CAM PACEInfo on a curve in EF.CardAccess"));
            };
            if !keys.chip_authentication_curve().is_some_and(|c| c.same_group(curve)) {
                return Err(invalid(passport, "pace-cam needs the Chip Authentication key on PACE's curve"));
            }
        }
        Ok(offer)
    }

    /// The offered protocol MSE:Set AT names, and its parameters.
    fn find(&self, set_at: &SetAt) -> Option<&Offered> {
        self.protocols
            .iter()
            .find(|o| o.protocol == set_at.protocol && set_at.parameter_id.is_none_or(|id| o.parameter_id == Some(id)))
    }

    fn password(&self, kind: PasswordType) -> Option<&Password> {
        match kind {
            PasswordType::Mrz => self.mrz.as_ref(),
            PasswordType::Can => self.can.as_ref(),
            // Passports have neither PIN nor PUK.
            PasswordType::Pin | PasswordType::Puk => None,
        }
    }
}

/// Where a PACE run stands: the state awaiting the next GENERAL AUTHENTICATE.
#[derive(Debug)]
enum Stage {
    Nonce(pace::Chip),
    Mapping(pace::ChipAwaitMapping),
    KeyAgreement(pace::ChipAwaitKeyAgreement),
    Token(pace::ChipAwaitToken),
}

/// A PACE run under way.
#[derive(Debug)]
pub(super) struct Run {
    stage: Stage,
    mapping: Mapping,
}

fn mapping_name(mapping: Mapping) -> &'static str {
    match mapping {
        Mapping::Generic => "GM",
        Mapping::Integrated => "IM",
        Mapping::ChipAuthentication => "CAM",
    }
}

/// The status word for a failed step: the terminal's fault as [`mrtd::error::PaceError::status_word`] says, `6F00`
/// for one of ours.
fn refusal(e: &Error) -> StatusWord {
    match e {
        Error::Mrtd(mrtd::Error::Pace(p)) => p.status_word(),
        _ => StatusWord::Unknown,
    }
}

impl Card {
    /// The PACE protocols the chip runs, by object identifier, in EF.CardAccess's order.
    pub fn pace_protocols(&self) -> Vec<String> {
        self.pace.protocols.iter().map(|o| o.protocol.oid().to_string()).collect()
    }

    /// MSE:Set AT for PACE: checks the protocol and password and prepares the run.
    pub(super) fn pace_set_at(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if ctx.secure {
            // PACE starts a session; it does not run inside one.
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let set_at = match SetAt::parse(cmd) {
            Ok(s) => s,
            Err(mrtd::Error::Pace(e)) => return Response::status(e.status_word()),
            Err(_) => return Response::status(StatusWord::WrongData),
        };
        let Some(offered) = self.pace.find(&set_at).cloned() else {
            tracing::info!("MSE:Set AT: PACE protocol or parameters not offered");
            return Response::status(StatusWord::ReferencedDataNotFound);
        };
        let Some(password) = self.pace.password(set_at.password).cloned() else {
            tracing::info!(password = ?set_at.password, "MSE:Set AT: the chip has no such password");
            return Response::status(StatusWord::ReferencedDataNotFound);
        };
        let mapping = offered.protocol.mapping;
        let chip = ChipRandom::generate(&offered.protocol, &offered.group)
            .and_then(|random| pace::Chip::new(offered.protocol, offered.group.clone(), &password, random))
            .and_then(|chip| match (mapping, self.keys.chip_authentication_secret()) {
                (Mapping::ChipAuthentication, Some(key)) => chip.with_chip_authentication_key(&key),
                (Mapping::ChipAuthentication, None) => {
                    Err(mrtd::Error::InvalidKey("PACE-CAM without a Chip Authentication key"))
                }
                _ => Ok(chip),
            });
        match chip {
            Ok(chip) => {
                tracing::debug!(mapping = mapping_name(mapping), password = ?set_at.password, "PACE chosen");
                self.auth = Auth::Pace(Box::new(Run { stage: Stage::Nonce(chip), mapping }));
                Response::status(StatusWord::Ok)
            }
            Err(e) => {
                tracing::warn!(error = %e, "PACE cannot start");
                Response::status(StatusWord::Unknown)
            }
        }
    }

    /// One GENERAL AUTHENTICATE of a PACE run.
    pub(super) fn pace_step(&mut self, cmd: &Command) -> Response {
        let Auth::Pace(run) = std::mem::replace(&mut self.auth, Auth::None) else {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        };
        let Run { stage, mapping } = *run;
        let next = match stage {
            Stage::Nonce(c) => c.encrypted_nonce(cmd).map(|(r, n)| (r, Stage::Mapping(n))),
            Stage::Mapping(c) => c.map(cmd).map(|(r, n)| (r, Stage::KeyAgreement(n))),
            Stage::KeyAgreement(c) => c.agree(cmd).map(|(r, n)| (r, Stage::Token(n))),
            Stage::Token(c) => match c.authenticate(cmd) {
                Ok((response, sm)) => {
                    tracing::info!(mapping = mapping_name(mapping), "PACE succeeded; secure messaging established");
                    self.end_session();
                    self.auth = Auth::Secure(sm);
                    self.current = None;
                    return response;
                }
                Err(e) => Err(e),
            },
        };
        match next.map_err(Error::Mrtd) {
            Ok((response, stage)) => {
                self.auth = Auth::Pace(Box::new(Run { stage, mapping }));
                response
            }
            Err(e) => {
                let sw = refusal(&e);
                if sw == StatusWord::AuthenticationFailed {
                    tracing::info!("PACE failed: the terminal's password is not this chip's");
                } else {
                    tracing::info!(error = %e, "PACE failed");
                }
                Response::status(sw)
            }
        }
    }
}
