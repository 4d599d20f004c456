//! Operator tools and housekeeping: the first admin, the control socket of a running server,
//! the training export, the matcher consistency check, demo data, and the sweeper.

pub mod admin;
pub mod cluster_backup;
pub mod consistency;
pub mod control;
pub mod demo;
pub mod export;
pub mod sweeper;
