//! `comatching-server demo`: synthetic students for a local try-out, written on a stopped
//! server's database through the same code paths as real sign-ups (so they reach the matcher
//! through the outbox like anyone else).

use crate::config::DEFAULT_CONSENT_VERSION;
use crate::db::notices::NoticeDraft;
use crate::db::settings::PaymentInfo;
use crate::db::{now_ms, Db};
use crate::domain::password;
use crate::model::account::{Email, Nickname};
use anyhow::Context;
use futures::stream::{self, StreamExt};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use storage::profile::{
    BirthYear, Contact, ContactFrequency, ContactType, Gender, Hobbies, Major, Mbti, Profile,
    HOBBY_CATALOG,
};
use storage::seoul;

/// Every demo account's password (printed by `scripts/run.sh`).
pub const DEMO_PASSWORD: &str = "demo-password";
/// The most demo users one call makes.
pub const MAX_DEMO_USERS: usize = 100_000;
/// Demo users being written at once: enough to fill the writer's batches (one flush each),
/// few enough to bound memory.
const SEED_IN_FLIGHT: usize = 16;

const MAJORS: &[&str] = &[
    "컴퓨터정보공학부",
    "경영학과",
    "국어국문학과",
    "심리학과",
    "전자공학과",
    "간호학과",
    "미디어커뮤니케이션학과",
    "수학과",
    "화학과",
    "영어영문학과",
    "법학과",
    "디자인학과",
];
const MBTI_TYPES: &[&str] = &[
    "ENFP", "INFP", "ENFJ", "INFJ", "ENTP", "INTP", "ENTJ", "INTJ", "ESFP", "ISFP", "ESFJ", "ISFJ",
    "ESTP", "ISTP", "ESTJ", "ISTJ",
];

/// Adds `count` demo users unless the database already has users; returns how many it added.
pub async fn seed(db: &Db, count: usize) -> anyhow::Result<usize> {
    anyhow::ensure!(
        count <= MAX_DEMO_USERS,
        "at most {MAX_DEMO_USERS} demo users"
    );
    if !db.has_no_users() {
        return Ok(0);
    }
    // What a server does at its first start, before anyone signs up: without it, the server
    // would put the version in force at its next start by reading every demo user.
    db.put_consent_version_in_force(DEFAULT_CONSENT_VERSION)
        .await?;
    let hash = password::hash(DEMO_PASSWORD.to_owned(), None).await?;
    let mut rng = StdRng::seed_from_u64(2026);
    let year = seoul::current_year();
    let mut added = stream::iter(0..count)
        .map(|i| {
            let drafted = profile(&mut rng, i, year);
            let hash = hash.clone();
            async move {
                add_user(db, i, drafted?, hash)
                    .await
                    .with_context(|| format!("demo user {i}"))
            }
        })
        .buffer_unordered(SEED_IN_FLIGHT);
    while let Some(result) = added.next().await {
        result?;
    }
    seed_booth(db).await?;
    Ok(count)
}

/// A welcome notice and made-up payment details, so every screen has something to show.
async fn seed_booth(db: &Db) -> anyhow::Result<()> {
    let notice = NoticeDraft {
        title: "COMAtching 부스에 오신 걸 환영해요".into(),
        content: "매칭은 부스 운영 시간에만 열려요.\n포인트 충전은 계좌 이체나 부스 현금으로 할 수 있어요."
            .into(),
        posted_at_ms: now_ms(),
        closed_at_ms: None,
    };
    db.create_notice(notice).await?;
    let payment = PaymentInfo {
        bank: "데모은행".into(),
        account_number: "000-0000-0000".into(),
        holder: "코매칭 (데모)".into(),
        note: "데모용 계좌예요. 실제로 보내지 마세요.".into(),
    };
    db.set_payment_info(payment).await?;
    Ok(())
}

/// Signs up demo user `i` and saves its profile, as a real student would.
async fn add_user(db: &Db, i: usize, profile: Profile, hash: String) -> anyhow::Result<()> {
    let email = Email::parse(&format!("demo{i:05}@demo.comatching.kr"))?;
    let nickname = Nickname::parse(&format!("데모{i:05}"))?;
    let user = db.create_user(&email, &nickname, hash).await?;
    db.give_consent(user.id, DEFAULT_CONSENT_VERSION).await?;
    db.save_profile(user.id, profile).await?;
    Ok(())
}

fn profile(rng: &mut StdRng, i: usize, year: i32) -> anyhow::Result<Profile> {
    let hobby_count = rng.random_range(1..=3);
    let hobbies: Vec<String> = HOBBY_CATALOG
        .choose_multiple(rng, hobby_count)
        .map(|(name, _)| (*name).to_owned())
        .collect();
    let frequencies = [
        ContactFrequency::Frequent,
        ContactFrequency::Normal,
        ContactFrequency::Rare,
    ];
    Ok(Profile {
        gender: if i.is_multiple_of(2) {
            Gender::Male
        } else {
            Gender::Female
        },
        birth_year: BirthYear::parse(i64::from(year - rng.random_range(19..=27)), year)?,
        mbti: Mbti::parse(MBTI_TYPES.choose(rng).expect("non-empty"))?,
        major: Major::parse(MAJORS.choose(rng).expect("non-empty"))?,
        hobbies: Hobbies::parse(&hobbies)?,
        contact_frequency: *frequencies.choose(rng).expect("non-empty"),
        contact: Contact::parse(ContactType::Kakao, &format!("demo_{i:05}"))?,
        song: None,
        comment: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn seeds_an_empty_database_once_with_valid_profiles_and_their_events() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        assert_eq!(seed(&db, 40).await.unwrap(), 40);
        assert_eq!(seed(&db, 40).await.unwrap(), 0, "a second run adds nothing");
        assert_eq!(db.all_users().count(), 40);
        assert_eq!(db.outbox_len(), 40, "every profile waits to be published");
        assert_eq!(
            db.consent_version_in_force().unwrap(),
            Some(DEFAULT_CONSENT_VERSION),
            "the version the demo users accepted is in force"
        );
        let email = Email::parse("demo00007@demo.comatching.kr").unwrap();
        let user = db.user_by_email(&email).unwrap().unwrap();
        assert_eq!(user.profile.unwrap().gender, Gender::Female);
    }
}
