//! Backups of the whole database.
//!
//! A backup file: magic, then for each tree its name, its key/value pairs (each
//! length-prefixed) and an end mark, then a CRC-32 of everything before it. Taken from a
//! running server through its control socket while the write barrier holds every
//! state-changing request and the work one leaves running (a match whose client left), so it is
//! consistent; or from a stopped server's directory.
//!
//! Background work still writes meanwhile (the relay deleting published events, the sweeper,
//! the mail sender); a backup with or without such a change restores to a sound database (an
//! event published again is a duplicate, an expired session is swept again), but the change
//! must not break the file. The first format wrote each tree's length before its items, so an
//! entry deleted in between left the count wrong and the backup unreadable; this one ends each
//! tree with a mark instead. Files of the first format still restore.

use super::Db;
use anyhow::Context;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

/// The format written: trees end with [`END_OF_TREE`].
const MAGIC: &[u8; 8] = b"COMABKP2";
/// The first format: each tree's item count before its items.
const MAGIC_COUNTED: &[u8; 8] = b"COMABKP1";
/// The largest key or value a backup may hold (sled values here are small records).
const MAX_ITEM_BYTES: u32 = 64 << 20;
/// Where a key's length would be: the tree has no more items. Never a length, as no item may be
/// longer than [`MAX_ITEM_BYTES`].
const END_OF_TREE: u32 = u32::MAX;

impl Db {
    /// Writes every tree to `out` (through a temporary file, fsynced, then renamed). The
    /// caller keeps state-changing requests out meanwhile (the write barrier, or a stopped
    /// server); background writes may go on (see the module's comment).
    pub fn write_backup(&self, out: &Path) -> anyhow::Result<u64> {
        write_backup(&self.db, out)
    }
}

fn write_backup(db: &sled::Db, out: &Path) -> anyhow::Result<u64> {
    let temp = out.with_extension("partial");
    let file =
        std::fs::File::create(&temp).with_context(|| format!("create {}", temp.display()))?;
    let mut writer = Crc32Writer {
        inner: BufWriter::new(file),
        hasher: crc32fast::Hasher::new(),
    };
    writer.write_all(MAGIC)?;
    let mut items = 0u64;
    for name in db.tree_names() {
        let tree = db.open_tree(&name)?;
        write_item(&mut writer, &name)?;
        for entry in tree.iter() {
            let (key, value) = entry?;
            write_item(&mut writer, &key)?;
            write_item(&mut writer, &value)?;
            items += 1;
        }
        writer.write_all(&END_OF_TREE.to_le_bytes())?;
    }
    let checksum = writer.hasher.clone().finalize();
    let mut inner = writer.inner;
    inner.write_all(&checksum.to_le_bytes())?;
    let file = inner
        .into_inner()
        .map_err(|e| anyhow::anyhow!("flush: {}", e.error()))?;
    file.sync_all().context("fsync the backup")?;
    std::fs::rename(&temp, out).with_context(|| format!("rename to {}", out.display()))?;
    Ok(items)
}

/// Loads a backup (of either format) into `dir`, which must not hold a database yet. A backup
/// found damaged on the way leaves nothing behind in `dir` (so the next try can use it).
pub fn restore(from: &Path, dir: &Path) -> anyhow::Result<u64> {
    anyhow::ensure!(
        !dir.exists() || std::fs::read_dir(dir)?.next().is_none(),
        "{} is not empty: restore into a new directory, then point --data-dir at it",
        dir.display()
    );
    let bytes = std::fs::read(from).with_context(|| format!("read {}", from.display()))?;
    let counted = bytes.starts_with(MAGIC_COUNTED);
    anyhow::ensure!(
        bytes.len() >= MAGIC.len() + 4 && (bytes.starts_with(MAGIC) || counted),
        "{} is not a COMAtching backup",
        from.display()
    );
    let (content, checksum) = bytes.split_at(bytes.len() - 4);
    anyhow::ensure!(
        crc32fast::hash(content).to_le_bytes() == checksum,
        "{} is damaged (checksum mismatch)",
        from.display()
    );
    let existed = dir.exists();
    storage::process::create_private_dir(dir)
        .with_context(|| format!("create the directory {}", dir.display()))?;
    let loaded = load(&content[MAGIC.len()..], counted, dir);
    if loaded.is_err() {
        empty(dir, existed);
    }
    let items = loaded?;
    // A caller may open it at once (`restore --from-nats` does).
    super::wait_closed(dir)
        .with_context(|| format!("the restored database in {}", dir.display()))?;
    Ok(items)
}

/// Takes a failed restore's files out of `dir` (empty before it), and `dir` itself unless it
/// `existed` (an operator's empty directory stays, with its owner and mode).
fn empty(dir: &Path, existed: bool) {
    if !existed {
        std::fs::remove_dir_all(dir).ok();
        return;
    }
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        let removed = if path.is_dir() {
            std::fs::remove_dir_all(&path)
        } else {
            std::fs::remove_file(&path)
        };
        if let Err(e) = removed {
            tracing::warn!(path = %path.display(), error = %e, "could not remove a failed restore's file");
        }
    }
}

