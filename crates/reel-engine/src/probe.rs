//! Probing media with one ffprobe run per file, and loading a timeline: parse, structural
//! validation, probe every source once, validation against the probed media.

use crate::ffmpeg::{run_capture, ToolError, Tools};
use reel_core::media::MediaInfo;
use reel_core::timeline::{Problem, Timeline, TimelineError};
use reel_core::validate::{check_media, MediaMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Why a file could not be probed. Each message names the file and what to do.
#[derive(Debug, thiserror::Error)]
pub enum ProbeError {
    #[error("{path} does not exist; check the path (relative paths are relative to the timeline's folder)")]
    Missing { path: String },
    #[error("{path} is a folder, not a media file")]
    Directory { path: String },
    #[error("{path} cannot be read: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("{path} is not a media file ffmpeg can read ({reason})")]
    NotMedia { path: String, reason: String },
    #[error("{path} is a {format} file (a playlist or list that makes ffmpeg open other files); reel accepts only plain media files")]
    Refused { path: String, format: String },
    #[error("ffprobe failed on {path}: {source}")]
    Tool { path: String, source: ToolError },
}

fn is_image(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| matches!(e.to_ascii_lowercase().as_str(), "png" | "jpg" | "jpeg" | "webp" | "bmp" | "tif" | "tiff"))
}

/// Probes one file: format, streams and keyframes (from packet flags; nothing is decoded).
pub fn probe(ffprobe: &Path, path: &Path) -> Result<MediaInfo, ProbeError> {
    let shown = path.display().to_string();
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => ProbeError::Missing { path: shown.clone() },
        _ => ProbeError::Unreadable { path: shown.clone(), reason: e.to_string() },
    })?;
    if meta.is_dir() {
        return Err(ProbeError::Directory { path: shown });
    }
    std::fs::File::open(path).map_err(|e| ProbeError::Unreadable { path: shown.clone(), reason: e.to_string() })?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let abs = absolute.to_string_lossy();
    let args = if is_image(path) { reel_core::args::ffprobe_image_args(&abs) } else { reel_core::args::ffprobe_args(&abs) };
    let json = run_capture(ffprobe, &args, Duration::from_mins(2)).map_err(|e| match e {
        ToolError::Failed { stderr, .. } if stderr.contains("not on whitelist") || stderr.contains("Protocol") => {
            ProbeError::Refused { path: shown.clone(), format: "playlist (HLS, DASH or concat)".to_owned() }
        }
        ToolError::Failed { stderr, .. } => ProbeError::NotMedia { path: shown.clone(), reason: stderr },
        other => ProbeError::Tool { path: shown.clone(), source: other },
    })?;
    let info = reel_core::ffprobe::parse(&json).map_err(|e| ProbeError::NotMedia { path: shown.clone(), reason: e.to_string() })?;
    if let Some(format) = info.refused_format() {
        return Err(ProbeError::Refused { path: shown, format: format.to_owned() });
    }
    if info.streams.is_empty() {
        return Err(ProbeError::NotMedia { path: shown, reason: "it has no audio or video streams".to_owned() });
    }
    Ok(info)
}

/// A timeline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("cannot read the timeline {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("{0}")]
    Invalid(#[from] TimelineError),
}

/// Reads, validates and probes a timeline. All problems are reported at once: structural
/// ones first (then nothing is probed), else every source problem.
pub fn load_timeline(tools: &Tools, path: &Path) -> Result<(Timeline, MediaMap), LoadError> {
    let shown = path.display().to_string();
    let text = std::fs::read(path).map_err(|e| LoadError::Read {
        path: shown.clone(),
        reason: match e.kind() {
            std::io::ErrorKind::NotFound => "it does not exist".to_owned(),
            _ if path.is_dir() => "it is a folder".to_owned(),
            _ => e.to_string(),
        },
    })?;
    let text = String::from_utf8(text).map_err(|_| LoadError::Read { path: shown.clone(), reason: "it is not UTF-8 text".to_owned() })?;
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    let base = absolute.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default();
    let timeline = reel_core::timeline::parse(&text, &base)?;
    let mut media = MediaMap::new();
    for source in timeline.sources() {
        let result = probe(&tools.ffprobe, Path::new(&source.path)).map_err(|e| {
            // Name the file as the timeline wrote it.
            e.to_string().replacen(&source.path, &source.written, 1)
        });
        media.insert(source.path.clone(), result);
    }
    let problems: Vec<Problem> = check_media(&timeline, &media);
    if problems.is_empty() {
        Ok((timeline, media))
    } else {
        Err(LoadError::Invalid(TimelineError { problems }))
    }
}
