//! The session cookie. The token in it is made and kept (as a hash) by the database.

use axum_extra::extract::cookie::{Cookie, SameSite};

/// The cookie that carries the token.
pub const COOKIE_NAME: &str = "session";

/// The session cookie: HttpOnly, SameSite=Lax, and Secure when the server speaks HTTPS.
pub fn cookie(token: String, secure: bool) -> Cookie<'static> {
    Cookie::build((COOKIE_NAME, token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(secure)
        .path("/")
        .build()
}

/// What clears the cookie on logout or withdrawal.
pub fn removal() -> Cookie<'static> {
    Cookie::build(COOKIE_NAME).path("/").build()
}
