//! Probing media with one ffprobe run per file, and loading a timeline: read, parse and
//! check its structure, probe every source once, check it against the probed media.
//!
//! A probe lists packets (for keyframes) but decodes nothing, so a long file costs one
//! read of its container. Sources are opened the way `reel_core::args` hardens every
//! input: as `file:` URLs (a name like `concat:x.mp4` is a file, not a protocol), with a
//! protocol and demuxer whitelist (an `.mp4` that is really an HLS playlist is refused,
//! never followed), and still images with `-pattern_type none` (`a%d.png` is one file).

use crate::error::ToolError;
use crate::ffmpeg::{meaningful_lines, run_command, run_reading, strip_component, Tools};
use crate::files::ReadError;
use reel_core::ffprobe::FfprobeParseError;
use reel_core::media::MediaInfo;
use reel_core::timeline::{Problem, Timeline, TimelineError};
use reel_core::validate::{check_media, fmt_s, MediaMap};
use reel_wire::exit;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The longest one probe may take (it reads the whole container, decoding nothing).
pub const PROBE_TIMEOUT: Duration = Duration::from_mins(2);

pub use reel_core::media::IMAGE_EXTENSIONS;

/// Why a file could not be probed. Each message names the file (as the user wrote it) and
/// says what to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProbeError {
    #[error("{path} does not exist; check the name and folder (paths in a timeline are relative to the timeline's folder)")]
    Missing { path: String },
    #[error("{path} is a folder, not a media file; name a video, audio or image file")]
    Directory { path: String },
    #[error("{path} cannot be read ({reason}); check that it is a file you are allowed to read")]
    Unreadable { path: String, reason: String },
    #[error("{path} is not a media file ffmpeg can read (ffprobe: {reason}); check that it is a complete video, audio or image file")]
    NotMedia { path: String, reason: String },
    #[error("{path} is {what}, which would make ffmpeg open other files or generate media; reel accepts only plain media files, so export it to a single file (MP4, MOV, MKV, WAV, PNG, ...) and use that")]
    Refused { path: String, what: String },
    #[error("{path} is cut short: its header says it lasts {} s, but its data ends at {} s (a copy or download that did not finish?); copy or export the whole file again and use that", fmt_s(*claimed), fmt_s(*data_end))]
    CutShort { path: String, claimed: f64, data_end: f64 },
    #[error("ffprobe could not probe {path}: {source}")]
    Tool { path: String, source: ToolError },
    #[error("ffprobe's report on {path} could not be read: {source}")]
    Output { path: String, source: reel_core::ffprobe::FfprobeParseError },
}

impl ProbeError {
    /// The process exit code: a problem with ffprobe itself is the environment's, every
    /// other one is the input's.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Tool { source: ToolError::Spawn { .. }, .. } | Self::Output { .. } => exit::ENVIRONMENT,
            _ => exit::INVALID_INPUT,
        }
    }

    /// True when ffprobe itself could not run (every other file would fail the same way).
    pub fn is_environment(&self) -> bool {
        self.exit_code() == exit::ENVIRONMENT
    }
}

/// Whether `path` is probed as a still image, by its extension.
pub fn is_image(path: &Path) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Probes one file: format, streams and keyframes (from packet flags; nothing is decoded).
/// Messages name the file as `path` displays.
pub fn probe(ffprobe: &Path, path: &Path) -> Result<MediaInfo, ProbeError> {
    probe_as(ffprobe, path, &path.display().to_string())
}

/// How much a probe finds out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ProbeDepth {
    /// Format, streams, and the video stream's keyframes (a second ffprobe run that lists
    /// its packets without decoding).
    Keyframes,
    /// Format and streams only: the container's header, enough to verify an output.
    Streams,
}

/// [`probe`], naming the file `shown` in messages (what the timeline says, say).
pub fn probe_as(ffprobe: &Path, path: &Path, shown: &str) -> Result<MediaInfo, ProbeError> {
    probe_to(ffprobe, path, shown, ProbeDepth::Keyframes)
}

