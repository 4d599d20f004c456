//! The session cookie. The token in it is made and kept (as a hash) by the database.

use crate::http::error::ApiError;
use axum::http::{header, HeaderMap};
use axum_extra::extract::cookie::{Cookie, SameSite};

/// The cookie's name over plain HTTP (development, tests).
pub const COOKIE_NAME: &str = "session";
/// The cookie's name over HTTPS. Browsers take a `__Host-` cookie only when it is Secure,
/// host-only and for Path=/, so no sibling subdomain can set or shadow it.
pub const SECURE_COOKIE_NAME: &str = "__Host-session";

/// The name the cookie has on this server.
pub fn name(https: bool) -> &'static str {
    if https {
        SECURE_COOKIE_NAME
    } else {
        COOKIE_NAME
    }
}

/// The session cookie: HttpOnly, SameSite=Lax, and Secure (with the `__Host-` name) when the
/// server speaks HTTPS; it lasts `max_age_secs` (a remembered session) or, without, as long
/// as the browser runs.
pub fn cookie(token: String, https: bool, max_age_secs: Option<i64>) -> Cookie<'static> {
    let mut cookie = Cookie::build((name(https), token))
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(https)
        .path("/");
    if let Some(secs) = max_age_secs {
        cookie = cookie.max_age(time::Duration::seconds(secs));
    }
    cookie.build()
}

/// What clears the cookie on logout or withdrawal.
pub fn removal(https: bool) -> Cookie<'static> {
    Cookie::build(name(https)).path("/").secure(https).build()
}

/// The session token the request carries, if any. Two cookies of the session's name (one
/// planted by someone else, say) are refused rather than one of them picked.
pub fn token(headers: &HeaderMap, https: bool) -> Result<Option<String>, ApiError> {
    let wanted = name(https);
    let mut found = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .filter(|(name, _)| *name == wanted)
        .map(|(_, value)| value.to_owned());
    let first = found.next();
    if found.next().is_some() {
        return Err(ApiError::Unauthenticated);
    }
    Ok(first)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cookies(values: &[&str]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(header::COOKIE, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn one_session_cookie_is_taken_and_two_are_refused() {
        let one = cookies(&["theme=dark; session=abc"]);
        assert_eq!(token(&one, false).unwrap().as_deref(), Some("abc"));
        assert_eq!(
            token(&one, true).unwrap(),
            None,
            "HTTPS reads __Host-session"
        );
        let secure = cookies(&["__Host-session=xyz"]);
        assert_eq!(token(&secure, true).unwrap().as_deref(), Some("xyz"));
        assert!(token(&cookies(&["session=a; session=b"]), false).is_err());
        assert!(token(&cookies(&["session=a", "session=b"]), false).is_err());
        assert_eq!(token(&HeaderMap::new(), false).unwrap(), None);
    }
}
