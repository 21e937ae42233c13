//! The way out of a crossing: the exit for a traveller who passed (and what they may leave behind), the way back
//! for a referred one, and the officer's wait when they do not leave.

use hal::gate::{Door, Input};

use super::{Crossing, Phase, State, Where};
use crate::crossing::Message;
use crate::crossing::Referral;
use crate::crossing::io::{Command, DoorWant, Event, Lamps, Record, Step};
use crate::crossing::policy::seconds;

impl Crossing {
    pub(super) fn let_out(&mut self) {
        self.decide(None);
        self.object_since = None;
        self.emit(Command::WipePersonalData);
        self.emit(Command::Show(Message::PleaseProceed));
        self.emit(Command::Lamps(Lamps::Green));
        self.door(Door::Entry, DoorWant::Closed);
        self.door(Door::Exit, DoorWant::Open);
        self.enter(State::Exiting { phase: Phase::Door, seen_out: false }, Some(self.policy.timeouts.door));
    }

    pub(super) fn on_exiting(&mut self, event: &Event, phase: Phase, mut seen_out: bool) {
        seen_out |= self.is(Input::ExitPresence);
        let gone = !self.is(Input::Mantrap) && !self.is(Input::ExitObstruction);
        match phase {
            Phase::Door => {
                if self.is(Input::ExitOpen) {
                    self.state = State::Exiting { phase: Phase::Traveller, seen_out };
                    self.phase(Some(self.policy.timeouts.exit));
                } else if self.expired(event) {
                    self.record(Record::DoorFault { door: Door::Exit });
                    self.refer(Referral::DoorFault, Where::Inside);
                } else {
                    self.state = State::Exiting { phase, seen_out };
                }
            }
            Phase::Traveller => {
                if gone && seen_out {
                    self.step_done(Step::Exit, true);
                    self.door(Door::Exit, DoorWant::Closed);
                    self.state = State::Exiting { phase: Phase::Closing, seen_out };
                    self.phase(Some(self.policy.timeouts.door));
                } else if self.object_left(seen_out) {
                    // The traveller went through, and something stayed behind.
                    self.step_done(Step::Exit, true);
                    self.record(Record::ObjectLeft);
                    self.emit(Command::Refer(Referral::ObjectLeft));
                    self.door(Door::Exit, DoorWant::Closed);
                    self.end_crossing(Some(Door::Exit));
                    self.out_of_service(Referral::ObjectLeft);
                } else if self.expired(event) {
                    self.step_done(Step::Exit, false);
                    self.emit(Command::Refer(Referral::Timeout));
                    self.emit(Command::Show(Message::SeeOfficer));
                    self.emit(Command::Lamps(Lamps::Red));
                    self.state = State::Exiting { phase: Phase::Officer, seen_out };
                    self.deadline = None;
                } else {
                    self.state = State::Exiting { phase, seen_out };
                }
            }
            Phase::Closing => {
                if self.is(Input::ExitClosed) {
                    self.end_crossing(Some(Door::Exit));
                    self.reset();
                } else if self.expired(event) {
                    self.record(Record::DoorFault { door: Door::Exit });
                    self.emit(Command::Refer(Referral::DoorFault));
                    self.end_crossing(Some(Door::Exit));
                    self.out_of_service(Referral::DoorFault);
                } else if !gone {
                    // Someone came back in: hold the door open for them.
                    self.door(Door::Exit, DoorWant::Open);
                    self.state = State::Exiting { phase: Phase::Traveller, seen_out };
                    self.phase(Some(self.policy.timeouts.exit));
                }
            }
            Phase::Officer => {
                if gone && seen_out {
                    self.door(Door::Exit, DoorWant::Closed);
                    self.state = State::Exiting { phase: Phase::Closing, seen_out };
                    self.phase(Some(self.policy.timeouts.door));
                } else {
                    self.state = State::Exiting { phase, seen_out };
                }
            }
        }
    }

    /// Whether the traveller has gone through the exit and the mantrap has stayed occupied, with nobody at the
    /// exit, for the `clear` timeout: something was left behind.
    fn object_left(&mut self, seen_out: bool) -> bool {
        let lingering =
            seen_out && self.is(Input::Mantrap) && !self.is(Input::ExitPresence) && !self.is(Input::ExitObstruction);
        if !lingering {
            self.object_since = None;
            return false;
        }
        let since = *self.object_since.get_or_insert(self.now);
        self.now.saturating_sub(since) >= seconds(self.policy.timeouts.clear)
    }

    pub(super) fn on_referred(&mut self, event: &Event, reason: Referral, at: Where, phase: Phase) {
        match (at, phase) {
            (Where::Outside, _) => {
                // The traveller takes the passport and goes to the officer.
                if !self.is(Input::Approach) && !self.occupied() {
                    self.end_crossing(None);
                    self.reset();
                } else if self.expired(event) {
                    self.state = State::Referred { reason, at, phase: Phase::Officer };
                    self.deadline = None;
                }
            }
            (Where::Inside, Phase::Door) => {
                if self.is(Input::EntryOpen) {
                    self.state = State::Referred { reason, at, phase: Phase::Traveller };
                    self.phase(Some(self.policy.timeouts.leave));
                } else if self.expired(event) {
                    // The entry door does not open: let the traveller out through the exit rather than trap them.
                    self.record(Record::DoorFault { door: Door::Entry });
                    self.door(Door::Entry, DoorWant::Closed);
                    self.door(Door::Exit, DoorWant::Open);
                    self.state = State::Referred { reason, at, phase: Phase::Officer };
                    self.deadline = None;
                }
            }
            (Where::Inside, Phase::Traveller) => {
                if !self.occupied() {
                    self.door(Door::Entry, DoorWant::Closed);
                    self.state = State::Referred { reason, at, phase: Phase::Closing };
                    self.phase(Some(self.policy.timeouts.door));
                } else if self.expired(event) {
                    self.state = State::Referred { reason, at, phase: Phase::Officer };
                    self.deadline = None;
                }
            }
            (Where::Inside, Phase::Closing) => {
                if self.is(Input::EntryClosed) {
                    self.end_crossing(Some(Door::Entry));
                    self.reset();
                } else if self.occupied() {
                    self.door(Door::Entry, DoorWant::Open);
                    self.state = State::Referred { reason, at, phase: Phase::Traveller };
                    self.phase(Some(self.policy.timeouts.leave));
                } else if self.expired(event) {
                    self.record(Record::DoorFault { door: Door::Entry });
                    self.end_crossing(Some(Door::Entry));
                    self.emit(Command::Refer(Referral::DoorFault));
                    self.out_of_service(Referral::DoorFault);
                }
            }
            (Where::Inside, Phase::Officer) => {
                // Waiting for the officer; should the traveller leave after all, the gate resets itself.
                if !self.occupied() {
                    self.end_crossing(None);
                    self.reset();
                }
            }
        }
    }
}