/// Format and streams only, no keyframes: what verifying a written file needs, read from
/// the container's header instead of every packet (0.1 s instead of 0.4 s for 60 s of
/// 1080p).
pub fn probe_streams(ffprobe: &Path, path: &Path) -> Result<MediaInfo, ProbeError> {
    probe_to(ffprobe, path, &path.display().to_string(), ProbeDepth::Streams)
}

fn probe_to(ffprobe: &Path, path: &Path, shown: &str, depth: ProbeDepth) -> Result<MediaInfo, ProbeError> {
    let named = |f: fn(String) -> ProbeError| f(shown.to_owned());
    let meta = std::fs::metadata(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => named(|path| ProbeError::Missing { path }),
        _ => ProbeError::Unreadable { path: shown.to_owned(), reason: e.to_string() },
    })?;
    if meta.is_dir() {
        return Err(named(|path| ProbeError::Directory { path }));
    }
    if !meta.is_file() {
        return Err(ProbeError::Unreadable {
            path: shown.to_owned(),
            reason: "it is not a regular file (a device, socket or pipe)".to_owned(),
        });
    }
    std::fs::File::open(path).map_err(|e| ProbeError::Unreadable { path: shown.to_owned(), reason: e.to_string() })?;

    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let abs = absolute.to_string_lossy();
    let image = is_image(path);
    // The keyframe listing runs beside the streams probe (it needs nothing from it): two
    // ffprobe processes at once instead of one after the other.
    let list = |select: &str| {
        let (ffprobe, args) = (ffprobe.to_owned(), reel_core::args::ffprobe_packet_args(&abs, select));
        // Read as it streams, keyframes kept: reel's memory does not grow with the file.
        std::thread::spawn(move || run_reading(&ffprobe, &args, PROBE_TIMEOUT, |out| reel_core::ffprobe::keyframes_from_csv(Batched(out))))
    };
    let listing = (depth == ProbeDepth::Keyframes && !image).then(|| list("v"));
    // Where the first video packet lies, for the encoder's settings (x264 writes them into
    // the first frame): a third small ffprobe beside the others.
    let first_packet = (depth == ProbeDepth::Keyframes && !image).then(|| {
        let (ffprobe, args) = (ffprobe.to_owned(), reel_core::args::ffprobe_first_packet_args(&abs));
        std::thread::spawn(move || run_command(&ffprobe, &args, PROBE_TIMEOUT).ok().map(|out| out.stdout))
    });
    let args = if image { reel_core::args::ffprobe_image_args(&abs) } else { reel_core::args::ffprobe_args(&abs) };
    let failed = |e: ToolError| match e {
        ToolError::Failed { full_stderr, .. } => classify_failure(shown, &abs, &full_stderr),
        other => ProbeError::Tool { path: shown.to_owned(), source: other },
    };
    let out = run_command(ffprobe, &args, PROBE_TIMEOUT).map_err(failed)?;
    let unparsed = |source: FfprobeParseError| ProbeError::Output { path: shown.to_owned(), source };
    let mut info = reel_core::ffprobe::parse(&out.stdout).map_err(unparsed)?;
    // The file's identity as it was probed: a later change to it is a different source.
    info.size = Some(meta.len());
    info.modified = modified_ns(&meta);
    if let Some(format) = info.refused_format() {
        return Err(ProbeError::Refused { path: shown.to_owned(), what: refused_what(format) });
    }
    if info.streams.is_empty() {
        return Err(ProbeError::NotMedia { path: shown.to_owned(), reason: "it has no audio, video or image streams".to_owned() });
    }
    let Some(listing) = listing.filter(|_| !info.is_still_image()) else { return Ok(info) };
    // A file without video: where its audio ends is what can be cut short.
    let (listing, index) = match (info.video(), info.audio()) {
        (Some(v), _) => (listing, v.index),
        (None, Some(a)) => (list("a"), a.index),
        (None, None) => return Ok(info),
    };
    let unfinished = || FfprobeParseError { reason: "its packet listing was not read to the end in time".to_owned() };
    let (listed, _) = listing.join().unwrap_or_else(|_| Ok((None, String::new()))).map_err(failed)?;
    let packets = listed.unwrap_or_else(|| Err(unfinished())).map_err(unparsed)?;
    let origin = info.start_time.unwrap_or(0.0);
    if info.video().is_some() {
        (info.keyframes, info.keyframe_dts) = packets.of(index, origin);
    }
    info.data_end = packets.end_of(index, origin);
    if let Some(cut) = info.cut_short() {
        return Err(ProbeError::CutShort { path: shown.to_owned(), claimed: cut.claimed, data_end: cut.data_end });
    }
    let listed = first_packet.and_then(|t| t.join().ok().flatten());
    let video = info.video().map(|v| v.index);
    if let (Some(video), Some(listed)) = (info.streams.iter_mut().find(|s| Some(s.index) == video), listed) {
        if video.encoder_settings.is_none() {
            video.encoder_settings = first_packet_settings(&absolute, &listed);
        }
    }
    Ok(info)
}

