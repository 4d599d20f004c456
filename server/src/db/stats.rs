//! Counts for the operators' dashboard.

use super::charges::{ChargeRecord, ChargeStatus};
use super::points::PointsAccount;
use super::{decode, now_ms, Db, DbResult};
use serde::Serialize;
use std::sync::atomic::Ordering;
use storage::profile::Gender;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GenderCounts {
    #[serde(rename = "MALE")]
    pub male: u64,
    #[serde(rename = "FEMALE")]
    pub female: u64,
}

/// Today's activity (Asia/Seoul) per hour, 0 to 23, for the dashboard's charts.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct HourlyCounts {
    pub signups: [u64; 24],
    pub matches: [u64; 24],
    /// Points credited by approved charges (transfers and booth cash).
    pub points_charged: [u64; 24],
}

/// The Seoul hour of `at_ms` when it is today (from `day_start_ms`).
fn hour_of(at_ms: i64, day_start_ms: i64) -> Option<usize> {
    const HOUR_MS: i64 = 3_600_000;
    let since = at_ms.checked_sub(day_start_ms)?;
    usize::try_from(since / HOUR_MS).ok().filter(|h| *h < 24)
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct OpsStats {
    pub users: u64,
    pub users_by_gender: GenderCounts,
    pub pickable: u64,
    pub matches_total: u64,
    pub matches_today: u64,
    pub charges_pending: u64,
    pub points_outstanding: u64,
    pub today_by_hour: HourlyCounts,
}

impl Db {
    /// Scans users, matches and accounts (a few thousand rows at a festival).
    pub fn ops_stats(&self) -> DbResult<OpsStats> {
        let today = storage::seoul::start_of_day_ms(now_ms());
        let mut hourly = HourlyCounts::default();
        let (mut users, mut male, mut female, mut pickable) = (0, 0, 0, 0);
        for user in self.all_users() {
            let user = user?;
            if let Some(hour) = hour_of(user.created_at_ms, today) {
                hourly.signups[hour] += 1;
            }
            if user.withdrawn {
                continue;
            }
            users += 1;
            match user.profile.as_ref().map(|p| p.gender) {
                Some(Gender::Male) => male += 1,
                Some(Gender::Female) => female += 1,
                None => {}
            }
            pickable += u64::from(user.pickable());
        }
        let mut matches_today = 0;
        for record in self.newest_matches() {
            let Some(hour) = hour_of(record?.at_ms, today) else {
                break;
            };
            hourly.matches[hour] += 1;
            matches_today += 1;
        }
        self.charged_by_hour(today, &mut hourly.points_charged)?;
        let mut points_outstanding = 0;
        for item in self.accounts.iter() {
            let (key, bytes) = item?;
            let account: PointsAccount = decode("accounts", &key, &bytes)?;
            points_outstanding += account.balance;
        }
        Ok(OpsStats {
            users,
            users_by_gender: GenderCounts { male, female },
            pickable,
            matches_total: self.counters.matches.load(Ordering::Relaxed),
            matches_today,
            charges_pending: self.pending_charges.len() as u64,
            points_outstanding,
            today_by_hour: hourly,
        })
    }

    /// Adds today's approved charges to `hours` by the hour they were approved.
    fn charged_by_hour(&self, today: i64, hours: &mut [u64; 24]) -> DbResult<()> {
        for item in self.charges.iter() {
            let (key, bytes) = item?;
            let charge: ChargeRecord = decode("charges", &key, &bytes)?;
            let decided = charge.decided_at_ms.and_then(|at| hour_of(at, today));
            if let (ChargeStatus::Approved, Some(hour)) = (charge.status, decided) {
                hours[hour] += charge.amount;
            }
        }
        Ok(())
    }
}
