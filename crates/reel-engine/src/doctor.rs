//! `reel doctor`: which ffmpeg, which version, which filters, and which encoders really
//! encode. A listed hardware encoder only counts after a short test encode succeeds. The
//! result is cached per ffmpeg binary (path, size, modification time).

use crate::ffmpeg::{first_reason, run_capture, ToolError, Tools};
use reel_core::capabilities::{Capabilities, EncoderStatus};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Oldest ffmpeg reel supports (`-fps_mode`, `amix normalize`, `adelay` in samples).
pub const MINIMUM_VERSION: (u32, u32) = (5, 1);

/// Encoders reel knows, software first.
pub const KNOWN_ENCODERS: &[&str] = &[
    "libx264", "libx265", "h264_nvenc", "hevc_nvenc", "h264_qsv", "hevc_qsv", "h264_amf", "hevc_amf", "h264_vaapi", "hevc_vaapi",
    "h264_videotoolbox", "hevc_videotoolbox",
];

/// Filters the planner uses.
pub const REQUIRED_FILTERS: &[&str] = &[
    "concat", "overlay", "drawtext", "scale", "pad", "fps", "format", "setpts", "asetpts", "settb", "trim", "atrim", "amix", "adelay", "apad",
    "aresample", "aformat", "anullsrc", "color", "tpad", "setsar", "volume", "colorchannelmixer",
];

/// What doctor found.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub ffmpeg: PathBuf,
    pub ffmpeg_found: String,
    pub ffprobe: PathBuf,
    pub ffprobe_found: String,
    pub version: Option<String>,
    pub minimum_version: String,
    pub version_ok: bool,
    pub missing_filters: Vec<String>,
    pub encoders: Vec<EncoderStatus>,
    /// True when this report came from the cache.
    #[serde(default)]
    pub cached: bool,
}

impl Report {
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            version: self.version.clone(),
            version_number: self.version.as_deref().and_then(parse_version),
            encoders: self.encoders.clone(),
            missing_filters: self.missing_filters.clone(),
        }
    }

    /// A sentence when this ffmpeg cannot be used, else `None`.
    pub fn problem(&self) -> Option<String> {
        if !self.version_ok {
            return Some(format!(
                "{} is version {}, older than the {}.{} reel needs; install a newer ffmpeg or point --ffmpeg at one",
                self.ffmpeg.display(),
                self.version.as_deref().unwrap_or("unknown"),
                MINIMUM_VERSION.0,
                MINIMUM_VERSION.1
            ));
        }
        if !self.missing_filters.is_empty() {
            return Some(format!("{} lacks the filters {}; install a full ffmpeg build (Debian's `ffmpeg` package has them)", self.ffmpeg.display(), self.missing_filters.join(", ")));
        }
        None
    }
}

/// `(major, minor)` of a release version such as `5.1.9-0+deb12u1` or `n7.0`; `None` for
/// git builds (`N-12345-g…`), which are assumed new enough.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim_start_matches('n');
    let mut parts = v.split(|c: char| !c.is_ascii_digit());
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next().and_then(|m| m.parse().ok()).unwrap_or(0);
    Some((major, minor))
}

/// Why a doctor run failed.
#[derive(Debug, thiserror::Error)]
#[error("cannot query {ffmpeg}: {source}")]
pub struct DoctorError {
    ffmpeg: String,
    source: ToolError,
}

fn cache_file(ffmpeg: &Path) -> Option<PathBuf> {
    let dir = std::env::var_os("REEL_CACHE_DIR")
        .map(PathBuf::from)
        .or_else(|| directories::ProjectDirs::from("", "", "reel").map(|d| d.cache_dir().to_owned()))?;
    let meta = std::fs::metadata(ffmpeg).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    let canonical = std::fs::canonicalize(ffmpeg).ok()?;
    let key = format!("{}\0{}\0{mtime}", canonical.display(), meta.len());
    let hash = hex::encode(&sha2::Digest::finalize(sha2::Digest::chain_update(<sha2::Sha256 as sha2::Digest>::new(), key.as_bytes()))[..8]);
    Some(dir.join(format!("doctor-{hash}.json")))
}