/// Loads the trees of a checked backup's `content` into a new database in `dir`.
fn load(content: &[u8], counted: bool, dir: &Path) -> anyhow::Result<u64> {
    let db =
        sled::open(dir).with_context(|| format!("create the database in {}", dir.display()))?;
    let mut reader = BufReader::new(content);
    let mut items = 0u64;
    while let Some(name) = read_item(&mut reader)? {
        let tree = db.open_tree(&name)?;
        items += if counted {
            restore_counted_tree(&mut reader, &tree)?
        } else {
            restore_tree(&mut reader, &tree)?
        };
    }
    db.flush()?;
    Ok(items)
}

/// Reads a tree's items up to its end mark into `tree`; returns how many.
fn restore_tree(reader: &mut impl Read, tree: &sled::Tree) -> anyhow::Result<u64> {
    let mut items = 0u64;
    loop {
        let len = read_len(reader)?.context("truncated backup")?;
        if len == END_OF_TREE {
            return Ok(items);
        }
        let key = read_bytes(reader, len)?;
        let value = read_item(reader)?.context("truncated backup")?;
        tree.insert(key, value)?;
        items += 1;
    }
}

/// Reads a tree of the first format (its count, then its items) into `tree`.
fn restore_counted_tree(reader: &mut impl Read, tree: &sled::Tree) -> anyhow::Result<u64> {
    let mut count = [0u8; 8];
    reader.read_exact(&mut count).context("truncated backup")?;
    let count = u64::from_le_bytes(count);
    for _ in 0..count {
        let key = read_item(reader)?.context("truncated backup")?;
        let value = read_item(reader)?.context("truncated backup")?;
        tree.insert(key, value)?;
    }
    Ok(count)
}

/// Writes `bytes` with its length before it; refuses what [`restore`] would refuse.
fn write_item(writer: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    let len = u32::try_from(bytes.len())
        .ok()
        .filter(|&len| len <= MAX_ITEM_BYTES)
        .ok_or_else(|| std::io::Error::other(format!("an item of {} bytes", bytes.len())))?;
    writer.write_all(&len.to_le_bytes())?;
    writer.write_all(bytes)
}

fn read_item(reader: &mut impl Read) -> anyhow::Result<Option<Vec<u8>>> {
    read_len(reader)?
        .map(|len| read_bytes(reader, len))
        .transpose()
}

/// The next length prefix; `None` at the very end of the backup (a prefix cut short is an
/// error).
fn read_len(reader: &mut impl Read) -> anyhow::Result<Option<u32>> {
    let mut len = [0u8; 4];
    if reader.read(&mut len[..1])? == 0 {
        return Ok(None);
    }
    reader
        .read_exact(&mut len[1..])
        .context("truncated backup")?;
    Ok(Some(u32::from_le_bytes(len)))
}

fn read_bytes(reader: &mut impl Read, len: u32) -> anyhow::Result<Vec<u8>> {
    anyhow::ensure!(
        len <= MAX_ITEM_BYTES,
        "an item of {len} bytes: damaged backup"
    );
    let mut item = vec![0; len as usize];
    reader.read_exact(&mut item).context("truncated backup")?;
    Ok(item)
}

/// Computes the checksum of everything written through it.
struct Crc32Writer<W: Write> {
    inner: W,
    hasher: crc32fast::Hasher,
}

