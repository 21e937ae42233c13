//! The gate's safety rules, in one place: the only code that decides the levels of the door drives and locks.
//!
//! The crossing machine says where it *wants* each door ([`DoorWant`]); [`Safety::outputs`] turns those wishes
//! and the inputs of the moment into the output levels, and overrules the machine where DOMAIN.md ("Safety") says
//! so. The loop calls it on every read of the inputs, before it writes any output, so a rule takes effect within
//! one poll period (a few milliseconds):
//!
//! 1. **Emergency** (fire alarm, break-glass): both doors unlocked and driven open, the red lamp and the buzzer on,
//!    latched until an officer resets it while the input is off ([`Safety::reset_emergency`]).
//! 2. **Never close on a person or object**: a door whose obstruction sensor is active and that is not fully
//!    closed is driven open, whatever the machine wants.
//! 3. **Interlock**: outside an emergency a door is driven open only while the other door is wanted closed, is
//!    driven closed and reads fully closed; so the two doors are never open together.
//! 4. **Locks** engage only on a door that is wanted closed, driven closed and reads fully closed; the locks are
//!    fail-open, so a power loss releases them.
//! 5. **Safe start**: nothing is driven before the first read of the inputs; from then on rules 1 to 4 hold. A
//!    fresh [`Safety`] wants both doors closed, which rule 2 turns into open for an obstructed door.
//!
//! Rule 2 outranks rule 3: a person in a door's way matters more than the interlock. The machine never opens a door
//! while the other is open, so the two meet only when the hardware misbehaves.

use hal::gate::{Door, Input, Levels, Output};

use super::io::{DoorWant, Lamps};

/// The output levels of every [`Output`], indexed by [`Output::index`].
pub type Outputs = [bool; 7];

/// The safety layer between the crossing machine and the pins.
#[derive(Debug, Clone)]
pub struct Safety {
    want: [DoorWant; 2],
    lamps: Lamps,
    buzzer: bool,
    emergency: bool,
    outputs: Outputs,
}

impl Default for Safety {
    fn default() -> Self {
        Safety::new()
    }
}

fn slot(door: Door) -> usize {
    match door {
        Door::Entry => 0,
        Door::Exit => 1,
    }
}

impl Safety {
    /// A safety layer that wants both doors closed, lamps and buzzer off, no emergency.
    #[must_use]
    pub fn new() -> Self {
        Safety {
            want: [DoorWant::Closed, DoorWant::Closed],
            lamps: Lamps::Off,
            buzzer: false,
            emergency: false,
            outputs: [false; 7],
        }
    }

    /// Records where the machine wants `door`.
    pub fn want(&mut self, door: Door, want: DoorWant) {
        if let Some(w) = self.want.get_mut(slot(door)) {
            *w = want;
        }
    }

    /// Where the machine wants `door`.
    #[must_use]
    pub fn wanted(&self, door: Door) -> DoorWant {
        self.want.get(slot(door)).copied().unwrap_or(DoorWant::Closed)
    }

    /// Records the lamps the machine asks for.
    pub fn set_lamps(&mut self, lamps: Lamps) {
        self.lamps = lamps;
    }

    /// Records whether the machine asks for the buzzer.
    pub fn set_buzzer(&mut self, on: bool) {
        self.buzzer = on;
    }

    /// Whether the emergency latch is set.
    #[must_use]
    pub fn emergency(&self) -> bool {
        self.emergency
    }

    /// Clears the emergency latch when the emergency input is off in `levels`; returns whether it is clear.
    pub fn reset_emergency(&mut self, levels: Levels) -> bool {
        if !levels.get(Input::Emergency) {
            self.emergency = false;
        }
        !self.emergency
    }

    /// The output levels last computed.
    #[must_use]
    pub fn last_outputs(&self) -> Outputs {
        self.outputs
    }

    /// The output levels for the inputs `levels`, by the rules of this module; also remembered as
    /// [`Safety::last_outputs`].
    pub fn outputs(&mut self, levels: Levels) -> Outputs {
        if levels.get(Input::Emergency) {
            self.emergency = true;
        }
        let mut out = [false; 7];
        let set = |out: &mut Outputs, o: Output, v: bool| {
            if let Some(slot) = out.get_mut(o.index()) {
                *slot = v;
            }
        };
        if self.emergency {
            for door in Door::ALL {
                set(&mut out, door.drive(), true);
                set(&mut out, door.lock(), false);
            }
            set(&mut out, Output::LampRed, true);
            set(&mut out, Output::Buzzer, true);
            self.outputs = out;
            return out;
        }
        // First the doors the machine keeps closed (rule 2 may still open them), then the ones it wants open, so
        // that rule 3 sees the other door's drive as it will be written.
        let mut drive = [false; 2];
        for door in Door::ALL {
            let obstructed = levels.get(door.obstruction()) && !levels.get(door.closed_switch());
            if let Some(d) = drive.get_mut(slot(door)) {
                *d = obstructed;
            }
        }
        for door in Door::ALL {
            let other = door.other();
            let other_shut = self.wanted(other) == DoorWant::Closed
                && !drive.get(slot(other)).copied().unwrap_or(true)
                && levels.get(other.closed_switch());
            if self.wanted(door) == DoorWant::Open
                && other_shut
                && let Some(d) = drive.get_mut(slot(door))
            {
                *d = true;
            }
        }
        for door in Door::ALL {
            let open = drive.get(slot(door)).copied().unwrap_or(true);
            set(&mut out, door.drive(), open);
            let lock = !open && self.wanted(door) == DoorWant::Closed && levels.get(door.closed_switch());
            set(&mut out, door.lock(), lock);
        }
        set(&mut out, Output::LampGreen, self.lamps == Lamps::Green);
        set(&mut out, Output::LampRed, self.lamps == Lamps::Red);
        set(&mut out, Output::Buzzer, self.buzzer);
        self.outputs = out;
        out
    }
}

#[cfg(test)]
mod tests;
