//! Decisions: what a request means for the data, between the HTTP layer above and the
//! database and broker below.

pub mod booth;
pub mod charge_feed;
pub mod chat;
pub mod consent;
pub mod majors;
pub mod matchmaker;
pub mod oidc;
pub mod operators;
pub mod password;
pub mod pricing;
pub mod reports;
