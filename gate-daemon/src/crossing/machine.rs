//! The crossing as a state machine without I/O (DOMAIN.md, "One crossing, step by step").
//!
//! [`Crossing::handle`] takes the time since the loop started and one [`Event`], moves the machine to its next
//! [`State`] and returns the [`Command`]s the loop must carry out. Every state that waits for something has a
//! deadline from the [`Policy`], so the machine never waits for ever: a [`Event::Tick`] past it refers the traveller
//! (`timeout`, `door_fault`) or, where nobody is waiting, takes the lane out of service.
//!
//! The steps: **Idle** (entry closed, "place your passport") → the MRZ → **Checking** (the chip read and the
//! watchlist screening run side by side; then eligibility) → **Entering** (the entry door opens, exactly one person
//! comes in, the entry door closes) → **Capturing** (up to `face_attempts` live captures) → **Exiting** (the exit
//! door opens, the traveller leaves, the exit door closes) → Idle. Any failure goes to **Referred**: the traveller is
//! let back out through the entry door (or, when never in, simply waits for the officer), and an officer is called
//! with the reason. An emergency input, in any state, goes to **Emergency** until an officer resets it.
//!
//! The machine decides where it wants each door; [`super::safety::Safety`] alone turns that into drive levels, so a
//! wish of the machine can never close a door on someone or open both doors.

use std::time::Duration;

use hal::gate::{Door, Input, Levels};

use super::counter::Counter;
use super::io::{ChipFacts, Command, DoorWant, Event, FaceResult, Lamps, OfficerCommand, Record, Screening, Step};
use super::policy::{Policy, seconds};
use super::{Message, Referral};

/// The longest the beam pair stays broken for one person: 0.5 m of body and beam spacing at a slow 0.5 m/s, with
/// margin.
pub const LONGEST_SINGLE_PASSAGE: Duration = Duration::from_millis(1500);

/// Where a referred traveller is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Where {
    /// Before the entry door: never came in.
    Outside,
    /// In the mantrap: leaves back through the entry door.
    Inside,
}

/// The phases of the steps that move doors and people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// A door is travelling to its position.
    Door,
    /// Waiting for the traveller.
    Traveller,
    /// The door behind the traveller is closing.
    Closing,
    /// Nothing left to do but wait for an officer.
    Officer,
}

/// The state of the gate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum State {
    /// Before the first read of the inputs: nothing is driven.
    Starting,
    /// Driving both doors closed with nobody inside, before Idle.
    Resetting,
    /// Waiting for a passport.
    Idle,
    /// The chip read and the screening are under way.
    Checking {
        /// The chip's facts once read.
        chip: Option<ChipFacts>,
        /// The screening's answer once in.
        screening: Option<Screening>,
    },
    /// The traveller is let in, alone.
    Entering {
        /// Door opening, traveller coming in, entry door closing.
        phase: Phase,
    },
    /// Live face capture.
    Capturing {
        /// The try under way, from 1.
        attempt: u8,
    },
    /// The traveller passed and leaves.
    Exiting {
        /// Door opening, traveller leaving, exit door closing.
        phase: Phase,
        /// Whether the exit presence sensor has seen the traveller beyond the door.
        seen_out: bool,
    },
    /// The traveller was sent to an officer.
    Referred {
        /// Why.
        reason: Referral,
        /// Where the traveller was.
        at: Where,
        /// Door opening, traveller leaving, door closing, waiting for the officer.
        phase: Phase,
    },
    /// Fire alarm or break-glass: both doors released until an officer resets.
    Emergency,
    /// The lane takes no traveller until the cause is gone or an officer acts.
    OutOfService {
        /// Why: `object_left` clears by itself when the mantrap empties; others need an officer's reset.
        reason: Referral,
    },
    /// An officer closed the lane.
    LaneClosed,
}

