//! The simulated gate's physical side: two doors with travel times, the sensors, and travellers walking through,
//! in one dimension and without a clock of its own (time passes only by [`GateModel::advance`]), so that runs
//! repeat exactly.
//!
//! The lane, in metres along the walking direction:
//!
//! ```text
//!  approach      entry door    beams A, B        mantrap           exit door     exit presence
//!  [-1.0, 0.3)   0.5 (±0.2)    0.8  1.0     [0.7, 2.3]           2.5 (±0.2)    [2.7, 3.5]
//! ```
//!
//! A person is a body 0.3 m deep (0.2 m for a child); a sensor sees whatever body overlaps its zone, a beam
//! whatever body covers its point. A body 0.3 m deep walking in breaks A, then A and B together, then B alone: one
//! passage for the controller's counter. A door is open to walkers from 80 % of its travel; a door that closes
//! onto a body stops against it, and the model counts the collision (the controller must never cause one).

use std::time::Duration;

use hal::gate::{Door, Input, Levels, Output};

/// Where the traveller stands to use the document reader.
const READER_X: f64 = 0.0;
const ENTRY_PLANE: f64 = 0.5;
const EXIT_PLANE: f64 = 2.5;
const DOOR_HALF_ZONE: f64 = 0.2;
const BEAM_A: f64 = 0.8;
const BEAM_B: f64 = 1.0;
const MANTRAP: (f64, f64) = (0.7, 2.3);
const APPROACH: (f64, f64) = (-1.0, 0.3);
const EXIT_PRESENCE: (f64, f64) = (2.7, 3.5);
/// Where a traveller waits in the mantrap, in front of the camera.
const CAMERA_X: f64 = 1.6;
const START_X: f64 = -2.5;
const GONE_BACK_X: f64 = -2.5;
const GONE_OUT_X: f64 = 4.2;
/// From this much of its travel a door lets people through.
const PASSABLE: f64 = 0.8;

/// How a simulated person behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Behaviour {
    /// Walks at 1.2 m/s and does what the gate says.
    Normal,
    /// Walks at 0.5 m/s.
    Slow,
    /// Steps onto the beams inside the entry door, then turns and walks back out.
    TurnsBack,
    /// A child: a smaller body.
    Child,
}

/// Where a traveller is in the crossing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Walking up to the document reader.
    Approaching,
    /// Has laid the passport on the reader and waits for the entry door.
    AtReader,
    /// Took the passport and walks into the mantrap.
    Entering,
    /// Stands in the mantrap, in front of the camera.
    InMantrap,
    /// Walks out by this door (or away from the reader when `None`).
    Leaving(Option<Door>),
    /// Has left by this door (or never came in).
    Gone(Option<Door>),
}

/// A traveller's handle.
pub type TravellerId = usize;

#[derive(Debug, Clone)]
struct Person {
    x: f64,
    depth: f64,
    speed: f64,
    behaviour: Behaviour,
    phase: Phase,
    /// Follows this traveller at this distance (centre to centre, metres), without a passport of their own.
    follows: Option<(TravellerId, f64)>,
    /// Time spent in the mantrap.
    inside: Duration,
}

#[derive(Debug, Clone, Copy)]
struct DoorModel {
    position: f64,
    travel: Duration,
    jammed: bool,
}

/// The model of one gate; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct GateModel {
    doors: [DoorModel; 2],
    outputs: [bool; 7],
    people: Vec<Person>,
    /// Objects left lying, by position.
    objects: Vec<f64>,
    emergency: bool,
    stuck: Vec<(Input, bool)>,
    collisions: u32,
    now: Duration,
}

impl Default for GateModel {
    fn default() -> Self {
        GateModel::new(Duration::from_millis(1200))
    }
}

fn slot(door: Door) -> usize {
    match door {
        Door::Entry => 0,
        Door::Exit => 1,
    }
}

fn plane(door: Door) -> f64 {
    match door {
        Door::Entry => ENTRY_PLANE,
        Door::Exit => EXIT_PLANE,
    }
}

impl GateModel {
    /// A gate with both doors closed whose doors take `travel` from closed to open.
    #[must_use]
    pub fn new(travel: Duration) -> Self {
        let door = DoorModel { position: 0.0, travel, jammed: false };
        GateModel {
            doors: [door, door],
            outputs: [false; 7],
            people: Vec::new(),
            objects: Vec::new(),
            emergency: false,
            stuck: Vec::new(),
            collisions: 0,
            now: Duration::ZERO,
        }
    }

    /// Time since the model began.
    #[must_use]
    pub fn now(&self) -> Duration {
        self.now
    }

    /// Sets the controller's outputs, by [`Output::index`].
    pub fn set_outputs(&mut self, outputs: [bool; 7]) {
        self.outputs = outputs;
    }

