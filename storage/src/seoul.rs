//! "Current year" is the year in Korea (Asia/Seoul, UTC+9, no daylight saving).

use chrono::{Datelike, FixedOffset, TimeZone, Utc};

const SEOUL_OFFSET_SECONDS: i32 = 9 * 3600;

/// The calendar year in Seoul at `unix_seconds`.
pub fn year_at(unix_seconds: i64) -> i32 {
    let seoul = FixedOffset::east_opt(SEOUL_OFFSET_SECONDS).expect("a valid fixed offset");
    seoul
        .timestamp_opt(unix_seconds, 0)
        .single()
        .map(|t| t.year())
        .unwrap_or(1970)
}

/// The calendar year in Seoul now.
pub fn current_year() -> i32 {
    year_at(Utc::now().timestamp())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_year_arrives_in_seoul_nine_hours_before_utc() {
        // 2025-12-31T15:00:00Z is 2026-01-01T00:00 in Seoul.
        assert_eq!(year_at(1_767_193_200), 2026);
        assert_eq!(year_at(1_767_193_199), 2025);
    }
}