impl State {
    /// The state's name in logs, the console and the event log.
    #[must_use]
    pub fn name(&self) -> &'static str {
        match self {
            State::Starting => "starting",
            State::Resetting => "resetting",
            State::Idle => "idle",
            State::Checking { .. } => "checking",
            State::Entering { .. } => "entering",
            State::Capturing { .. } => "capturing",
            State::Exiting { .. } => "exiting",
            State::Referred { .. } => "referred",
            State::Emergency => "emergency",
            State::OutOfService { .. } => "out_of_service",
            State::LaneClosed => "lane_closed",
        }
    }
}

/// The crossing state machine of one gate.
#[derive(Debug, Clone)]
pub struct Crossing {
    policy: Policy,
    state: State,
    levels: Levels,
    now: Duration,
    /// When the current state or phase began; deadlines count from here.
    since: Duration,
    deadline: Option<Duration>,
    /// When the current step began, for the event log.
    step_since: Duration,
    crossing: u64,
    /// When the current crossing's MRZ came, while a crossing is under way.
    crossing_since: Option<Duration>,
    decided: bool,
    lane_open: bool,
    counter: Counter,
    /// Since when the mantrap has held something with nobody crossing, when it does.
    object_since: Option<Duration>,
    out: Vec<Command>,
}

impl Crossing {
    /// A machine in [`State::Starting`]: it drives nothing until [`Event::Started`].
    #[must_use]
    pub fn new(policy: Policy) -> Self {
        Crossing {
            policy,
            state: State::Starting,
            levels: Levels::default(),
            now: Duration::ZERO,
            since: Duration::ZERO,
            deadline: None,
            step_since: Duration::ZERO,
            crossing: 0,
            crossing_since: None,
            decided: false,
            lane_open: true,
            counter: Counter::new(LONGEST_SINGLE_PASSAGE),
            object_since: None,
            out: Vec::new(),
        }
    }

    /// The current state.
    #[must_use]
    pub fn state(&self) -> &State {
        &self.state
    }

    /// The inputs as the machine last heard them.
    #[must_use]
    pub fn levels(&self) -> Levels {
        self.levels
    }

    /// When the current state gives up, if it waits for something; the loop must send [`Event::Tick`] by then.
    #[must_use]
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// The number of the crossing under way or last ended (from 1; 0 before the first).
    #[must_use]
    pub fn crossing(&self) -> u64 {
        self.crossing
    }

    /// Whether a traveller's crossing is under way (from the MRZ to the traveller gone).
    #[must_use]
    pub fn in_crossing(&self) -> bool {
        self.crossing_since.is_some()
    }

    /// Handles `event` at `now` (time since the loop started; it must not go back) and returns what to do.
    pub fn handle(&mut self, now: Duration, event: Event) -> Vec<Command> {
        self.now = self.now.max(now);
        self.counter.tick(self.now);
        if let Event::Input(input, level) = event {
            self.levels.set(input, level);
            match input {
                Input::BeamA => self.counter.edge(true, level, self.now),
                Input::BeamB => self.counter.edge(false, level, self.now),
                _ => {}
            }
        }
        if let Event::Started { levels, interrupted } = event {
            self.levels = levels;
            self.start(interrupted);
        } else if self.levels.get(Input::Emergency) && self.state != State::Emergency && self.state != State::Starting {
            self.emergency();
        } else {
            self.step(&event);
        }
        std::mem::take(&mut self.out)
    }

    fn emit(&mut self, command: Command) {
        self.out.push(command);
    }

    fn record(&mut self, record: Record) {
        self.out.push(Command::Record(record));
    }

    fn enter(&mut self, state: State, timeout: Option<f64>) {
        self.state = state;
        self.since = self.now;
        self.deadline = timeout.map(|t| self.now + seconds(t));
    }

    /// Resets the deadline for a new phase of the same state.
    fn phase(&mut self, timeout: Option<f64>) {
        self.since = self.now;
        self.deadline = timeout.map(|t| self.now + seconds(t));
    }

    fn expired(&self, event: &Event) -> bool {
        matches!(event, Event::Tick) && self.deadline.is_some_and(|d| self.now >= d)
    }

    fn door(&mut self, door: Door, want: DoorWant) {
        self.emit(Command::Door(door, want));
    }

