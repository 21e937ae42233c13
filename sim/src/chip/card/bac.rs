//! Basic Access Control, the chip's side (ICAO 9303-11 §4.3), from [`mrtd::bac::Chip`]: GET CHALLENGE hands out
//! RND.IC, EXTERNAL AUTHENTICATE checks the terminal's cryptogram against the MRZ's keys and starts 3DES secure
//! messaging. A chip offering PACE only answers both with `6982` (see [`super`]).

use mrtd::apdu::{Command, Response};
use mrtd::bac::Chip;
use mrtd::sw::StatusWord;

use super::{Auth, Card, Ctx};

impl Card {
    pub(super) fn get_challenge(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if !ctx.secure && !self.config.access.allows_bac() {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        }
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Response::status(StatusWord::WrongP1P2);
        }
        if cmd.le != Some(8) {
            return Response::status(StatusWord::WrongLength);
        }
        let Some(rnd_ic) = self.random::<8>() else { return Response::status(StatusWord::Unknown) };
        if !ctx.secure {
            self.auth = Auth::Challenged(rnd_ic);
        }
        Response::new(rnd_ic.to_vec(), StatusWord::Ok)
    }

    pub(super) fn external_authenticate(&mut self, cmd: &Command, ctx: Ctx) -> Response {
        if ctx.secure {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        }
        let Some(keys) = self.bac_keys.clone().filter(|_| self.config.access.allows_bac()) else {
            return Response::status(StatusWord::SecurityStatusNotSatisfied);
        };
        // The challenge is used once, whatever happens next.
        let Auth::Challenged(rnd_ic) = std::mem::replace(&mut self.auth, Auth::None) else {
            return Response::status(StatusWord::ConditionsNotSatisfied);
        };
        if cmd.p1 != 0 || cmd.p2 != 0 {
            return Response::status(StatusWord::WrongP1P2);
        }
        if cmd.data.len() != 40 {
            return Response::status(StatusWord::WrongLength);
        }
        let Some(k_ic) = self.random::<16>() else { return Response::status(StatusWord::Unknown) };
        match Chip::new(keys, rnd_ic).external_authenticate(&cmd.data, k_ic) {
            Ok((answer, sm)) => {
                tracing::info!("BAC succeeded; secure messaging established");
                self.end_session();
                self.auth = Auth::Secure(sm);
                self.current = None;
                Response::new(answer, StatusWord::Ok)
            }
            Err(e) => {
                tracing::info!(error = %e, "BAC failed: the terminal's keys do not match this chip's MRZ");
                Response::status(StatusWord::AuthenticationFailed)
            }
        }
    }
}
