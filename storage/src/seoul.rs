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

/// The Unix time in milliseconds of the midnight in Seoul that began the day of `unix_ms`.
pub fn start_of_day_ms(unix_ms: i64) -> i64 {
    let day_ms = 86_400_000;
    let offset_ms = i64::from(SEOUL_OFFSET_SECONDS) * 1_000;
    (unix_ms + offset_ms).div_euclid(day_ms) * day_ms - offset_ms
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

    #[test]
    fn a_day_in_seoul_starts_at_15_00_utc() {
        // 2026-01-01T03:00Z is noon in Seoul; that day began at 2025-12-31T15:00Z.
        assert_eq!(start_of_day_ms(1_767_236_400_000), 1_767_193_200_000);
        assert_eq!(start_of_day_ms(1_767_193_200_000), 1_767_193_200_000);
    }
}
