//! The session cookie, and the signed-in user as extractors with their role gates.

pub mod current_user;
pub mod roles;
pub mod session;

pub use current_user::CurrentUser;
pub use roles::{Admin, Operator};
