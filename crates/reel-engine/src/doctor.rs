//! `reel doctor`: which ffmpeg and ffprobe, found how, which version, which of the
//! filters reel needs are missing, and which encoders really encode.
//!
//! An encoder counts as usable only after a short test encode with it succeeds: a build
//! lists `h264_nvenc` whether or not the machine has an NVIDIA GPU and driver. The test
//! encodes run in parallel, each with a time limit. Then a trial export of a tiny timeline
//! ([`crate::trial`]) tries every option and filter reel's exports use: a development build
//! is judged by that, not by its version string, and text overlays are judged apart, so an
//! ffmpeg without drawtext still exports timelines without text. The result is cached as JSON in the
//! user's cache folder (or `REEL_CACHE_DIR`), keyed by the ffmpeg binary's canonical path,
//! size and modification time, so a second doctor (and every export) is instant; a cache
//! that cannot be read or written only disables caching.

use crate::error::ToolError;
use crate::ffmpeg::{failure_reason, run_command, Found, Tools};
use reel_core::capabilities::{Capabilities, EncoderStatus};
use reel_core::plan::{default_quality, encoder_args, EncoderChoice};
use reel_core::timeline::{Preset, VideoCodec};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Oldest ffmpeg reel supports (`-fps_mode`, `amix normalize`, `adelay` in samples).
pub const MINIMUM_VERSION: (u32, u32) = (5, 1);

/// Encoders reel knows, software first.
pub const KNOWN_ENCODERS: &[&str] = &[
    "libx264",
    "libx265",
    "h264_nvenc",
    "hevc_nvenc",
    "h264_qsv",
    "hevc_qsv",
    "h264_amf",
    "hevc_amf",
    "h264_vaapi",
    "hevc_vaapi",
    "h264_videotoolbox",
    "hevc_videotoolbox",
];

/// Filters the planner uses for any timeline.
pub const REQUIRED_FILTERS: &[&str] = &[
    "concat",
    "overlay",
    "scale",
    "pad",
    "fps",
    "format",
    "setpts",
    "asetpts",
    "settb",
    "trim",
    "atrim",
    "amix",
    "adelay",
    "apad",
    "aresample",
    "aformat",
    "anullsrc",
    "color",
    "tpad",
    "geq",
    "maskedmerge",
    "afade",
    "acrossfade",
    "atempo",
    "setsar",
    "volume",
    "colorchannelmixer",
];

/// Filters only timelines with text overlays need (builds without libfreetype, or since
/// ffmpeg 6.1 without libharfbuzz, lack drawtext).
pub const TEXT_FILTERS: &[&str] = &["drawtext"];

/// Time limit of one test encode.
pub const TEST_ENCODE_TIMEOUT: Duration = Duration::from_secs(15);

/// Time limit of `-version`, `-filters`, `-encoders`.
const QUERY_TIMEOUT: Duration = Duration::from_secs(30);

/// Bumped when the report's meaning changes, so older caches are ignored.
const CACHE_FORMAT: u32 = 4;

/// What doctor found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    pub ffmpeg: PathBuf,
    /// Which discovery step found ffmpeg.
    pub ffmpeg_found: Found,
    pub ffprobe: PathBuf,
    pub ffprobe_found: Found,
    /// As ffmpeg prints it: `5.1.9-0+deb12u1`, `N-112345-gdeadbeef`, `n7.0.2`.
    pub version: Option<String>,
    /// `[major, minor]` of a release; `None` for a development build.
    pub version_number: Option<(u32, u32)>,
    /// ffprobe's version, as it prints it.
    pub ffprobe_version: Option<String>,
    /// SHA-256 of ffmpeg's whole `-version` output (version, configuration, library
    /// versions): tells builds with the same version apart in cache keys.
    #[serde(default)]
    pub build: Option<String>,
    /// `"5.1"`.
    pub minimum_version: String,
    /// The version is at least the minimum (a development build is judged by its trial
    /// export instead).
    pub version_ok: bool,
    /// Filters reel uses that this ffmpeg lacks (those in [`TEXT_FILTERS`] only matter to
    /// timelines with text).
    pub missing_filters: Vec<String>,
    /// Why a trial export failed with this ffmpeg (as ffmpeg said it), when it did.
    #[serde(default)]
    pub export_problem: Option<String>,
    /// Why text overlays cannot be drawn (drawtext missing, or its trial failed).
    #[serde(default)]
    pub text_problem: Option<String>,
    /// Why the trial export could not be judged here (a full disk, a file-size limit): the
    /// machine's fault, so nothing is concluded about ffmpeg and the report is not cached.
    #[serde(default)]
    pub trial_inconclusive: Option<String>,
    /// Every encoder reel knows: listed by `-encoders`? did a test encode succeed? why not?
    pub encoders: Vec<EncoderStatus>,
    /// True when this report came from the cache.
    #[serde(default)]
    pub cached: bool,
    /// Seconds the checks took when they ran (not the cache lookup).
    #[serde(default)]
    pub check_seconds: f64,
}