/// When a file was last modified, nanoseconds since the Unix epoch: with its size, the
/// identity a probe records (cache keys and the check that sources did not change use it).
pub fn modified_ns(meta: &std::fs::Metadata) -> Option<u64> {
    meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).and_then(|d| u64::try_from(d.as_nanos()).ok())
}

/// The most of the first video packet read for the encoder's settings: x264's message
/// (about 700 bytes) comes before the picture in the first frame.
const SETTINGS_BYTES: u64 = 16 * 1024;

/// The encoder's settings from the start of the first video packet, given ffprobe's
/// `size=` and `pos=` lines for it; `None` when the packet holds none (not every encoder
/// writes them) or cannot be read.
fn first_packet_settings(path: &Path, listed: &str) -> Option<String> {
    use std::io::{Seek, SeekFrom};
    let field = |key: &str| listed.lines().find_map(|l| l.trim().strip_prefix(key)?.strip_prefix('=')?.parse::<u64>().ok());
    let (pos, size) = (field("pos")?, field("size")?);
    let mut file = std::fs::File::open(path).ok()?;
    file.seek(SeekFrom::Start(pos)).ok()?;
    let mut bytes = Vec::new();
    file.take(size.min(SETTINGS_BYTES)).read_to_end(&mut bytes).ok()?;
    reel_core::ffprobe::encoder_settings(&bytes)
}

/// A pipe read in batches: ffprobe writes its packet listing one line per `write` (108,000
/// of them for an hour of video), and reading each as it comes cost reel a system call per
/// line. After a short read, wait a moment so the next read finds the pipe fuller.
struct Batched<'a>(&'a mut dyn Read);

impl Read for Batched<'_> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.0.read(buf)?;
        if n > 0 && n < 4096 {
            // ffprobe lists about 5 MB/s: 2 ms fills the next read, far from the 64 KiB
            // that would make ffprobe wait on the pipe.
            std::thread::sleep(Duration::from_millis(2));
        }
        Ok(n)
    }
}

fn refused_what(format: &str) -> String {
    match format {
        "hls" | "applehttp" => "an HLS playlist (format hls)".to_owned(),
        "dash" => "a DASH manifest (format dash)".to_owned(),
        "concat" | "ffconcat" => "an ffmpeg concat list (format concat)".to_owned(),
        "lavfi" => "a filter graph (format lavfi)".to_owned(),
        other => format!("a {other} file"),
    }
}

