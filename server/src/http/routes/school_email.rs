//! School e-mail verification: a code to the address, typed back within five minutes.

use crate::db::school_email::Verified;
use crate::http::auth::CurrentUser;
use crate::http::error::{ApiError, ApiResult, ErrorBody};
use crate::http::extract::ApiJson;
use crate::http::state::AppState;
use crate::mail::school_code_mail;
use crate::model::account::Email;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use rand::Rng;
use serde::{Deserialize, Serialize};
use storage::FieldError;
use utoipa::ToSchema;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchoolEmailBody {
    email: String,
}

/// `POST /api/me/school-email`: mails a 6-digit code valid five minutes.
#[utoipa::path(post, path = "/api/me/school-email", tag = "account", security(("session" = [])), request_body = SchoolEmailBody, responses((status = 202, description = "the code is on its way"), (status = 409, body = ErrorBody, description = "verified by another account"), (status = 422, body = ErrorBody, description = "INVALID_SCHOOL_EMAIL: not a school domain"), (status = 429, body = ErrorBody, description = "a code went out less than a minute ago")))]
pub async fn send_code(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<SchoolEmailBody>,
) -> ApiResult<StatusCode> {
    let not_school = || FieldError::new("SCHOOL_EMAIL", "use an address of the school's domains");
    let email = Email::parse(&body.email).map_err(|_| not_school())?;
    if !state.config.accounts.is_school_email(email.as_str()) {
        return Err(not_school().into());
    }
    let code = format!("{:06}", rand::rng().random_range(0..1_000_000u32));
    let address = email.as_str().to_lowercase();
    let mail = school_code_mail(&address, &code);
    state
        .db
        .send_school_code(current.user.id, address, &code, mail)
        .await?;
    Ok(StatusCode::ACCEPTED)
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeBody {
    code: String,
}

#[derive(Serialize, ToSchema)]
pub struct SchoolEmailReply {
    school_email: String,
    school_email_verified: bool,
}

/// `POST /api/me/school-email/verify`.
#[utoipa::path(post, path = "/api/me/school-email/verify", tag = "account", security(("session" = [])), request_body = CodeBody, responses((status = 200, body = SchoolEmailReply), (status = 422, body = ErrorBody, description = "INVALID_CODE, or CODE_EXPIRED after five wrong codes or five minutes")))]
pub async fn verify(
    State(state): State<AppState>,
    current: CurrentUser,
    ApiJson(body): ApiJson<CodeBody>,
) -> ApiResult<Json<SchoolEmailReply>> {
    let code = body.code.trim();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(ApiError::unprocessable(
            "INVALID_CODE",
            "the code is 6 digits",
        ));
    }
    match state
        .db
        .verify_school_code(current.user.id, code.to_owned())
        .await?
    {
        Verified::Yes(school_email) => Ok(Json(SchoolEmailReply {
            school_email,
            school_email_verified: true,
        })),
        Verified::WrongCode => Err(ApiError::unprocessable("INVALID_CODE", "the code is wrong")),
        Verified::Expired => Err(ApiError::unprocessable(
            "CODE_EXPIRED",
            "the code has expired: ask for a new one",
        )),
    }
}
