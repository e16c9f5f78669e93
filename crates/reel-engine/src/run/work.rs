//! The private work folder beside the destination, and who owns it.
//!
//! Each destination has one work folder, `.reel-<hash of its file name>`, and in it a lock
//! file (`owner.lock`, holding the owner's process id) locked for as long as the export
//! runs. The operating system releases the lock when the owner ends, however it ends
//! (`kill -9` included), so:
//! - a second export to the same destination finds the lock held and is refused at once,
//!   before it encodes anything (it used to encode everything, then fail on the rename);
//! - a folder whose lock can be taken belongs to no running export: the next run in that
//!   folder removes it at once (it used to wait a day). Folders without a lock file (from
//!   older versions of reel) are still removed after a day.
//!
//! On Windows an open file cannot be deleted, so the folder is removed after the lock is
//! released, and a folder whose removal fails is left for the next run.

use super::RunError;
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// The lock file's name inside a work folder.
const LOCK: &str = "owner.lock";

/// Work folders start with this.
pub(super) const PREFIX: &str = ".reel-";

/// How long a claim waits for a lock held only briefly (another run removing a dead
/// owner's folder) before it calls the destination busy.
const BRIEF: Duration = Duration::from_secs(1);

/// A work folder this run owns; removed, with everything in it, when dropped.
#[derive(Debug)]
pub(super) struct WorkFolder {
    path: PathBuf,
    lock: Option<File>,
}