    fn is(&self, input: Input) -> bool {
        self.levels.get(input)
    }

    /// Something is in the mantrap or in either doorway.
    fn occupied(&self) -> bool {
        occupied(self.levels)
    }

    fn step_done(&mut self, step: Step, ok: bool) {
        let elapsed_ms = ms(self.now.saturating_sub(self.step_since));
        self.step_since = self.now;
        self.record(Record::StepDone { crossing: self.crossing, step, ok, elapsed_ms });
    }

    fn decide(&mut self, referral: Option<Referral>) {
        if self.decided {
            return;
        }
        self.decided = true;
        let elapsed_ms = ms(self.now.saturating_sub(self.crossing_since.unwrap_or(self.now)));
        self.record(Record::Decided { crossing: self.crossing, referral, elapsed_ms });
    }

    fn start(&mut self, interrupted: bool) {
        self.record(Record::Started { interrupted });
        // Each path below says where it wants both doors.
        if self.levels.get(Input::Emergency) {
            self.emergency();
        } else if self.occupied() || interrupted {
            // A crossing was cut short (the daemon restarted mid-crossing), or someone is inside: let them out
            // the way they came, and call an officer.
            self.begin_crossing();
            let at = if self.occupied() { Where::Inside } else { Where::Outside };
            self.refer(Referral::Timeout, at);
        } else {
            self.reset();
        }
    }

    fn reset(&mut self) {
        self.door(Door::Entry, DoorWant::Closed);
        self.door(Door::Exit, DoorWant::Closed);
        self.emit(Command::Buzzer(false));
        self.enter(State::Resetting, Some(self.policy.timeouts.door * 2.0 + self.policy.timeouts.clear));
        self.object_since = None;
        self.check_reset(&Event::Tick);
    }

    fn end_crossing(&mut self, left_by: Option<Door>) {
        if self.crossing_since.take().is_some() {
            self.record(Record::CrossingEnded { crossing: self.crossing, left_by });
            self.emit(Command::WipePersonalData);
        }
    }

    fn idle(&mut self) {
        if !self.lane_open {
            self.emit(Command::Show(Message::LaneClosed));
            self.emit(Command::Lamps(Lamps::Red));
            self.enter(State::LaneClosed, None);
            return;
        }
        self.emit(Command::Show(Message::PlacePassport));
        self.emit(Command::Lamps(Lamps::Off));
        self.object_since = None;
        self.enter(State::Idle, None);
    }

    fn emergency(&mut self) {
        self.emit(Command::Abandon);
        self.door(Door::Entry, DoorWant::Open);
        self.door(Door::Exit, DoorWant::Open);
        self.emit(Command::Show(Message::Emergency));
        self.emit(Command::Lamps(Lamps::Red));
        self.emit(Command::Buzzer(true));
        self.record(Record::Emergency { active: true });
        if self.in_crossing() && !self.decided {
            self.decide(Some(Referral::Emergency));
            self.emit(Command::Refer(Referral::Emergency));
        }
        self.enter(State::Emergency, None);
    }

    /// Refers the traveller: calls the officer, and lets them out by the way they came.
    fn refer(&mut self, reason: Referral, at: Where) {
        self.emit(Command::Abandon);
        self.decide(Some(reason));
        self.emit(Command::Refer(reason));
        self.emit(Command::Show(Message::SeeOfficer));
        self.emit(Command::Lamps(Lamps::Red));
        match at {
            Where::Outside => {
                self.door(Door::Exit, DoorWant::Closed);
                self.door(Door::Entry, DoorWant::Closed);
                self.enter(State::Referred { reason, at, phase: Phase::Traveller }, Some(self.policy.timeouts.leave));
            }
            Where::Inside => {
                self.door(Door::Exit, DoorWant::Closed);
                self.door(Door::Entry, DoorWant::Open);
                self.enter(State::Referred { reason, at, phase: Phase::Door }, Some(self.policy.timeouts.door * 2.0));
            }
        }
    }

