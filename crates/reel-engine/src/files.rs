//! Reading the small files reel itself parses (the timeline, the settings file) without
//! trusting them: only regular files, never more than a stated size, and never blocking on
//! a named pipe or a device (`reel check /dev/zero` grew past 2 GB; a FIFO blocked
//! forever).

use std::io::Read;
use std::path::Path;

/// Why a file reel parses could not be read.
#[derive(Debug)]
pub enum ReadError {
    /// No such file (or a dangling link).
    Missing,
    /// A folder.
    Directory,
    /// A device, pipe or socket: reading it may never end.
    NotRegular,
    /// Larger than the limit (`size` is what was seen: the stated size, or the limit plus
    /// one when the file grew while it was read).
    TooLarge { size: u64, limit: u64 },
    /// Any other error from the system.
    Io(std::io::Error),
}

impl ReadError {
    /// A clause that completes "cannot read X: …" for the errors without a sentence of
    /// their own.
    pub fn reason(&self) -> String {
        match self {
            Self::Missing => "it does not exist".to_owned(),
            Self::Directory => "it is a folder".to_owned(),
            Self::NotRegular => "it is not a regular file (a device, pipe or socket)".to_owned(),
            Self::TooLarge { size, limit } => format!("it is {}, over the {} reel reads", megabytes(*size), megabytes(*limit)),
            Self::Io(e) => e.to_string(),
        }
    }
}

/// `3.2 MB`, `256 MB`.
pub fn megabytes(bytes: u64) -> String {
    let mb = bytes as f64 / 1e6;
    if mb >= 10.0 {
        format!("{mb:.0} MB")
    } else {
        format!("{mb:.1} MB")
    }
}

/// Reads a whole regular file of at most `limit` bytes. It is opened without blocking (a
/// named pipe opens at once instead of waiting for a writer) and its kind is checked on
/// the open handle, so a file swapped for a pipe after a check is still refused.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK);
    let file = options.open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ReadError::Missing,
        _ if path.is_dir() => ReadError::Directory,
        _ => ReadError::Io(e),
    })?;
    let meta = file.metadata().map_err(ReadError::Io)?;
    if meta.is_dir() {
        return Err(ReadError::Directory);
    }
    if !meta.is_file() {
        return Err(ReadError::NotRegular);
    }
    if meta.len() > limit {
        return Err(ReadError::TooLarge { size: meta.len(), limit });
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    // It may grow while it is read: never take more than the limit.
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|e| {
        if e.kind() == std::io::ErrorKind::IsADirectory {
            ReadError::Directory
        } else {
            ReadError::Io(e)
        }
    })?;
    if bytes.len() as u64 > limit {
        return Err(ReadError::TooLarge { size: limit + 1, limit });
    }
    Ok(bytes)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_within_the_limit() {
        let tmp = tempfile::tempdir().unwrap();
        let file = tmp.path().join("t.json");
        std::fs::write(&file, "12345").unwrap();
        assert_eq!(read_bounded(&file, 5).unwrap(), b"12345");
        assert!(matches!(read_bounded(&file, 4), Err(ReadError::TooLarge { size: 5, limit: 4 })));
        assert!(matches!(read_bounded(&tmp.path().join("none"), 9), Err(ReadError::Missing)));
        assert!(matches!(read_bounded(tmp.path(), 9), Err(ReadError::Directory)));
        assert!(matches!(read_bounded(Path::new("/dev/zero"), 9), Err(ReadError::NotRegular)));
        let fifo = tmp.path().join("fifo");
        nix::unistd::mkfifo(&fifo, nix::sys::stat::Mode::S_IRWXU).unwrap();
        // Returns at once: a blocking open would wait here for a writer forever.
        assert!(matches!(read_bounded(&fifo, 9), Err(ReadError::NotRegular)));
    }
}
