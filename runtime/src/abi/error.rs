use std::fmt;

/// A guest broke the ABI: a pointer out of bounds, text that is not UTF-8,
/// malformed encoded bytes, an unknown handle.
///
/// Generated glue turns it into an error value for the Go caller (status 2 in
/// `docs/abi.md`); it never panics the host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AbiError {
    message: String,
}

impl AbiError {
    /// An error with the given message.
    pub fn new(message: impl Into<String>) -> Self {
        AbiError {
            message: message.into(),
        }
    }

    /// The message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// Prefixes the message with where it happened (a parameter or field).
    pub fn context(self, what: &str) -> Self {
        AbiError {
            message: format!("{what}: {}", self.message),
        }
    }
}

impl fmt::Display for AbiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for AbiError {}
