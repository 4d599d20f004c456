use crate::db::now_ms;
use crate::db::settings::PromoConfig;
use crate::http::error::ApiResult;
use crate::http::state::AppState;
use crate::model::time::rfc3339;
use axum::extract::State;
use axum::Json;
use serde::Serialize;
use std::sync::atomic::Ordering;
use storage::profile::{HobbyCategory, HOBBY_CATALOG};
use utoipa::ToSchema;

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

/// The discount running now.
#[derive(Serialize, ToSchema)]
pub struct ActiveDiscount {
    percent: u8,
    ends_at: String,
}

/// The promotion as students see it.
#[derive(Serialize, ToSchema)]
pub struct PromoView {
    pub active: bool,
    pub amount: u64,
    pub below: u64,
}

impl From<PromoConfig> for PromoView {
    fn from(promo: PromoConfig) -> Self {
        Self {
            active: promo.active,
            amount: promo.amount,
            below: promo.below,
        }
    }
}

/// `GET /api/catalog`: hobbies, the school's majors, prices, the match limit, the running
/// discount, the promotion.
#[derive(Serialize, ToSchema)]
pub struct CatalogReply {
    hobbies: Vec<Hobby>,
    /// Offered by the profile's major search; a major not listed is still accepted.
    majors: Vec<String>,
    categories: Vec<HobbyCategory>,
    prices: Prices,
    match_limit: u64,
    discount: Option<ActiveDiscount>,
    promo: PromoView,
}

/// `GET /api/stats/public`: the landing page's counts.
#[derive(Serialize, ToSchema)]
pub struct PublicStats {
    users: u64,
    matches: u64,
}

#[utoipa::path(get, path = "/api/catalog", tag = "public", responses((status = 200, body = CatalogReply)))]
pub async fn catalog(State(state): State<AppState>) -> ApiResult<Json<CatalogReply>> {
    let hobbies = HOBBY_CATALOG
        .iter()
        .map(|&(name, category)| Hobby { name, category })
        .collect();
    let config = &state.config;
    let discount = state.db.active_discount(now_ms())?.map(|d| ActiveDiscount {
        percent: d.percent,
        ends_at: rfc3339(d.ends_at_ms),
    });
    Ok(Json(CatalogReply {
        hobbies,
        majors: state.majors.to_vec(),
        categories: HobbyCategory::ALL.to_vec(),
        prices: Prices {
            base: config.price_base,
            exclude_same_major: config.price_exclude_same_major,
            important_option: config.price_important_option,
        },
        match_limit: config.match_limit,
        discount,
        promo: state.db.promo()?.into(),
    }))
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
