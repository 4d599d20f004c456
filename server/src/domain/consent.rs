//! Consent: the versioned Korean documents a student accepts before a profile, a charge or a
//! match (terms, personal data, showing my contact to the people I am matched with) and the
//! "14 or older" confirmation — under 14, Korean law asks for a guardian's consent, so the
//! service refuses. The documents are compiled in from `server/data/consent/v<N>/`.

use storage::FieldError;

/// The youngest age the service accepts without a guardian.
pub const MIN_AGE: u8 = 14;
/// The document versions this build has.
pub const VERSIONS: std::ops::RangeInclusive<u32> = 1..=1;

/// One document's id, title and text.
pub struct Document {
    pub id: &'static str,
    pub title: &'static str,
    pub body: &'static str,
}

/// The ids every consent must accept.
pub const REQUIRED: [&str; 3] = ["terms", "privacy", "contact_sharing"];

/// The documents of `version` (one of [`VERSIONS`]).
pub fn documents(version: u32) -> Option<[Document; 3]> {
    match version {
        1 => Some([
            Document {
                id: "terms",
                title: "이용약관",
                body: include_str!("../../data/consent/v1/terms.md"),
            },
            Document {
                id: "privacy",
                title: "개인정보 수집·이용",
                body: include_str!("../../data/consent/v1/privacy.md"),
            },
            Document {
                id: "contact_sharing",
                title: "매칭 상대에게 연락처 공개",
                body: include_str!("../../data/consent/v1/contact_sharing.md"),
            },
        ]),
        _ => None,
    }
}

/// Checks a consent: the current version, every document accepted, the age confirmed.
pub fn check(
    current: u32,
    version: u32,
    accepted: &[String],
    age_confirmed: bool,
) -> Result<(), FieldError> {
    let invalid = |why: &str| FieldError::new("CONSENT", why.to_owned());
    if version != current {
        return Err(invalid("accept the current version of the documents"));
    }
    if !REQUIRED.iter().all(|id| accepted.iter().any(|a| a == id)) {
        return Err(invalid("accept terms, privacy and contact_sharing"));
    }
    if !age_confirmed {
        return Err(invalid("confirm that you are 14 or older"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_version_has_its_documents_and_a_consent_needs_all_three() {
        for version in VERSIONS {
            assert!(documents(version).is_some_and(|docs| docs.iter().all(|d| !d.body.is_empty())));
        }
        let all: Vec<String> = REQUIRED.iter().map(|s| s.to_string()).collect();
        assert!(check(1, 1, &all, true).is_ok());
        assert_eq!(
            check(1, 2, &all, true).unwrap_err().code(),
            "INVALID_CONSENT"
        );
        assert!(check(1, 1, &all[..2], true).is_err());
        assert!(check(1, 1, &all, false).is_err());
    }
}
