//! The gate's doors, sensors and indicators, as named digital lines.
//!
//! Every line the controller drives is an [`Output`], every line it reads an [`Input`]; their snake_case names
//! ([`Output::name`], [`Input::name`]) are the keys of the pin map in the gate's configuration. A level here is
//! always the *logical* one (`true` = active: door driven open, lock engaged, beam broken, sensor seeing something),
//! whatever the electrical polarity of the line; the pin map says which lines are active low.

use embedded_hal::digital::{InputPin, OutputPin};

use crate::{Error, Operation};

/// One of the two doors of the mantrap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Door {
    /// The door the traveller enters by, from the hall.
    Entry,
    /// The door to the country (arrival) or to the airside (departure).
    Exit,
}

impl Door {
    /// Both doors.
    pub const ALL: [Door; 2] = [Door::Entry, Door::Exit];

    /// The door's name in logs and configuration: `entry` or `exit`.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Door::Entry => "entry",
            Door::Exit => "exit",
        }
    }

    /// The other door.
    #[must_use]
    pub fn other(self) -> Door {
        match self {
            Door::Entry => Door::Exit,
            Door::Exit => Door::Entry,
        }
    }

    /// The line that drives this door: active drives it open, inactive drives it closed.
    #[must_use]
    pub fn drive(self) -> Output {
        match self {
            Door::Entry => Output::EntryDrive,
            Door::Exit => Output::ExitDrive,
        }
    }

    /// The line of this door's lock: active holds it locked. Locks are fail-open (energised to lock), so that
    /// a power loss releases them.
    #[must_use]
    pub fn lock(self) -> Output {
        match self {
            Door::Entry => Output::EntryLock,
            Door::Exit => Output::ExitLock,
        }
    }

    /// The position switch that is active when this door is fully open.
    #[must_use]
    pub fn open_switch(self) -> Input {
        match self {
            Door::Entry => Input::EntryOpen,
            Door::Exit => Input::ExitOpen,
        }
    }

    /// The position switch that is active when this door is fully closed.
    #[must_use]
    pub fn closed_switch(self) -> Input {
        match self {
            Door::Entry => Input::EntryClosed,
            Door::Exit => Input::ExitClosed,
        }
    }

    /// The obstruction sensor in this door's swept area.
    #[must_use]
    pub fn obstruction(self) -> Input {
        match self {
            Door::Entry => Input::EntryObstruction,
            Door::Exit => Input::ExitObstruction,
        }
    }
}

/// A line the controller drives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Output {
    /// Entry door motor: active drives it open, inactive drives it closed.
    EntryDrive,
    /// Entry door lock: active holds it locked.
    EntryLock,
    /// Exit door motor: active drives it open, inactive drives it closed.
    ExitDrive,
    /// Exit door lock: active holds it locked.
    ExitLock,
    /// The green lamp (proceed).
    LampGreen,
    /// The red lamp (stop, see an officer, fault).
    LampRed,
    /// The buzzer.
    Buzzer,
}

impl Output {
    /// Every output, in a fixed order (the index of [`Output::index`]).
    pub const ALL: [Output; 7] = [
        Output::EntryDrive,
        Output::EntryLock,
        Output::ExitDrive,
        Output::ExitLock,
        Output::LampGreen,
        Output::LampRed,
        Output::Buzzer,
    ];

    /// The key in the pin map and the name in logs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Output::EntryDrive => "entry_drive",
            Output::EntryLock => "entry_lock",
            Output::ExitDrive => "exit_drive",
            Output::ExitLock => "exit_lock",
            Output::LampGreen => "lamp_green",
            Output::LampRed => "lamp_red",
            Output::Buzzer => "buzzer",
        }
    }

    /// The output named `name`, as [`Output::name`] spells it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Output> {
        Output::ALL.into_iter().find(|o| o.name() == name)
    }

    /// The position of this output in [`Output::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A line the controller reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Input {
    /// The entry door is fully open.
    EntryOpen,
    /// The entry door is fully closed.
    EntryClosed,
    /// The exit door is fully open.
    ExitOpen,
    /// The exit door is fully closed.
    ExitClosed,
    /// Something is in the entry door's swept area.
    EntryObstruction,
    /// Something is in the exit door's swept area.
    ExitObstruction,
    /// Someone stands at the document reader, before the entry door.
    Approach,
    /// Someone or something is in the mantrap.
    Mantrap,
    /// Someone is past the exit door.
    ExitPresence,
    /// The outer beam of the counting pair, just inside the entry door: broken first by someone coming in.
    BeamA,
    /// The inner beam of the counting pair, a step further in.
    BeamB,
    /// The emergency input: fire alarm or break-glass.
    Emergency,
}

