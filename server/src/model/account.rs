//! Account vocabulary: email, password and nickname, parsed once at the edge.

use storage::profile::clean_text;
use storage::FieldError;
use unicode_normalization::UnicodeNormalization;

/// The longest email address.
pub const EMAIL_MAX_CHARS: usize = 254;
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

/// 2–16 letters (Hangul included), digits and `_`; unique ignoring case and look-alikes.
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

    /// The uniqueness key, shared by nicknames people could take for one another, so nobody
    /// can pose as a user with a name that only looks like theirs. NFKC folds width and
    /// compatibility forms (ａｌｉｃｅ), lower case folds case, and the confusable skeleton of
    /// Unicode TR39 folds look-alike letters of other scripts and shapes (Cyrillic а, `rn` and
    /// `m`, `0` and `o`). The skeleton brings back some capitals (`0` → `O`), so the key is
    /// lowered again. Hangul is compared by its letters, where a final consonant reads like
    /// the next syllable's first: so 각가 and 가까 share a key, a rare refusal worth the rest.
    pub fn key(&self) -> String {
        let folded = self.0.as_str().nfkc().collect::<String>().to_lowercase();
        unicode_security::skeleton(&folded)
            .collect::<String>()
            .to_lowercase()
    }

    /// Names how [`Nickname::key`] is made and the Unicode tables it reads. The database
    /// stores it beside its nickname index and rebuilds the index when it differs, so a new
    /// recipe, or an update that moves the tables, never leaves keys made two ways side by
    /// side (where a look-alike would slip past the older ones).
    pub fn key_version() -> String {
        format!(
            "nfkc-lower-skeleton-lower; unicode: std {:?}, normalization {:?}, security {:?}",
            char::UNICODE_VERSION,
            unicode_normalization::UNICODE_VERSION,
            unicode_security::UNICODE_VERSION,
        )
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
        assert!(Nickname::parse("민\u{200B}수").is_err());
        assert!(Nickname::parse("\u{3164}\u{3164}").is_err());
    }

    fn key(raw: &str) -> String {
        Nickname::parse(raw).unwrap().key()
    }

    #[test]
    fn nickname_keys_fold_case_and_look_alikes() {
        let alice = key("alice");
        for look_alike in [
            "Alice",
            "ALICE",
            "\u{430}lice",
            "ａｌｉｃｅ",
            "\u{FF21}lice",
        ] {
            assert_eq!(key(look_alike), alice, "{look_alike}");
        }
        assert_eq!(key("MinSu"), key("minsu"));
        assert_eq!(key("bob0"), key("BOBO"));
        assert_eq!(key("mina"), key("rnina"));
        for different in ["alicia", "alice_2", "bob"] {
            assert_ne!(key(different), alice, "{different}");
        }
    }

    #[test]
    fn hangul_nickname_keys_stay_apart() {
        let minsu = key("김민수");
        let as_letters = "\u{1100}\u{1175}\u{11B7}\u{1106}\u{1175}\u{11AB}\u{1109}\u{116E}";
        assert_eq!(
            key(as_letters),
            minsu,
            "the same syllables spelled as letters"
        );
        for other in [
            "김민서",
            "김민수_01",
            "이민수",
            "김수민",
            "민수",
            "춘향",
            "이몽룡",
        ] {
            assert_ne!(key(other), minsu, "{other}");
        }
        assert_ne!(key("춘향"), key("춘양"));
    }
}
