//! The crossing machine, step by step on scripted crossings, and as properties over random event sequences.

use std::time::Duration;

use hal::gate::{Door, Input, Levels};

use super::{Crossing, Phase, State, Where};
use crate::crossing::Referral;
use crate::crossing::io::{ChipFacts, Command, DoorWant, Event, FaceResult, OfficerCommand, Record, Screening};
use crate::crossing::policy::{DocumentFacts, Policy};
use crate::crossing::testing::Rng;

const TODAY: (u16, u8, u8) = (2026, 11, 22);

fn facts() -> ChipFacts {
    ChipFacts {
        document: DocumentFacts {
            document_code: "P".into(),
            nationality: "IDN".into(),
            date_of_birth: Some((1985, 3, 14)),
            date_of_expiry: Some((2033, 5, 1)),
        },
        today: TODAY,
    }
}

/// A machine under test with its own clock and the inputs it has been told.
struct Lane {
    m: Crossing,
    t: Duration,
    log: Vec<Command>,
}

impl Lane {
    fn new() -> Self {
        Lane::with(Policy::default())
    }

    fn with(policy: Policy) -> Self {
        let mut lane = Lane { m: Crossing::new(policy), t: Duration::ZERO, log: Vec::new() };
        let shut = Levels::default().with(Input::EntryClosed, true).with(Input::ExitClosed, true);
        lane.send(Event::Started { levels: shut, interrupted: false });
        assert_eq!(lane.m.state(), &State::Idle);
        lane
    }

    fn send(&mut self, event: Event) -> Vec<Command> {
        let out = self.m.handle(self.t, event);
        self.log.extend(out.iter().cloned());
        out
    }

    fn at(&mut self, ms: u64) -> &mut Self {
        self.t += Duration::from_millis(ms);
        self.send(Event::Tick);
        self
    }

    fn set(&mut self, input: Input, level: bool) -> Vec<Command> {
        self.send(Event::Input(input, level))
    }

    /// A door reaches a position: one switch goes off, the other on.
    fn door_at(&mut self, door: Door, open: bool) {
        self.set(if open { door.closed_switch() } else { door.open_switch() }, false);
        self.set(if open { door.open_switch() } else { door.closed_switch() }, true);
    }

    /// One person walks in over the beams into the mantrap.
    fn walk_in(&mut self) {
        for (input, level) in [
            (Input::EntryObstruction, true),
            (Input::BeamA, true),
            (Input::BeamB, true),
            (Input::EntryObstruction, false),
            (Input::BeamA, false),
            (Input::Mantrap, true),
            (Input::BeamB, false),
        ] {
            self.t += Duration::from_millis(100);
            self.set(input, level);
        }
    }

    fn referred(&self) -> Vec<Referral> {
        self.log.iter().filter_map(|c| if let Command::Refer(r) = c { Some(*r) } else { None }).collect()
    }

    fn decisions(&self) -> Vec<Option<Referral>> {
        self.log
            .iter()
            .filter_map(
                |c| if let Command::Record(Record::Decided { referral, .. }) = c { Some(*referral) } else { None },
            )
            .collect()
    }

    /// From Idle to the face step: a good passport, a clear list, the traveller in alone.
    fn up_to_face(&mut self) {
        let out = self.send(Event::Mrz(Ok(())));
        assert!(out.contains(&Command::ReadChip) && out.contains(&Command::Screen));
        self.at(300);
        self.send(Event::Screened(Screening::Clear));
        self.at(400);
        let out = self.send(Event::Chip(Ok(facts())));
        assert!(out.contains(&Command::Door(Door::Entry, DoorWant::Open)), "{out:?}");
        self.at(500);
        self.door_at(Door::Entry, true);
        self.walk_in();
        let out = self.send(Event::Tick);
        assert_eq!(out, vec![], "waits for the machine's own check, not a tick");
        assert!(self.log.contains(&Command::Door(Door::Entry, DoorWant::Closed)));
        self.at(800);
        self.door_at(Door::Entry, false);
        assert_eq!(self.m.state(), &State::Capturing { attempt: 1 });
    }
}

