//! Backups into the cluster: on a schedule, a consistent backup of the whole database (taken
//! under the write barrier, as `backup` is) goes to a JetStream Object Store bucket with as
//! many replicas as the `USERS` stream, and only the newest `--backup-keep` stay. Losing the
//! server's machine then loses at most one interval: `restore --from-nats` on another machine
//! brings the newest back, and [`crate::db::Db::supersede_stream_versions`] makes the restored
//! state the newest the matchers hear of.

use crate::db::Db;
use anyhow::Context;
use async_nats::jetstream::{self, object_store, stream::StorageType};
use futures::StreamExt;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use storage::broker::USERS_STREAM;
use storage::events::UserEvent;
use storage::UserId;
use tokio::sync::RwLock;
use tokio_util::sync::CancellationToken;

/// The bucket the backups go to.
pub const BUCKET: &str = "comatching-backups";
/// Backups are named `backup-<ms since the epoch, 20 digits>`: their names sort by age.
const PREFIX: &str = "backup-";
/// The most backups kept.
pub const MAX_KEEP: u64 = 1_000;
/// After a failed backup, the next try comes this much sooner than the interval.
const RETRY_AFTER: Duration = Duration::from_secs(30);

/// When and how many.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct BackupArgs {
    /// Seconds between backups into the cluster's object store (0: none).
    #[arg(
        long = "backup-every",
        env = "COMATCHING_BACKUP_EVERY",
        default_value_t = 0
    )]
    pub every_secs: u64,
    /// How many of the newest backups the bucket keeps.
    #[arg(long = "backup-keep", env = "COMATCHING_BACKUP_KEEP", default_value_t = 24,
        value_parser = clap::value_parser!(u64).range(1..=MAX_KEEP))]
    pub keep: u64,
}

impl Default for BackupArgs {
    fn default() -> Self {
        Self {
            every_secs: 0,
            keep: 24,
        }
    }
}

/// Backs up every interval until cancelled (nothing when the interval is 0).
pub async fn run(
    db: Arc<Db>,
    nats: async_nats::Client,
    barrier: Arc<RwLock<()>>,
    args: BackupArgs,
    replicas: usize,
    data_dir: PathBuf,
    cancel: CancellationToken,
) {
    if args.every_secs == 0 {
        return;
    }
    let every = Duration::from_secs(args.every_secs);
    let js = jetstream::new(nats);
    let mut wait = every;
    loop {
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = cancel.cancelled() => return,
        }
        wait = match back_up(&db, &js, &barrier, args.keep, replicas, &data_dir).await {
            Ok(name) => {
                tracing::info!(%name, bucket = BUCKET, "backup stored in the cluster");
                every
            }
            Err(e) => {
                tracing::warn!(error = %format!("{e:#}"), "backup into the cluster failed");
                every.min(RETRY_AFTER)
            }
        };
    }
}

/// One backup: written under the barrier to a local file, then stored, then the oldest pruned.
async fn back_up(
    db: &Arc<Db>,
    js: &jetstream::Context,
    barrier: &RwLock<()>,
    keep: u64,
    replicas: usize,
    data_dir: &Path,
) -> anyhow::Result<String> {
    let dir = data_dir.join("backups");
    storage::process::create_private_dir(&dir)?;
    let file = dir.join("cluster.bkp");
    let name = format!("{PREFIX}{:020}", crate::db::now_ms());
    {
        let _writes_wait = super::control::pause_writes(barrier).await?;
        let (db, file) = (db.clone(), file.clone());
        tokio::task::spawn_blocking(move || db.write_backup(&file)).await??;
    }
    let bucket = bucket(js, replicas).await?;
    let mut reader = tokio::fs::File::open(&file).await?;
    bucket
        .put(name.as_str(), &mut reader)
        .await
        .context("store the backup")?;
    prune(&bucket, keep).await?;
    Ok(name)
}

