//! The user's folders reel keeps things in: each is the platform's folder for reel, or the
//! one an environment variable names (tests, portable installs, sandboxed apps).
//!
//! | what | variable | Linux default |
//! |---|---|---|
//! | doctor's cache | `REEL_CACHE_DIR` | `~/.cache/reel` |
//! | settings file | `REEL_CONFIG_DIR` | `~/.config/reel` |
//! | export log | `REEL_DATA_DIR` | `~/.local/share/reel` |

use directories::ProjectDirs;
use std::path::{Path, PathBuf};

/// `$variable` when set and not empty, else the platform folder `pick` chooses; `None`
/// when the platform has none (no home folder).
fn folder(variable: &str, pick: fn(&ProjectDirs) -> &Path) -> Option<PathBuf> {
    std::env::var_os(variable)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| ProjectDirs::from("", "", "reel").map(|d| pick(&d).to_owned()))
}

/// Where doctor caches its reports.
pub fn cache() -> Option<PathBuf> {
    folder("REEL_CACHE_DIR", ProjectDirs::cache_dir)
}

/// Where the settings file is.
pub fn config() -> Option<PathBuf> {
    folder("REEL_CONFIG_DIR", ProjectDirs::config_dir)
}

/// Where the export log is.
pub fn data() -> Option<PathBuf> {
    folder("REEL_DATA_DIR", ProjectDirs::data_dir)
}