    fn out_of_service(&mut self, reason: Referral) {
        self.emit(Command::Show(Message::LaneClosed));
        self.emit(Command::Lamps(Lamps::Red));
        self.enter(State::OutOfService { reason }, None);
    }

    fn step(&mut self, event: &Event) {
        if let Event::Officer(command) = *event
            && self.officer(command)
        {
            return;
        }
        match self.state.clone() {
            State::Starting => {}
            State::Resetting => self.check_reset(event),
            State::Idle => self.on_idle(event),
            State::Checking { chip, screening } => self.on_checking(event, chip, screening),
            State::Entering { phase } => self.on_entering(event, phase),
            State::Capturing { attempt } => self.on_capturing(event, attempt),
            State::Exiting { phase, seen_out } => self.on_exiting(event, phase, seen_out),
            State::Referred { reason, at, phase } => self.on_referred(event, reason, at, phase),
            State::Emergency => {}
            State::OutOfService { reason } => {
                if reason == Referral::ObjectLeft && !self.occupied() {
                    self.reset();
                } else if let Event::Mrz(_) = event {
                    // A traveller who lays a passport on a lane out of service is sent to an officer, with why.
                    self.begin_crossing();
                    self.refer(reason, Where::Outside);
                }
            }
            State::LaneClosed => {
                if let Event::Mrz(_) = event {
                    self.begin_crossing();
                    self.refer(Referral::Officer, Where::Outside);
                }
            }
        }
    }

    /// Carries out an officer's command; returns whether it was taken.
    fn officer(&mut self, command: OfficerCommand) -> bool {
        let taken = match (command, &self.state) {
            (OfficerCommand::Reset, State::Emergency) => {
                if self.levels.get(Input::Emergency) {
                    false
                } else {
                    self.emit(Command::ResetEmergency);
                    self.emit(Command::Buzzer(false));
                    self.record(Record::Emergency { active: false });
                    true
                }
            }
            (OfficerCommand::Reset, State::Referred { .. } | State::OutOfService { .. }) => true,
            (OfficerCommand::ReleaseExit, State::Referred { at: Where::Inside, .. }) => true,
            (OfficerCommand::SendBack, State::Capturing { .. } | State::Exiting { .. }) => true,
            (OfficerCommand::CloseLane, _) => {
                self.lane_open = false;
                true
            }
            (OfficerCommand::OpenLane, _) => {
                self.lane_open = true;
                true
            }
            _ => false,
        };
        if !taken {
            return false;
        }
        self.record(Record::Officer(command));
        match command {
            OfficerCommand::Reset => {
                self.end_crossing(None);
                self.reset();
            }
            OfficerCommand::ReleaseExit => {
                self.emit(Command::Show(Message::PleaseProceed));
                self.emit(Command::Lamps(Lamps::Green));
                self.door(Door::Entry, DoorWant::Closed);
                self.door(Door::Exit, DoorWant::Open);
                self.enter(
                    State::Exiting { phase: Phase::Door, seen_out: false },
                    Some(self.policy.timeouts.door * 2.0),
                );
            }
            OfficerCommand::SendBack => self.refer(Referral::Officer, Where::Inside),
            OfficerCommand::CloseLane => {
                if self.state == State::Idle {
                    self.idle();
                }
            }
            OfficerCommand::OpenLane => {
                if self.state == State::LaneClosed {
                    self.idle();
                }
            }
        }
        true
    }

    fn check_reset(&mut self, event: &Event) {
        let shut = self.is(Input::EntryClosed) && self.is(Input::ExitClosed);
        if shut && !self.occupied() {
            self.idle();
        } else if self.expired(event) {
            if self.occupied() {
                self.record(Record::ObjectLeft);
                self.emit(Command::Refer(Referral::ObjectLeft));
                self.out_of_service(Referral::ObjectLeft);
            } else {
                let door = if self.is(Input::EntryClosed) { Door::Exit } else { Door::Entry };
                self.record(Record::DoorFault { door });
                self.emit(Command::Refer(Referral::DoorFault));
                self.out_of_service(Referral::DoorFault);
            }
        }
    }