#[test]
fn a_traveller_passes_and_the_gate_resets() {
    let mut lane = Lane::new();
    lane.up_to_face();
    let out = lane.send(Event::Face(FaceResult::Match));
    assert!(out.contains(&Command::Door(Door::Exit, DoorWant::Open)));
    assert!(out.contains(&Command::WipePersonalData));
    lane.at(900);
    lane.door_at(Door::Exit, true);
    lane.set(Input::ExitObstruction, true);
    lane.set(Input::ExitPresence, true);
    lane.set(Input::Mantrap, false);
    lane.set(Input::ExitObstruction, false);
    assert!(lane.log.ends_with(&[Command::Door(Door::Exit, DoorWant::Closed)]), "closes once the traveller is out");
    lane.set(Input::ExitPresence, false);
    lane.door_at(Door::Exit, false);
    assert_eq!(lane.m.state(), &State::Idle);
    assert_eq!(lane.decisions(), vec![None]);
    assert!(lane.referred().is_empty());
    assert!(
        lane.log
            .iter()
            .any(|c| matches!(c, Command::Record(Record::CrossingEnded { crossing: 1, left_by: Some(Door::Exit) })))
    );
}

#[test]
fn a_listed_traveller_is_referred_once_the_chip_is_read_and_never_enters() {
    let mut lane = Lane::new();
    lane.send(Event::Mrz(Ok(())));
    lane.send(Event::Screened(Screening::Listed));
    assert!(lane.referred().is_empty(), "waits for the chip to prove the document");
    lane.send(Event::Chip(Ok(facts())));
    assert_eq!(lane.referred(), vec![Referral::Watchlist]);
    assert!(!lane.log.contains(&Command::Door(Door::Entry, DoorWant::Open)));
    // The display says what it says for every referral.
    assert!(lane.log.contains(&Command::Show(crate::crossing::Message::SeeOfficer)));
    // The traveller walks away from the reader: the gate is ready again.
    lane.set(Input::Approach, true);
    lane.set(Input::Approach, false);
    assert_eq!(lane.m.state(), &State::Idle);
}

#[test]
fn every_document_failure_refers_with_its_reason() {
    for (event, reason) in [
        (Event::Mrz(Err(Referral::MrzUnreadable)), Referral::MrzUnreadable),
        (Event::Chip(Err(Referral::ChipNotGenuine)), Referral::ChipNotGenuine),
        (Event::Chip(Err(Referral::ChipUnreadable)), Referral::ChipUnreadable),
        (Event::Screened(Screening::Stale), Referral::WatchlistStale),
    ] {
        let mut lane = Lane::new();
        if !matches!(event, Event::Mrz(_)) {
            lane.send(Event::Mrz(Ok(())));
        }
        lane.send(event);
        if lane.referred().is_empty() {
            lane.send(Event::Chip(Ok(facts())));
        }
        assert_eq!(lane.referred(), vec![reason]);
        assert_eq!(lane.decisions(), vec![Some(reason)]);
    }
    // Eligibility: an expired passport.
    let mut lane = Lane::new();
    lane.send(Event::Mrz(Ok(())));
    let mut expired = facts();
    expired.document.date_of_expiry = Some((2026, 11, 1));
    lane.send(Event::Chip(Ok(expired)));
    assert_eq!(lane.referred(), vec![Referral::DocumentExpired]);
}

#[test]
fn a_slow_chip_times_out_and_refers() {
    let mut lane = Lane::new();
    lane.send(Event::Mrz(Ok(())));
    lane.send(Event::Screened(Screening::Clear));
    lane.at(9_900);
    assert!(lane.referred().is_empty());
    lane.at(200);
    assert_eq!(lane.referred(), vec![Referral::Timeout]);
    assert!(lane.log.contains(&Command::Abandon));
}

#[test]
fn face_retries_then_mismatch_lets_the_traveller_back_out() {
    let mut lane = Lane::new();
    lane.up_to_face();
    lane.send(Event::Face(FaceResult::NoMatch));
    lane.send(Event::Face(FaceResult::PoorQuality));
    assert_eq!(lane.m.state(), &State::Capturing { attempt: 3 });
    let out = lane.send(Event::Face(FaceResult::NoMatch));
    assert_eq!(lane.referred(), vec![Referral::FaceMismatch]);
    assert!(out.contains(&Command::Door(Door::Entry, DoorWant::Open)));
    assert!(out.contains(&Command::Door(Door::Exit, DoorWant::Closed)));
    lane.door_at(Door::Entry, true);
    lane.set(Input::Mantrap, false);
    assert!(lane.log.ends_with(&[Command::Door(Door::Entry, DoorWant::Closed)]));
    lane.door_at(Door::Entry, false);
    lane.send(Event::Tick);
    assert_eq!(lane.m.state(), &State::Idle);
}