impl<W: Write> Write for Crc32Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let written = self.inner.write(buf)?;
        self.hasher.update(&buf[..written]);
        Ok(written)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;

    /// A tree's name and its items, in order.
    type TreeContents = (Vec<u8>, Vec<(Vec<u8>, Vec<u8>)>);

    /// What a restored database holds: every tree, sorted by name.
    fn contents(db: &sled::Db) -> Vec<TreeContents> {
        let mut trees: Vec<_> = db
            .tree_names()
            .into_iter()
            .map(|name| {
                let tree = db.open_tree(&name).unwrap();
                let items = tree
                    .iter()
                    .map(|item| {
                        let (key, value) = item.unwrap();
                        (key.to_vec(), value.to_vec())
                    })
                    .collect();
                (name.to_vec(), items)
            })
            .collect();
        trees.sort();
        trees
    }

    /// Backups taken while a tree's entries come and go (as the relay deletes published
    /// events during a backup) all restore, with every other tree exactly as it was. The
    /// first format wrote a tree's count before its items and broke here.
    #[test]
    fn backups_taken_while_entries_come_and_go_restore() {
        const BACKUPS: usize = 5;
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        let (users, churned) = (
            db.open_tree("users").unwrap(),
            db.open_tree("outbox").unwrap(),
        );
        for i in 0u64..2_000 {
            users.insert(i.to_be_bytes(), &[7u8; 100][..]).unwrap();
            churned.insert(i.to_be_bytes(), &[1u8; 100][..]).unwrap();
        }
        let stop = Arc::new(AtomicBool::new(false));
        let churn = {
            let (churned, stop) = (churned.clone(), stop.clone());
            // Five hundred in, then the same five hundred out, over and over: the tree's length
            // moves all the time, as it does while events are queued and published.
            std::thread::spawn(move || {
                for step in 0u64..10_000_000 {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let key = (10_000 + step % 500).to_be_bytes();
                    if (step / 500) % 2 == 0 {
                        churned.insert(key, &[2u8; 100][..]).unwrap();
                    } else {
                        churned.remove(key).unwrap();
                    }
                }
            })
        };
        for round in 0..BACKUPS {
            let file = dir.path().join(format!("{round}.bkp"));
            write_backup(&db, &file).unwrap();
            let restored_dir = dir.path().join(format!("restored-{round}"));
            let items = restore(&file, &restored_dir)
                .unwrap_or_else(|e| panic!("backup {round} does not restore: {e:#}"));
            let restored = sled::open(&restored_dir).unwrap();
            let restored_users = restored.open_tree("users").unwrap();
            assert_eq!(restored_users.len(), 2_000, "backup {round}");
            assert!(items >= 2_000, "backup {round}: {items} items");
            assert!(restored_users
                .iter()
                .all(|item| item.unwrap().1 == [7u8; 100][..]));
        }
        stop.store(true, Ordering::Relaxed);
        churn.join().unwrap();
    }

    /// A backup in the first format (each tree's count before its items) still restores.
    #[test]
    fn a_backup_of_the_first_format_restores() {
        let dir = tempfile::tempdir().unwrap();
        let mut bytes = MAGIC_COUNTED.to_vec();
        for (name, items) in [("users", 2u8), ("outbox", 0), ("meta", 1)] {
            write_item(&mut bytes, name.as_bytes()).unwrap();
            bytes.extend_from_slice(&u64::from(items).to_le_bytes());
            for i in 0..items {
                write_item(&mut bytes, &[i]).unwrap();
                write_item(&mut bytes, format!("{name}-{i}").as_bytes()).unwrap();
            }
        }
        bytes.extend_from_slice(&crc32fast::hash(&bytes).to_le_bytes());
        let file = dir.path().join("first.bkp");
        std::fs::write(&file, &bytes).unwrap();

        assert_eq!(restore(&file, &dir.path().join("restored")).unwrap(), 3);
        let restored = sled::open(dir.path().join("restored")).unwrap();
        let expected = |name: &str, items: &[(u8, &str)]| {
            (
                name.as_bytes().to_vec(),
                items
                    .iter()
                    .map(|(key, value)| (vec![*key], value.as_bytes().to_vec()))
                    .collect::<Vec<_>>(),
            )
        };
        let mut wanted = vec![
            expected("__sled__default", &[]),
            expected("users", &[(0, "users-0"), (1, "users-1")]),
            expected("outbox", &[]),
            expected("meta", &[(0, "meta-0")]),
        ];
        wanted.sort();
        assert_eq!(contents(&restored), wanted);
    }

    /// A backup that is cut short or altered is refused, and leaves no directory behind.
    #[test]
    fn a_damaged_backup_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path().join("db")).unwrap();
        db.open_tree("users").unwrap().insert(b"k", b"v").unwrap();
        let file = dir.path().join("good.bkp");
        write_backup(&db, &file).unwrap();
        let good = std::fs::read(&file).unwrap();

        let mut flipped = good.clone();
        flipped[MAGIC.len() + 5] ^= 1;
        std::fs::write(&file, &flipped).unwrap();
        let error = restore(&file, &dir.path().join("flipped")).unwrap_err();
        assert!(format!("{error:#}").contains("checksum"), "{error:#}");

        // A file cut after a tree's items, before its end mark, with a checksum to match.
        let mut cut = good[..good.len() - 8].to_vec();
        cut.extend_from_slice(&crc32fast::hash(&cut).to_le_bytes());
        std::fs::write(&file, &cut).unwrap();
        let error = restore(&file, &dir.path().join("cut")).unwrap_err();
        assert!(format!("{error:#}").contains("truncated"), "{error:#}");
        assert!(
            !dir.path().join("cut").exists(),
            "a half restored directory"
        );

        // Two stray bytes after the last tree.
        let mut stray = good[..good.len() - 4].to_vec();
        stray.extend_from_slice(&[0, 0]);
        stray.extend_from_slice(&crc32fast::hash(&stray).to_le_bytes());
        std::fs::write(&file, &stray).unwrap();
        let error = restore(&file, &dir.path().join("stray")).unwrap_err();
        assert!(format!("{error:#}").contains("truncated"), "{error:#}");

        // An operator's empty directory stays, empty.
        let kept = dir.path().join("kept");
        std::fs::create_dir(&kept).unwrap();
        restore(&file, &kept).unwrap_err();
        assert_eq!(std::fs::read_dir(&kept).unwrap().count(), 0);
    }
}
