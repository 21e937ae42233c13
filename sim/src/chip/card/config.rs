//! How the chip is configured: the access control it offers, its buffer, how it answers a read that does not fit,
//! and the faults in force.

use super::super::fault::Faults;
use super::super::passport_dir::Access;

/// The largest response data field vpcd can carry: its frames have a two-byte length and hold the status word too.
pub const MAX_RESPONSE_LIMIT: usize = 65533;
/// The smallest response buffer accepted: a protected response needs 14 bytes of status and MAC around its data.
pub const MIN_RESPONSE_LIMIT: usize = 64;
/// The response buffer when none is configured.
pub const DEFAULT_MAX_RESPONSE: usize = 4096;

/// What the chip answers when a READ BINARY asks for more than fits in one response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LeOverflow {
    /// `6700` (wrong length), the most common answer.
    #[default]
    WrongLength,
    /// `6Cxx` with the `Le` that would fit, when it fits in a byte; `6700` otherwise.
    ExactLe,
    /// As many bytes as fit, with `9000`.
    FewerBytes,
}

impl LeOverflow {
    /// The name as the command line spells it.
    pub fn as_str(self) -> &'static str {
        match self {
            LeOverflow::WrongLength => "wrong-length",
            LeOverflow::ExactLe => "exact-le",
            LeOverflow::FewerBytes => "fewer-bytes",
        }
    }

    /// Parses the name as the command line spells it.
    pub fn from_name(name: &str) -> Option<LeOverflow> {
        [LeOverflow::WrongLength, LeOverflow::ExactLe, LeOverflow::FewerBytes].into_iter().find(|m| m.as_str() == name)
    }
}

/// How the chip behaves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardConfig {
    /// The access control the chip offers.
    pub access: Access,
    /// Whether the chip takes extended-length APDUs.
    pub extended_length: bool,
    /// The largest response data field the chip returns, secure messaging included; also the largest command data
    /// field it takes. Between [`MIN_RESPONSE_LIMIT`] and [`MAX_RESPONSE_LIMIT`].
    pub max_response: usize,
    /// What happens when a read asks for more than fits.
    pub le_overflow: LeOverflow,
    /// Faults in force.
    pub faults: Faults,
}

impl Default for CardConfig {
    fn default() -> Self {
        Self {
            access: Access::Bac,
            extended_length: true,
            max_response: DEFAULT_MAX_RESPONSE,
            le_overflow: LeOverflow::WrongLength,
            faults: Faults::default(),
        }
    }
}

/// The source of the chip's random numbers (RND.IC, K.IC); `false` when it failed.
pub type Random = Box<dyn FnMut(&mut [u8]) -> bool + Send>;

pub(super) fn system_random() -> Random {
    Box::new(|buf| getrandom::fill(buf).is_ok())
}