    /// The controller's last outputs.
    #[must_use]
    pub fn outputs(&self) -> [bool; 7] {
        self.outputs
    }

    fn output(&self, o: Output) -> bool {
        self.outputs.get(o.index()).copied().unwrap_or(false)
    }

    /// How far `door` is open, 0 to 1.
    #[must_use]
    pub fn door_position(&self, door: Door) -> f64 {
        self.doors.get(slot(door)).map_or(0.0, |d| d.position)
    }

    /// Jams a door (it stops where it is) or frees it.
    pub fn jam(&mut self, door: Door, jammed: bool) {
        if let Some(d) = self.doors.get_mut(slot(door)) {
            d.jammed = jammed;
        }
    }

    /// Holds an input at a level whatever happens (a sensor stuck), or frees it with `None`.
    pub fn stick(&mut self, input: Input, level: Option<bool>) {
        self.stuck.retain(|(i, _)| *i != input);
        if let Some(level) = level {
            self.stuck.push((input, level));
        }
    }

    /// Sets the emergency input (fire alarm, break-glass).
    pub fn set_emergency(&mut self, active: bool) {
        self.emergency = active;
    }

    /// Times a door closed onto a body or object.
    #[must_use]
    pub fn collisions(&self) -> u32 {
        self.collisions
    }

    /// Adds a traveller who walks up to the reader.
    pub fn add_traveller(&mut self, behaviour: Behaviour) -> TravellerId {
        let (depth, speed) = match behaviour {
            Behaviour::Slow => (0.3, 0.5),
            Behaviour::Child => (0.2, 1.2),
            Behaviour::Normal | Behaviour::TurnsBack => (0.3, 1.2),
        };
        self.people.push(Person {
            x: START_X,
            depth,
            speed,
            behaviour,
            phase: Phase::Approaching,
            follows: None,
            inside: Duration::ZERO,
        });
        self.people.len() - 1
    }

    /// Adds a person who walks `gap` metres (centre to centre) behind `leader` through whatever door the leader
    /// takes: 0.6 is a tailgater close behind, 0.45 two people pressed together.
    pub fn add_follower(&mut self, leader: TravellerId, gap: f64) -> TravellerId {
        let x = self.people.get(leader).map_or(START_X, |p| p.x) - gap;
        self.people.push(Person {
            x,
            depth: 0.3,
            speed: 1.2,
            behaviour: Behaviour::Normal,
            phase: Phase::Approaching,
            follows: Some((leader, gap)),
            inside: Duration::ZERO,
        });
        self.people.len() - 1
    }

    /// Drops an object where `traveller` stands (a bag left behind).
    pub fn drop_object(&mut self, traveller: TravellerId) {
        if let Some(p) = self.people.get(traveller) {
            self.objects.push(p.x);
        }
    }

    /// Takes every object away (an officer cleared the lane).
    pub fn clear_objects(&mut self) {
        self.objects.clear();
    }

    /// Sends a traveller waiting at the reader away (referred before the entry door opened).
    pub fn send_away(&mut self, traveller: TravellerId) {
        if let Some(p) = self.people.get_mut(traveller)
            && matches!(p.phase, Phase::Approaching | Phase::AtReader)
        {
            p.phase = Phase::Leaving(None);
        }
    }

    /// A traveller's phase.
    #[must_use]
    pub fn phase(&self, traveller: TravellerId) -> Option<Phase> {
        self.people.get(traveller).map(|p| p.phase)
    }

    /// The logical level of every input.
    #[must_use]
    pub fn levels(&self) -> Levels {
        let covers = |a: f64, b: f64| {
            self.people
                .iter()
                .filter(|p| !matches!(p.phase, Phase::Gone(_)))
                .any(|p| p.x + p.depth / 2.0 > a && p.x - p.depth / 2.0 < b)
                || self.objects.iter().any(|x| *x + 0.1 > a && *x - 0.1 < b)
        };
        let mut l = Levels::default();
        for door in Door::ALL {
            let pos = self.door_position(door);
            l.set(door.open_switch(), pos >= 0.98);
            l.set(door.closed_switch(), pos <= 0.02);
            l.set(door.obstruction(), covers(plane(door) - DOOR_HALF_ZONE, plane(door) + DOOR_HALF_ZONE));
        }
        l.set(Input::Approach, covers(APPROACH.0, APPROACH.1));
        l.set(Input::Mantrap, covers(MANTRAP.0, MANTRAP.1));
        l.set(Input::ExitPresence, covers(EXIT_PRESENCE.0, EXIT_PRESENCE.1));
        l.set(Input::BeamA, covers(BEAM_A, BEAM_A));
        l.set(Input::BeamB, covers(BEAM_B, BEAM_B));
        l.set(Input::Emergency, self.emergency);
        for (input, level) in &self.stuck {
            l.set(*input, *level);
        }
        l
    }

