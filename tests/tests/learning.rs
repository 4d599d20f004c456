//! The learning loop, whole: students give feedback on real matches, an admin exports the
//! candidates and the matches, `comatching-matcher train` turns them into weights, SIGHUP
//! brings them in, and the matcher then favours what made matches good.
//!
//! The planted preference: a match is good exactly when the partner has a hobby in the
//! category the requester asked for (one answer in ten flipped, as noise). Picks are measured
//! by asking the matcher directly with fixed seeds, before and after, on the same requests.

use comatching_tests::app::{spawn_app_without_matcher, TestApp};
use comatching_tests::process::Proc;
use comatching_tests::{wait_until, ApiClient};
use rand::rngs::StdRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;
use storage::broker::MATCH_SUBJECT;
use storage::codec;
use storage::events::Features;
use storage::matching::{MatchReply, MatchRequest};
use storage::options::{AgePreference, MatchOptions};
use storage::profile::{
    ContactFrequency, Gender, HobbyCategory, Mbti, MbtiPreference, HOBBY_CATALOG,
};
use storage::UserId;

const DEADLINE: Duration = Duration::from_secs(30);
const CANDIDATES: usize = 60;
const REQUESTERS: usize = 24;
const MATCHES_EACH: usize = 10;
/// Fixed-seed questions asked of the matcher before and after training.
const PROBES: u64 = 300;
const MBTI: [&str; 4] = ["ENFP", "ISTJ", "INTP", "ESFJ"];
const FREQUENCIES: [&str; 3] = ["FREQUENT", "NORMAL", "RARE"];
/// Every category: each student's hobbies are in one of them, so few agree with an ask.
const CATEGORIES: [HobbyCategory; 7] = HobbyCategory::ALL;

/// A random profile whose hobbies are all in one category.
fn profile(rng: &mut StdRng, gender: &str, contact: &str) -> Value {
    let wanted = *CATEGORIES.choose(rng).unwrap();
    let hobbies: Vec<&str> = HOBBY_CATALOG
        .iter()
        .filter(|(_, category)| *category == wanted)
        .map(|(name, _)| *name)
        .collect::<Vec<_>>()
        .choose_multiple(rng, 2)
        .copied()
        .collect();
    json!({
        "gender": gender, "birth_year": rng.random_range(1999..=2006),
        "mbti": MBTI.choose(rng).unwrap(), "major": "수학과", "hobbies": hobbies,
        "contact_frequency": FREQUENCIES.choose(rng).unwrap(),
        "contact": {"type": "KAKAO", "id": contact},
    })
}

/// Signs up `nickname` with `profile`; returns the client and the user id.
async fn join(app: &TestApp, nickname: &str, profile: &Value) -> (ApiClient, u64) {
    let client = app.client();
    let user = client
        .signup(&format!("{nickname}@test.ac.kr"), nickname)
        .await
        .expect(201);
    client.put_profile(profile).await.expect(200);
    let id = user["user"]["id"].as_str().unwrap().parse().unwrap();
    (client, id)
}

/// The hobby categories of a profile's (or a partner's) hobby names.
fn categories(hobbies: &Value) -> u8 {
    hobbies
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|name| {
            let name = name.as_str()?;
            HOBBY_CATALOG.iter().find(|(known, _)| *known == name)
        })
        .map(|&(_, category)| category)
        .fold(0, |mask, category| mask | category.bit())
}

/// Options with every preference set, the hobby category among [`CATEGORIES`].
fn options(rng: &mut StdRng) -> (Value, HobbyCategory) {
    let hobby = *CATEGORIES.choose(rng).unwrap();
    let age = ["OLDER", "YOUNGER", "EQUAL"].choose(rng).unwrap();
    let mbti = ["EN", "IS", "NT", "SF"].choose(rng).unwrap();
    let frequency = FREQUENCIES.choose(rng).unwrap();
    let body = json!({"options": {"age": age, "mbti": mbti, "hobby": hobby.as_str(),
        "contact_frequency": frequency}});
    (body, hobby)
}

/// Real matches with feedback: good exactly when the partner shares the asked category, one
/// answer in ten flipped. Returns how many answers were given.
async fn matches_with_feedback(app: &TestApp, rng: &mut StdRng) -> usize {
    let mut answered = 0;
    for r in 0..REQUESTERS {
        let (requester, _) = join(app, &format!("req{r}"), &profile(rng, "MALE", "k")).await;
        app.fund(&requester, (MATCHES_EACH * 1_000) as u64).await;
        for _ in 0..MATCHES_EACH {
            let (body, hobby) = options(rng);
            let made = requester.post("/api/matches", &body).await;
            if made.status != 201 {
                break;
            }
            let partner = &made.body["match"]["partner"];
            let agrees = categories(&partner["hobbies"]) & hobby.bit() != 0;
            let good = agrees != rng.random_bool(0.1);
            let id = made.body["match"]["id"].as_str().unwrap();
            requester
                .put(
                    &format!("/api/matches/{id}/feedback"),
                    &json!({"good": good}),
                )
                .await
                .expect(200);
            answered += 1;
        }
    }
    answered
}