impl Input {
    /// Every input, in a fixed order (the index of [`Input::index`]).
    pub const ALL: [Input; 12] = [
        Input::EntryOpen,
        Input::EntryClosed,
        Input::ExitOpen,
        Input::ExitClosed,
        Input::EntryObstruction,
        Input::ExitObstruction,
        Input::Approach,
        Input::Mantrap,
        Input::ExitPresence,
        Input::BeamA,
        Input::BeamB,
        Input::Emergency,
    ];

    /// The key in the pin map and the name in logs.
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Input::EntryOpen => "entry_open",
            Input::EntryClosed => "entry_closed",
            Input::ExitOpen => "exit_open",
            Input::ExitClosed => "exit_closed",
            Input::EntryObstruction => "entry_obstruction",
            Input::ExitObstruction => "exit_obstruction",
            Input::Approach => "approach",
            Input::Mantrap => "mantrap",
            Input::ExitPresence => "exit_presence",
            Input::BeamA => "beam_a",
            Input::BeamB => "beam_b",
            Input::Emergency => "emergency",
        }
    }

    /// The input named `name`, as [`Input::name`] spells it.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Input> {
        Input::ALL.into_iter().find(|i| i.name() == name)
    }

    /// The position of this input in [`Input::ALL`].
    #[must_use]
    pub fn index(self) -> usize {
        self as usize
    }
}

/// The logical levels of every input at one moment, one bit per [`Input`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct Levels(u16);

impl Levels {
    /// Whether `input` is active.
    #[must_use]
    pub fn get(self, input: Input) -> bool {
        self.0 & (1 << input.index()) != 0
    }

    /// Sets the level of `input`.
    pub fn set(&mut self, input: Input, active: bool) {
        if active {
            self.0 |= 1 << input.index();
        } else {
            self.0 &= !(1 << input.index());
        }
    }

    /// The same levels with `input` set to `active`.
    #[must_use]
    pub fn with(mut self, input: Input, active: bool) -> Levels {
        self.set(input, active);
        self
    }

    /// The inputs whose level differs between `self` and `other`, in [`Input::ALL`] order.
    pub fn changes(self, other: Levels) -> impl Iterator<Item = Input> {
        let diff = self.0 ^ other.0;
        Input::ALL.into_iter().filter(move |i| diff & (1 << i.index()) != 0)
    }
}

/// Where one line is wired: its offset on the GPIO chip (a BCM number on a Raspberry Pi), and its polarity.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinSpec {
    /// The line's offset.
    pub line: u32,
    /// Whether the line is active when electrically low.
    pub active_low: bool,
}

/// The wiring of every line, in [`Output::ALL`] and [`Input::ALL`] order (the gate's configuration, `[pins]`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PinMap {
    /// The outputs.
    pub outputs: [PinSpec; 7],
    /// The inputs.
    pub inputs: [PinSpec; 12],
}

#[cfg(feature = "board")]
pub mod board;

/// The gate's lines as embedded-hal pins, one per [`Output`] and [`Input`] (in their `ALL` order), with each
/// line's polarity: the board's character device, a Raspberry Pi and the simulator all come down to this.
#[derive(Debug)]
pub struct GateIo<O, I> {
    outputs: [O; 7],
    inputs: [I; 12],
    out_active_low: [bool; 7],
    in_active_low: [bool; 12],
}

impl<O: OutputPin, I: InputPin> GateIo<O, I> {
    /// The lines, in [`Output::ALL`] and [`Input::ALL`] order, with which of them are active low.
    pub fn new(outputs: [O; 7], inputs: [I; 12], out_active_low: [bool; 7], in_active_low: [bool; 12]) -> Self {
        GateIo { outputs, inputs, out_active_low, in_active_low }
    }

    /// Sets `output` to the logical level `active`.
    ///
    /// # Errors
    /// [`Error::Gpio`] naming the line when the pin refuses.
    pub fn write(&mut self, output: Output, active: bool) -> Result<(), Error> {
        let low = self.out_active_low.get(output.index()).copied().unwrap_or(false);
        let pin = self
            .outputs
            .get_mut(output.index())
            .ok_or(Error::Gpio { line: output.name(), operation: Operation::GpioWrite })?;
        let high = active != low;
        let done = if high { pin.set_high() } else { pin.set_low() };
        done.map_err(|_| Error::Gpio { line: output.name(), operation: Operation::GpioWrite })
    }

