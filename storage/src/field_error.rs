//! The one validation error: which field is wrong and why.

/// A value that does not fit its field's rules. `field` is the API name in upper snake case
/// (`MBTI`, `BIRTH_YEAR`), so the HTTP layer can answer `INVALID_<FIELD>`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct FieldError {
    pub field: &'static str,
    pub message: String,
}

impl FieldError {
    pub fn new(field: &'static str, message: impl Into<String>) -> Self {
        Self {
            field,
            message: message.into(),
        }
    }

    /// The API error code for this field, e.g. `INVALID_MBTI`.
    pub fn code(&self) -> String {
        format!("INVALID_{}", self.field)
    }
}
