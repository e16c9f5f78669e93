//! The segment cache: rendered segments (and the rendered audio) kept by content key, so
//! the next export of a timeline renders only what changed.
//!
//! Layout: `segments/` in the user's cache folder (`REEL_CACHE_DIR` overrides the folder),
//! one file per entry under a two-letter fan-out (`ab/abcdef….mp4`), and an index,
//! `index.sqlite`, with each entry's size, SHA-256, the seconds its render took and when it
//! was last used.
//!
//! - **Atomic**: an entry is written to `tmp/` in the cache folder and renamed into place,
//!   then indexed; a crash leaves at most a stray temporary file (removed by `prune`).
//! - **Checked before reuse**: an entry is linked into the export's work folder first, then
//!   its size and SHA-256 are compared with the index; a truncated or damaged entry is
//!   dropped and the segment rendered again, never joined.
//! - **Shared**: several reel processes may use one cache at once. The index is SQLite in
//!   WAL mode with a busy timeout; entries are immutable once renamed into place, and an
//!   export works on its own link to an entry, so eviction by another process cannot pull
//!   a file from under it.
//! - **Bounded**: `cache_size` in settings.toml (default 10 GB); after each export the
//!   least recently used entries are removed until the cache fits.

use reel_core::plan::SegmentCache;
use rusqlite::{params, Connection, OptionalExtension};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// The default size limit: 10 GB.
pub const DEFAULT_SIZE: u64 = 10_000_000_000;

/// How long an index write waits for another reel holding it.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Schema of the index, in SQLite's `user_version`.
const SCHEMA_VERSION: i32 = 1;

const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS entries (
    key TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    render_seconds REAL NOT NULL,
    created INTEGER NOT NULL,
    last_used INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS entries_last_used ON entries (last_used);";

/// The cache cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("the segment cache {path} cannot be used: {reason}. Fix its permissions, set REEL_CACHE_DIR to another folder, or turn the cache off with --no-cache (or cache_size = 0)")]
    Unusable { path: String, reason: String },
    #[error("cannot write the segment cache entry {path}: {reason}")]
    Write { path: String, reason: String },
}

/// A cache entry taken for an export.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reused {
    pub bytes: u64,
    /// What rendering it took when it was made.
    pub render_seconds: f64,
}

/// Entries and bytes in the cache.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    pub entries: u64,
    pub bytes: u64,
}

/// The segment cache in one folder.
pub struct Store {
    dir: PathBuf,
    limit: u64,
    db: Mutex<Connection>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("dir", &self.dir).field("limit", &self.limit).finish_non_exhaustive()
    }
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_millis() as i64)
}

/// The cache folder: `segments/` in the user's cache folder.
pub fn default_dir() -> Option<PathBuf> {
    crate::folders::cache().map(|d| d.join("segments"))
}

/// Parses a size such as `10GB`, `500 MB`, `2GiB`, `123456` (bytes).
pub fn parse_size(text: &str) -> Option<u64> {
    let t = text.trim();
    let split = t.find(|c: char| !(c.is_ascii_digit() || c == '.')).unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let value: f64 = number.parse().ok()?;
    let scale: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "m" | "mb" => 1e6,
        "g" | "gb" => 1e9,
        "t" | "tb" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0_f64.powi(4),
        _ => return None,
    };
    (value.is_finite() && value >= 0.0).then(|| (value * scale).round() as u64)
}

