//! Field-level validation errors, collected so a client can fix every field at once.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it (`title`, `location.lat`).
    pub field: String,
    /// A stable machine-readable code (`too_long`, `required`, …).
    pub code: &'static str,
    /// A human-readable explanation.
    pub message: String,
}

impl FieldError {
    /// Builds a field error.
    pub fn new(field: impl Into<String>, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            message: message.into(),
        }
    }
}

/// Every field error found in one request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid input: {}", summary(.0))]
pub struct Invalid(pub Vec<FieldError>);

fn summary(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

impl From<FieldError> for Invalid {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

/// Collects field errors while parsing a request, so all of them are reported together.
#[derive(Debug, Default)]
pub struct Collector {
    errors: Vec<FieldError>,
}

impl Collector {
    /// Keeps the value of a successful parse, remembers the error of a failed one.
    pub fn take<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.errors.push(error);
                None
            }
        }
    }

    /// Records an error found outside a parse.
    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// `Ok` when nothing failed.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.errors))
        }
    }
}
