//! The files an export reads, as the run knows them: to refuse writing over any of them.

use std::path::PathBuf;

/// A file the export reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputFile {
    pub path: PathBuf,
    /// How the user named it, for messages.
    pub shown: String,
}

impl InputFile {
    /// A file known by its path only (the timeline, the settings file).
    pub fn named(path: impl Into<PathBuf>) -> Self {
        let path = path.into();
        Self { shown: path.display().to_string(), path }
    }
}
