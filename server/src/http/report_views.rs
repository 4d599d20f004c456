//! JSON shapes of reports and bans, with the nicknames operators read them by.

use crate::db::bans::BanRecord;
use crate::db::reports::ReportRecord;
use crate::db::{Db, DbResult};
use crate::model::report::{ReportCategory, ReportStatus, ResolveAction};
use crate::model::time::rfc3339;
use serde::Serialize;
use storage::UserId;
use utoipa::ToSchema;

/// A user as a report names them.
#[derive(Serialize, ToSchema)]
pub struct UserRef {
    pub id: String,
    pub nickname: String,
}

impl UserRef {
    fn of(db: &Db, id: UserId) -> DbResult<Self> {
        let nickname = db.user(id)?.map(|u| u.nickname).unwrap_or_default();
        Ok(Self {
            id: id.to_string(),
            nickname,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ResolutionView {
    pub action: ResolveAction,
    pub reason: String,
    pub by: UserRef,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportView {
    pub id: String,
    pub match_id: String,
    pub reporter: UserRef,
    pub reported: UserRef,
    pub category: ReportCategory,
    pub content: String,
    /// `/api/ops/reports/{id}/image` (operators only, as a download), or null.
    pub image_url: Option<String>,
    pub at: String,
    pub status: ReportStatus,
    pub resolution: Option<ResolutionView>,
}

impl ReportView {
    pub fn new(db: &Db, report: &ReportRecord) -> DbResult<Self> {
        let resolution = match &report.resolution {
            Some(r) => Some(ResolutionView {
                action: r.action,
                reason: r.reason.clone(),
                by: UserRef::of(db, r.by)?,
                at: rfc3339(r.at_ms),
            }),
            None => None,
        };
        Ok(Self {
            id: report.id.to_string(),
            match_id: report.match_id.to_string(),
            reporter: UserRef::of(db, report.reporter)?,
            reported: UserRef::of(db, report.reported)?,
            category: report.category,
            content: report.content.clone(),
            image_url: report
                .image
                .as_ref()
                .map(|_| format!("/api/ops/reports/{}/image", report.id)),
            at: rfc3339(report.at_ms),
            status: report.status,
            resolution,
        })
    }
}

#[derive(Serialize, ToSchema)]
pub struct ReportReply {
    pub report: ReportView,
}

/// One current ban.
#[derive(Serialize, ToSchema)]
pub struct BanView {
    pub user_id: String,
    pub nickname: String,
    pub reason: String,
    /// The operator's nickname.
    pub by: String,
    pub at: String,
}

impl BanView {
    pub fn new(db: &Db, ban: &BanRecord) -> DbResult<Self> {
        Ok(Self {
            user_id: ban.user_id.to_string(),
            nickname: UserRef::of(db, ban.user_id)?.nickname,
            reason: ban.reason.clone(),
            by: UserRef::of(db, ban.by)?.nickname,
            at: rfc3339(ban.at_ms),
        })
    }
}
