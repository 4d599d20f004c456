//! Reports about a match partner and how operators resolved them.
//!
//! `reports` holds each report by id (ids grow with time); `open_reports` holds (match,
//! reporter) → id while a report is open, so one student has at most one open report per
//! match. Resolving with a ban bans the reported student in the same transaction.

use super::bans::{set_banned_in, BanChange};
use super::batch::Tx;
use super::ops_audit::Actor;
use super::{abort, decode, encode, now_ms, pair_key, Db, DbError, DbResult, TxResult};
use crate::model::report::{ReportCategory, ReportStatus, ResolveAction};
use serde::{Deserialize, Serialize};
use storage::UserId;

/// Reports listed at most.
pub const MAX_LISTED_REPORTS: usize = 200;

/// An image kept with a report, on disk by its content hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportImage {
    /// Hex SHA-256 of the bytes: the file's name.
    pub sha256: String,
    pub content_type: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resolution {
    pub action: ResolveAction,
    pub reason: String,
    pub by: UserId,
    pub at_ms: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportRecord {
    pub id: u64,
    pub match_id: u64,
    pub reporter: UserId,
    pub reported: UserId,
    pub category: ReportCategory,
    pub content: String,
    pub image: Option<ReportImage>,
    pub at_ms: i64,
    pub status: ReportStatus,
    pub resolution: Option<Resolution>,
}

/// A report to store, checked by the caller.
pub struct NewReport {
    pub match_id: u64,
    pub reporter: UserId,
    pub reported: UserId,
    pub category: ReportCategory,
    pub content: String,
    pub image: Option<ReportImage>,
}

/// An operator's decision on a report.
pub struct Decision {
    pub action: ResolveAction,
    pub reason: String,
    pub by: Actor,
}

fn read_in(tx: &Tx<'_>, id: u64) -> TxResult<ReportRecord> {
    let key = id.to_be_bytes();
    let bytes = tx
        .reports
        .get(key)?
        .ok_or_else(|| abort(DbError::NotFound("report")))?;
    decode("reports", &key, &bytes).map_err(abort)
}

fn resolve_in(
    tx: &Tx<'_>,
    id: u64,
    decision: &Decision,
    sessions: &[sled::IVec],
) -> TxResult<ReportRecord> {
    let mut report = read_in(tx, id)?;
    if report.status != ReportStatus::Open {
        return Err(abort(DbError::ReportResolved));
    }
    if decision.action == ResolveAction::Ban {
        let ban = BanChange {
            id: report.reported,
            banned: true,
            actor: decision.by,
            reason: Some(decision.reason.clone()),
        };
        set_banned_in(tx, &ban, sessions)?;
    }
    report.status = decision.action.status();
    report.resolution = Some(Resolution {
        action: decision.action,
        reason: decision.reason.clone(),
        by: decision.by.0,
        at_ms: now_ms(),
    });
    tx.reports.insert(&id.to_be_bytes(), encode(&report))?;
    tx.open_reports
        .remove(&pair_key(report.match_id, report.reporter.0))?;
    Ok(report)
}

impl Db {
    /// Stores a report; 409 while the reporter has an open one on the same match.
    pub async fn create_report(&self, new: NewReport) -> DbResult<ReportRecord> {
        let id = self.generate_id()?;
        let report = ReportRecord {
            id,
            match_id: new.match_id,
            reporter: new.reporter,
            reported: new.reported,
            category: new.category,
            content: new.content,
            image: new.image,
            at_ms: now_ms(),
            status: ReportStatus::Open,
            resolution: None,
        };
        self.write(move |tx| {
            let open = pair_key(report.match_id, report.reporter.0);
            if tx.open_reports.get(open)?.is_some() {
                return Err(abort(DbError::ReportOpen));
            }
            tx.open_reports.insert(&open, &report.id.to_be_bytes())?;
            tx.reports
                .insert(&report.id.to_be_bytes(), encode(&report))?;
            Ok(report.clone())
        })
        .await
    }

    /// Whether `reporter` has an open report on `match_id` (checked again when storing).
    pub fn has_open_report(&self, match_id: u64, reporter: UserId) -> DbResult<bool> {
        Ok(self
            .open_reports
            .contains_key(pair_key(match_id, reporter.0))?)
    }

    pub fn report(&self, id: u64) -> DbResult<Option<ReportRecord>> {
        let key = id.to_be_bytes();
        self.reports
            .get(key)?
            .map(|bytes| decode("reports", &key, &bytes))
            .transpose()
    }

    /// Reports in `status`: the open queue oldest first, the resolved newest first.
    pub fn reports(&self, status: ReportStatus) -> DbResult<Vec<ReportRecord>> {
        let mut found = Vec::new();
        let records = self.reports.iter();
        let records: Box<dyn Iterator<Item = _>> = match status {
            ReportStatus::Open => Box::new(records),
            _ => Box::new(records.rev()),
        };
        for item in records {
            let (key, bytes) = item?;
            let report: ReportRecord = decode("reports", &key, &bytes)?;
            if report.status == status {
                found.push(report);
                if found.len() == MAX_LISTED_REPORTS {
                    break;
                }
            }
        }
        Ok(found)
    }

    /// Resolves an open report (409 once resolved); a ban bans the reported student, ending
    /// their sessions, in the same commit.
    pub async fn resolve_report(&self, id: u64, decision: Decision) -> DbResult<ReportRecord> {
        let report = self.report(id)?.ok_or(DbError::NotFound("report"))?;
        let sessions = match decision.action {
            ResolveAction::Ban => self.session_keys_of(report.reported)?,
            ResolveAction::Dismiss => Vec::new(),
        };
        self.write(move |tx| resolve_in(tx, id, &decision, &sessions))
            .await
    }
}
