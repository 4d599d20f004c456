//! Notices: everyone reads the current ones; admins write, schedule and remove them.

use crate::db::notices::{NoticeDraft, NoticeRecord};
use crate::db::now_ms;
use crate::http::auth::Admin;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{path_id, ApiJson};
use crate::http::state::AppState;
use crate::model::multiline::multiline_text;
use crate::model::time::{parse_rfc3339, rfc3339};
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::Json;
use serde::{Deserialize, Serialize};
use storage::profile::clean_text;
use storage::FieldError;
use utoipa::ToSchema;

/// How long browsers and proxies may reuse the public list.
const PUBLIC_MAX_AGE: &str = "public, max-age=10";

#[derive(Serialize, ToSchema)]
pub struct NoticeView {
    id: String,
    title: String,
    content: String,
    posted_at: String,
    closed_at: Option<String>,
}

impl NoticeView {
    fn new(notice: &NoticeRecord) -> Self {
        Self {
            id: notice.id.to_string(),
            title: notice.title.clone(),
            content: notice.content.clone(),
            posted_at: rfc3339(notice.posted_at_ms),
            closed_at: notice.closed_at_ms.map(rfc3339),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct NoticeReply {
    notice: NoticeView,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeBody {
    /// 1 to 60 characters.
    title: String,
    /// 1 to 2,000 characters; line breaks kept.
    content: String,
    /// When it starts to show (RFC 3339); now when absent.
    posted_at: Option<String>,
    /// When it stops showing; shown until removed when absent.
    closed_at: Option<String>,
}

impl NoticeBody {
    fn parse(self) -> Result<NoticeDraft, FieldError> {
        let posted_at_ms = match &self.posted_at {
            Some(raw) => parse_rfc3339(raw, "POSTED_AT")?,
            None => now_ms(),
        };
        let closed_at_ms = match &self.closed_at {
            Some(raw) => Some(parse_rfc3339(raw, "CLOSED_AT")?),
            None => None,
        };
        if closed_at_ms.is_some_and(|closed| closed <= posted_at_ms) {
            return Err(FieldError::new(
                "CLOSED_AT",
                "closed_at must be after posted_at",
            ));
        }
        Ok(NoticeDraft {
            title: clean_text(&self.title, "TITLE", 1, 60)?,
            content: multiline_text(&self.content, "CONTENT", 2_000)?,
            posted_at_ms,
            closed_at_ms,
        })
    }
}

/// `GET /api/notices`: the notices shown now, newest first (public, cached briefly).
#[utoipa::path(get, path = "/api/notices", tag = "festival", responses((status = 200, body = Vec<NoticeView>)))]
pub async fn current(
    State(state): State<AppState>,
) -> ApiResult<(
    [(header::HeaderName, &'static str); 1],
    Json<Vec<NoticeView>>,
)> {
    let now = now_ms();
    let shown = state.db.notices()?.into_iter().filter(|n| n.shown_at(now));
    let views = shown.map(|n| NoticeView::new(&n)).collect();
    Ok(([(header::CACHE_CONTROL, PUBLIC_MAX_AGE)], Json(views)))
}

/// `GET /api/admin/notices`: every notice (scheduled, shown, closed), newest first.
#[utoipa::path(get, path = "/api/admin/notices", tag = "festival", security(("session" = [])), responses((status = 200, body = Vec<NoticeView>)))]
pub async fn all(State(state): State<AppState>, _admin: Admin) -> ApiResult<Json<Vec<NoticeView>>> {
    let notices = state.db.notices()?;
    Ok(Json(notices.iter().map(NoticeView::new).collect()))
}

/// `POST /api/admin/notices`.
#[utoipa::path(post, path = "/api/admin/notices", tag = "festival", security(("session" = [])), request_body = NoticeBody, responses((status = 201, body = NoticeReply), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<NoticeBody>,
) -> ApiResult<(StatusCode, Json<NoticeReply>)> {
    let notice = state.db.create_notice(body.parse()?).await?;
    let notice = NoticeView::new(&notice);
    Ok((StatusCode::CREATED, Json(NoticeReply { notice })))
}

/// `PUT /api/admin/notices/{id}`: new text and schedule.
#[utoipa::path(put, path = "/api/admin/notices/{id}", tag = "festival", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body = NoticeBody, responses((status = 200, body = NoticeReply), (status = 404, body = ErrorBody)))]
pub async fn update(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<NoticeBody>,
) -> ApiResult<Json<NoticeReply>> {
    let draft = body.parse()?;
    let notice = state.db.update_notice(path_id(&id)?, draft).await?;
    let notice = NoticeView::new(&notice);
    Ok(Json(NoticeReply { notice }))
}

/// `DELETE /api/admin/notices/{id}`.
#[utoipa::path(delete, path = "/api/admin/notices/{id}", tag = "festival", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.db.delete_notice(path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
