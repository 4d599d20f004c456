//! Helpers for COMAtching's whole-system tests: a real nats-server per test, the server and
//! matcher in-process or as real processes, and a typed HTTP client.

pub mod api;
pub mod app;
pub mod audit;
pub mod browser;
pub mod chat;
pub mod cluster;
pub mod load;
pub mod nats;
pub mod oidc;
pub mod pki;
pub mod poll;
pub mod process;
pub mod smtp;

pub use api::{profile, ApiClient, Reply};
pub use app::{spawn_app, spawn_app_on, spawn_app_with, spawn_app_without_matcher, TestApp};
pub use nats::NatsServer;
pub use oidc::OidcProvider;
pub use poll::wait_until;
