//! `reel cache [show|prune|clear]`: the segment cache (rendered segments kept so a
//! re-export renders only what changed): where it is, how full, and making room.

use super::settings::user_settings;
use super::{print_json, print_out, Result};
use crate::{CacheAction, CacheArgs, Cli};
use reel_engine::cache::{self, Store, Usage};
use reel_engine::settings::Settings;
use reel_engine::Error;
use serde_json::json;
use std::sync::Arc;

/// The cache an export or a plan uses: `None` when it is off (`--no-cache`,
/// `cache_size = 0`, no cache folder), with a warning when it is on but cannot be opened
/// (the export goes on without it).
pub(crate) fn open(file: &Settings, no_cache: bool) -> (Option<Arc<Store>>, Option<String>) {
    let limit = file.file.cache_size.unwrap_or(cache::DEFAULT_SIZE);
    if no_cache || limit == 0 {
        return (None, None);
    }
    let Some(dir) = cache::default_dir() else {
        return (None, Some("there is no cache folder for reel here (set REEL_CACHE_DIR), so nothing is cached".to_owned()));
    };
    match Store::open(&dir, limit) {
        Ok(store) => (Some(Arc::new(store)), None),
        Err(e) => (None, Some(format!("{e}; exporting without it"))),
    }
}

pub(crate) fn run(_cli: &Cli, args: &CacheArgs) -> Result {
    let file = user_settings()?;
    let limit = file.file.cache_size.unwrap_or(cache::DEFAULT_SIZE);
    let dir = cache::default_dir().ok_or(Error::NoFolder { what: "cache", variable: "REEL_CACHE_DIR" })?;
    let store = Store::open(&dir, limit)?;
    let action = args.action.unwrap_or(CacheAction::Show);
    let removed = match action {
        CacheAction::Show => None,
        CacheAction::Prune => Some(store.prune()),
        CacheAction::Clear => Some(store.clear()),
    };
    let usage = store.usage();
    if args.json {
        return print_json(&json!({
            "folder": dir.display().to_string(),
            "entries": usage.entries,
            "bytes": usage.bytes,
            "limit": limit,
            "removed": removed,
        }));
    }
    let mut out = String::new();
    if let Some(Usage { entries, bytes }) = removed {
        out.push_str(&format!("removed {entries} entries ({})\n", size(bytes)));
    }
    out.push_str(&format!(
        "segment cache {}: {} entries, {} of {}{}\n",
        dir.display(),
        usage.entries,
        size(usage.bytes),
        size(limit),
        if limit == 0 { " (off: cache_size is 0)" } else { "" }
    ));
    print_out(&out)
}

fn size(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.2} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}