    /// Lets `dt` pass: doors travel, people walk.
    pub fn advance(&mut self, dt: Duration) {
        self.now += dt;
        let levels = self.levels();
        for door in Door::ALL {
            let open = self.output(door.drive());
            let locked = self.output(door.lock());
            let blocked = levels.get(door.obstruction());
            let Some(d) = self.doors.get_mut(slot(door)) else { continue };
            if d.jammed || locked {
                continue;
            }
            let step = dt.as_secs_f64() / d.travel.as_secs_f64().max(0.01);
            if open {
                d.position = (d.position + step).min(1.0);
            } else if d.position > 0.0 {
                if blocked {
                    // The door meets the body and stops against it.
                    self.collisions += 1;
                } else {
                    d.position = (d.position - step).max(0.0);
                }
            }
        }
        let entry_open = self.door_position(Door::Entry) >= PASSABLE;
        let exit_open = self.door_position(Door::Exit) >= PASSABLE;
        let leaders: Vec<(f64, Phase)> = self.people.iter().map(|p| (p.x, p.phase)).collect();
        for p in &mut self.people {
            let gap = p.follows.map_or(0.5, |(_, g)| g);
            let leader = p.follows.and_then(|(l, _)| leaders.get(l).copied());
            p.phase = next_phase(p, leader, entry_open, exit_open);
            let target = match p.phase {
                Phase::Approaching => leader.map_or(READER_X, |(x, _)| x - gap),
                Phase::AtReader => READER_X,
                Phase::Entering | Phase::InMantrap => leader.map_or(CAMERA_X, |(x, _)| x - gap).max(MANTRAP.0 + 0.3),
                Phase::Leaving(Some(Door::Exit)) => GONE_OUT_X,
                Phase::Leaving(_) => GONE_BACK_X,
                Phase::Gone(_) => p.x,
            };
            if matches!(p.phase, Phase::InMantrap) {
                p.inside += dt;
            }
            let step = p.speed * dt.as_secs_f64();
            let mut x = if target > p.x { (p.x + step).min(target) } else { (p.x - step).max(target) };
            // A closed door stops a body at its plane.
            for (door_x, open) in [(ENTRY_PLANE, entry_open), (EXIT_PLANE, exit_open)] {
                let half = p.depth / 2.0 + 0.05;
                if !open && p.x + half <= door_x + 1e-9 && x + half > door_x {
                    x = door_x - half;
                }
                if !open && p.x - half >= door_x - 1e-9 && x - half < door_x {
                    x = door_x + half;
                }
            }
            p.x = x;
            if let Phase::Leaving(by) = p.phase
                && ((by == Some(Door::Exit) && p.x >= GONE_OUT_X - 1e-9)
                    || (by != Some(Door::Exit) && p.x <= GONE_BACK_X + 1e-9))
            {
                p.phase = Phase::Gone(by);
            }
        }
    }
}

fn next_phase(p: &Person, leader: Option<(f64, Phase)>, entry_open: bool, exit_open: bool) -> Phase {
    if let Some((_, leader_phase)) = leader {
        // A follower goes wherever the leader goes, as soon as a door lets them.
        return match (leader_phase, p.phase) {
            (_, Phase::Gone(by)) => Phase::Gone(by),
            (Phase::Leaving(by) | Phase::Gone(by), _) if p.x > ENTRY_PLANE || by.is_none() => {
                Phase::Leaving(if p.x > ENTRY_PLANE { by } else { None })
            }
            (Phase::Entering | Phase::InMantrap, _) if entry_open || p.x > ENTRY_PLANE => Phase::Entering,
            (_, phase) => phase,
        };
    }
    match p.phase {
        Phase::Approaching if (p.x - READER_X).abs() < 1e-6 => Phase::AtReader,
        Phase::AtReader if entry_open => Phase::Entering,
        // Turns on the beams, before the door behind has closed, and walks back out.
        Phase::Entering if p.behaviour == Behaviour::TurnsBack && p.x >= BEAM_B => Phase::Leaving(Some(Door::Entry)),
        Phase::Entering if (p.x - CAMERA_X).abs() < 1e-6 => Phase::InMantrap,
        Phase::Entering | Phase::InMantrap if exit_open => Phase::Leaving(Some(Door::Exit)),
        Phase::InMantrap if entry_open && p.inside >= Duration::from_secs(2) => Phase::Leaving(Some(Door::Entry)),
        Phase::Leaving(Some(Door::Entry)) if !entry_open && p.x > ENTRY_PLANE => Phase::Leaving(Some(Door::Entry)),
        phase => phase,
    }
}

#[cfg(test)]
mod tests;
