//! Discount events (API.md calls them events): public to read, scheduled by admins, never two
//! at once.

use crate::db::discounts::Discount;
use crate::db::now_ms;
use crate::http::auth::Admin;
use crate::http::error::{ApiResult, ErrorBody};
use crate::http::extract::{path_id, ApiJson};
use crate::http::state::AppState;
use crate::model::time::{parse_rfc3339, rfc3339};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde::{Deserialize, Serialize};
use storage::FieldError;
use utoipa::ToSchema;

/// The smallest and largest discount, in percent.
pub const PERCENT_RANGE: std::ops::RangeInclusive<u8> = 5..=40;

/// `DISCOUNT`: the only kind of event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum EventKind {
    Discount,
}

#[derive(Serialize, ToSchema)]
pub struct EventView {
    id: String,
    kind: EventKind,
    percent: u8,
    starts_at: String,
    ends_at: String,
}

impl EventView {
    fn new(discount: &Discount) -> Self {
        Self {
            id: discount.id.to_string(),
            kind: EventKind::Discount,
            percent: discount.percent,
            starts_at: rfc3339(discount.starts_at_ms),
            ends_at: rfc3339(discount.ends_at_ms),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct EventReply {
    event: EventView,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    kind: EventKind,
    /// 5 to 40.
    percent: i64,
    /// RFC 3339; the discount applies from this instant (included).
    starts_at: String,
    /// RFC 3339; until this instant (excluded).
    ends_at: String,
}

/// `GET /api/events`: discounts running now or later, by start.
#[utoipa::path(get, path = "/api/events", tag = "festival", responses((status = 200, body = Vec<EventView>)))]
pub async fn list(State(state): State<AppState>) -> ApiResult<Json<Vec<EventView>>> {
    let now = now_ms();
    let current = state
        .db
        .discounts()?
        .into_iter()
        .filter(|d| d.ends_at_ms > now);
    Ok(Json(current.map(|d| EventView::new(&d)).collect()))
}

/// `POST /api/admin/events`: schedules a discount; 409 when it overlaps another.
#[utoipa::path(post, path = "/api/admin/events", tag = "festival", security(("session" = [])), request_body = EventBody, responses((status = 201, body = EventReply), (status = 409, body = ErrorBody, description = "overlaps another discount"), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<EventBody>,
) -> ApiResult<(StatusCode, Json<EventReply>)> {
    // The only kind there is: the pattern is irrefutable.
    let EventBody {
        kind: EventKind::Discount,
        percent,
        starts_at,
        ends_at,
    } = body;
    let percent = u8::try_from(percent)
        .ok()
        .filter(|p| PERCENT_RANGE.contains(p))
        .ok_or_else(|| FieldError::new("PERCENT", "percent is 5 to 40"))?;
    let starts = parse_rfc3339(&starts_at, "STARTS_AT")?;
    let ends = parse_rfc3339(&ends_at, "ENDS_AT")?;
    if ends <= starts {
        return Err(FieldError::new("ENDS_AT", "ends_at must be after starts_at").into());
    }
    let discount = state
        .db
        .create_discount(percent, starts, ends, now_ms())
        .await?;
    let event = EventView::new(&discount);
    Ok((StatusCode::CREATED, Json(EventReply { event })))
}

/// `DELETE /api/admin/events/{id}`.
#[utoipa::path(delete, path = "/api/admin/events/{id}", tag = "festival", security(("session" = [])), params(("id" = String, Path, description = "a decimal id")), responses((status = 204, description = "removed"), (status = 404, body = ErrorBody)))]
pub async fn delete(
    State(state): State<AppState>,
    _admin: Admin,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    state.db.delete_discount(path_id(&id)?).await?;
    Ok(StatusCode::NO_CONTENT)
}