impl Store {
    /// Opens (creating when missing) the cache in `dir` with a size limit.
    pub fn open(dir: &Path, limit: u64) -> Result<Self, CacheError> {
        let unusable = |e: &dyn std::fmt::Display| CacheError::Unusable { path: dir.display().to_string(), reason: e.to_string() };
        std::fs::create_dir_all(dir.join("tmp")).map_err(|e| unusable(&e))?;
        let db = Connection::open(dir.join("index.sqlite")).map_err(|e| unusable(&e))?;
        db.busy_timeout(BUSY_TIMEOUT).map_err(|e| unusable(&e))?;
        // WAL lets readers and one writer work at once across processes.
        let _: String = db.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0)).map_err(|e| unusable(&e))?;
        let version: i32 = db.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(|e| unusable(&e))?;
        if version > SCHEMA_VERSION {
            return Err(unusable(&format!("its index was written by a newer reel (schema {version})")));
        }
        if version < SCHEMA_VERSION {
            db.execute_batch(SCHEMA).map_err(|e| unusable(&e))?;
            db.pragma_update(None, "user_version", SCHEMA_VERSION).map_err(|e| unusable(&e))?;
        }
        Ok(Self { dir: dir.to_owned(), limit, db: Mutex::new(db) })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn limit(&self) -> u64 {
        self.limit
    }

    fn path_of(&self, key: &str) -> PathBuf {
        let fan = key.get(..2).unwrap_or("00");
        self.dir.join(fan).join(format!("{key}.bin"))
    }

    fn db(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.db.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The indexed size, hash and render time of an entry.
    fn row(&self, key: &str) -> Option<(u64, String, f64)> {
        self.db()
            .query_row("SELECT size, sha256, render_seconds FROM entries WHERE key = ?1", [key], |r| {
                Ok((r.get::<_, i64>(0)? as u64, r.get::<_, String>(1)?, r.get::<_, f64>(2)?))
            })
            .optional()
            .ok()
            .flatten()
    }

    fn forget(&self, key: &str) {
        let _ = self.db().execute("DELETE FROM entries WHERE key = ?1", [key]);
        let _ = std::fs::remove_file(self.path_of(key));
    }

    /// Puts the entry `key` at `dest` (a new name in an export's work folder), checked:
    /// `None` when there is no such entry or it is damaged (then it is dropped).
    pub fn fetch(&self, key: &str, dest: &Path) -> Option<Reused> {
        let (size, sha, render_seconds) = self.row(key)?;
        let entry = self.path_of(key);
        // Link first, then check what was linked: the check and the use see the same file
        // even if another reel replaces or evicts the entry meanwhile.
        if std::fs::hard_link(&entry, dest).is_err() && std::fs::copy(&entry, dest).is_err() {
            self.forget(key);
            return None;
        }
        match file_digest(dest) {
            Ok((bytes, digest)) if bytes == size && digest == sha => {
                let _ = self.db().execute("UPDATE entries SET last_used = ?2 WHERE key = ?1", params![key, now()]);
                Some(Reused { bytes, render_seconds })
            }
            _ => {
                let _ = std::fs::remove_file(dest);
                self.forget(key);
                None
            }
        }
    }

    /// Keeps `file` (a job's verified output) as the entry `key`.
    pub fn store(&self, key: &str, file: &Path, render_seconds: f64) -> Result<(), CacheError> {
        let target = self.path_of(key);
        let fail = |e: &dyn std::fmt::Display| CacheError::Write { path: target.display().to_string(), reason: e.to_string() };
        let (size, digest) = file_digest(file).map_err(|e| fail(&e))?;
        let tmp = tempfile::Builder::new().prefix("entry-").tempfile_in(self.dir.join("tmp")).map_err(|e| fail(&e))?;
        // A hard link needs no copy when the export's folder is on the same disk.
        let staged = tmp.path().with_extension("bin");
        if std::fs::hard_link(file, &staged).is_err() {
            std::fs::copy(file, &staged).map_err(|e| fail(&e))?;
        }
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| fail(&e))?;
        }
        let renamed = std::fs::rename(&staged, &target).map_err(|e| fail(&e));
        if renamed.is_err() {
            let _ = std::fs::remove_file(&staged);
        }
        renamed?;
        let t = now();
        self.db()
            .execute(
                "INSERT INTO entries (key, size, sha256, render_seconds, created, last_used) VALUES (?1, ?2, ?3, ?4, ?5, ?5)
                 ON CONFLICT(key) DO UPDATE SET size = ?2, sha256 = ?3, render_seconds = ?4, last_used = ?5",
                params![key, size as i64, digest, render_seconds, t],
            )
            .map_err(|e| fail(&e))?;
        Ok(())
    }

    /// Entries and bytes in the index.
    pub fn usage(&self) -> Usage {
        self.db()
            .query_row("SELECT COUNT(*), COALESCE(SUM(size), 0) FROM entries", [], |r| {
                Ok(Usage { entries: r.get::<_, i64>(0)? as u64, bytes: r.get::<_, i64>(1)? as u64 })
            })
            .unwrap_or_default()
    }

    /// Removes the least recently used entries until the cache fits `limit` bytes, and
    /// stray files no entry names (temporary files of crashed runs, files of dropped
    /// entries). Returns what was removed.
    pub fn prune_to(&self, limit: u64) -> Usage {
        let mut removed = Usage::default();
        let mut total = self.usage().bytes;
        if total > limit {
            let rows: Vec<(String, u64)> = {
                let db = self.db();
                let Ok(mut stmt) = db.prepare("SELECT key, size FROM entries ORDER BY last_used ASC") else { return removed };
                stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64)))
                    .map(|rows| rows.flatten().collect())
                    .unwrap_or_default()
            };
            for (key, size) in rows {
                if total <= limit {
                    break;
                }
                self.forget(&key);
                total = total.saturating_sub(size);
                removed.entries += 1;
                removed.bytes += size;
            }
        }
        self.remove_strays();
        removed
    }

    /// Removes the size-limit's worth: [`Store::prune_to`] with the configured limit.
    pub fn prune(&self) -> Usage {
        self.prune_to(self.limit)
    }

    /// Removes every entry.
    pub fn clear(&self) -> Usage {
        self.prune_to(0)
    }

    /// Temporary files older than an hour (a crashed store) and entry files without a row.
    fn remove_strays(&self) {
        let old = |p: &Path| {
            std::fs::metadata(p)
                .and_then(|m| m.modified())
                .ok()
                .and_then(|t| SystemTime::now().duration_since(t).ok())
                .is_some_and(|age| age > Duration::from_secs(3600))
        };
        if let Ok(entries) = std::fs::read_dir(self.dir.join("tmp")) {
            for e in entries.flatten() {
                if old(&e.path()) {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let Ok(fans) = std::fs::read_dir(&self.dir) else { return };
        for fan in fans.flatten() {
            let name = fan.file_name().to_string_lossy().into_owned();
            if name.len() != 2 || !fan.path().is_dir() {
                continue;
            }
            let Ok(files) = std::fs::read_dir(fan.path()) else { continue };
            for f in files.flatten() {
                let file = f.file_name().to_string_lossy().into_owned();
                let Some(key) = file.strip_suffix(".bin") else { continue };
                // A file renamed into place an instant before its row is written is young.
                if self.row(key).is_none() && old(&f.path()) {
                    let _ = std::fs::remove_file(f.path());
                }
            }
        }
    }
}

impl SegmentCache for Store {
    fn contains(&self, key: &str) -> bool {
        self.row(key).is_some() && self.path_of(key).is_file()
    }
}

/// Size and SHA-256 (hex) of a file.
fn file_digest(path: &Path) -> std::io::Result<(u64, String)> {
    let mut file = std::fs::File::open(path)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0_u8; 256 * 1024];
    let mut total = 0_u64;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        total += n as u64;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(parse_size("10GB"), Some(10_000_000_000));
        assert_eq!(parse_size("500 MB"), Some(500_000_000));
        assert_eq!(parse_size("2GiB"), Some(2 * 1024 * 1024 * 1024));
        assert_eq!(parse_size("123"), Some(123));
        assert_eq!(parse_size("0"), Some(0));
        assert_eq!(parse_size("1.5g"), Some(1_500_000_000));
        assert_eq!(parse_size("ten"), None);
        assert_eq!(parse_size("5 parsecs"), None);
    }

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let p = dir.join(name);
        std::fs::write(&p, bytes).unwrap();
        p
    }

    #[test]
    fn store_fetch_and_damage() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Store::open(&tmp.path().join("cache"), DEFAULT_SIZE).unwrap();
        let out = write(tmp.path(), "out.mp4", b"segment bytes");
        let key = "ab".repeat(32);
        assert!(!cache.contains(&key));
        cache.store(&key, &out, 1.5).unwrap();
        assert!(cache.contains(&key));
        let got = cache.fetch(&key, &tmp.path().join("got.mp4")).unwrap();
        assert_eq!(got, Reused { bytes: 13, render_seconds: 1.5 });
        assert_eq!(std::fs::read(tmp.path().join("got.mp4")).unwrap(), b"segment bytes");
        // A damaged entry (same size, other bytes) is dropped, not used.
        let entry = cache.path_of(&key);
        let _ = std::fs::remove_file(tmp.path().join("got.mp4"));
        std::fs::remove_file(&entry).unwrap();
        std::fs::write(&entry, b"segment bytez").unwrap();
        assert!(cache.fetch(&key, &tmp.path().join("again.mp4")).is_none());
        assert!(!tmp.path().join("again.mp4").exists());
        assert!(!cache.contains(&key), "the damaged entry is forgotten");
    }

    #[test]
    fn prune_removes_least_recently_used() {
        let tmp = tempfile::tempdir().unwrap();
        let cache = Store::open(&tmp.path().join("cache"), 25).unwrap();
        for (i, key) in ["aa", "bb", "cc"].iter().enumerate() {
            let f = write(tmp.path(), &format!("{i}.mp4"), &[b'x'; 10]);
            cache.store(&key.repeat(32), &f, 1.0).unwrap();
            std::thread::sleep(Duration::from_millis(5));
        }
        // Use the oldest, so the middle one is the least recently used.
        assert!(cache.fetch(&"aa".repeat(32), &tmp.path().join("use.mp4")).is_some());
        let removed = cache.prune();
        assert_eq!(removed, Usage { entries: 1, bytes: 10 });
        assert!(!cache.contains(&"bb".repeat(32)));
        assert!(cache.contains(&"aa".repeat(32)) && cache.contains(&"cc".repeat(32)));
        assert_eq!(cache.usage(), Usage { entries: 2, bytes: 20 });
        assert_eq!(cache.clear().entries, 2);
        assert_eq!(cache.usage(), Usage::default());
    }
}
