//! Passwords, session tokens, and the signed-in user.

pub mod current_user;
pub mod password;
pub mod session;

pub use current_user::CurrentUser;
