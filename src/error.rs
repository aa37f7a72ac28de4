//! One error type for the library: every failure a user can cause (a bad file, a wrong shape,
//! a NaN) becomes a message that names what is wrong, never a panic.

/// Errors from reading data, checking models and scoring images.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A data file is missing, unreadable or malformed; the message names the file.
    #[error("{path}: {reason}")]
    Data { path: String, reason: String },
    /// Model bytes that do not match what the manifest or the architecture expects.
    #[error("model {name}: {reason}")]
    Model { name: String, reason: String },
    /// An input image that cannot be scored (wrong length, NaN, blank, too large).
    #[error("input: {0}")]
    Input(String),
    /// A configuration value out of its range (λ outside [0, 1], an unknown digit).
    #[error("config: {0}")]
    Config(String),
}

impl Error {
    pub fn data(path: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Data { path: path.into(), reason: reason.into() }
    }
    pub fn model(name: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Model { name: name.into(), reason: reason.into() }
    }
}

pub type Result<T> = std::result::Result<T, Error>;
