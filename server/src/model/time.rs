//! Instants as the API writes them.

use chrono::{DateTime, Utc};

/// Milliseconds since the Unix epoch as RFC 3339 in UTC, e.g. `2026-12-02T05:31:52.000Z`.
pub fn rfc3339(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .unwrap_or_default()
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
}
