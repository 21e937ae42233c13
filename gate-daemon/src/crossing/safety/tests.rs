//! The safety rules as properties: random wishes, sensors and emergencies against a model of two doors, checked on
//! every evaluation.

use hal::gate::{Door, Input, Levels, Output};

use super::{Outputs, Safety};
use crate::crossing::io::DoorWant;
use crate::crossing::testing::Rng;

/// Two doors that travel in 10 steps, with a position switch at each end, and jams.
struct Doors {
    position: [i32; 2],
    jammed: [bool; 2],
}

const TRAVEL: i32 = 10;

impl Doors {
    fn step(&mut self, out: &Outputs) {
        for (n, door) in Door::ALL.into_iter().enumerate() {
            if self.jammed[n] {
                continue;
            }
            let drive = out[door.drive().index()];
            let locked = out[door.lock().index()];
            if locked {
                continue;
            }
            self.position[n] = (self.position[n] + if drive { 1 } else { -1 }).clamp(0, TRAVEL);
        }
    }
    fn levels(&self, mut levels: Levels) -> Levels {
        for (n, door) in Door::ALL.into_iter().enumerate() {
            levels.set(door.closed_switch(), self.position[n] == 0);
            levels.set(door.open_switch(), self.position[n] == TRAVEL);
        }
        levels
    }
}

fn on(out: &Outputs, o: Output) -> bool {
    out[o.index()]
}

#[test]
fn safety_rules_hold_under_random_wishes_sensors_and_emergencies() {
    let mut evaluations = 0u64;
    let mut obstruction_holds = 0u64;
    let mut opened = [0u64; 2];
    for seed in 1..=300u64 {
        let mut rng = Rng::seeded(seed);
        let mut safety = Safety::new();
        let mut doors = Doors { position: [0, 0], jammed: [false, false] };
        let mut inputs = Levels::default();
        // Whether both doors have been closed since the last emergency: only then must they never be open
        // together (after an emergency people may still stand in both doorways).
        let mut settled = true;
        let mut in_emergency = false;
        for _ in 0..3000 {
            // The world moves.
            for door in Door::ALL {
                if rng.chance(6) {
                    safety.want(door, if rng.chance(2) { DoorWant::Open } else { DoorWant::Closed });
                }
                if rng.chance(8) {
                    let now = inputs.get(door.obstruction());
                    inputs.set(door.obstruction(), !now);
                }
            }
            if rng.chance(400) {
                inputs.set(Input::Emergency, true);
            }
            if inputs.get(Input::Emergency) && rng.chance(40) {
                inputs.set(Input::Emergency, false);
            }
            if rng.chance(60) {
                let reset = safety.reset_emergency(doors.levels(inputs));
                assert_eq!(reset, !inputs.get(Input::Emergency) || !safety.emergency());
                if reset {
                    in_emergency = false;
                }
            }
            if rng.chance(500) {
                doors.jammed[(rng.next() % 2) as usize] ^= true;
            }
            let levels = doors.levels(inputs);
            let out = safety.outputs(levels);
            evaluations += 1;

            if levels.get(Input::Emergency) {
                in_emergency = true;
            }
            // Rule 1: an active input releases both doors at once, and the latch holds them until reset.
            if levels.get(Input::Emergency) || in_emergency {
                assert!(safety.emergency(), "seed {seed}: emergency not latched");
            }
            if safety.emergency() {
                for door in Door::ALL {
                    assert!(on(&out, door.drive()) && !on(&out, door.lock()), "seed {seed}: {door:?} not released");
                }
                assert!(on(&out, Output::Buzzer) && on(&out, Output::LampRed));
                settled = false;
            }
            for door in Door::ALL {
                let closed = levels.get(door.closed_switch());
                let obstructed = levels.get(door.obstruction());
                // Rule 2: never driven closed onto an obstruction.
                if obstructed && !closed {
                    assert!(on(&out, door.drive()), "seed {seed}: {door:?} driven closed while obstructed");
                    obstruction_holds += 1;
                }
                // Rule 4: a lock engages only on a closed door that stays closed.
                if on(&out, door.lock()) {
                    assert!(closed && !on(&out, door.drive()), "seed {seed}: {door:?} locked while not shut");
                }
                // Rule 3: outside an emergency, a door opened by wish has the other shut and driven shut.
                let held_by_obstruction = obstructed && !closed;
                if !safety.emergency() && on(&out, door.drive()) && !held_by_obstruction {
                    let other = door.other();
                    assert!(
                        levels.get(other.closed_switch()) && !on(&out, other.drive()),
                        "seed {seed}: {door:?} driven open while {other:?} is not shut"
                    );
                    opened[door as usize] += 1;
                }
            }
            doors.step(&out);
            if doors.position == [0, 0] {
                settled = true;
            }
            // The doors themselves: never both open in normal operation.
            if settled && !safety.emergency() && !doors.jammed.iter().any(|j| *j) {
                assert!(
                    doors.position[0] == 0 || doors.position[1] == 0,
                    "seed {seed}: both doors open {:?}",
                    doors.position
                );
            }
        }
    }
    // The runs reached every rule: the properties were exercised, not vacuous.
    assert!(evaluations == 900_000 && obstruction_holds > 1000 && opened[0] > 1000 && opened[1] > 1000);
}

#[test]
fn nothing_is_driven_open_at_start_unless_something_is_in_a_doorway() {
    let mut safety = Safety::new();
    let closed = Levels::default().with(Input::EntryClosed, true).with(Input::ExitClosed, true);
    let out = safety.outputs(closed);
    assert_eq!(out, [false, true, false, true, false, false, false], "both doors shut and locked");
    // Restarted mid-crossing with the entry door half open and someone in it: it is held open, unlocked.
    let mut safety = Safety::new();
    let out = safety.outputs(Levels::default().with(Input::ExitClosed, true).with(Input::EntryObstruction, true));
    assert!(out[Output::EntryDrive.index()] && !out[Output::EntryLock.index()]);
    assert!(!out[Output::ExitDrive.index()]);
}

#[test]
fn the_emergency_latch_needs_the_input_off_to_clear() {
    let mut safety = Safety::new();
    let alarm = Levels::default().with(Input::Emergency, true);
    safety.outputs(alarm);
    assert!(!safety.reset_emergency(alarm), "reset refused while the alarm is on");
    let quiet = Levels::default().with(Input::EntryClosed, true).with(Input::ExitClosed, true);
    let out = safety.outputs(quiet);
    assert!(out[Output::EntryDrive.index()] && out[Output::ExitDrive.index()], "still released after the alarm");
    assert!(safety.reset_emergency(quiet));
    let out = safety.outputs(quiet);
    assert!(!out[Output::EntryDrive.index()] && !out[Output::ExitDrive.index()]);
}