    /// Sets every output, by [`Output::index`].
    ///
    /// # Errors
    /// As [`GateIo::write`], for the first line that refuses.
    pub fn write_all(&mut self, levels: &[bool; 7]) -> Result<(), Error> {
        for output in Output::ALL {
            self.write(output, levels.get(output.index()).copied().unwrap_or(false))?;
        }
        Ok(())
    }

    /// Reads every input's logical level.
    ///
    /// # Errors
    /// [`Error::Gpio`] naming the first line that cannot be read.
    pub fn read_levels(&mut self) -> Result<Levels, Error> {
        let mut levels = Levels::default();
        for input in Input::ALL {
            let low = self.in_active_low.get(input.index()).copied().unwrap_or(false);
            let fail = Error::Gpio { line: input.name(), operation: Operation::GpioRead };
            let pin = self
                .inputs
                .get_mut(input.index())
                .ok_or(Error::Gpio { line: input.name(), operation: Operation::GpioRead })?;
            let high = pin.is_high().map_err(|_| fail)?;
            levels.set(input, high != low);
        }
        Ok(levels)
    }
}

#[cfg(test)]
mod tests {
    use super::{Door, GateIo, Input, Levels, Output};

    #[test]
    fn names_round_trip_and_indices_follow_all() {
        for (n, o) in Output::ALL.into_iter().enumerate() {
            assert_eq!(Output::from_name(o.name()), Some(o));
            assert_eq!(o.index(), n);
        }
        for (n, i) in Input::ALL.into_iter().enumerate() {
            assert_eq!(Input::from_name(i.name()), Some(i));
            assert_eq!(i.index(), n);
        }
        assert_eq!(Output::from_name("entry_door"), None);
        assert_eq!(Door::Entry.other(), Door::Exit);
        assert_eq!(Door::Exit.obstruction(), Input::ExitObstruction);
    }

    #[test]
    fn levels_track_each_input_alone() {
        let a = Levels::default().with(Input::Mantrap, true).with(Input::Emergency, true);
        assert!(a.get(Input::Mantrap) && a.get(Input::Emergency) && !a.get(Input::BeamA));
        let b = a.with(Input::Mantrap, false).with(Input::BeamA, true);
        assert_eq!(a.changes(b).collect::<Vec<_>>(), vec![Input::Mantrap, Input::BeamA]);
    }

    /// A pin of the test: a shared level.
    struct Pin(std::rc::Rc<std::cell::Cell<bool>>);

    impl embedded_hal::digital::ErrorType for Pin {
        type Error = embedded_hal::digital::ErrorKind;
    }
    impl embedded_hal::digital::OutputPin for Pin {
        fn set_low(&mut self) -> Result<(), Self::Error> {
            self.0.set(false);
            Ok(())
        }
        fn set_high(&mut self) -> Result<(), Self::Error> {
            self.0.set(true);
            Ok(())
        }
    }
    impl embedded_hal::digital::InputPin for Pin {
        fn is_high(&mut self) -> Result<bool, Self::Error> {
            Ok(self.0.get())
        }
        fn is_low(&mut self) -> Result<bool, Self::Error> {
            Ok(!self.0.get())
        }
    }

    #[test]
    fn active_low_lines_are_inverted_both_ways() {
        let cells: Vec<_> = (0..19).map(|_| std::rc::Rc::new(std::cell::Cell::new(false))).collect();
        let outputs: [Pin; 7] = std::array::from_fn(|n| Pin(cells[n].clone()));
        let inputs: [Pin; 12] = std::array::from_fn(|n| Pin(cells[7 + n].clone()));
        let mut out_low = [false; 7];
        out_low[Output::ExitLock.index()] = true;
        let mut in_low = [false; 12];
        in_low[Input::Emergency.index()] = true;
        let mut io = GateIo::new(outputs, inputs, out_low, in_low);
        io.write(Output::ExitLock, true).unwrap();
        io.write(Output::EntryLock, true).unwrap();
        assert!(!cells[Output::ExitLock.index()].get() && cells[Output::EntryLock.index()].get());
        // Every input electrically low: only the active-low emergency line reads active.
        let levels = io.read_levels().unwrap();
        assert_eq!(Input::ALL.into_iter().filter(|i| levels.get(*i)).collect::<Vec<_>>(), vec![Input::Emergency]);
        cells[7 + Input::Mantrap.index()].set(true);
        assert!(io.read_levels().unwrap().get(Input::Mantrap));
    }
}
