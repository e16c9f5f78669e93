//! The files an export reads, as the run knows them: to refuse writing over any of them,
//! and to notice a source that changed (cut short, rewritten) between its probe and the
//! delivery of the export that read it: ffmpeg then pads what is missing with frozen
//! frames and silence and exits 0, so such an export is never delivered.

use super::RunError;
use reel_core::timeline::Timeline;
use reel_core::validate::MediaMap;
use std::path::{Path, PathBuf};

/// A version of a file, without reading it: its size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    pub size: u64,
    /// Nanoseconds since the Unix epoch; `None` where the system does not say.
    pub modified_ns: Option<u64>,
}

impl FileStamp {
    fn of(meta: &std::fs::Metadata) -> Self {
        Self { size: meta.len(), modified_ns: crate::probe::modified_ns(meta) }
    }
}

/// A file the export reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// How the user named it, for messages.
    pub shown: String,
    /// Its size and modification time when it was probed; `None` for files that are only
    /// protected from being written over (the timeline, the settings file).
    pub stamp: Option<FileStamp>,
}

impl InputFile {
    /// A file known by its path only (the timeline, the settings file).
    pub fn named(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Self { shown: path.display().to_string(), path, stamp: None }
    }

    /// Every source of a timeline, with its stamp from the probe.
    pub fn sources(timeline: &Timeline, media: &MediaMap) -> Vec<Self> {
        timeline
            .sources()
            .into_iter()
            .map(|s| Self {
                path: PathBuf::from(&s.path),
                shown: s.written.clone(),
                stamp: media
                    .get(&s.path)
                    .and_then(|m| m.as_ref().ok())
                    .and_then(|m| Some(FileStamp { size: m.size?, modified_ns: m.modified })),
            })
            .collect()
    }

    /// How this file differs from when it was probed, if it does.
    fn change(&self) -> Option<String> {
        let before = self.stamp?;
        let now = match std::fs::metadata(&self.path) {
            Ok(meta) => FileStamp::of(&meta),
            Err(e) => return Some(format!("it cannot be read any more: {e}")),
        };
        if now.size != before.size {
            Some(format!("it was {} bytes when it was probed and is {} bytes now", before.size, now.size))
        } else if now.modified_ns != before.modified_ns {
            Some("it was modified after it was probed".to_owned())
        } else {
            None
        }
    }
}

/// Fails with [`RunError::SourceChanged`] when a source differs from when it was probed.
pub(super) fn check_unchanged(inputs: &[InputFile], destination: &Path) -> Result<(), RunError> {
    match inputs.iter().find_map(|i| i.change().map(|what| (i, what))) {
        None => Ok(()),
        Some((input, what)) => {
            Err(RunError::SourceChanged { path: input.shown.clone(), what, destination: destination.display().to_string() })
        }
    }
}