impl Report {
    /// What the planner needs to know.
    pub fn capabilities(&self) -> Capabilities {
        Capabilities {
            build: self.build.clone(),
            version: self.version.clone(),
            version_number: self.version_number,
            encoders: self.encoders.clone(),
            missing_filters: self.missing_filters.clone(),
        }
    }

    /// A sentence (with what to do) when this ffmpeg cannot make the export of a timeline
    /// (with text overlays or not), else `None`.
    pub fn problem_for(&self, has_text: bool) -> Option<String> {
        self.problem().or_else(|| {
            let why = self.text_problem.as_deref().filter(|_| has_text)?;
            Some(format!(
                "{} cannot draw text ({why}), and this timeline has text overlays. Install an ffmpeg built with libfreetype and libharfbuzz (the packages of Debian/Ubuntu `sudo apt-get install ffmpeg`, Fedora, `brew install ffmpeg` and `winget install ffmpeg` are) and point --ffmpeg at it, or remove the text overlays",
                self.ffmpeg.display()
            ))
        })
    }

    /// A sentence (with what to do) when this ffmpeg cannot be used for exports, else `None`.
    pub fn problem(&self) -> Option<String> {
        if !self.version_ok {
            return Some(format!(
                "{} is ffmpeg {}, older than the {} reel needs. {}",
                self.ffmpeg.display(),
                self.version.as_deref().unwrap_or("(unknown version)"),
                self.minimum_version,
                crate::ffmpeg::INSTALL_HINTS
            ));
        }
        let missing: Vec<&str> = self.missing_filters.iter().map(String::as_str).filter(|f| !TEXT_FILTERS.contains(f)).collect();
        if !missing.is_empty() {
            return Some(format!(
                "{} lacks the filter{} {} that reel needs; install a full ffmpeg build (Debian/Ubuntu `sudo apt-get install ffmpeg`, Fedora `sudo dnf install ffmpeg`, macOS `brew install ffmpeg`, Windows `winget install ffmpeg`) or point --ffmpeg at one",
                self.ffmpeg.display(),
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ));
        }
        if let Some(why) = &self.export_problem {
            let build = if self.version_number.is_none() { ", a development build" } else { "" };
            return Some(format!(
                "{} is ffmpeg {}{build}, and it cannot run reel's export commands: {}. {}",
                self.ffmpeg.display(),
                self.version.as_deref().unwrap_or("(unknown version)"),
                why.trim_end_matches('.'),
                crate::ffmpeg::INSTALL_HINTS
            ));
        }
        None
    }

    /// The status of one encoder, if reel knows it.
    pub fn encoder(&self, name: &str) -> Option<&EncoderStatus> {
        self.encoders.iter().find(|e| e.name == name)
    }
}

/// `(major, minor)` of a release version such as `5.1.9-0+deb12u1`, `n7.0.2`, `6.1` or
/// `7.1-full_build-www.gyan.dev`; `None` for development builds (`N-112345-g…`,
/// `git-2024-…`, `2023-03-05-git-…`) and anything else without a leading `X.Y`.
pub fn parse_version(v: &str) -> Option<(u32, u32)> {
    let v = v.trim();
    if v.starts_with('N') || v.contains("git") {
        return None;
    }
    let v = v.strip_prefix('n').unwrap_or(v);
    let (major, rest) = v.split_once('.')?;
    let minor: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((major.parse().ok()?, minor.parse().ok()?))
}