#[test]
fn an_attack_refers_at_once() {
    let mut lane = Lane::new();
    lane.up_to_face();
    lane.send(Event::Face(FaceResult::Attack));
    assert_eq!(lane.referred(), vec![Referral::PresentationAttack]);
}

#[test]
fn a_second_person_on_the_beams_is_tailgating() {
    let mut lane = Lane::new();
    lane.send(Event::Mrz(Ok(())));
    lane.send(Event::Screened(Screening::Clear));
    lane.send(Event::Chip(Ok(facts())));
    lane.door_at(Door::Entry, true);
    lane.walk_in();
    // Before the door has closed, a second person walks in.
    lane.set(Input::Mantrap, false);
    lane.walk_in();
    assert_eq!(lane.referred(), vec![Referral::Tailgating]);
    assert!(matches!(lane.m.state(), State::Referred { reason: Referral::Tailgating, at: Where::Inside, .. }));
}

#[test]
fn emergency_releases_both_doors_and_holds_until_reset_with_the_input_off() {
    let mut lane = Lane::new();
    lane.up_to_face();
    let out = lane.set(Input::Emergency, true);
    assert!(out.contains(&Command::Door(Door::Entry, DoorWant::Open)));
    assert!(out.contains(&Command::Door(Door::Exit, DoorWant::Open)));
    assert_eq!(lane.referred(), vec![Referral::Emergency]);
    assert_eq!(lane.m.state(), &State::Emergency);
    // A face result arriving late changes nothing; a reset while the alarm sounds is refused.
    lane.send(Event::Face(FaceResult::Match));
    lane.send(Event::Officer(OfficerCommand::Reset));
    assert_eq!(lane.m.state(), &State::Emergency);
    lane.set(Input::Emergency, false);
    lane.at(60_000);
    assert_eq!(lane.m.state(), &State::Emergency, "held until an officer resets");
    let out = lane.send(Event::Officer(OfficerCommand::Reset));
    assert!(out.contains(&Command::ResetEmergency));
    assert_eq!(lane.m.state(), &State::Resetting);
    assert_eq!(lane.decisions(), vec![Some(Referral::Emergency)]);
}

#[test]
fn a_door_that_does_not_open_is_a_door_fault() {
    let mut lane = Lane::new();
    lane.up_to_face();
    lane.send(Event::Face(FaceResult::Match));
    lane.at(4_100);
    assert_eq!(lane.referred(), vec![Referral::DoorFault]);
    assert!(lane.log.contains(&Command::Record(Record::DoorFault { door: Door::Exit })));
    // The traveller leaves back through the entry door.
    assert!(matches!(lane.m.state(), State::Referred { at: Where::Inside, phase: Phase::Door, .. }));
}

#[test]
fn a_bag_left_behind_takes_the_lane_out_of_service_until_removed() {
    let mut lane = Lane::new();
    lane.up_to_face();
    lane.send(Event::Face(FaceResult::Match));
    lane.door_at(Door::Exit, true);
    lane.set(Input::ExitPresence, true);
    lane.at(500);
    lane.set(Input::ExitPresence, false);
    lane.at(4_000);
    assert!(lane.referred().is_empty());
    lane.at(1_100);
    assert_eq!(lane.referred(), vec![Referral::ObjectLeft]);
    assert_eq!(lane.decisions(), vec![None], "the traveller passed");
    assert_eq!(lane.m.state(), &State::OutOfService { reason: Referral::ObjectLeft });
    lane.door_at(Door::Exit, false);
    lane.set(Input::Mantrap, false);
    lane.send(Event::Tick);
    assert_eq!(lane.m.state(), &State::Idle);
}

#[test]
fn a_restart_with_someone_inside_lets_them_out_and_refers() {
    let mut m = Crossing::new(Policy::default());
    let levels =
        Levels::default().with(Input::EntryClosed, true).with(Input::ExitClosed, true).with(Input::Mantrap, true);
    let out = m.handle(Duration::ZERO, Event::Started { levels, interrupted: true });
    assert!(out.contains(&Command::Refer(Referral::Timeout)));
    assert!(out.contains(&Command::Door(Door::Entry, DoorWant::Open)));
    assert!(out.contains(&Command::Door(Door::Exit, DoorWant::Closed)));
    // Nothing before Started: the machine drives nothing.
    let mut fresh = Crossing::new(Policy::default());
    assert_eq!(fresh.handle(Duration::ZERO, Event::Tick), vec![]);
    assert_eq!(fresh.handle(Duration::ZERO, Event::Mrz(Ok(()))), vec![]);
}

