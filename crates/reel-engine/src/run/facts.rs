//! What is known when an export fails, for the sentence that says so: what ffmpeg said,
//! how much room is left on the destination's disk, and what to do about the errors a
//! disk gives. Nothing here guesses: a fact that is not known is left out.

use std::path::Path;

/// Free space on the file system holding `folder`, for the user (`None` where the system
/// does not say).
pub(super) fn free_space(folder: &Path) -> Option<u64> {
    #[cfg(unix)]
    {
        let stat = nix::sys::statvfs::statvfs(folder).ok()?;
        #[allow(clippy::useless_conversion)] // u32 or u64 depending on the platform
        Some(u64::from(stat.blocks_available()).saturating_mul(u64::from(stat.fragment_size())))
    }
    #[cfg(not(unix))]
    {
        let _ = folder;
        None
    }
}

/// `412 MB`, `71.3 GB`.
pub fn bytes(n: u64) -> String {
    if n >= 1_000_000_000 {
        format!("{:.1} GB", n as f64 / 1e9)
    } else {
        crate::files::megabytes(n)
    }
}

/// What to do about an error the system reported while ffmpeg wrote, recognised in what
/// ffmpeg said; `None` when it is not one of them.
pub fn advice(said: &str) -> Option<&'static str> {
    const KNOWN: &[(&str, &str)] = &[
        ("No space left on device", "the disk is full: free space or export to another disk, then export again"),
        ("Disk quota exceeded", "your disk quota is used up: free space or export to another disk, then export again"),
        (
            "File too large",
            "the file outgrew a size limit: this session's (ulimit -f) or the file system's largest file (4 GB on FAT32); raise the limit or export to another disk",
        ),
        ("Read-only file system", "the destination's file system is read-only: export to another folder"),
        ("Input/output error", "the disk reported an error: check it, or export to another disk"),
    ];
    KNOWN.iter().find(|(error, _)| said.contains(error)).map(|(_, advice)| *advice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_advice() {
        assert_eq!(bytes(412_000_000), "412 MB");
        assert_eq!(bytes(71_300_000_000), "71.3 GB");
        assert!(advice("Error writing trailer of file:output.mp4: File too large").is_some_and(|a| a.contains("ulimit -f")));
        assert!(advice("Error writing trailer: No space left on device").is_some_and(|a| a.starts_with("the disk is full")));
        assert_eq!(advice("Invalid data found when processing input"), None);
        #[cfg(unix)]
        assert!(free_space(Path::new("/")).is_some_and(|f| f > 0));
    }
}
