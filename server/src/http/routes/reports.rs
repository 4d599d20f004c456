//! Reports about a match partner (students file them, with an optional image), the operators'
//! queue and decisions, the image as a download, and the list of bans.

use crate::db::ops_audit::Actor;
use crate::db::reports::Decision;
use crate::domain::operators;
use crate::domain::reports::{self, image, ReportDraft};
use crate::http::auth::{CurrentUser, Operator};
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::{path_id, ApiJson, ApiQuery};
use crate::http::report_views::{BanView, ReportReply, ReportView};
use crate::http::state::AppState;
use crate::model::report::{ReportCategory, ReportStatus, ResolveAction, MAX_REASON_CHARS};
use axum::extract::{FromRequest, Multipart, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use storage::profile::clean_text;
use utoipa::{IntoParams, ToSchema};

/// Parts a report's form may have: match_id, category, content, image.
const MAX_PARTS: usize = 4;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReportBody {
    match_id: String,
    category: ReportCategory,
    /// 1 to 300 characters.
    content: String,
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.trim_start()
                .to_ascii_lowercase()
                .starts_with("multipart/form-data")
        })
}

fn malformed(e: impl std::fmt::Display) -> ApiError {
    ApiError::BadRequest(format!("the form does not fit: {e}"))
}

/// Reads the form's parts (an empty `image` part is no image: a form with no file chosen).
async fn draft_from_form(mut form: Multipart) -> ApiResult<ReportDraft> {
    let (mut match_id, mut category, mut content, mut image) = (None, None, None, None);
    for _ in 0..MAX_PARTS {
        let Some(part) = form.next_field().await.map_err(malformed)? else {
            break;
        };
        match part.name().unwrap_or_default() {
            "match_id" => match_id = Some(part.text().await.map_err(malformed)?),
            "category" => category = Some(part.text().await.map_err(malformed)?),
            "content" => content = Some(part.text().await.map_err(malformed)?),
            "image" => image = Some(part.bytes().await.map_err(malformed)?.to_vec()),
            other => return Err(malformed(format!("unexpected part {other:?}"))),
        }
    }
    if form.next_field().await.map_err(malformed)?.is_some() {
        return Err(malformed("too many parts"));
    }
    let missing = |name| malformed(format!("the part {name} is missing"));
    Ok(ReportDraft {
        match_id: path_id(&match_id.ok_or_else(|| missing("match_id"))?)?,
        category: ReportCategory::parse(&category.ok_or_else(|| missing("category"))?)?,
        content: content.ok_or_else(|| missing("content"))?,
        image: image.filter(|bytes| !bytes.is_empty()),
    })
}

/// `POST /api/reports`: a report about the partner of one's own match, as JSON or as a form
/// with an image.
#[utoipa::path(post, path = "/api/reports", tag = "reports", security(("session" = [])), request_body(content = ReportBody, description = "or multipart/form-data with the same text parts and an optional `image` (PNG, JPEG or WebP, ≤ 2 MB)"), responses((status = 201, body = ReportReply), (status = 404, body = ErrorBody, description = "not a partner of one's own match"), (status = 409, body = ErrorBody, description = "an open report on this match already"), (status = 413, body = ErrorBody), (status = 422, body = ErrorBody, description = "INVALID_IMAGE and the fields' codes")))]
pub async fn create(
    State(state): State<AppState>,
    current: CurrentUser,
    request: Request,
) -> ApiResult<(StatusCode, Json<ReportReply>)> {
    let draft = if is_multipart(request.headers()) {
        let form = Multipart::from_request(request, &state)
            .await
            .map_err(malformed)?;
        draft_from_form(form).await?
    } else {
        let ApiJson(body) = ApiJson::<ReportBody>::from_request(request, &state).await?;
        ReportDraft {
            match_id: path_id(&body.match_id)?,
            category: body.category,
            content: body.content,
            image: None,
        }
    };
    let db = &state.db;
    let report = reports::create(db, &state.config.data_dir, current.user.id, draft).await?;
    let report = ReportView::new(db, &report)?;
    Ok((StatusCode::CREATED, Json(ReportReply { report })))
}

