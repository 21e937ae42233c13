//! The gate's lines on a Linux board, through the GPIO character device (`/dev/gpiochipN`, uAPI v2, `gpiocdev`):
//! one line request per pin, each an embedded-hal pin, gathered into a [`GateIo`] with the pin map's polarities.
//! Outputs start at their inactive level, so nothing is driven before the controller decides.

use std::path::Path;

use embedded_hal::digital::{ErrorKind, ErrorType, InputPin, OutputPin};
use gpiocdev::line::Value;

use super::{GateIo, Input, Output, PinMap};
use crate::Error;

/// One line of the GPIO chip.
#[derive(Debug)]
pub struct CdevPin {
    request: gpiocdev::Request,
    offset: u32,
}

impl ErrorType for CdevPin {
    type Error = ErrorKind;
}

impl OutputPin for CdevPin {
    fn set_low(&mut self) -> Result<(), Self::Error> {
        self.request.set_value(self.offset, Value::Inactive).map_err(|_| ErrorKind::Other)
    }

    fn set_high(&mut self) -> Result<(), Self::Error> {
        self.request.set_value(self.offset, Value::Active).map_err(|_| ErrorKind::Other)
    }
}

impl InputPin for CdevPin {
    fn is_high(&mut self) -> Result<bool, Self::Error> {
        self.request.value(self.offset).map(|v| v == Value::Active).map_err(|_| ErrorKind::Other)
    }

    fn is_low(&mut self) -> Result<bool, Self::Error> {
        self.is_high().map(|h| !h)
    }
}

/// Requests every line of `map` on the GPIO chip at `chip`.
///
/// # Errors
/// [`Error::GpioChip`] naming the chip when it does not exist (a machine without GPIO) or a line cannot be
/// requested (taken by another process, beyond the chip's lines).
pub fn open(chip: &Path, map: &PinMap) -> Result<GateIo<CdevPin, CdevPin>, Error> {
    let fail = |line: &'static str, e: &dyn std::fmt::Display| Error::GpioChip {
        chip: chip.to_path_buf(),
        detail: format!("line {line}: {e}"),
    };
    if !chip.exists() {
        return Err(Error::GpioChip { chip: chip.to_path_buf(), detail: "no such GPIO chip on this machine".into() });
    }
    let mut outputs = Vec::new();
    for (output, spec) in Output::ALL.into_iter().zip(map.outputs) {
        // Inactive at start: electrically high for an active-low line.
        let start = if spec.active_low { Value::Active } else { Value::Inactive };
        let request = gpiocdev::Request::builder()
            .on_chip(chip)
            .with_consumer("gate-daemon")
            .with_line(spec.line)
            .as_output(start)
            .request()
            .map_err(|e| fail(output.name(), &e))?;
        outputs.push(CdevPin { request, offset: spec.line });
    }
    let mut inputs = Vec::new();
    for (input, spec) in Input::ALL.into_iter().zip(map.inputs) {
        let request = gpiocdev::Request::builder()
            .on_chip(chip)
            .with_consumer("gate-daemon")
            .with_line(spec.line)
            .as_input()
            .request()
            .map_err(|e| fail(input.name(), &e))?;
        inputs.push(CdevPin { request, offset: spec.line });
    }
    let outputs: [CdevPin; 7] = outputs.try_into().map_err(|_| fail("outputs", &"not seven"))?;
    let inputs: [CdevPin; 12] = inputs.try_into().map_err(|_| fail("inputs", &"not twelve"))?;
    Ok(GateIo::new(outputs, inputs, map.outputs.map(|p| p.active_low), map.inputs.map(|p| p.active_low)))
}

#[cfg(test)]
mod tests {
    use super::open;
    use crate::gate::{PinMap, PinSpec};

    #[test]
    fn a_machine_without_the_chip_gets_a_clear_error() {
        let spec = |line| PinSpec { line, active_low: false };
        let map = PinMap {
            outputs: std::array::from_fn(|n| spec(n as u32)),
            inputs: std::array::from_fn(|n| spec(7 + n as u32)),
        };
        let chip = std::path::Path::new("/dev/gpiochip0");
        if chip.exists() {
            eprintln!("SKIPPED: this machine has {} (the test is for a machine without one)", chip.display());
            return;
        }
        let e = open(chip, &map).unwrap_err().to_string();
        assert!(e.contains("/dev/gpiochip0") && e.contains("no such GPIO chip"), "{e}");
    }
}
