use crate::state::AppState;
use axum::extract::State;
use axum::Json;
use serde_json::{json, Value};
use std::sync::atomic::Ordering;
use storage::profile::{HobbyCategory, HOBBY_CATALOG};

/// Hobbies with their categories, prices and the match limit.
pub async fn catalog(State(state): State<AppState>) -> Json<Value> {
    let hobbies: Vec<Value> = HOBBY_CATALOG
        .iter()
        .map(|(name, category)| json!({ "name": name, "category": category }))
        .collect();
    let config = &state.config;
    Json(json!({
        "hobbies": hobbies,
        "categories": HobbyCategory::ALL,
        "prices": {
            "base": config.price_base,
            "exclude_same_major": config.price_exclude_same_major,
            "important_option": config.price_important_option,
        },
        "match_limit": config.match_limit,
    }))
}

/// Participant and match counts for the landing page.
pub async fn public_stats(State(state): State<AppState>) -> Json<Value> {
    let counters = &state.db.counters;
    Json(json!({
        "users": counters.users.load(Ordering::Relaxed),
        "matches": counters.matches.load(Ordering::Relaxed),
    }))
}