#[derive(Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
pub struct ReportsQuery {
    /// `OPEN` (the default), `DISMISSED` or `BANNED`.
    status: Option<ReportStatus>,
}

/// `GET /api/ops/reports?status=OPEN`: the open queue oldest first, resolved ones newest first.
#[utoipa::path(get, path = "/api/ops/reports", tag = "reports", security(("session" = [])), params(ReportsQuery), responses((status = 200, body = Vec<ReportView>)))]
pub async fn list(
    State(state): State<AppState>,
    _operator: Operator,
    ApiQuery(query): ApiQuery<ReportsQuery>,
) -> ApiResult<Json<Vec<ReportView>>> {
    let records = state
        .db
        .reports(query.status.unwrap_or(ReportStatus::Open))?;
    let mut views = Vec::with_capacity(records.len());
    for record in &records {
        views.push(ReportView::new(&state.db, record)?);
    }
    Ok(Json(views))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResolveBody {
    action: ResolveAction,
    /// 1 to 200 characters; a ban's reason is what the student sees at login.
    reason: String,
}

/// `POST /api/ops/reports/{id}/resolve`: dismiss, or ban the reported student with the reason.
#[utoipa::path(post, path = "/api/ops/reports/{id}/resolve", tag = "reports", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body = ResolveBody, responses((status = 200, body = ReportReply), (status = 409, body = ErrorBody, description = "already resolved")))]
pub async fn resolve(
    State(state): State<AppState>,
    operator: Operator,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<ResolveBody>,
) -> ApiResult<Json<ReportReply>> {
    let reason = clean_text(&body.reason, "REASON", 1, MAX_REASON_CHARS)?;
    let id = path_id(&id)?;
    let report = state.db.report(id)?.ok_or(ApiError::NotFound)?;
    if body.action == ResolveAction::Ban {
        let target = state.db.user(report.reported)?.ok_or(ApiError::NotFound)?;
        operators::may_act_on(&operator.0, &target)?;
    }
    let decision = Decision {
        action: body.action,
        reason,
        by: Actor(operator.0.id),
    };
    let report = state.db.resolve_report(id, decision).await?;
    let report = ReportView::new(&state.db, &report)?;
    Ok(Json(ReportReply { report }))
}

/// `GET /api/ops/reports/{id}/image`: the report's image, to operators only, as a download
/// with the type its content was checked to be.
#[utoipa::path(get, path = "/api/ops/reports/{id}/image", tag = "reports", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 200, description = "the image (attachment)", content_type = "application/octet-stream"), (status = 404, body = ErrorBody)))]
pub async fn image(
    State(state): State<AppState>,
    _operator: Operator,
    Path(id): Path<String>,
) -> ApiResult<Response> {
    let id = path_id(&id)?;
    let report = state.db.report(id)?.ok_or(ApiError::NotFound)?;
    let kept = report.image.ok_or(ApiError::NotFound)?;
    let dir = reports::images_dir(&state.config.data_dir);
    let bytes = tokio::fs::read(image::path(&dir, &kept.sha256))
        .await
        .map_err(|e| ApiError::Internal(anyhow::Error::new(e).context("read a report image")))?;
    let extension = kept.content_type.trim_start_matches("image/");
    let disposition = format!("attachment; filename=\"report-{id}.{extension}\"");
    let headers = [
        (header::CONTENT_TYPE, kept.content_type),
        (header::CONTENT_DISPOSITION, disposition),
        (header::CACHE_CONTROL, "private, no-store".to_owned()),
    ];
    Ok((headers, bytes).into_response())
}

/// `GET /api/ops/bans`: current bans, newest first.
#[utoipa::path(get, path = "/api/ops/bans", tag = "reports", security(("session" = [])), responses((status = 200, body = Vec<BanView>)))]
pub async fn bans(
    State(state): State<AppState>,
    _operator: Operator,
) -> ApiResult<Json<Vec<BanView>>> {
    let bans = state.db.bans()?;
    let mut views = Vec::with_capacity(bans.len());
    for ban in &bans {
        views.push(BanView::new(&state.db, ban)?);
    }
    Ok(Json(views))
}
