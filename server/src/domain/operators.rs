//! What an operator may do to whom. An operator acts only on students (role `USER`), never on
//! themselves, and corrects points only up to a cap; an admin may act on anyone but
//! themselves, by any amount. (A review found an operator banning an admin, approving their
//! own charge and crediting themselves 1,000,000 points per call.)

use crate::db::users::{Role, UserRecord};

/// Why an operator may not do this.
#[derive(Debug, thiserror::Error)]
pub enum OpsRefusal {
    #[error("operators cannot act on themselves")]
    OnSelf,
    #[error("operators may act only on students")]
    NotAStudent,
    #[error("a correction of more than {cap} points either way needs an admin")]
    AdminRequired { cap: u64 },
}

/// May `actor` (an operator or admin) act on `target`?
pub fn may_act_on(actor: &UserRecord, target: &UserRecord) -> Result<(), OpsRefusal> {
    if actor.id == target.id {
        return Err(OpsRefusal::OnSelf);
    }
    if actor.role != Role::Admin && target.role != Role::User {
        return Err(OpsRefusal::NotAStudent);
    }
    Ok(())
}

/// May `actor` correct a balance by `delta`? Above `cap` either way, only an admin.
pub fn may_adjust(actor: &UserRecord, delta: i64, cap: u64) -> Result<(), OpsRefusal> {
    if actor.role != Role::Admin && delta.unsigned_abs() > cap {
        return Err(OpsRefusal::AdminRequired { cap });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use storage::UserId;

    fn user(id: u64, role: Role) -> UserRecord {
        UserRecord {
            id: UserId(id),
            email: format!("u{id}@x.kr"),
            nickname: format!("u{id}"),
            password_hash: String::new(),
            role,
            created_at_ms: 0,
            profile: None,
            dont_pick_me: false,
            withdrawn: false,
            banned: false,
            version: 0,
            school_email: None,
            operator_request: None,
            providers: Vec::new(),
            consent: None,
            past_consents: Vec::new(),
        }
    }

    #[test]
    fn operators_act_on_students_only_and_never_on_themselves() {
        let (operator, admin) = (user(1, Role::Operator), user(2, Role::Admin));
        let (student, colleague) = (user(3, Role::User), user(4, Role::Operator));
        assert!(may_act_on(&operator, &student).is_ok());
        assert!(matches!(
            may_act_on(&operator, &admin),
            Err(OpsRefusal::NotAStudent)
        ));
        assert!(matches!(
            may_act_on(&operator, &colleague),
            Err(OpsRefusal::NotAStudent)
        ));
        assert!(matches!(
            may_act_on(&operator, &operator),
            Err(OpsRefusal::OnSelf)
        ));
        assert!(may_act_on(&admin, &colleague).is_ok());
        assert!(matches!(
            may_act_on(&admin, &admin),
            Err(OpsRefusal::OnSelf)
        ));
    }

    #[test]
    fn large_corrections_need_an_admin() {
        let (operator, admin) = (user(1, Role::Operator), user(2, Role::Admin));
        assert!(may_adjust(&operator, 50_000, 50_000).is_ok());
        assert!(may_adjust(&operator, -50_000, 50_000).is_ok());
        assert!(may_adjust(&operator, 50_001, 50_000).is_err());
        assert!(may_adjust(&operator, i64::MIN, 50_000).is_err());
        assert!(may_adjust(&admin, 1_000_000, 50_000).is_ok());
    }
}
