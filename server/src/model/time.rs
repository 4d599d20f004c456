//! Instants as the API writes them.

use chrono::{DateTime, Utc};

/// Milliseconds since the Unix epoch as RFC 3339 in UTC, e.g. `2026-12-02T05:31:52.000Z`.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}

/// An instant the client sent: RFC 3339 with any offset; a bad one is 422 `INVALID_<FIELD>`.
pub fn parse_rfc3339(raw: &str, field: &'static str) -> Result<i64, storage::FieldError> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.timestamp_millis())
        .map_err(|_| {
            let name = field.to_ascii_lowercase();
            storage::FieldError::new(field, format!("{name} must be an RFC 3339 time"))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_round_trip_from_any_offset() {
        let ms = parse_rfc3339("2026-12-03T18:00:00+09:00", "STARTS_AT").unwrap();
        assert_eq!(rfc3339(ms), "2026-12-03T09:00:00.000Z");
        for bad in ["", "2026-12-03", "tomorrow", "2026-12-03T18:00:00"] {
            assert_eq!(
                parse_rfc3339(bad, "STARTS_AT").unwrap_err().code(),
                "INVALID_STARTS_AT"
            );
        }
    }
}
