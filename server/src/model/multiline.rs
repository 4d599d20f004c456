//! Free text that may span lines (a chat message, a notice): trimmed, 1 to a limit of
//! characters, line breaks and tabs allowed and no other control character.

use storage::FieldError;

pub fn multiline_text(
    raw: &str,
    field: &'static str,
    max_chars: usize,
) -> Result<String, FieldError> {
    let text = raw.trim();
    let allowed = |c: char| !c.is_control() || c == '\n' || c == '\t';
    if text.is_empty() || text.chars().count() > max_chars || !text.chars().all(allowed) {
        let name = field.to_ascii_lowercase();
        return Err(FieldError::new(
            field,
            format!("{name} is 1 to {max_chars} characters without control characters"),
        ));
    }
    Ok(text.to_owned())
}