    fn begin_crossing(&mut self) {
        self.crossing += 1;
        self.crossing_since = Some(self.now);
        self.step_since = self.now;
        self.decided = false;
        self.record(Record::CrossingStarted { crossing: self.crossing });
    }

    fn on_idle(&mut self, event: &Event) {
        match event {
            Event::Mrz(result) => {
                self.begin_crossing();
                match result {
                    Ok(()) if self.occupied() => {
                        // The mantrap is not empty: nobody may come in until it is.
                        self.step_done(Step::Mrz, true);
                        self.record(Record::ObjectLeft);
                        self.refer(Referral::ObjectLeft, Where::Outside);
                    }
                    Ok(()) => {
                        self.step_done(Step::Mrz, true);
                        self.emit(Command::Show(Message::ReadingPassport));
                        self.emit(Command::ReadChip);
                        self.emit(Command::Screen);
                        let longest = self.policy.timeouts.chip.max(self.policy.timeouts.screening);
                        self.enter(State::Checking { chip: None, screening: None }, Some(longest));
                    }
                    Err(reason) => {
                        self.step_done(Step::Mrz, false);
                        self.refer(*reason, Where::Outside);
                    }
                }
            }
            Event::Tick | Event::Input(..) => {
                // Something left in the mantrap blocks the lane until it is taken away.
                if self.occupied() {
                    let since = *self.object_since.get_or_insert(self.now);
                    if self.now.saturating_sub(since) >= seconds(self.policy.timeouts.clear) {
                        self.record(Record::ObjectLeft);
                        self.emit(Command::Refer(Referral::ObjectLeft));
                        self.out_of_service(Referral::ObjectLeft);
                    }
                } else {
                    self.object_since = None;
                }
            }
            _ => {}
        }
    }

    fn on_checking(&mut self, event: &Event, mut chip: Option<ChipFacts>, mut screening: Option<Screening>) {
        match event {
            Event::Chip(Ok(facts)) if chip.is_none() => {
                self.step_done(Step::Chip, true);
                if let Err(reason) = self.policy.check_document(&facts.document, facts.today) {
                    self.step_done(Step::Eligibility, false);
                    return self.refer(reason, Where::Outside);
                }
                self.step_done(Step::Eligibility, true);
                chip = Some(facts.clone());
            }
            Event::Chip(Err(reason)) if chip.is_none() => {
                self.step_done(Step::Chip, false);
                return self.refer(*reason, Where::Outside);
            }
            Event::Screened(answer) if screening.is_none() => {
                let refusal = match answer {
                    Screening::Clear => None,
                    Screening::Listed => Some(Referral::Watchlist),
                    Screening::Stale | Screening::Unavailable => Some(Referral::WatchlistStale),
                };
                self.record(Record::StepDone {
                    crossing: self.crossing,
                    step: Step::Screening,
                    ok: refusal.is_none(),
                    elapsed_ms: ms(self.now.saturating_sub(self.since)),
                });
                screening = Some(*answer);
                // A listed traveller is referred once the chip has proved who they are, so that the officer sees a
                // genuine document's holder; a chip failure takes precedence.
                if let (Some(reason), Some(_)) = (refusal, &chip) {
                    return self.refer(reason, Where::Outside);
                }
            }
            _ if self.expired(event) => return self.refer(Referral::Timeout, Where::Outside),
            _ => return,
        }
        match (&chip, screening) {
            (Some(_), Some(Screening::Clear)) => self.let_in(),
            (Some(_), Some(Screening::Listed)) => self.refer(Referral::Watchlist, Where::Outside),
            (Some(_), Some(Screening::Stale | Screening::Unavailable)) => {
                self.refer(Referral::WatchlistStale, Where::Outside);
            }
            _ => self.state = State::Checking { chip, screening },
        }
    }

    fn let_in(&mut self) {
        self.emit(Command::Show(Message::PleaseEnter));
        self.emit(Command::Lamps(Lamps::Green));
        self.door(Door::Exit, DoorWant::Closed);
        self.door(Door::Entry, DoorWant::Open);
        self.counter.restart(self.is(Input::BeamA), self.is(Input::BeamB), self.now);
        self.step_since = self.now;
        self.enter(State::Entering { phase: Phase::Door }, Some(self.policy.timeouts.door));
    }

