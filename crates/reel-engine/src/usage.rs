//! CPU time and peak memory of this process and of the programs it ran, as the operating
//! system counts them (`getrusage`). Process-wide: meaningful when reel owns the process
//! (the `reel` binary), not inside a host that runs other work too.

use reel_wire::ResourceUsage;

/// reel's own usage and its finished children's (ffmpeg, ffprobe), so far; `None` where
/// the platform does not tell.
pub fn process_usage() -> Option<ResourceUsage> {
    #[cfg(unix)]
    {
        use nix::sys::resource::{getrusage, Usage, UsageWho};
        let seconds = |u: &Usage| {
            let (a, b) = (u.user_time(), u.system_time());
            a.tv_sec() as f64 + b.tv_sec() as f64 + (a.tv_usec() as f64 + b.tv_usec() as f64) / 1e6
        };
        // Linux and the BSDs count ru_maxrss in KiB, macOS in bytes.
        let bytes = |u: &Usage| {
            let rss = u64::try_from(u.max_rss()).unwrap_or(0);
            if cfg!(target_os = "macos") {
                rss
            } else {
                rss * 1024
            }
        };
        let own = getrusage(UsageWho::RUSAGE_SELF).ok()?;
        let children = getrusage(UsageWho::RUSAGE_CHILDREN).ok()?;
        Some(ResourceUsage {
            reel_cpu: seconds(&own),
            reel_peak_rss: bytes(&own),
            ffmpeg_cpu: seconds(&children),
            ffmpeg_peak_rss: bytes(&children),
        })
    }
    #[cfg(not(unix))]
    {
        None
    }
}

#[cfg(all(test, unix))]
mod tests {
    #[test]
    fn counts_own_and_children() {
        let before = super::process_usage().expect("unix reports usage");
        // A child that burns a little CPU and allocates.
        let status =
            std::process::Command::new("/bin/sh").args(["-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done"]).status().unwrap();
        assert!(status.success());
        let after = super::process_usage().unwrap();
        assert!(after.ffmpeg_cpu > before.ffmpeg_cpu, "{before:?} -> {after:?}");
        assert!(after.reel_peak_rss > 1_000_000, "a running test process uses more than 1 MB: {after:?}");
        assert!(after.ffmpeg_peak_rss > 0);
    }
}
