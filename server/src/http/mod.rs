//! The HTTP layer: API.md's routes, their extractors, error format and JSON shapes, the
//! middleware around them, and HTTPS. Routes parse and respond; the domain decides.

pub mod auth;
mod chat_socket;
mod chat_views;
mod connections;
pub mod error;
pub mod extract;
pub mod https;
pub mod limits;
pub mod metrics;
mod middleware;
mod openapi;
mod report_views;
mod routes;
pub mod serving;
pub mod state;
pub mod views;

pub use routes::router;
