//! How a terminal gains access to a simulated chip (ICAO 9303-11 §4), as profiles, `chip.toml` and the command line
//! name it.

use serde::Deserialize;

/// How the terminal gains access to the chip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
pub enum Access {
    /// Basic Access Control only.
    #[default]
    #[serde(rename = "bac")]
    Bac,
    /// PACE only (Generic or Integrated Mapping).
    #[serde(rename = "pace")]
    Pace,
    /// PACE with Chip Authentication Mapping only.
    #[serde(rename = "pace-cam")]
    PaceCam,
    /// PACE, and BAC for terminals that do not know PACE.
    #[serde(rename = "pace+bac")]
    PaceBac,
}

impl Access {
    /// The name as `chip.toml` and the command line spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Bac => "bac",
            Access::Pace => "pace",
            Access::PaceCam => "pace-cam",
            Access::PaceBac => "pace+bac",
        }
    }

    /// True when the chip answers BAC.
    pub fn allows_bac(self) -> bool {
        matches!(self, Access::Bac | Access::PaceBac)
    }

    /// True when the chip offers PACE (and so must hold EF.CardAccess).
    pub fn offers_pace(self) -> bool {
        !matches!(self, Access::Bac)
    }

    /// Parses the name as the command line spells it.
    pub fn from_name(name: &str) -> Option<Access> {
        [Access::Bac, Access::Pace, Access::PaceCam, Access::PaceBac].into_iter().find(|a| a.as_str() == name)
    }
}