#[test]
fn an_officer_can_release_the_exit_for_a_referred_traveller() {
    let mut lane = Lane::new();
    lane.up_to_face();
    lane.send(Event::Face(FaceResult::NoMatch));
    lane.send(Event::Face(FaceResult::NoMatch));
    lane.send(Event::Face(FaceResult::NoMatch));
    let out = lane.send(Event::Officer(OfficerCommand::ReleaseExit));
    assert!(out.contains(&Command::Door(Door::Exit, DoorWant::Open)));
    assert!(out.contains(&Command::Record(Record::Officer(OfficerCommand::ReleaseExit))));
    assert!(matches!(lane.m.state(), State::Exiting { .. }));
    // An officer command that does not apply is not taken, and not recorded.
    let out = lane.send(Event::Officer(OfficerCommand::ReleaseExit));
    assert!(out.is_empty());
}

/// The world the random test plays: answers to the machine's commands arrive after random delays, doors follow
/// their wishes (or jam), travellers walk in and out when let, and noise (random edges, officers, alarms) falls
/// in between.
struct World {
    rng: Rng,
    t: Duration,
    levels: Levels,
    pending: Vec<(Duration, Event)>,
}

impl World {
    fn later(&mut self, max_ms: u64, event: Event) {
        let due = self.t + Duration::from_millis(1 + self.rng.next() % max_ms);
        self.pending.push((due, event));
    }

    fn edges(&mut self, start_ms: u64, steps: &[(Input, bool)]) {
        let mut at = self.t + Duration::from_millis(start_ms);
        for &(input, level) in steps {
            at += Duration::from_millis(50 + self.rng.next() % 200);
            self.pending.push((at, Event::Input(input, level)));
        }
    }

    fn react(&mut self, command: &Command) {
        let r = self.rng.next() % 100;
        match command {
            Command::ReadChip => {
                let e = if r < 85 { Ok(facts()) } else { Err(Referral::ChipUnreadable) };
                self.later(3_000, Event::Chip(e));
            }
            Command::Screen => {
                let e = if r < 90 { Screening::Clear } else { Screening::Listed };
                self.later(500, Event::Screened(e));
            }
            Command::Capture { .. } => {
                let e = match r {
                    0..70 => FaceResult::Match,
                    70..85 => FaceResult::NoMatch,
                    85..95 => FaceResult::PoorQuality,
                    _ => FaceResult::Attack,
                };
                self.later(2_000, Event::Face(e));
            }
            Command::Door(door, want) if r >= 3 => {
                let open = *want == DoorWant::Open;
                let (off, on) = if open {
                    (door.closed_switch(), door.open_switch())
                } else {
                    (door.open_switch(), door.closed_switch())
                };
                self.edges(200, &[(off, false), (on, true)]);
            }
            _ => {}
        }
    }

    fn walk_in(&mut self, two: bool) {
        let person = [
            (Input::EntryObstruction, true),
            (Input::BeamA, true),
            (Input::BeamB, true),
            (Input::EntryObstruction, false),
            (Input::BeamA, false),
            (Input::Mantrap, true),
            (Input::BeamB, false),
        ];
        self.edges(300, &person);
        if two {
            self.edges(1_200, &person);
        }
    }

    fn walk_out(&mut self, door: Door) {
        let presence = if door == Door::Exit { Input::ExitPresence } else { Input::Approach };
        self.edges(
            300,
            &[
                (door.obstruction(), true),
                (Input::Mantrap, false),
                (door.obstruction(), false),
                (presence, true),
                (presence, false),
            ],
        );
    }

    fn noise(&mut self) -> Option<Event> {
        match self.rng.next() % 400 {
            0 => Some(Event::Officer(self.rng.pick(&[
                OfficerCommand::ReleaseExit,
                OfficerCommand::SendBack,
                OfficerCommand::Reset,
                OfficerCommand::CloseLane,
                OfficerCommand::OpenLane,
            ]))),
            1 => Some(Event::Input(Input::Emergency, true)),
            2..=5 => Some(Event::Input(Input::Emergency, false)),
            6..=9 => Some(Event::Officer(OfficerCommand::Reset)),
            10..=13 => Some(Event::Officer(OfficerCommand::OpenLane)),
            14 => {
                let input = self.rng.pick(&Input::ALL);
                Some(Event::Input(input, self.rng.next().is_multiple_of(2)))
            }
            15..=40 => {
                Some(Event::Mrz(if self.rng.next().is_multiple_of(8) { Err(Referral::MrzUnreadable) } else { Ok(()) }))
            }
            _ => None,
        }
    }
}

