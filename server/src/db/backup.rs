//! Backups of the whole database.
//!
//! A backup file: magic, then for each tree its name and its key/value pairs, length-prefixed,
//! then a CRC-32 of everything before it. Taken from a running server through its control
//! socket while the write barrier holds every state-changing request (so it is consistent), or
//! from a stopped server's directory.

use super::Db;
use anyhow::Context;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::Path;

const MAGIC: &[u8; 8] = b"COMABKP1";
/// The largest key or value a backup may hold (sled values here are small records).
const MAX_ITEM_BYTES: u32 = 64 << 20;

impl Db {
    /// Writes every tree to `out` (through a temporary file, fsynced, then renamed). The
    /// caller keeps writes out meanwhile (the write barrier, or a stopped server).
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
        writer.write_all(&(tree.len() as u64).to_le_bytes())?;
        for entry in tree.iter() {
            let (key, value) = entry?;
            write_item(&mut writer, &key)?;
            write_item(&mut writer, &value)?;
            items += 1;
        }
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

/// Loads a backup into `dir`, which must not hold a database yet.
pub fn restore(from: &Path, dir: &Path) -> anyhow::Result<u64> {
    anyhow::ensure!(
        !dir.exists() || std::fs::read_dir(dir)?.next().is_none(),
        "{} is not empty: restore into a new directory, then point --data-dir at it",
        dir.display()
    );
    let bytes = std::fs::read(from).with_context(|| format!("read {}", from.display()))?;
    anyhow::ensure!(
        bytes.len() >= MAGIC.len() + 4 && bytes.starts_with(MAGIC),
        "{} is not a COMAtching backup",
        from.display()
    );
    let (content, checksum) = bytes.split_at(bytes.len() - 4);
    anyhow::ensure!(
        crc32fast::hash(content).to_le_bytes() == checksum,
        "{} is damaged (checksum mismatch)",
        from.display()
    );
    storage::process::create_private_dir(dir)
        .with_context(|| format!("create the directory {}", dir.display()))?;
    let db =
        sled::open(dir).with_context(|| format!("create the database in {}", dir.display()))?;
    let mut reader = BufReader::new(&content[MAGIC.len()..]);
    let mut items = 0u64;
    while let Some(name) = read_item(&mut reader)? {
        let tree = db.open_tree(&name)?;
        let mut count = [0u8; 8];
        reader.read_exact(&mut count)?;
        for _ in 0..u64::from_le_bytes(count) {
            let key = read_item(&mut reader)?.context("truncated backup")?;
            let value = read_item(&mut reader)?.context("truncated backup")?;
            tree.insert(key, value)?;
            items += 1;
        }
    }
    db.flush()?;
    Ok(items)
}

fn write_item(writer: &mut impl Write, bytes: &[u8]) -> std::io::Result<()> {
    writer.write_all(&(bytes.len() as u32).to_le_bytes())?;
    writer.write_all(bytes)
}

fn read_item(reader: &mut impl Read) -> anyhow::Result<Option<Vec<u8>>> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_le_bytes(len);
    anyhow::ensure!(
        len <= MAX_ITEM_BYTES,
        "an item of {len} bytes: damaged backup"
    );
    let mut item = vec![0; len as usize];
    reader.read_exact(&mut item).context("truncated backup")?;
    Ok(Some(item))
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