async fn bucket(
    js: &jetstream::Context,
    replicas: usize,
) -> anyhow::Result<object_store::ObjectStore> {
    if let Ok(bucket) = js.get_object_store(BUCKET).await {
        return Ok(bucket);
    }
    js.create_object_store(object_store::Config {
        bucket: BUCKET.to_owned(),
        description: Some("COMAtching server backups".to_owned()),
        num_replicas: replicas,
        storage: StorageType::File,
        ..Default::default()
    })
    .await
    .context("create the backup bucket")
}

/// The backups in the bucket, oldest first.
async fn backups(bucket: &object_store::ObjectStore) -> anyhow::Result<Vec<String>> {
    let mut list = bucket.list().await.context("list the backups")?;
    let mut names = Vec::new();
    while let Some(info) = list.next().await {
        let info = info.context("list the backups")?;
        if info.name.starts_with(PREFIX) && !info.deleted {
            names.push(info.name);
        }
        anyhow::ensure!(
            names.len() as u64 <= MAX_KEEP * 2,
            "too many backups in {BUCKET}"
        );
    }
    names.sort();
    Ok(names)
}

/// Deletes all but the newest `keep`.
async fn prune(bucket: &object_store::ObjectStore, keep: u64) -> anyhow::Result<()> {
    let names = backups(bucket).await?;
    let extra = names.len().saturating_sub(keep as usize);
    for name in &names[..extra] {
        bucket
            .delete(name)
            .await
            .with_context(|| format!("delete {name}"))?;
    }
    Ok(())
}

/// Brings the newest backup in the cluster into `data_dir` (new, empty), then makes its state
/// the newest on the stream (see [`Db::supersede_stream_versions`]). Returns the backup's name
/// and the records restored.
pub async fn restore_from_nats(
    nats: async_nats::Client,
    data_dir: &Path,
) -> anyhow::Result<(String, u64)> {
    let js = jetstream::new(nats);
    let bucket = js
        .get_object_store(BUCKET)
        .await
        .with_context(|| format!("the bucket {BUCKET} (no backups in this cluster?)"))?;
    let name = backups(&bucket)
        .await?
        .pop()
        .with_context(|| format!("no backups in {BUCKET}"))?;
    let download = data_dir.with_extension("download");
    {
        let mut object = bucket
            .get(&name)
            .await
            .with_context(|| format!("get {name}"))?;
        let mut file = tokio::fs::File::create(&download).await?;
        tokio::io::copy(&mut object, &mut file)
            .await
            .context("download")?;
        file.sync_all().await?;
    }
    let (from, to) = (download.clone(), data_dir.to_owned());
    let records = tokio::task::spawn_blocking(move || crate::db::restore(&from, &to)).await??;
    std::fs::remove_file(&download).ok();
    let versions = stream_versions(&js).await?;
    let db = Db::open(data_dir)?;
    db.supersede_stream_versions(versions).await?;
    db.flush()?;
    Ok((name, records))
}

/// Each user's newest version on the `USERS` stream (one message a user).
async fn stream_versions(js: &jetstream::Context) -> anyhow::Result<HashMap<UserId, u64>> {
    let mut stream = js
        .get_stream(USERS_STREAM)
        .await
        .context("the USERS stream")?;
    let last = stream.info().await?.state.last_sequence;
    let mut versions = HashMap::new();
    if last == 0 {
        return Ok(versions);
    }
    let consumer = stream
        .create_consumer(jetstream::consumer::pull::OrderedConfig::default())
        .await
        .context("read the USERS stream")?;
    let mut messages = consumer.messages().await?;
    while let Some(message) = messages.next().await {
        let message = message.context("read the USERS stream")?;
        let event: UserEvent =
            storage::codec::decode(&message.payload).context("an event on the USERS stream")?;
        versions.insert(event.user_id(), event.version());
        if message.info().map_err(anyhow::Error::msg)?.stream_sequence >= last {
            break;
        }
    }
    Ok(versions)
}
