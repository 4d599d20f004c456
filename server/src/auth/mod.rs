//! Passwords, session tokens, and the signed-in user.

pub mod current_user;
pub mod password;
pub mod roles;
pub mod session;

pub use current_user::CurrentUser;
pub use roles::{Admin, Operator};