/// Turns ffprobe's complaint into the error a user can act on.
fn classify_failure(shown: &str, absolute: &str, stderr: &str) -> ProbeError {
    let lines = meaningful_lines(stderr);
    if let Some(line) = lines.iter().find(|l| l.contains("not on whitelist")) {
        // "[hls @ 0x…] Format not on whitelist '…'" names the demuxer ffmpeg chose;
        // "Protocol 'http' not on whitelist 'file'!" means a reference to another file.
        let demuxer = line.strip_prefix('[').and_then(|l| l.split(" @ ").next()).filter(|d| !d.contains(']'));
        let what = match demuxer {
            Some(d) if line.contains("Format not on whitelist") => refused_what(d),
            _ => "a playlist or reference file".to_owned(),
        };
        return ProbeError::Refused { path: shown.to_owned(), what };
    }
    let all = lines.join("\n");
    if all.contains("Is a directory") {
        return ProbeError::Directory { path: shown.to_owned() };
    }
    if all.contains("No such file or directory") {
        return ProbeError::Missing { path: shown.to_owned() };
    }
    if all.contains("Permission denied") {
        return ProbeError::Unreadable { path: shown.to_owned(), reason: "permission denied".to_owned() };
    }
    let url = format!("file:{absolute}: ");
    let mut reasons: Vec<&str> = lines.iter().map(|l| strip_component(l)).map(|l| l.strip_prefix(url.as_str()).unwrap_or(l)).collect();
    reasons.dedup();
    let reason = if reasons.is_empty() { "it gave no reason".to_owned() } else { reasons[reasons.len().saturating_sub(3)..].join("; ") };
    ProbeError::NotMedia { path: shown.to_owned(), reason }
}

// ---------------------------------------------------------------------------------------
// Loading a timeline.
// ---------------------------------------------------------------------------------------

/// A timeline could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("the timeline {path} does not exist; check the path")]
    Missing { path: String },
    #[error("the timeline {path} is a folder; give the timeline's JSON file")]
    Directory { path: String },
    #[error("the timeline {path} cannot be read ({reason}); check that it is a file you are allowed to read")]
    Unreadable { path: String, reason: String },
    #[error("the timeline {path} is not a regular file (a device, pipe or socket), so reading it might never end; save the timeline to a file and give that file's path")]
    NotAFile { path: String },
    #[error("the timeline {path} is {}, over the {} reel reads; a timeline is a JSON file of a few megabytes at most, so check that this is the right file", crate::files::megabytes(*size), crate::files::megabytes(*limit))]
    TooLarge { path: String, size: u64, limit: u64 },
    #[error("the timeline {path} is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8 JSON")]
    NotUtf8 { path: String, offset: usize },
    /// Structural problems, or problems with the media: every one found, each at its JSON path.
    #[error("{}", render_invalid(path, error))]
    Invalid { path: String, error: TimelineError },
    /// ffprobe could not run at all, so no source could be checked.
    #[error("{0}")]
    Probe(ProbeError),
    /// An OpenTimelineIO file that cannot be imported: every problem, at its OTIO path.
    #[error("{path}: {error}")]
    Otio { path: String, error: reel_core::otio::OtioError },
}

impl LoadError {
    /// The process exit code (`reel_wire::exit`).
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Probe(e) => e.exit_code(),
            _ => exit::INVALID_INPUT,
        }
    }

    /// The problems, when the timeline was read but refused.
    pub fn problems(&self) -> &[Problem] {
        match self {
            Self::Invalid { error, .. } => &error.problems,
            Self::Otio { error, .. } => &error.problems,
            _ => &[],
        }
    }
}

fn render_invalid(path: &str, error: &TimelineError) -> String {
    struct Render<'a>(&'a str, &'a TimelineError);
    impl fmt::Display for Render<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let n = self.1.problems.len();
            writeln!(f, "the timeline {} has {n} problem{}:", self.0, if n == 1 { "" } else { "s" })?;
            for p in &self.1.problems {
                writeln!(f, "  {p}")?;
            }
            write!(f, "Fix these in the timeline file and run again; `reel schema` prints the format.")
        }
    }
    Render(path, error).to_string()
}

