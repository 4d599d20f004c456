//! Property test: a random mixed workload of charges, decisions, corrections and matches, run
//! concurrently, always leaves a ledger the audit accepts, conserves every point, and keeps
//! the stored match count equal to the matches made.

use super::charges::{ChargeStatus, Decision};
use super::matches::{Proposal, Spend};
use super::{Db, DbError};
use proptest::prelude::*;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Mutex;
use storage::options::MatchOptions;
use storage::profile::{
    BirthYear, Contact, ContactFrequency, ContactType, Gender, Hobbies, Major, Mbti, Profile,
};
use storage::UserId;

#[derive(Debug, Clone)]
enum Op {
    Charge {
        user: u8,
        steps: u8,
    },
    Decide {
        charge: u8,
        to: u8,
    },
    Adjust {
        user: u8,
        delta: i16,
    },
    Match {
        user: u8,
        candidate: u8,
        important: bool,
        refund: bool,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        (0u8..6, 0u8..99).prop_map(|(user, steps)| Op::Charge { user, steps }),
        (any::<u8>(), 0u8..3).prop_map(|(charge, to)| Op::Decide { charge, to }),
        (0u8..6, -3000i16..3000).prop_map(|(user, delta)| Op::Adjust { user, delta }),
        (0u8..6, 0u8..3, any::<bool>(), any::<bool>()).prop_map(
            |(user, candidate, important, refund)| Op::Match {
                user,
                candidate,
                important,
                refund
            }
        ),
    ]
}

/// What the workload moved, to check conservation: credits − spends = Σ balances.
#[derive(Default)]
struct Flows {
    adjusted: AtomicI64,
    spent: AtomicI64,
    refunded: AtomicI64,
}

fn profile(gender: Gender) -> Profile {
    Profile {
        gender,
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

async fn users(db: &Db) -> Vec<UserId> {
    let mut ids = Vec::new();
    for i in 0..6 {
        let email = crate::model::account::Email::parse(&format!("p{i}@x.kr")).unwrap();
        let nickname = crate::model::account::Nickname::parse(&format!("p{i}")).unwrap();
        let user = db
            .create_user(&email, &nickname, "hash".into())
            .await
            .unwrap();
        let gender = if i < 3 { Gender::Male } else { Gender::Female };
        db.save_profile(user.id, profile(gender)).await.unwrap();
        ids.push(user.id);
    }
    ids
}

async fn run(db: &Db, users: &[UserId], charges: &Mutex<Vec<u64>>, flows: &Flows, op: &Op) {
    let admin = UserId(u64::MAX);
    match *op {
        Op::Charge { user, steps } => {
            let amount = 1_000 + 500 * u64::from(steps);
            if let Ok(charge) = db
                .create_charge(users[user as usize], amount, "입금자")
                .await
            {
                charges.lock().unwrap().push(charge.id);
            }
        }
        Op::Decide { charge, to } => {
            let Some(id) = ({
                let list = charges.lock().unwrap();
                (!list.is_empty()).then(|| list[charge as usize % list.len()])
            }) else {
                return;
            };
            let (decision, by) = match to {
                0 => (Decision::Approve, admin),
                1 => (Decision::Reject, admin),
                _ => (Decision::Cancel, db.charge(id).unwrap().unwrap().user_id),
            };
            let _ = db.decide_charge(id, decision, by).await;
        }
        Op::Adjust { user, delta } if delta != 0 => {
            if db
                .adjust_points(users[user as usize], i64::from(delta), "fix", admin)
                .await
                .is_ok()
            {
                flows.adjusted.fetch_add(i64::from(delta), Ordering::SeqCst);
            }
        }
        Op::Adjust { .. } => {}
        Op::Match {
            user,
            candidate,
            important,
            refund,
        } => match_once(db, users, flows, user, candidate, important, refund).await,
    }
}

/// One priced match, as the matchmaker records it: the match and its charge together, or
/// nothing when the balance does not cover the price.
async fn match_once(
    db: &Db,
    users: &[UserId],
    flows: &Flows,
    user: u8,
    candidate: u8,
    important: bool,
    refund: bool,
) {
    let (me, partner) = if user < 3 {
        (users[user as usize], users[3 + candidate as usize])
    } else {
        (users[user as usize], users[candidate as usize])
    };
    let price = if important { 1_300 } else { 1_000 };
    let proposal = Proposal {
        requester: me,
        candidate: partner,
        options: MatchOptions::default(),
        important_applied: !refund,
    };
    let refund = if important && refund { 300 } else { 0 };
    let spend = Spend {
        price,
        refund,
        idempotency: None,
    };
    match db.record_match(proposal, spend).await {
        Ok(Ok(_)) => {
            flows.spent.fetch_add(price as i64, Ordering::SeqCst);
            flows.refunded.fetch_add(refund as i64, Ordering::SeqCst);
        }
        Ok(Err(_)) | Err(DbError::InsufficientPoints) => {}
        Err(e) => panic!("record a match: {e}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 12, ..ProptestConfig::default() })]

    #[test]
    fn any_concurrent_workload_keeps_the_ledger_exact(
        workloads in proptest::collection::vec(proptest::collection::vec(op(), 1..60), 3)
    ) {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        let _inside = runtime.enter();
        let dir = tempfile::tempdir().unwrap();
        let db = Db::open(dir.path()).unwrap();
        let users = runtime.block_on(users(&db));
        let (charges, flows) = (Mutex::new(Vec::new()), Flows::default());
        runtime.block_on(futures::future::join_all(workloads.iter().map(|workload| {
            let (db, users, charges, flows) = (&db, &users, &charges, &flows);
            async move {
                for op in workload {
                    run(db, users, charges, flows, op).await;
                }
            }
        })));

        let report = db.audit().unwrap();
        prop_assert!(report.ok, "{:#?}", report.violations);
        let credited: i64 = charges.lock().unwrap().iter()
            .map(|&id| db.charge(id).unwrap().unwrap())
            .filter(|c| c.status == ChargeStatus::Approved)
            .map(|c| c.amount as i64)
            .sum();
        let balances: i64 = users.iter().map(|&u| db.account(u).unwrap().balance as i64).sum();
        let moved = credited + flows.adjusted.load(Ordering::SeqCst) - flows.spent.load(Ordering::SeqCst)
            + flows.refunded.load(Ordering::SeqCst);
        prop_assert_eq!(balances, moved, "points were created or destroyed");
        let made = db.all_matches().count() as u64;
        prop_assert_eq!(db.counters().matches.load(Ordering::SeqCst), made);
        drop(db);
        let db = super::reopen(dir.path());
        prop_assert_eq!(db.counters().matches.load(Ordering::SeqCst), made, "the stored count");
        prop_assert_eq!(db.counters().users.load(Ordering::SeqCst), users.len() as u64);
    }
}