/// The version word of `ffmpeg -version`'s first line (`ffmpeg version 5.1.9-0+deb12u1
/// Copyright …`), or `None` when the line is not ffmpeg's.
pub fn version_from_banner(banner: &str, program: &str) -> Option<String> {
    let first = banner.lines().next()?.trim();
    let rest = first.strip_prefix(program)?.trim_start().strip_prefix("version")?;
    rest.split_whitespace().next().map(str::to_owned)
}

/// Names in the second column of `ffmpeg -filters` / `ffmpeg -encoders` listings (header
/// lines add a few harmless non-names).
fn listed_names(listing: &str) -> BTreeSet<&str> {
    listing.lines().filter_map(|line| line.split_whitespace().nth(1)).collect()
}

/// Why a doctor run could not finish.
#[derive(Debug, thiserror::Error)]
pub enum DoctorError {
    #[error("could not ask {path} for {what}: {source}")]
    Query { path: String, what: &'static str, source: Box<ToolError> },
    #[error("{path} does not look like {program}: `{program} -version` printed {first_line:?}; point --{program} / REEL_{} at a real {program}", program.to_ascii_uppercase())]
    NotFfmpeg { path: String, program: &'static str, first_line: String },
}

/// The arguments of the test encode for `encoder`: a fraction of a second of a small
/// lavfi source, encoded with the very options an export at the preview preset passes (the
/// planner's [`encoder_args`]), so an option this encoder or machine rejects (VideoToolbox's
/// `-q:v` on Intel Macs, an NVENC preset an old driver lacks) fails here, not mid-export.
pub fn test_encode_args(encoder: &str) -> Vec<String> {
    let codec = if encoder.starts_with("hevc") || encoder == "libx265" { VideoCodec::Hevc } else { VideoCodec::H264 };
    let quality = default_quality(encoder, Preset::Preview);
    let choice = EncoderChoice {
        encoder: encoder.to_owned(),
        codec,
        preset: Preset::Preview,
        quality,
        quality_override: false,
        reason: String::new(),
    };
    let enc = encoder_args(&choice);
    let mut args: Vec<String> = ["-hide_banner", "-nostdin", "-loglevel", "error"].iter().map(|s| (*s).to_owned()).collect();
    args.extend(enc.global);
    args.extend(["-f".into(), "lavfi".into(), "-i".into(), "color=c=black:s=256x144:r=30:d=0.2".into()]);
    args.extend(["-vf".into(), enc.filter_tail]);
    args.extend(["-frames:v".into(), "5".into(), "-an".into()]);
    args.extend(enc.output);
    args.extend(["-f".into(), "null".into(), "-".into()]);
    args
}

fn test_encode(ffmpeg: &Path, encoder: &str) -> Result<(), String> {
    match run_command(ffmpeg, &test_encode_args(encoder), TEST_ENCODE_TIMEOUT) {
        Ok(_) => Ok(()),
        Err(ToolError::Failed { full_stderr, .. }) => Err(failure_reason(&full_stderr)),
        Err(ToolError::Timeout { seconds, .. }) => Err(format!("the test encode did not finish within {seconds} s")),
        Err(e @ ToolError::Spawn { .. }) => Err(e.to_string()),
    }
}

/// Where doctor caches reports: `REEL_CACHE_DIR`, else the user's cache folder.
pub fn cache_dir() -> Option<PathBuf> {
    crate::folders::cache()
}

/// The cache entry for this pair of binaries: its file and the key it must hold.
fn cache_entry(tools: &Tools) -> Option<(PathBuf, String)> {
    let meta = std::fs::metadata(&tools.ffmpeg).ok()?;
    let mtime = meta.modified().ok()?.duration_since(std::time::UNIX_EPOCH).ok()?.as_nanos();
    let canonical = std::fs::canonicalize(&tools.ffmpeg).ok()?;
    let probe = std::fs::canonicalize(&tools.ffprobe).unwrap_or_else(|_| tools.ffprobe.clone());
    let key = format!(
        "reel {} format {CACHE_FORMAT}\nffmpeg {}\nsize {}\nmtime {mtime}\nffprobe {}",
        env!("CARGO_PKG_VERSION"),
        canonical.display(),
        meta.len(),
        probe.display()
    );
    let digest = <sha2::Sha256 as sha2::Digest>::digest(key.as_bytes());
    Some((cache_dir()?.join(format!("doctor-{}.json", hex::encode(&digest[..8]))), key))
}

#[derive(Serialize, Deserialize)]
struct CacheFile {
    key: String,
    report: Report,
}

fn read_cache(file: &Path, key: &str) -> Option<Report> {
    let cached: CacheFile = serde_json::from_slice(&std::fs::read(file).ok()?).ok()?;
    (cached.key == key).then_some(cached.report)
}

/// Writes the cache atomically; failing only costs speed next time.
fn write_cache(file: &Path, key: &str, report: &Report) {
    let Some(dir) = file.parent() else { return };
    if std::fs::create_dir_all(dir).is_err() {
        return;
    }
    let Ok(json) = serde_json::to_vec_pretty(&CacheFile { key: key.to_owned(), report: report.clone() }) else { return };
    let Ok(mut tmp) = tempfile::NamedTempFile::new_in(dir) else { return };
    if std::io::Write::write_all(&mut tmp, &json).is_ok() {
        let _ = tmp.persist(file);
    }
}

/// Runs doctor, or returns the cached report for this ffmpeg binary (unless `refresh`).
pub fn doctor(tools: &Tools, refresh: bool) -> Result<Report, DoctorError> {
    let entry = cache_entry(tools);
    if !refresh {
        if let Some(report) = entry.as_ref().and_then(|(file, key)| read_cache(file, key)) {
            // The same binaries may have been reached another way this time.
            return Ok(Report {
                cached: true,
                ffmpeg: tools.ffmpeg.clone(),
                ffmpeg_found: tools.ffmpeg_found,
                ffprobe: tools.ffprobe.clone(),
                ffprobe_found: tools.ffprobe_found,
                ..report
            });
        }
    }
    let report = check(tools)?;
    // A failed or inconclusive trial is judged again next time: it may have been the
    // machine's passing state (a full temporary folder, a load that timed it out), and a
    // cached failure would refuse every export until --refresh.
    if let Some((file, key)) = entry.filter(|_| report.export_problem.is_none() && report.trial_inconclusive.is_none()) {
        write_cache(&file, &key, &report);
    }
    Ok(report)
}

/// Runs every check now, without the cache.
pub fn check(tools: &Tools) -> Result<Report, DoctorError> {
    let started = Instant::now();
    let query = |program: &Path, what: &'static str, flag: &str| {
        let args = vec!["-hide_banner".to_owned(), flag.to_owned()];
        run_command(program, &args, QUERY_TIMEOUT).map(|c| c.stdout).map_err(|source| DoctorError::Query {
            path: program.display().to_string(),
            what,
            source: Box::new(source),
        })
    };
    // The four listings at once: each is a process start and little else.
    let (banner, probe_banner, filters_text, encoders_text) = std::thread::scope(|scope| {
        let probe_banner = scope.spawn(|| query(&tools.ffprobe, "its version", "-version"));
        let filters = scope.spawn(|| query(&tools.ffmpeg, "its filters", "-filters"));
        let encoders = scope.spawn(|| query(&tools.ffmpeg, "its encoders", "-encoders"));
        let banner = query(&tools.ffmpeg, "its version", "-version");
        let join = |h: std::thread::ScopedJoinHandle<'_, Result<String, DoctorError>>| h.join().unwrap_or_else(|_| Ok(String::new()));
        (banner, join(probe_banner), join(filters), join(encoders))
    });
    let banner = banner?;
    let version = version_from_banner(&banner, "ffmpeg").ok_or_else(|| DoctorError::NotFfmpeg {
        path: tools.ffmpeg.display().to_string(),
        program: "ffmpeg",
        first_line: banner.lines().next().unwrap_or_default().chars().take(120).collect(),
    })?;
    let probe_banner = probe_banner?;
    let ffprobe_version = version_from_banner(&probe_banner, "ffprobe").ok_or_else(|| DoctorError::NotFfmpeg {
        path: tools.ffprobe.display().to_string(),
        program: "ffprobe",
        first_line: probe_banner.lines().next().unwrap_or_default().chars().take(120).collect(),
    })?;
    let version_number = parse_version(&version);
    let version_ok = version_number.is_none_or(|v| v >= MINIMUM_VERSION);

    let filters_text = filters_text?;
    let filters = listed_names(&filters_text);
    let missing_filters: Vec<String> =
        REQUIRED_FILTERS.iter().chain(TEXT_FILTERS).filter(|f| !filters.contains(*f)).map(|f| (*f).to_owned()).collect();

    let encoders_text = encoders_text?;
    let listed = listed_names(&encoders_text);
    // The test encodes, and beside them the media for the trial export.
    let (encoders, media) = std::thread::scope(|scope| {
        let media = scope.spawn(|| crate::trial::media(tools, listed.contains("libx264")));
        let handles: Vec<_> = KNOWN_ENCODERS
            .iter()
            .map(|name| {
                let is_listed = listed.contains(name);
                let ffmpeg = &tools.ffmpeg;
                scope.spawn(move || {
                    let result = if is_listed { test_encode(ffmpeg, name) } else { Err(String::new()) };
                    EncoderStatus {
                        name: (*name).to_owned(),
                        listed: is_listed,
                        usable: result.is_ok(),
                        reason: result.err().filter(|_| is_listed),
                    }
                })
            })
            .collect();
        let encoders: Vec<EncoderStatus> = handles
            .into_iter()
            .zip(KNOWN_ENCODERS)
            .map(|(h, name)| {
                h.join().unwrap_or_else(|_| EncoderStatus {
                    name: (*name).to_owned(),
                    listed: true,
                    usable: false,
                    reason: Some("the test encode could not be run".to_owned()),
                })
            })
            .collect();
        (encoders, media.join().unwrap_or_else(|_| Err("making its media crashed".to_owned())))
    });

    let text_missing = missing_filters.iter().find(|f| TEXT_FILTERS.contains(&f.as_str())).map(|f| format!("it lacks the filter {f}"));
    let mut report = Report {
        ffmpeg: tools.ffmpeg.clone(),
        ffmpeg_found: tools.ffmpeg_found,
        ffprobe: tools.ffprobe.clone(),
        ffprobe_found: tools.ffprobe_found,
        version: Some(version),
        version_number,
        ffprobe_version: Some(ffprobe_version),
        build: Some(hex::encode(Sha256::digest(banner.as_bytes()))),
        minimum_version: format!("{}.{}", MINIMUM_VERSION.0, MINIMUM_VERSION.1),
        version_ok,
        encoders,
        export_problem: None,
        text_problem: text_missing.clone(),
        trial_inconclusive: None,
        missing_filters,
        cached: false,
        check_seconds: 0.0,
    };
    // What it cannot do for certain already says enough; otherwise, try it.
    if report.problem().is_none() {
        let trials = crate::trial::run(tools, &report.capabilities(), media, text_missing.is_none());
        report.export_problem = trials.export.err();
        report.trial_inconclusive = trials.inconclusive;
        report.text_problem = text_missing.or_else(|| trials.text.and_then(Result::err));
    }
    report.check_seconds = started.elapsed().as_secs_f64();
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions() {
        assert_eq!(parse_version("5.1.9-0+deb12u1"), Some((5, 1)));
        assert_eq!(parse_version("n7.0.2"), Some((7, 0)));
        assert_eq!(parse_version("6.0"), Some((6, 0)));
        assert_eq!(parse_version("4.4.2-0ubuntu0.22.04.1"), Some((4, 4)));
        assert_eq!(parse_version("7.1-full_build-www.gyan.dev"), Some((7, 1)));
        assert_eq!(parse_version("N-112345-gdeadbeef"), None);
        assert_eq!(parse_version("git-2024-01-01-abcdef"), None);
        assert_eq!(parse_version("2023-03-05-git-912ac82a3c-full_build-www.gyan.dev"), None);
        assert_eq!(parse_version("7"), None);
        assert_eq!(parse_version(""), None);
    }

    #[test]
    fn banners() {
        let b = "ffmpeg version 5.1.9-0+deb12u1 Copyright (c) 2000-2026 the FFmpeg developers\nbuilt with gcc 12";
        assert_eq!(version_from_banner(b, "ffmpeg").as_deref(), Some("5.1.9-0+deb12u1"));
        assert_eq!(version_from_banner("ffmpeg version N-112345-gdeadbeef Copyright", "ffmpeg").as_deref(), Some("N-112345-gdeadbeef"));
        assert_eq!(version_from_banner("ffprobe version 6.1 Copyright", "ffprobe").as_deref(), Some("6.1"));
        assert_eq!(version_from_banner("usage: something else", "ffmpeg"), None);
        assert_eq!(version_from_banner("", "ffmpeg"), None);
    }

    #[test]
    fn listings() {
        let filters = "Filters:\n  T.. = Timeline support\n  ---\n TSC concat            N->N       Concatenate\n ... anullsrc          |->A       Null audio source\n";
        let names = listed_names(filters);
        assert!(names.contains("concat") && names.contains("anullsrc"));
        let encoders =
            "Encoders:\n V..... = Video\n ------\n V....D libx264              libx264 H.264\n V....D h264_nvenc           NVIDIA NVENC\n";
        let names = listed_names(encoders);
        assert!(names.contains("libx264") && names.contains("h264_nvenc") && !names.contains("libx265"));
    }

    #[test]
    fn problems_are_sentences_with_hints() {
        let mut r = Report {
            ffmpeg: "/usr/bin/ffmpeg".into(),
            ffmpeg_found: Found::Path,
            ffprobe: "/usr/bin/ffprobe".into(),
            ffprobe_found: Found::BesideFfmpeg,
            version: Some("4.4.2".into()),
            version_number: Some((4, 4)),
            ffprobe_version: Some("4.4.2".into()),
            build: None,
            minimum_version: "5.1".into(),
            version_ok: false,
            missing_filters: vec![],
            export_problem: None,
            text_problem: None,
            trial_inconclusive: None,
            encoders: vec![],
            cached: false,
            check_seconds: 0.0,
        };
        let p = r.problem().unwrap();
        assert!(p.starts_with("/usr/bin/ffmpeg is ffmpeg 4.4.2, older than the 5.1 reel needs"), "{p}");
        assert!(p.contains("brew install ffmpeg"), "{p}");
        r.version_ok = true;
        r.missing_filters = vec!["drawtext".into(), "overlay".into()];
        assert!(r.problem().unwrap().contains("lacks the filter overlay that reel needs"), "{:?}", r.problem());
        // Without drawtext, only timelines with text are refused.
        r.missing_filters = vec!["drawtext".into()];
        r.text_problem = Some("it lacks the filter drawtext".into());
        assert_eq!((r.problem(), r.problem_for(false)), (None, None));
        let p = r.problem_for(true).unwrap();
        assert!(
            p.starts_with("/usr/bin/ffmpeg cannot draw text (it lacks the filter drawtext), and this timeline has text overlays."),
            "{p}"
        );
        // A development build is judged by its trial export.
        (r.version, r.version_number, r.export_problem) =
            (Some("N-47683-g0e8b6f5".into()), None, Some("Unrecognized option 'stats_period'.".into()));
        let p = r.problem().unwrap();
        assert!(p.starts_with("/usr/bin/ffmpeg is ffmpeg N-47683-g0e8b6f5, a development build, and it cannot run reel's export commands: Unrecognized option 'stats_period'. Install ffmpeg 5.1 or newer"), "{p}");
    }

    #[test]
    fn vaapi_test_encode_uploads_frames() {
        let args = test_encode_args("h264_vaapi").join(" ");
        assert!(args.contains("-vaapi_device /dev/dri/renderD128 -f lavfi") && args.contains("-vf format=nv12,hwupload"), "{args}");
        let x264 = test_encode_args("libx264").join(" ");
        assert!(!x264.contains("vaapi") && x264.contains("-c:v libx264 -preset veryfast -crf 23"), "{x264}");
        let vt = test_encode_args("h264_videotoolbox").join(" ");
        assert!(vt.contains("-c:v h264_videotoolbox -q:v"), "the export's options are tested: {vt}");
    }
}