    fn on_entering(&mut self, event: &Event, phase: Phase) {
        if self.counter.more_than_one() {
            self.step_done(Step::Entry, false);
            self.emit(Command::Show(Message::OnePersonOnly));
            return self.refer(Referral::Tailgating, Where::Inside);
        }
        let inside_alone = self.counter.inside() == 1
            && self.is(Input::Mantrap)
            && !self.counter.busy()
            && !self.is(Input::EntryObstruction);
        match phase {
            Phase::Door => {
                if self.is(Input::EntryOpen) {
                    self.state = State::Entering { phase: Phase::Traveller };
                    self.phase(Some(self.policy.timeouts.enter));
                } else if self.expired(event) {
                    self.record(Record::DoorFault { door: Door::Entry });
                    self.refer(Referral::DoorFault, Where::Outside);
                }
            }
            Phase::Traveller => {
                if inside_alone {
                    self.door(Door::Entry, DoorWant::Closed);
                    self.state = State::Entering { phase: Phase::Closing };
                    self.phase(Some(self.policy.timeouts.door));
                } else if self.expired(event) {
                    self.step_done(Step::Entry, false);
                    let at = if self.occupied() { Where::Inside } else { Where::Outside };
                    self.refer(Referral::Timeout, at);
                }
            }
            Phase::Closing => {
                if self.is(Input::EntryClosed) && inside_alone {
                    self.step_done(Step::Entry, true);
                    self.capture(1);
                } else if self.expired(event) {
                    self.step_done(Step::Entry, false);
                    // Held open by someone in the doorway, or a door that does not move.
                    let reason = if self.is(Input::EntryObstruction) { Referral::Timeout } else { Referral::DoorFault };
                    if reason == Referral::DoorFault {
                        self.record(Record::DoorFault { door: Door::Entry });
                    }
                    self.refer(reason, Where::Inside);
                } else if !inside_alone && !self.is(Input::EntryObstruction) && self.counter.inside() < 1 {
                    // The traveller stepped back out while the door was closing.
                    self.door(Door::Entry, DoorWant::Open);
                    self.state = State::Entering { phase: Phase::Traveller };
                }
            }
            Phase::Officer => {}
        }
    }

    fn capture(&mut self, attempt: u8) {
        self.emit(Command::Show(Message::LookAtCamera));
        self.emit(Command::Capture { attempt });
        self.enter(State::Capturing { attempt }, Some(self.policy.timeouts.face));
    }

    fn on_capturing(&mut self, event: &Event, attempt: u8) {
        let result = match event {
            Event::Face(result) => *result,
            _ if self.expired(event) => FaceResult::CameraFailed,
            _ => return,
        };
        let more = attempt < self.policy.face_attempts;
        let refusal = match result {
            FaceResult::Match => {
                self.step_done(Step::Face, true);
                return self.let_out();
            }
            FaceResult::Attack => Referral::PresentationAttack,
            FaceResult::NoMatch if more => return self.capture(attempt + 1),
            FaceResult::NoMatch => Referral::FaceMismatch,
            FaceResult::PoorQuality | FaceResult::CameraFailed if more => return self.capture(attempt + 1),
            FaceResult::PoorQuality | FaceResult::CameraFailed => Referral::FaceQuality,
        };
        self.step_done(Step::Face, false);
        self.refer(refusal, Where::Inside);
    }
}

/// Whether `levels` show something in the mantrap or in either doorway: the gate may then close no door on it and
/// start no crossing.
#[must_use]
pub fn occupied(levels: Levels) -> bool {
    [Input::Mantrap, Input::EntryObstruction, Input::ExitObstruction, Input::BeamA, Input::BeamB]
        .into_iter()
        .any(|i| levels.get(i))
}

fn ms(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

mod leaving;

#[cfg(test)]
mod tests;
