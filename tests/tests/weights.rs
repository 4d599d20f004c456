//! The weights file: it changes picks, a bad one stops the matcher at start with a clear
//! error, and SIGHUP reloads it without a restart (a bad reload keeps the weights in use).

use comatching_tests::app::spawn_app_without_matcher;
use comatching_tests::process::{matcher_args, Proc};
use comatching_tests::wait_until;
use serde_json::json;
use std::path::Path;
use std::time::Duration;
use storage::broker::MATCH_SUBJECT;
use storage::codec;
use storage::events::Features;
use storage::matching::{MatchReply, MatchRequest};
use storage::options::{AgePreference, MatchOptions};
use storage::profile::{ContactFrequency, Gender, HobbyCategory, Mbti};
use storage::UserId;

const DEADLINE: Duration = Duration::from_secs(20);

fn candidate(birth_year: u16, hobby: &str, contact: &str) -> serde_json::Value {
    json!({
        "gender": "FEMALE", "birth_year": birth_year, "mbti": "ISTJ", "major": "국문과",
        "hobbies": [hobby], "contact_frequency": "RARE", "contact": {"type": "KAKAO", "id": contact},
    })
}

/// Asks the matcher directly over NATS for the requester born in 2003 who wants someone older
/// who likes sports.
async fn ask(client: &async_nats::Client) -> Option<u64> {
    let request = MatchRequest {
        request_id: 1,
        requester_id: UserId(u64::MAX),
        requester: Features {
            gender: Gender::Male,
            birth_year: 2003,
            mbti: Mbti::parse("ENFP").unwrap(),
            hobby_mask: 0,
            contact_frequency: ContactFrequency::Normal,
            major: "수학과".into(),
            pickable: true,
        },
        options: MatchOptions {
            age: Some(AgePreference::Older),
            hobby: Some(HobbyCategory::Sports),
            ..Default::default()
        },
        exclude: vec![],
        seed: 1,
    };
    let payload = codec::encode(&request).unwrap();
    let reply = tokio::time::timeout(
        Duration::from_secs(1),
        client.request(MATCH_SUBJECT, payload.into()),
    )
    .await
    .ok()?
    .ok()?;
    match codec::decode::<MatchReply>(&reply.payload).unwrap() {
        MatchReply::Matched { candidate, .. } => Some(candidate.0),
        other => panic!("{other:?}"),
    }
}

fn write_weights(path: &Path, age: u32, hobby: u32) {
    let body = json!({"age": age, "mbti": 10, "hobby": hobby, "contact_frequency": 10});
    std::fs::write(path, body.to_string()).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weights_change_picks_and_reload_on_sighup() {
    let app = spawn_app_without_matcher().await;
    let join = |nickname: &'static str, birth_year: u16, hobby: &'static str| {
        let client = app.client();
        async move {
            let user = client
                .signup(&format!("{nickname}@test.ac.kr"), nickname)
                .await
                .expect(201);
            client
                .put_profile(&candidate(birth_year, hobby, nickname))
                .await
                .expect(200);
            user["user"]["id"].as_str().unwrap().parse::<u64>().unwrap()
        }
    };
    // Older (born 2000) but reads; younger (2005) but plays football.
    let older_id = join("older", 2000, "독서").await;
    let sporty_id = join("sporty", 2005, "축구").await;
    app.wait_outbox_empty().await;

    let weights = app.dir.path().join("weights.json");
    std::fs::write(&weights, "{\"age\": 20}").unwrap();
    let flag = |path: &Path| vec!["--weights".to_owned(), path.display().to_string()];
    let weights_arg = weights.display().to_string();
    let args = matcher_args(
        &app.nats.url(),
        &app.matcher_dir(),
        "test",
        &["--weights", &weights_arg],
    );
    let (started, output) = Proc::run("comatching-matcher", &args, "");
    assert!(!started, "a malformed weights file must stop the matcher");
    assert!(
        output.contains("weights.json") && output.contains("missing field"),
        "{output}"
    );

    write_weights(&weights, 100, 1);
    let matcher = app.spawn_matcher_process_with("matcher.log", &flag(&weights));
    app.wait_matcher_synced().await;
    let nats = async_nats::connect(app.nats.url()).await.unwrap();
    let first = wait_until("the matcher to answer", DEADLINE, || ask(&nats)).await;
    assert_eq!(first, older_id, "age weighs more: the older candidate wins");

    write_weights(&weights, 1, 100);
    matcher.signal("HUP");
    wait_until("SIGHUP to bring in the new weights", DEADLINE, || async {
        (ask(&nats).await? == sporty_id).then_some(())
    })
    .await;

    std::fs::write(&weights, "{ broken").unwrap();
    matcher.signal("HUP");
    for _ in 0..20 {
        assert_eq!(
            ask(&nats).await,
            Some(sporty_id),
            "a bad reload must keep the weights in use"
        );
    }
    matcher.terminate();
    app.stop().await;
}