/// The largest timeline file reel reads: 100,000 clips take about 10 MB.
pub const TIMELINE_LIMIT: u64 = 256_000_000;

/// Reads and parses a timeline file, checking its structure only (no media is opened).
/// A `.otio` file is imported from OpenTimelineIO ([`crate::import`]). Only a regular file
/// of at most [`TIMELINE_LIMIT`] bytes is read.
pub fn read_timeline(path: &Path) -> Result<Timeline, LoadError> {
    let shown = path.display().to_string();
    let text = read_text(path)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let base = base_dir(path);
    if crate::import::is_otio(path) {
        return crate::import::otio_timeline(text, &base, &shown);
    }
    reel_core::timeline::parse(text, &base).map_err(|error| LoadError::Invalid { path: shown, error })
}

/// A timeline file's text: only a regular file of at most [`TIMELINE_LIMIT`] bytes.
pub(crate) fn read_text(path: &Path) -> Result<String, LoadError> {
    let shown = path.display().to_string();
    let bytes = crate::files::read_bounded(path, TIMELINE_LIMIT).map_err(|e| match e {
        ReadError::Missing => LoadError::Missing { path: shown.clone() },
        ReadError::Directory => LoadError::Directory { path: shown.clone() },
        ReadError::NotRegular => LoadError::NotAFile { path: shown.clone() },
        ReadError::TooLarge { size, limit } => LoadError::TooLarge { path: shown.clone(), size, limit },
        ReadError::Io(e) => LoadError::Unreadable { path: shown.clone(), reason: e.to_string() },
    })?;
    String::from_utf8(bytes).map_err(|e| LoadError::NotUtf8 { path: shown, offset: e.utf8_error().valid_up_to() })
}

