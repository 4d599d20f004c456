//! Account vocabulary: email, password and nickname, parsed once at the edge.

use storage::profile::clean_text;
use storage::FieldError;

const EMAIL_MAX_CHARS: usize = 254;
const EMAIL_LOCAL_MAX_CHARS: usize = 64;
const PASSWORD_MIN_CHARS: usize = 8;
const PASSWORD_MAX_CHARS: usize = 128;
const NICKNAME_MIN_CHARS: usize = 2;
const NICKNAME_MAX_CHARS: usize = 16;

/// An email address shaped like one; unique ignoring case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let invalid = || FieldError::new("EMAIL", "email must look like name@example.com");
        let text = clean_text(raw, "EMAIL", 3, EMAIL_MAX_CHARS)?;
        let (local, domain) = text.rsplit_once('@').ok_or_else(invalid)?;
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..");
        let shaped = !local.is_empty()
            && local.chars().count() <= EMAIL_LOCAL_MAX_CHARS
            && !local.contains('@')
            && domain_ok
            && !text.chars().any(char::is_whitespace);
        if !shaped {
            return Err(invalid());
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The uniqueness key: the address in lower case.
    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

/// A password of 8–128 characters. Never trimmed: spaces are the user's choice.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let chars = raw.chars().count();
        if !(PASSWORD_MIN_CHARS..=PASSWORD_MAX_CHARS).contains(&chars) {
            return Err(FieldError::new(
                "PASSWORD",
                format!("password must be {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters"),
            ));
        }
        if raw.chars().any(char::is_control) {
            return Err(FieldError::new(
                "PASSWORD",
                "password must not contain control characters",
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// 2–16 letters (Hangul included), digits and `_`; unique ignoring case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nickname(String);

impl Nickname {
    pub fn parse(raw: &str) -> Result<Self, FieldError> {
        let text = clean_text(raw, "NICKNAME", NICKNAME_MIN_CHARS, NICKNAME_MAX_CHARS)?;
        if !text.chars().all(|c| c.is_alphanumeric() || c == '_') {
            return Err(FieldError::new(
                "NICKNAME",
                "nickname may hold only letters, digits and _",
            ));
        }
        Ok(Self(text))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn key(&self) -> String {
        self.0.to_lowercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert_eq!(
            Email::parse(" Kim@Example.ac.kr ").unwrap().key(),
            "kim@example.ac.kr"
        );
        for bad in [
            "",
            "kim",
            "kim@",
            "@x.kr",
            "kim@localhost",
            "a b@x.kr",
            "kim@x..kr",
        ] {
            assert_eq!(Email::parse(bad).unwrap_err().field, "EMAIL", "{bad}");
        }
        assert!(Email::parse(&format!("{}@x.kr", "a".repeat(65))).is_err());
    }

    #[test]
    fn passwords() {
        assert!(Password::parse("12345678").is_ok());
        assert!(Password::parse("1234567").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("abcd\u{7}efgh").is_err());
    }

    #[test]
    fn nicknames() {
        assert!(Nickname::parse("김민수_01").is_ok());
        assert!(Nickname::parse("a").is_err());
        assert!(Nickname::parse("민수!").is_err());
        assert!(Nickname::parse(&"가".repeat(17)).is_err());
        assert_eq!(Nickname::parse("MinSu").unwrap().key(), "minsu");
    }
}
