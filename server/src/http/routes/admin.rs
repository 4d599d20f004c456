//! Admin tools: roles and the ledger check.

use crate::db::audit::AuditReport;
use crate::db::ops_audit::Actor;
use crate::db::users::Role;
use crate::http::auth::Admin;
use crate::http::error::ApiResult;
use crate::http::extract::{path_id, ApiJson};
use crate::http::state::AppState;
use crate::http::views::RoleReply;
use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use storage::UserId;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleBody {
    role: Role,
}

/// `PUT /api/admin/users/{id}/role`.
#[utoipa::path(put, path = "/api/admin/users/{id}/role", tag = "admin", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), request_body = RoleBody, responses((status = 200, body = RoleReply)))]
pub async fn set_role(
    State(state): State<AppState>,
    admin: Admin,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleBody>,
) -> ApiResult<Json<RoleReply>> {
    let user = state
        .db
        .set_role(UserId(path_id(&id)?), body.role, Some(Actor(admin.0.id)))
        .await?;
    Ok(Json(RoleReply {
        id: user.id.to_string(),
        role: user.role,
    }))
}

/// `GET /api/admin/audit`: the same check as `comatching-server audit`, on live data.
#[utoipa::path(get, path = "/api/admin/audit", tag = "admin", security(("session" = [])), responses((status = 200, body = AuditReport)))]
pub async fn audit(State(state): State<AppState>, _admin: Admin) -> ApiResult<Json<AuditReport>> {
    Ok(Json(state.db.audit()?))
}