/// The absolute folder of a timeline file: what relative paths in it are relative to.
pub(crate) fn base_dir(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| PathBuf::from(path));
    absolute.parent().map(|p| p.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Probes every file in `sources` (absolute path, name for messages) once, a few at a time.
pub fn probe_all(ffprobe: &Path, sources: &[(&str, &str)]) -> Vec<Result<MediaInfo, ProbeError>> {
    let workers = std::thread::available_parallelism().map_or(2, std::num::NonZeroUsize::get).clamp(1, 8).min(sources.len().max(1));
    let next = std::sync::atomic::AtomicUsize::new(0);
    let results: std::sync::Mutex<Vec<Option<Result<MediaInfo, ProbeError>>>> = std::sync::Mutex::new(vec![None; sources.len()]);
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some((path, shown)) = sources.get(i) else { break };
                let result = probe_as(ffprobe, Path::new(path), shown);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .zip(sources)
        .map(|(r, (_, shown))| {
            r.unwrap_or_else(|| Err(ProbeError::Unreadable { path: (*shown).to_owned(), reason: "probing it was interrupted".to_owned() }))
        })
        .collect()
}

/// Reads, validates and probes a timeline. All problems are reported at once: structural
/// ones first (and then nothing is probed), else every source and range problem, each at
/// every JSON path that names the file, with the file named as the timeline writes it.
pub fn load_timeline(tools: &Tools, path: &Path) -> Result<(Timeline, MediaMap), LoadError> {
    let timeline = read_timeline(path)?;
    probe_timeline(&tools.ffprobe, timeline, path)
}

/// The second half of [`load_timeline`]: probes every source of a structurally valid
/// timeline once and checks the timeline against the results. `path` is the timeline
/// file, for messages.
pub fn probe_timeline(ffprobe: &Path, timeline: Timeline, path: &Path) -> Result<(Timeline, MediaMap), LoadError> {
    let sources: Vec<(&str, &str)> = timeline.sources().iter().map(|s| (s.path.as_str(), s.written.as_str())).collect();
    let results = probe_all(ffprobe, &sources);
    let mut media = MediaMap::new();
    for ((abs, _), result) in sources.iter().zip(results) {
        if let Err(e) = &result {
            if e.is_environment() {
                return Err(LoadError::Probe(e.clone()));
            }
        }
        media.insert((*abs).to_owned(), result.map_err(|e| e.to_string()));
    }
    let problems = check_media(&timeline, &media);
    if problems.is_empty() {
        Ok((timeline, media))
    } else {
        Err(LoadError::Invalid { path: path.display().to_string(), error: TimelineError { problems } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ffprobe_failures_become_sentences() {
        let hls = "[hls @ 0x55bc591cd880] Format not on whitelist 'mov,mp4,m4a'\nfile:/tmp/x/hls.mp4: Invalid argument\n";
        let e = classify_failure("media/hls.mp4", "/tmp/x/hls.mp4", hls);
        assert_eq!(e, ProbeError::Refused { path: "media/hls.mp4".into(), what: "an HLS playlist (format hls)".into() });
        let proto = "[http @ 0x1] Protocol 'http' not on whitelist 'file'!\n";
        assert!(
            matches!(classify_failure("a.mp4", "/a.mp4", proto), ProbeError::Refused { what, .. } if what == "a playlist or reference file")
        );
        let text = "[mov,mp4,m4a,3gp,3g2,mj2 @ 0x55d724d11880] moov atom not found\nfile:/tmp/x/text.mp4: Invalid data found when processing input\n";
        let e = classify_failure("text.mp4", "/tmp/x/text.mp4", text);
        assert_eq!(e.to_string(), "text.mp4 is not a media file ffmpeg can read (ffprobe: moov atom not found; Invalid data found when processing input); check that it is a complete video, audio or image file");
        assert!(matches!(classify_failure("d", "/d", "file:/d: Is a directory"), ProbeError::Directory { .. }));
        assert!(matches!(classify_failure("m", "/m", "file:/m: No such file or directory"), ProbeError::Missing { .. }));
        assert!(matches!(classify_failure("e", "/e", ""), ProbeError::NotMedia { reason, .. } if reason == "it gave no reason"));
    }

    #[test]
    fn images_by_extension() {
        assert!(is_image(Path::new("/a/logo.PNG")));
        assert!(is_image(Path::new("a%d.jpeg")));
        assert!(!is_image(Path::new("clip.mp4")));
        assert!(!is_image(Path::new("png")));
    }

    #[test]
    fn exit_codes() {
        let spawn = ProbeError::Tool {
            path: "a".into(),
            source: ToolError::Spawn { program: "p".into(), command: "p".into(), reason: "r".into() },
        };
        assert_eq!(spawn.exit_code(), exit::ENVIRONMENT);
        assert_eq!(ProbeError::Missing { path: "a".into() }.exit_code(), exit::INVALID_INPUT);
    }

    #[test]
    fn probing_lists_packets_and_decodes_nothing() {
        let streams = reel_core::args::ffprobe_args("/m/a.mp4").join(" ");
        let packets = reel_core::args::ffprobe_packet_args("/m/a.mp4", "v").join(" ");
        assert!(!streams.contains("packet") && streams.contains("-show_streams") && streams.contains("-show_format"), "{streams}");
        assert!(
            packets.contains(
                "-select_streams v -show_entries packet=stream_index,pts_time,dts_time,duration_time,flags -print_format csv=p=0"
            ),
            "{packets}"
        );
        for args in [&streams, &packets] {
            for decoding in ["-show_frames", "-count_frames", "-count_packets", "-read_intervals"] {
                assert!(!args.contains(decoding), "{decoding} in {args}");
            }
            assert!(args.contains("-protocol_whitelist file -format_whitelist") && args.ends_with("file:/m/a.mp4"), "{args}");
        }
    }

    /// An ffprobe that logs each call, then runs the real one.
    #[cfg(unix)]
    fn logging_ffprobe(dir: &Path) -> (PathBuf, PathBuf) {
        use std::os::unix::fs::PermissionsExt;
        let log = dir.join("calls.log");
        let script = dir.join("ffprobe");
        std::fs::write(
            &script,
            format!("#!/bin/sh\necho \"$@\" >> '{}'\nexec '{}' \"$@\"\n", log.display(), reel_testkit::ffprobe_path().display()),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        (script, log)
    }

    #[cfg(unix)]
    #[test]
    fn each_source_is_probed_once() {
        let tmp = tempfile::tempdir().unwrap();
        let (ffprobe, log) = logging_ffprobe(tmp.path());
        let a = reel_testkit::fixture(reel_testkit::Fixture::Small30);
        let b = reel_testkit::fixture(reel_testkit::Fixture::NoAudio);
        let timeline = tmp.path().join("t.json");
        let json = serde_json::json!({"reel": 1,
            "video": [{"source": a, "in": 1, "out": 2}, {"source": b}, {"source": a, "in": 3}],
            "overlays": [{"video": b, "start": 0, "end": 1}],
            "audio": [{"source": a}]});
        std::fs::write(&timeline, json.to_string()).unwrap();
        let tools = Tools { ffmpeg: "ffmpeg".into(), ffmpeg_found: crate::Found::Path, ffprobe, ffprobe_found: crate::Found::Flag };
        let (loaded, media) = load_timeline(&tools, &timeline).unwrap();
        assert_eq!(loaded.items.len(), 3);
        assert_eq!(media.len(), 2);
        // Each file once for its streams, once for its video's packets and once for where
        // its first video packet lies.
        let calls = std::fs::read_to_string(&log).unwrap();
        for file in [&a, &b] {
            let of = |what: &str| calls.lines().filter(|l| l.contains(what) && l.contains(file.to_str().unwrap())).count();
            assert_eq!(
                (of("-show_streams"), of("-show_entries packet=stream_index"), of("-show_entries packet=pos,size")),
                (1, 1, 1),
                "{calls}"
            );
        }
        assert_eq!(calls.lines().count(), 6, "{calls}");
        let info = media[a.to_str().unwrap()].as_ref().unwrap();
        assert_eq!(info.keyframes.len(), 6);
        assert_eq!(info.video().and_then(|v| v.frame_rate), reel_core::Rational::new(30, 1));
        // The x264 fixture's settings, read from its first frame, and its parameter sets.
        let video = info.video().unwrap();
        let settings = video.encoder_settings.as_deref().unwrap_or_default();
        assert!(
            settings.starts_with("x264 - core") && settings.contains(" options: cabac=1 ") && settings.contains(" keyint=30 "),
            "{settings}"
        );
        assert!(video.extradata.as_deref().is_some_and(|x| x.starts_with("01")), "an avcC: {:?}", video.extradata);
    }

    #[cfg(unix)]
    #[test]
    fn ffprobe_that_cannot_run_is_an_environment_error() {
        let tmp = tempfile::tempdir().unwrap();
        let clip = reel_testkit::fixture(reel_testkit::Fixture::Small30);
        let timeline = tmp.path().join("t.json");
        std::fs::write(&timeline, serde_json::json!({"reel": 1, "video": [{"source": clip}]}).to_string()).unwrap();
        let tools = Tools {
            ffmpeg: "ffmpeg".into(),
            ffmpeg_found: crate::Found::Path,
            ffprobe: tmp.path().join("no-ffprobe"),
            ffprobe_found: crate::Found::Flag,
        };
        let e = load_timeline(&tools, &timeline).unwrap_err();
        assert_eq!(e.exit_code(), exit::ENVIRONMENT, "{e}");
        assert!(e.to_string().contains("could not run"), "{e}");
    }
}
