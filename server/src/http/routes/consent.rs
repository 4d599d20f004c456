//! Consent: the documents in force, and a student accepting them.

use crate::domain::consent::{self, MIN_AGE};
use crate::http::auth::CurrentUser;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use crate::http::views::ConsentView;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct DocumentView {
    /// `terms`, `privacy` or `contact_sharing`.
    id: &'static str,
    title: &'static str,
    body: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentDocuments {
    version: u32,
    min_age: u8,
    documents: Vec<DocumentView>,
}

/// `GET /api/consent`: the documents in force (Korean).
#[utoipa::path(get, path = "/api/consent", tag = "account", responses((status = 200, body = ConsentDocuments)))]
pub async fn documents(State(state): State<AppState>) -> ApiResult<Json<ConsentDocuments>> {
    let version = state.config.accounts.consent_version;
    let documents = consent::documents(version).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("no consent documents of version {version}"))
    })?;
    let documents = documents
        .into_iter()
        .map(|d| DocumentView {
            id: d.id,
            title: d.title,
            body: d.body,
        })
        .collect();
    Ok(Json(ConsentDocuments {
        version,
        min_age: MIN_AGE,
        documents,
    }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConsentBody {
    version: u32,
    /// Every one of `terms`, `privacy`, `contact_sharing`.
    accepted: Vec<String>,
    /// 14 or older.
    age_confirmed: bool,
}

#[derive(Serialize, ToSchema)]
pub struct ConsentReply {
    consent: ConsentView,
}

/// `POST /api/me/consent`: 422 `INVALID_CONSENT` if anything is missing or the version is not
/// the one in force.
#[utoipa::path(post, path = "/api/me/consent", tag = "account", security(("session" = [])), request_body = ConsentBody, responses((status = 200, body = ConsentReply), (status = 422, body = ErrorBody, description = "INVALID_CONSENT")))]
pub async fn give(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<ConsentBody>,
) -> ApiResult<Json<ConsentReply>> {
    if body.accepted.len() > consent::REQUIRED.len() * 2 {
        return Err(storage::FieldError::new("CONSENT", "too many documents").into());
    }
    let current_version = state.config.accounts.consent_version;
    consent::check(
        current_version,
        body.version,
        &body.accepted,
        body.age_confirmed,
    )?;
    let user = state.db.give_consent(current.user.id, body.version).await?;
    let consent = user.consent.map(ConsentView::new).ok_or_else(|| {
        ApiError::Internal(anyhow::anyhow!("consent of user {} not recorded", user.id))
    })?;
    Ok(Json(ConsentReply { consent }))
}
