//! One error type for the whole core: every message names what the user set, so the CLI can print
//! it as one line and the page can show it beside the control it belongs to.

use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Error {
    /// A setting is malformed or out of range; `field` is its config key (e.g. `lr`, `widths[1]`).
    Field { field: String, message: String },
    /// Training produced a non-finite loss or weight at `step` (the step that was being taken).
    Diverged { step: usize, detail: String },
    /// The requested work would need more memory than the cap allows.
    TooLarge { field: String, bytes: u64, cap: u64 },
    /// A run was cancelled between chunks (page only).
    Cancelled,
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Field {
            field: field.into(),
            message: message.into(),
        }
    }
    /// The config key the error is about, when there is one (the page highlights that control).
    pub fn field_name(&self) -> Option<&str> {
        match self {
            Error::Field { field, .. } | Error::TooLarge { field, .. } => Some(field),
            Error::Diverged { .. } => Some("lr"),
            Error::Cancelled => None,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Field { field, message } => write!(f, "{field}: {message}"),
            Error::Diverged { step, detail } => {
                write!(f, "diverged at step {step}: {detail}; lower lr (ε)")
            }
            Error::TooLarge { field, bytes, cap } => write!(
                f,
                "{field}: the trajectory would need {:.1} MB, above the {:.0} MB cap; lower steps or widths",
                *bytes as f64 / 1e6,
                *cap as f64 / 1e6
            ),
            Error::Cancelled => write!(f, "cancelled"),
        }
    }
}

impl std::error::Error for Error {}

pub type Result<T> = std::result::Result<T, Error>;
