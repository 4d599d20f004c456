//! `check-matcher`: does the matcher's table hold exactly the server's users, each at its
//! latest version and pickable state? Run when the outbox is empty (events in flight are
//! differences until they arrive).

use crate::db::Db;
use std::collections::HashMap;
use storage::columnar::{status, FeatureTable};

/// The most differences listed (the count is always exact).
pub const MAX_LISTED: usize = 100;

/// Every difference between the server's users and `table`, as sentences.
pub fn differences(db: &Db, table: &FeatureTable) -> anyhow::Result<Vec<String>> {
    let mut rows: HashMap<u64, (u64, u8)> = HashMap::with_capacity(table.len());
    for index in 0..table.len() {
        let row = table.row(index);
        rows.insert(row.id.0, (row.version, row.status));
    }
    let mut found = Vec::new();
    for user in db.all_users() {
        let user = user?;
        let row = rows.remove(&user.id.0);
        if user.profile.is_none() {
            if row.is_some() {
                found.push(format!(
                    "user {}: in the matcher but has no profile",
                    user.id
                ));
            }
            continue;
        }
        let expected = if user.withdrawn {
            status::REMOVED
        } else if user.pickable() {
            status::PICKABLE
        } else {
            status::HIDDEN
        };
        match row {
            None => found.push(format!("user {}: missing from the matcher (version {})", user.id, user.version)),
            Some((version, state)) if version != user.version || state != expected => found.push(format!(
                "user {}: matcher has version {version} status {state}, server has version {} status {expected}",
                user.id, user.version
            )),
            Some(_) => {}
        }
    }
    found.extend(
        rows.keys()
            .map(|id| format!("user {id}: in the matcher but unknown to the server")),
    );
    Ok(found)
}
