//! The gate model driven by a scripted controller: a normal crossing, a closing door meeting a body, a jam, a
//! follower, a stuck sensor.

use std::time::Duration;

use hal::gate::{Door, Input, Output};

use super::{Behaviour, GateModel, Phase};

const STEP: Duration = Duration::from_millis(10);

fn drive(m: &mut GateModel, door: Door, open: bool) {
    let mut o = m.outputs();
    o[door.drive().index()] = open;
    o[door.lock().index()] = false;
    m.set_outputs(o);
}

/// Runs until `done` or 30 simulated seconds; returns whether `done` came.
fn run_until(m: &mut GateModel, mut done: impl FnMut(&GateModel) -> bool) -> bool {
    for _ in 0..3000 {
        if done(m) {
            return true;
        }
        m.advance(STEP);
    }
    false
}

#[test]
fn a_normal_crossing_breaks_the_beams_in_order_and_leaves_by_the_exit() {
    let mut m = GateModel::default();
    let t = m.add_traveller(Behaviour::Normal);
    assert!(run_until(&mut m, |m| m.phase(t) == Some(Phase::AtReader)));
    assert!(m.levels().get(Input::Approach));
    drive(&mut m, Door::Entry, true);
    // Record the beam pattern while the traveller walks in.
    let mut pattern: Vec<(bool, bool)> = Vec::new();
    assert!(run_until(&mut m, |m| {
        let l = m.levels();
        let ab = (l.get(Input::BeamA), l.get(Input::BeamB));
        if pattern.last() != Some(&ab) {
            pattern.push(ab);
        }
        m.phase(t) == Some(Phase::InMantrap)
    }));
    assert_eq!(pattern, vec![(false, false), (true, false), (true, true), (false, true), (false, false)]);
    assert!(m.levels().get(Input::Mantrap) && m.levels().get(Input::EntryOpen));
    drive(&mut m, Door::Entry, false);
    assert!(run_until(&mut m, |m| m.levels().get(Input::EntryClosed)));
    assert_eq!(m.phase(t), Some(Phase::InMantrap), "the traveller waits for the exit");
    drive(&mut m, Door::Exit, true);
    assert!(run_until(&mut m, |m| m.levels().get(Input::ExitPresence)));
    assert!(run_until(&mut m, |m| m.phase(t) == Some(Phase::Gone(Some(Door::Exit)))));
    assert!(!m.levels().get(Input::Mantrap));
    drive(&mut m, Door::Exit, false);
    assert!(run_until(&mut m, |m| m.levels().get(Input::ExitClosed)));
    assert_eq!(m.collisions(), 0);
    // Door travel 1.2 s and walking at 1.2 m/s: the whole crossing took simulated seconds, not minutes.
    assert!(m.now() < Duration::from_secs(15), "{:?}", m.now());
}

#[test]
fn a_door_closing_on_a_body_stops_and_counts_a_collision() {
    let mut m = GateModel::default();
    let t = m.add_traveller(Behaviour::Slow);
    assert!(run_until(&mut m, |m| m.phase(t) == Some(Phase::AtReader)));
    drive(&mut m, Door::Entry, true);
    assert!(run_until(&mut m, |m| m.levels().get(Input::EntryObstruction)));
    drive(&mut m, Door::Entry, false);
    m.advance(STEP);
    m.advance(STEP);
    assert!(m.collisions() >= 1);
    assert!(m.door_position(Door::Entry) > 0.9, "stopped against the body");
}

#[test]
fn a_jammed_door_keeps_its_switches_and_a_locked_door_does_not_move() {
    let mut m = GateModel::default();
    m.jam(Door::Exit, true);
    drive(&mut m, Door::Exit, true);
    for _ in 0..300 {
        m.advance(STEP);
    }
    assert!(m.levels().get(Input::ExitClosed) && !m.levels().get(Input::ExitOpen));
    let mut o = m.outputs();
    o[Output::EntryDrive.index()] = true;
    o[Output::EntryLock.index()] = true;
    m.set_outputs(o);
    m.advance(Duration::from_secs(2));
    assert_eq!(m.door_position(Door::Entry), 0.0);
}

#[test]
fn a_follower_breaks_the_beams_a_second_time_and_a_bag_keeps_the_mantrap_occupied() {
    let mut m = GateModel::default();
    let t = m.add_traveller(Behaviour::Normal);
    let f = m.add_follower(t, 0.6);
    assert!(run_until(&mut m, |m| m.phase(t) == Some(Phase::AtReader)));
    drive(&mut m, Door::Entry, true);
    let mut rises = 0;
    let mut a = false;
    assert!(run_until(&mut m, |m| {
        let now = m.levels().get(Input::BeamA);
        if now && !a {
            rises += 1;
        }
        a = now;
        m.phase(f) == Some(Phase::Entering) && m.levels().get(Input::Mantrap) && !now && rises == 2
    }));
    assert_eq!(rises, 2);
    m.drop_object(t);
    m.stick(Input::Approach, Some(true));
    assert!(m.levels().get(Input::Approach));
    m.stick(Input::Approach, None);
}