fn test_encode(ffmpeg: &Path, encoder: &str) -> Result<(), String> {
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error"].iter().map(|s| (*s).to_owned()).collect();
    if encoder.ends_with("_vaapi") {
        args.extend(["-vaapi_device".into(), "/dev/dri/renderD128".into()]);
    }
    args.extend(["-f".into(), "lavfi".into(), "-i".into(), "color=c=black:s=256x144:r=30:d=0.2".into()]);
    if encoder.ends_with("_vaapi") {
        args.extend(["-vf".into(), "format=nv12,hwupload".into()]);
    }
    args.extend(["-frames:v".into(), "5".into(), "-c:v".into(), encoder.into(), "-f".into(), "null".into(), "-".into()]);
    match run_capture(ffmpeg, &args, Duration::from_secs(20)) {
        Ok(_) => Ok(()),
        Err(ToolError::Failed { stderr, .. }) => Err(first_reason(&stderr.replace(" | ", "\n"))),
        Err(e) => Err(e.to_string()),
    }
}

/// Runs doctor, or returns the cached report for this ffmpeg binary.
pub fn doctor(tools: &Tools, refresh: bool) -> Result<Report, DoctorError> {
    let cache = cache_file(&tools.ffmpeg);
    if !refresh {
        if let Some(report) = cache.as_ref().and_then(|c| std::fs::read(c).ok()).and_then(|b| serde_json::from_slice::<Report>(&b).ok()) {
            if report.ffprobe == tools.ffprobe {
                return Ok(Report { cached: true, ffmpeg_found: tools.ffmpeg_found.as_str().to_owned(), ..report });
            }
        }
    }
    let query = |args: &[&str]| {
        let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
        run_capture(&tools.ffmpeg, &args, Duration::from_secs(30)).map_err(|source| DoctorError { ffmpeg: tools.ffmpeg.display().to_string(), source })
    };
    let version_text = query(&["-hide_banner", "-version"])?;
    let version = version_text.lines().next().and_then(|l| l.strip_prefix("ffmpeg version ")).and_then(|l| l.split_whitespace().next()).map(str::to_owned);
    let version_ok = version.as_deref().and_then(parse_version).is_none_or(|v| v >= MINIMUM_VERSION);
    let filters_text = query(&["-hide_banner", "-filters"])?;
    let filters: Vec<&str> = filters_text.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    let missing_filters = REQUIRED_FILTERS.iter().filter(|f| !filters.contains(f)).map(|f| (*f).to_owned()).collect();
    let encoders_text = query(&["-hide_banner", "-encoders"])?;
    let listed: Vec<&str> = encoders_text.lines().filter_map(|l| l.split_whitespace().nth(1)).collect();
    let handles: Vec<_> = KNOWN_ENCODERS
        .iter()
        .map(|name| {
            let is_listed = listed.contains(name);
            let ffmpeg = tools.ffmpeg.clone();
            let name = (*name).to_owned();
            std::thread::spawn(move || {
                let result = if is_listed { test_encode(&ffmpeg, &name) } else { Err("not listed".to_owned()) };
                EncoderStatus { usable: result.is_ok(), reason: result.err().filter(|_| is_listed), listed: is_listed, name }
            })
        })
        .collect();
    let encoders = handles.into_iter().filter_map(|h| h.join().ok()).collect();
    let report = Report {
        ffmpeg: tools.ffmpeg.clone(),
        ffmpeg_found: tools.ffmpeg_found.as_str().to_owned(),
        ffprobe: tools.ffprobe.clone(),
        ffprobe_found: tools.ffprobe_found.as_str().to_owned(),
        version,
        minimum_version: format!("{}.{}", MINIMUM_VERSION.0, MINIMUM_VERSION.1),
        version_ok,
        missing_filters,
        encoders,
        cached: false,
    };
    if let Some(cache) = cache {
        // A cache that cannot be written only costs speed next time.
        let _ = std::fs::create_dir_all(cache.parent().unwrap_or(Path::new(".")));
        if let Ok(json) = serde_json::to_vec_pretty(&report) {
            let tmp = cache.with_extension("tmp");
            if std::fs::write(&tmp, json).is_ok() {
                let _ = std::fs::rename(&tmp, &cache);
            }
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    #[test]
    fn versions() {
        assert_eq!(super::parse_version("5.1.9-0+deb12u1"), Some((5, 1)));
        assert_eq!(super::parse_version("n7.0.2"), Some((7, 0)));
        assert_eq!(super::parse_version("6.0"), Some((6, 0)));
        assert_eq!(super::parse_version("N-112345-gdeadbeef"), None);
    }
}
