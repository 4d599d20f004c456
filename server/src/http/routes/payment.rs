//! Where students send money for a charge: public to read, set by admins.

use crate::db::settings::PaymentInfo;
use crate::http::auth::Admin;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::{Deserialize, Serialize};
use storage::profile::clean_text;
use storage::FieldError;
use utoipa::ToSchema;

/// Bank, account number, holder and note, as stored and as sent.
#[derive(Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInfoBody {
    /// 1 to 30 characters.
    bank: String,
    /// 1 to 30 digits, spaces and hyphens.
    account_number: String,
    /// 1 to 30 characters.
    holder: String,
    /// 0 to 200 characters.
    #[serde(default)]
    note: String,
}

impl PaymentInfoBody {
    fn parse(self) -> Result<PaymentInfo, FieldError> {
        let account_number = clean_text(&self.account_number, "ACCOUNT_NUMBER", 1, 30)?;
        let digits = |c: char| c.is_ascii_digit() || c == '-' || c == ' ';
        if !account_number.chars().all(digits)
            || !account_number.chars().any(|c| c.is_ascii_digit())
        {
            return Err(FieldError::new(
                "ACCOUNT_NUMBER",
                "account_number is digits, spaces and hyphens",
            ));
        }
        let note = self.note.trim();
        Ok(PaymentInfo {
            bank: clean_text(&self.bank, "BANK", 1, 30)?,
            account_number,
            holder: clean_text(&self.holder, "HOLDER", 1, 30)?,
            note: if note.is_empty() {
                String::new()
            } else {
                clean_text(note, "NOTE", 1, 200)?
            },
        })
    }

    fn of(info: PaymentInfo) -> Self {
        Self {
            bank: info.bank,
            account_number: info.account_number,
            holder: info.holder,
            note: info.note,
        }
    }
}

/// `GET /api/payment-info`: where to send money (404 until an admin sets it).
#[utoipa::path(get, path = "/api/payment-info", tag = "festival", responses((status = 200, body = PaymentInfoBody), (status = 404, body = ErrorBody)))]
pub async fn get(State(state): State<AppState>) -> ApiResult<Json<PaymentInfoBody>> {
    let info = state.db.payment_info()?.ok_or(ApiError::NotFound)?;
    Ok(Json(PaymentInfoBody::of(info)))
}

/// `PUT /api/admin/payment-info`.
#[utoipa::path(put, path = "/api/admin/payment-info", tag = "festival", security(("session" = [])), request_body = PaymentInfoBody, responses((status = 200, body = PaymentInfoBody), (status = 422, body = ErrorBody)))]
pub async fn put(
    State(state): State<AppState>,
    _admin: Admin,
    ApiJson(body): ApiJson<PaymentInfoBody>,
) -> ApiResult<Json<PaymentInfoBody>> {
    let info = body.parse()?;
    state.db.set_payment_info(info.clone()).await?;
    Ok(Json(PaymentInfoBody::of(info)))
}
