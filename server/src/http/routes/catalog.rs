use crate::http::state::AppState;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use std::sync::atomic::Ordering;
use storage::profile::{HobbyCategory, HOBBY_CATALOG};
use utoipa::ToSchema;

/// Hobbies with their categories, prices and the match limit.
/// A hobby of the catalog and its category.
#[derive(Serialize, ToSchema)]
pub struct Hobby {
    name: &'static str,
    category: HobbyCategory,
}

/// What a match costs.
#[derive(Serialize, ToSchema)]
pub struct Prices {
    base: u64,
    exclude_same_major: u64,
    important_option: u64,
}

/// `GET /api/catalog`: hobbies, prices and the match limit.
#[derive(Serialize, ToSchema)]
pub struct CatalogReply {
    hobbies: Vec<Hobby>,
    categories: Vec<HobbyCategory>,
    prices: Prices,
    match_limit: u64,
}

/// `GET /api/stats/public`: the landing page's counts.
#[derive(Serialize, ToSchema)]
pub struct PublicStats {
    users: u64,
    matches: u64,
}

#[utoipa::path(get, path = "/api/catalog", tag = "public", responses((status = 200, body = CatalogReply)))]
pub async fn catalog(State(state): State<AppState>) -> Json<CatalogReply> {
    let hobbies = HOBBY_CATALOG
        .iter()
        .map(|&(name, category)| Hobby { name, category })
        .collect();
    let config = &state.config;
    Json(CatalogReply {
        hobbies,
        categories: HobbyCategory::ALL.to_vec(),
        prices: Prices {
            base: config.price_base,
            exclude_same_major: config.price_exclude_same_major,
            important_option: config.price_important_option,
        },
        match_limit: config.match_limit,
    })
}

/// Participant and match counts for the landing page.
#[utoipa::path(get, path = "/api/stats/public", tag = "public", responses((status = 200, body = PublicStats)))]
pub async fn public_stats(State(state): State<AppState>) -> Json<PublicStats> {
    let counters = state.db.counters();
    Json(PublicStats {
        users: counters.users.load(Ordering::Relaxed),
        matches: counters.matches.load(Ordering::Relaxed),
    })
}
