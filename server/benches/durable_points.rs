//! Durable points operations per second: group commit against one flush per operation, same
//! workload, same run. Each operation is an operator correction (a ledger transaction), and it
//! counts only once it is on disk. With group commit, corrections that arrive together share
//! one batched transaction and one flush; with one flush per operation, each correction is
//! committed and flushed on its own. Run by `scripts/bench.sh`.

use comatching_server::db::Db;
use comatching_server::model::account::{Email, Nickname};
use std::sync::Arc;
use std::time::Instant;
use storage::UserId;
use tokio::sync::Mutex;

/// Concurrent clients, like requests arriving at the booth.
const CLIENTS: usize = 128;
const GROUP_COMMIT_OPS: usize = 100_000;
/// Flushing every operation is slow: a smaller run gives the same rate.
const FLUSH_PER_OP_OPS: usize = 2_000;

#[derive(Clone, Copy)]
enum Mode {
    GroupCommit,
    FlushPerOperation,
}

async fn run(db: Arc<Db>, users: Arc<Vec<UserId>>, mode: Mode, total: usize) -> f64 {
    let one_operation_at_a_time = Arc::new(Mutex::new(()));
    let start = Instant::now();
    let tasks: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let (db, users, lock) = (db.clone(), users.clone(), one_operation_at_a_time.clone());
            tokio::spawn(async move {
                for _ in 0..total / CLIENTS {
                    let user = users[client % users.len()];
                    match mode {
                        Mode::GroupCommit => {
                            // Returns once the correction is on disk (the writer's batch flush).
                            db.adjust_points(user, 1, "bench", user)
                                .await
                                .expect("adjust");
                        }
                        Mode::FlushPerOperation => {
                            // One at a time, so each batch holds one correction and each flush
                            // carries just it: without the lock this is group commit again.
                            let _alone = lock.lock().await;
                            db.adjust_points(user, 1, "bench", user)
                                .await
                                .expect("adjust");
                        }
                    }
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.expect("client");
    }
    (total / CLIENTS * CLIENTS) as f64 / start.elapsed().as_secs_f64()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir_in(".").expect("temp dir on the project's disk");
        let db = Db::open(dir.path()).expect("open");
        let mut users = Vec::with_capacity(CLIENTS);
        for i in 0..CLIENTS {
            let email = Email::parse(&format!("bench{i}@x.kr")).unwrap();
            let nickname = Nickname::parse(&format!("bench{i}")).unwrap();
            let user = db.create_user(&email, &nickname, "hash".into()).await;
            users.push(user.unwrap().id);
        }
        let users = Arc::new(users);
        let grouped = run(db.clone(), users.clone(), Mode::GroupCommit, GROUP_COMMIT_OPS).await;
        let single = run(db.clone(), users.clone(), Mode::FlushPerOperation, FLUSH_PER_OP_OPS).await;
        let report = db.audit().expect("audit");
        assert!(report.ok, "{:?}", report.violations);
        println!("Durable points operations ({CLIENTS} concurrent clients, operator corrections, sled on disk)");
        println!("| mode | operations | durable ops/s |");
        println!("|---|---:|---:|");
        println!("| group commit | {GROUP_COMMIT_OPS} | {grouped:.0} |");
        println!("| one flush per operation | {FLUSH_PER_OP_OPS} | {single:.0} |");
        println!("| ratio | | {:.1}x |", grouped / single);
    });
}