/// Thousands of crossings with random answers, delays, faults and noise: the machine never waits without a
/// deadline except where an officer or a person must act, never wants both doors open outside an emergency, and
/// never passes a traveller without a read chip, a clear screening and a matched face in that same crossing.
#[test]
fn properties_hold_over_random_event_sequences() {
    let mut passes = 0;
    let mut referrals = std::collections::BTreeMap::new();
    let mut states = std::collections::BTreeSet::new();
    for seed in 1..=300u64 {
        let rng = Rng::seeded(seed);
        let mut w = World { rng, t: Duration::ZERO, levels: Levels::default(), pending: Vec::new() };
        w.levels = Levels::default().with(Input::EntryClosed, true).with(Input::ExitClosed, true);
        let mut m = Crossing::new(Policy::default());
        let interrupted = w.rng.next().is_multiple_of(4);
        let mut out = m.handle(w.t, Event::Started { levels: w.levels, interrupted });
        let mut want = [DoorWant::Closed, DoorWant::Closed];
        let (mut chip_ok, mut clear, mut matched) = (false, false, false);
        for _ in 0..3_000 {
            for c in &out {
                w.react(c);
                match c {
                    Command::Door(door, wish) => want[*door as usize] = *wish,
                    Command::Record(Record::Decided { referral: None, .. }) => {
                        assert!(chip_ok && clear && matched, "seed {seed}: a pass without every check");
                        passes += 1;
                    }
                    Command::Record(Record::Decided { referral: Some(r), .. }) => {
                        *referrals.entry(r.as_str()).or_insert(0) += 1;
                    }
                    _ => {}
                }
            }
            let state = m.state().clone();
            if state != State::Emergency {
                assert!(
                    !(want[0] == DoorWant::Open && want[1] == DoorWant::Open),
                    "seed {seed}: both doors wanted open in {state:?}"
                );
            }
            let waits_on_people = matches!(
                state,
                State::Idle
                    | State::LaneClosed
                    | State::Emergency
                    | State::OutOfService { .. }
                    | State::Referred { phase: Phase::Officer, .. }
                    | State::Exiting { phase: Phase::Officer, .. }
            );
            assert!(waits_on_people || m.deadline().is_some(), "seed {seed}: {state:?} waits without a deadline");
            let before = m.state().clone();
            // The next event: the earliest due answer, or noise, or a tick.
            w.t += Duration::from_millis(10 + w.rng.next() % 300);
            w.pending.sort_by_key(|(due, _)| *due);
            let event = match w.pending.first() {
                Some((due, _)) if *due <= w.t => w.pending.remove(0).1,
                _ => w.noise().unwrap_or(Event::Tick),
            };
            if let Event::Input(input, level) = event {
                w.levels.set(input, level);
            }
            match &event {
                Event::Mrz(Ok(())) if m.state() == &State::Idle => (chip_ok, clear, matched) = (false, false, false),
                Event::Chip(Ok(_)) if matches!(m.state(), State::Checking { chip: None, .. }) => chip_ok = true,
                Event::Screened(Screening::Clear) if matches!(m.state(), State::Checking { screening: None, .. }) => {
                    clear = true;
                }
                Event::Face(FaceResult::Match) if matches!(m.state(), State::Capturing { .. }) => matched = true,
                _ => {}
            }
            out = m.handle(w.t, event);
            let state = m.state().clone();
            states.insert(state.name());
            if state != before {
                match state {
                    State::Entering { phase: Phase::Traveller } => {
                        let two = w.rng.next().is_multiple_of(10);
                        w.walk_in(two);
                    }
                    State::Exiting { phase: Phase::Traveller, .. } => w.walk_out(Door::Exit),
                    State::Referred { at: Where::Inside, phase: Phase::Traveller, .. } => w.walk_out(Door::Entry),
                    State::Referred { at: Where::Outside, .. } => {
                        w.edges(100, &[(Input::Approach, true), (Input::Approach, false)])
                    }
                    _ => {}
                }
            }
        }
    }
    eprintln!("passes {passes}, referrals {referrals:?}, states {states:?}");
    assert!(passes > 1_000, "passes {passes}");
    for reason in ["face_mismatch", "presentation_attack", "watchlist", "chip_unreadable", "tailgating", "emergency"] {
        assert!(referrals.get(reason).copied().unwrap_or(0) > 5, "{reason}: {referrals:?}");
    }
    assert!(states.len() >= 10, "{states:?}");
}