impl WorkFolder {
    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    /// Claims the work folder of `destination` in `folder` (its parent), or refuses when
    /// another running export owns it. What a dead owner left in it is removed.
    pub(super) fn claim(folder: &Path, destination: &Path) -> Result<Self, RunError> {
        let fail = |e: std::io::Error| RunError::Folder { folder: folder.display().to_string(), reason: e.to_string() };
        // Absolute: jobs run in their own subfolders and link to each other's outputs.
        let path = std::path::absolute(folder.join(name(destination))).map_err(fail)?;
        let started = Instant::now();
        loop {
            match std::fs::create_dir(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && path.is_dir() => {}
                Err(e) => return Err(fail(e)),
            }
            let mut lock = OpenOptions::new().read(true).write(true).create(true).truncate(false).open(path.join(LOCK)).map_err(fail)?;
            match lock.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) if started.elapsed() < BRIEF => {
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(TryLockError::WouldBlock) => {
                    let mut owner = String::new();
                    let _ = lock.read_to_string(&mut owner);
                    let pid = owner.lines().find_map(|l| l.strip_prefix("pid ")).map(str::to_owned);
                    return Err(RunError::Busy { path: destination.display().to_string(), pid });
                }
                Err(TryLockError::Error(e)) => return Err(fail(e)),
            }
            // The owner before us may have removed the folder between our open and our
            // lock: then the file locked is not the one in the folder any more.
            if !is_current(&lock, &path.join(LOCK)) {
                continue;
            }
            lock.set_len(0).map_err(fail)?;
            write!(lock, "pid {}\ndestination {}\n", std::process::id(), destination.display()).map_err(fail)?;
            let claimed = Self { path, lock: Some(lock) };
            // Whatever a dead owner left (half-written output, scripts) goes.
            claimed.clear().map_err(fail)?;
            return Ok(claimed);
        }
    }

    /// Empties the folder (for a re-run), keeping the lock.
    pub(super) fn clear(&self) -> std::io::Result<()> {
        for entry in std::fs::read_dir(&self.path)? {
            let entry = entry?;
            if entry.file_name() == LOCK {
                continue;
            }
            if entry.path().is_dir() {
                std::fs::remove_dir_all(entry.path())?;
            } else {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(())
    }
}

impl Drop for WorkFolder {
    fn drop(&mut self) {
        // Removed while still locked, so nobody claims it half-removed (Windows cannot
        // delete an open file: there it is unlocked first).
        if cfg!(windows) {
            self.lock.take();
        }
        let _ = std::fs::remove_dir_all(&self.path);
        self.lock.take();
    }
}

/// `.reel-` and a hash of the destination's file name: one work folder per destination.
fn name(destination: &Path) -> String {
    let file = destination.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let digest = <sha2::Sha256 as sha2::Digest>::digest(file.as_bytes());
    format!("{PREFIX}{}", hex::encode(&digest[..8]))
}

/// Whether `lock` is the file now at `path` (not one removed meanwhile).
fn is_current(lock: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (lock.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = lock;
        path.exists()
    }
}

/// Removes the work folders in `folder` whose owner is gone: those whose lock can be
/// taken at once, and those without a lock file (older versions of reel) after a day.
pub(super) fn reclaim_stale(folder: &Path) {
    let Ok(entries) = std::fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) || !path.is_dir() {
            continue;
        }
        match OpenOptions::new().read(true).write(true).open(path.join(LOCK)) {
            Ok(lock) => {
                if lock.try_lock().is_ok() && is_current(&lock, &path.join(LOCK)) {
                    if cfg!(windows) {
                        drop(lock);
                        let _ = std::fs::remove_dir_all(&path);
                    } else {
                        let _ = std::fs::remove_dir_all(&path);
                        drop(lock);
                    }
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let age = entry.metadata().ok().and_then(|m| m.modified().ok()).and_then(|t| SystemTime::now().duration_since(t).ok());
                if age.is_some_and(|a| a > Duration::from_hours(24)) {
                    let _ = std::fs::remove_dir_all(&path);
                }
            }
            Err(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_owner_per_destination_and_dead_owners_are_reclaimed() {
        let tmp = tempfile::tempdir().unwrap();
        let out = tmp.path().join("out.mp4");
        let first = WorkFolder::claim(tmp.path(), &out).unwrap();
        assert!(first.path().is_absolute());
        std::fs::write(first.path().join("output.mp4"), b"partial").unwrap();
        let lock = std::fs::read_to_string(first.path().join(LOCK)).unwrap();
        assert_eq!(lock, format!("pid {}\ndestination {}\n", std::process::id(), out.display()));
        // A second export to the same destination is refused, with the owner's pid.
        match WorkFolder::claim(tmp.path(), &out) {
            Err(RunError::Busy { pid, .. }) => assert_eq!(pid, Some(std::process::id().to_string())),
            other => panic!("{other:?}"),
        }
        // Another destination has its own folder; reclaiming leaves a live owner's alone.
        let other = WorkFolder::claim(tmp.path(), &tmp.path().join("other.mp4")).unwrap();
        assert_ne!(other.path(), first.path());
        reclaim_stale(tmp.path());
        assert!(first.path().join("output.mp4").exists());
        let (first_path, other_path) = (first.path().to_owned(), other.path().to_owned());
        drop(first);
        drop(other);
        assert!(!first_path.exists() && !other_path.exists(), "removed when done");

        // A dead owner: the folder and an unlocked lock file are left behind.
        std::fs::create_dir(&first_path).unwrap();
        std::fs::write(first_path.join(LOCK), "pid 1\n").unwrap();
        std::fs::write(first_path.join("output.mp4"), b"partial").unwrap();
        let again = WorkFolder::claim(tmp.path(), &out).unwrap();
        assert!(!again.path().join("output.mp4").exists(), "what the dead owner left is removed");
        drop(again);
        std::fs::create_dir(&other_path).unwrap();
        std::fs::write(other_path.join(LOCK), "pid 1\n").unwrap();
        let old_style = tmp.path().join(".reel-abc123");
        std::fs::create_dir(&old_style).unwrap();
        reclaim_stale(tmp.path());
        assert!(!other_path.exists(), "a dead owner's folder goes at the next run");
        assert!(old_style.exists(), "a folder without a lock file waits a day");
    }
}
