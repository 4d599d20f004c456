//! Consent records: a user's consent to the documents in force, and the step that puts a new
//! version in force. A user is pickable only with a consent to the version in force, so a
//! new version takes everyone who has not accepted it out of the pool (an event each) until
//! they accept it, and keeps what they accepted before in `past_consents`.

use super::users::{
    read_in, store_and_queue_event_in, store_in, Consent, UserRecord, REPUBLISH_BATCH,
};
use super::{abort, now_ms, Db, DbError, DbResult};
use storage::UserId;

/// The `settings` key holding the version last put in force.
const IN_FORCE: &[u8] = b"consent_version_in_force";

impl Db {
    /// Records consent to `version` of the documents. Before a profile the matcher has never
    /// heard of the user, so nothing is published; after, the user may become pickable, so
    /// the usual versioned event goes out.
    pub async fn give_consent(&self, id: UserId, version: u32) -> DbResult<UserRecord> {
        self.write(move |tx| {
            let mut user = read_in(tx.users, id)?
                .filter(|u| !u.withdrawn)
                .ok_or_else(|| abort(DbError::UserGone(id)))?;
            user.consent = Some(Consent {
                version,
                at_ms: now_ms(),
            });
            if user.profile.is_some() {
                store_and_queue_event_in(tx, &mut user)?;
            } else {
                store_in(tx, &user)?;
            }
            Ok(user)
        })
        .await
    }

    /// The version of the documents last put in force, if any.
    pub fn consent_version_in_force(&self) -> DbResult<Option<u32>> {
        self.setting(IN_FORCE)
    }

    /// Puts `version` in force: every consent to another version moves to `past_consents`,
    /// and each such user with a profile leaves the pool (a versioned event). Does nothing
    /// when `version` is already in force; a crash part way is finished by the next call.
    /// Returns how many consents were retired.
    pub async fn put_consent_version_in_force(&self, version: u32) -> DbResult<u64> {
        if self.consent_version_in_force()? == Some(version) {
            return Ok(0);
        }
        let ids = self.user_ids()?;
        let mut retired = 0;
        for chunk in ids.chunks(REPUBLISH_BATCH) {
            let chunk = chunk.to_vec();
            retired += self
                .write(move |tx| {
                    let mut retired = 0;
                    for &id in &chunk {
                        let Some(mut user) = read_in(tx.users, id)? else {
                            continue;
                        };
                        if retire(&mut user, version) {
                            if user.profile.is_some() {
                                store_and_queue_event_in(tx, &mut user)?;
                            } else {
                                store_in(tx, &user)?;
                            }
                            retired += 1;
                        }
                    }
                    Ok(retired)
                })
                .await?;
        }
        self.put_setting(IN_FORCE, version).await?;
        Ok(retired)
    }
}

/// Moves a consent to another version than `in_force` into the user's past consents.
fn retire(user: &mut UserRecord, in_force: u32) -> bool {
    match user.consent {
        Some(consent) if consent.version != in_force => {
            user.past_consents.push(consent);
            user.consent = None;
            true
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::account::{Email, Nickname};
    use storage::events::UserEvent;
    use storage::profile::{
        BirthYear, Contact, ContactFrequency, ContactType, Gender, Hobbies, Major, Mbti, Profile,
    };

    fn profile() -> Profile {
        Profile {
            gender: Gender::Female,
            birth_year: BirthYear::parse(2003, 2026).unwrap(),
            mbti: Mbti::parse("ENFP").unwrap(),
            major: Major::parse("수학과").unwrap(),
            hobbies: Hobbies::parse(&["축구".to_owned()]).unwrap(),
            contact_frequency: ContactFrequency::Normal,
            contact: Contact::parse(ContactType::Kakao, "id").unwrap(),
            song: None,
            comment: None,
        }
    }

    fn pickable_in_event(user: &UserRecord) -> bool {
        match user.event() {
            Some(UserEvent::Upserted(upserted)) => upserted.features.pickable,
            other => panic!("an upsert, not {other:?}"),
        }
    }

    #[tokio::test]
    async fn a_new_version_takes_the_old_consents_out_of_the_pool_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(db.put_consent_version_in_force(1).await.unwrap(), 0);
        let email = Email::parse("jieun@test.ac.kr").unwrap();
        let nickname = Nickname::parse("지은").unwrap();
        let id = db
            .create_user(&email, &nickname, "hash".into())
            .await
            .unwrap()
            .id;
        db.save_profile(id, profile()).await.unwrap();
        let consented = db.give_consent(id, 1).await.unwrap();
        assert!(consented.pickable() && pickable_in_event(&consented));
        assert_eq!(
            db.put_consent_version_in_force(1).await.unwrap(),
            0,
            "already in force"
        );

        let queued = db.outbox_len();
        assert_eq!(db.put_consent_version_in_force(2).await.unwrap(), 1);
        let retired = db.user(id).unwrap().unwrap();
        assert_eq!(retired.consent, None);
        assert_eq!(
            retired.past_consents,
            consented.consent.into_iter().collect::<Vec<_>>()
        );
        assert!(!retired.pickable() && !pickable_in_event(&retired));
        assert_eq!(retired.version, consented.version + 1, "a versioned event");
        assert_eq!(db.outbox_len(), queued + 1, "the matcher hears of it");
        assert_eq!(db.put_consent_version_in_force(2).await.unwrap(), 0, "once");

        let again = db.give_consent(id, 2).await.unwrap();
        assert!(again.pickable() && pickable_in_event(&again));
    }
}