/// The share of fixed-seed questions whose pick has a hobby in the asked category.
async fn hobby_pick_rate(nats: &async_nats::Client, hobbies: &HashMap<u64, u8>) -> f64 {
    let mut rng = StdRng::seed_from_u64(7);
    let mut agreeing = 0;
    for seed in 0..PROBES {
        let hobby = *CATEGORIES.choose(&mut rng).unwrap();
        let request = MatchRequest {
            request_id: seed,
            requester_id: UserId(u64::MAX),
            requester: Features {
                gender: Gender::Male,
                birth_year: rng.random_range(1999..=2006),
                mbti: Mbti::parse(MBTI.choose(&mut rng).unwrap()).unwrap(),
                hobby_mask: 0,
                contact_frequency: ContactFrequency::Normal,
                major: "국문과".into(),
                pickable: true,
            },
            options: MatchOptions {
                age: Some(
                    *[AgePreference::Older, AgePreference::Younger]
                        .choose(&mut rng)
                        .unwrap(),
                ),
                mbti: Some(
                    MbtiPreference::parse(["EN", "IS", "NT", "SF"].choose(&mut rng).unwrap())
                        .unwrap(),
                ),
                hobby: Some(hobby),
                contact_frequency: Some(
                    *[ContactFrequency::Rare, ContactFrequency::Frequent]
                        .choose(&mut rng)
                        .unwrap(),
                ),
                ..Default::default()
            },
            exclude: vec![],
            seed,
        };
        let payload = codec::encode(&request).unwrap();
        let reply = nats.request(MATCH_SUBJECT, payload.into()).await.unwrap();
        let MatchReply::Matched { candidate, .. } = codec::decode(&reply.payload).unwrap() else {
            panic!("no pick for probe {seed}");
        };
        agreeing += u32::from(hobbies[&candidate.0] & hobby.bit() != 0);
    }
    f64::from(agreeing) / PROBES as f64
}

/// Downloads an admin export to `path`.
async fn export(app: &TestApp, what: &str, path: &Path) {
    let (status, csv) = app
        .admin()
        .await
        .text(&format!("/api/admin/export/{what}.csv"))
        .await;
    assert_eq!(status, 200);
    std::fs::write(path, csv).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn training_on_feedback_makes_the_matcher_favour_what_was_good() {
    let app = spawn_app_without_matcher().await;
    let dir = app.dir.path().to_owned();
    let weights = dir.join("weights.json");
    let defaults = json!({"age": 20, "mbti": 10, "hobby": 15, "contact_frequency": 10});
    std::fs::write(&weights, defaults.to_string()).unwrap();
    let weights_arg = weights.display().to_string();
    let matcher =
        app.spawn_matcher_process_with("matcher.log", &["--weights".into(), weights_arg.clone()]);

    let mut rng = StdRng::seed_from_u64(2026);
    let mut hobbies = HashMap::new();
    for c in 0..CANDIDATES {
        let drafted = profile(&mut rng, "FEMALE", &format!("c{c}"));
        let (_, id) = join(&app, &format!("cand{c}"), &drafted).await;
        hobbies.insert(id, categories(&drafted["hobbies"]));
    }
    app.ready_for_matches().await;
    let answered = matches_with_feedback(&app, &mut rng).await;
    assert!(answered >= 150, "only {answered} matches got feedback");

    let nats = async_nats::connect(app.nats.url()).await.unwrap();
    let before = hobby_pick_rate(&nats, &hobbies).await;

    let (candidates, matches) = (dir.join("candidates.csv"), dir.join("matches.csv"));
    export(&app, "candidates", &candidates).await;
    export(&app, "matches", &matches).await;
    let args = [
        "train",
        "--candidates",
        &candidates.display().to_string(),
        "--matches",
        &matches.display().to_string(),
        "--out",
        &weights_arg,
        "--weights",
        &weights_arg,
    ]
    .map(str::to_owned);
    let (trained, report) = Proc::run("comatching-matcher", &args, "");
    assert!(trained, "training failed:\n{report}");
    assert!(report.contains("AUC"), "{report}");
    let learned: Value = serde_json::from_str(&std::fs::read_to_string(&weights).unwrap()).unwrap();
    let hobby_weight = learned["hobby"].as_f64().unwrap();
    for other in ["age", "mbti", "contact_frequency"] {
        assert!(
            hobby_weight > learned[other].as_f64().unwrap(),
            "{learned}\n{report}"
        );
    }

    matcher.signal("HUP");
    let log = dir.join("matcher.log");
    wait_until("the matcher to reload its weights", DEADLINE, || async {
        std::fs::read_to_string(&log)
            .ok()?
            .contains("weights reloaded")
            .then_some(())
    })
    .await;
    let after = hobby_pick_rate(&nats, &hobbies).await;
    println!("hobby agreement of picks: {before:.2} with the defaults, {after:.2} learned");
    assert!(
        after >= before + 0.15 && after >= 0.95,
        "learned weights must favour the planted preference: {before:.2} → {after:.2}\n{report}"
    );
    matcher.terminate();
    app.stop().await;
}
