//! The core's plan, adapted to ffmpeg.wasm: the only place that knows both shapes, so that
//! when reel-core's `Plan` changes, this file changes and the JavaScript runner does not.
//!
//! What differs from the native engine, and why:
//! - **Paths.** The runner mounts the user's files read-only (WORKERFS) at a base folder in
//!   ffmpeg.wasm's file system, and the timeline is resolved against it, so every source path
//!   in the plan points into the mount. ffmpeg.wasm's working folder is `/` (it has no
//!   `chdir` call), so the plan's work folder is `/`: the work files (filter scripts, text
//!   files) and the outputs sit there, where the relative names in the commands find them.
//! - **Links.** The native engine links sources into its work folder so a concat list names
//!   only safe relative names; ffmpeg.wasm has no symbolic links. A concat list and the
//!   files it names are mounted together, read-only, in one folder (the list as a small
//!   blob, each name as the user's own file, nothing copied), and the command reads the
//!   list from there.
//! - **`-n`.** ffmpeg.wasm puts `-nostdin -y` in front of every command, and ffmpeg refuses
//!   `-y` with `-n` ("Error, both -y and -n supplied"); the runner removes every file a
//!   job writes before it runs, so dropping `-n` overwrites nothing of the user's.
//! - **Encoders.** Software only ([`Capabilities::software_only`]): a timeline that names a
//!   hardware encoder gets libx264/libx265 with a warning.
//! - **The seed's wasm settings** ("`-preset ultrafast` and CRF ~23 for wasm encodes") are
//!   the existing `draft` preset (x264/x265 `ultrafast`) with `quality` 23, as defaults
//!   under the timeline's own `output`: no new core code. A timeline that sets its own
//!   preset keeps it, with that preset's quality.
//! - **Threads.** With the multi-threaded core, x264's automatic thread count crashes
//!   @ffmpeg/core-mt 0.12.10 ("function signature mismatch") from 640x360 up at presets
//!   with lookahead (veryfast and slower; ultrafast survived to 1920x1080), while an
//!   explicit count works at every preset (measured to 1920x1080 with 1 to 4 threads): the
//!   runner asks for `encoder_threads`, added as `-threads N` to each job's output options.
//! - **Text overlays.** ffmpeg.wasm is built without fontconfig, so drawtext cannot find
//!   the font by name and fails; a timeline with text is refused with that reason.

use reel_core::args::InputKind;
use reel_core::capabilities::Capabilities;
use reel_core::ffprobe::{keyframes_from_csv, FfprobeParseError};
use reel_core::media::MediaInfo;
use reel_core::plan::{self, Decision, LinkTarget, OutputSpec, Plan, Strategy};
use reel_core::timeline::{OutputSettings, OverlayKind, Preset, Problem, Timeline, TimelineError};
use reel_core::validate::{check_media, source_paths, MediaMap};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The seed's quality for wasm encodes ("CRF ~23"), with the `draft` preset (ultrafast).
pub const WASM_QUALITY: u8 = 23;

/// Still images are probed as one picture (`-f image2 -pattern_type none`), by extension,
/// as the native engine does (`reel_engine::probe::is_image`).
fn is_image(path: &str) -> bool {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    reel_core::media::IMAGE_EXTENSIONS.contains(&ext.as_str())
}

/// A file the timeline reads, and how to probe it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Source {
    /// Where the planner expects it in ffmpeg.wasm's file system (base folder + written path).
    pub path: String,
    /// As the timeline writes it: the key the runner's caller gives the file under.
    pub written: String,
    /// The JSON paths that name it, for messages.
    pub used_at: Vec<String>,
    pub image: bool,
    /// ffprobe arguments for its format and streams (JSON on stdout).
    pub probe_args: Vec<String>,
    /// ffprobe arguments listing its video packets (CSV on stdout), for keyframes; none for images.
    pub keyframe_args: Option<Vec<String>>,
}

/// A refusal: every problem found, each at its JSON path, and the whole as one message.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Refusal {
    pub problems: Vec<Problem>,
    pub message: String,
}

impl From<TimelineError> for Refusal {
    fn from(e: TimelineError) -> Self {
        Self { message: e.to_string(), problems: e.problems }
    }
}

fn refuse(problems: Vec<Problem>) -> Refusal {
    TimelineError { problems }.into()
}

/// Parses and checks a timeline's structure (no media needed) and lists the files it reads,
/// with the ffprobe arguments for each. `base_dir` is where the runner mounts the files.
pub fn sources(timeline_json: &str, base_dir: &str) -> Result<Vec<Source>, Refusal> {
    let timeline = reel_core::timeline::parse(timeline_json, base_dir)?;
    let text: Vec<Problem> = timeline
        .overlays
        .iter()
        .enumerate()
        .filter(|(_, o)| matches!(o.kind, OverlayKind::Text { .. }))
        .map(|(i, _)| {
            Problem::new(
                format!("overlays[{i}].text"),
                "text overlays cannot be drawn in the browser: ffmpeg.wasm is built without fontconfig, so it cannot find a font; export this timeline with the native reel, or use an image of the text",
            )
        })
        .collect();
    if !text.is_empty() {
        return Err(refuse(text));
    }
    let mut out: Vec<Source> = Vec::new();
    for (at, source) in source_paths(&timeline) {
        if let Some(known) = out.iter_mut().find(|s| s.path == source.path) {
            known.used_at.push(at);
            continue;
        }
        let image = is_image(&source.path);
        out.push(Source {
            path: source.path.clone(),
            written: source.written.clone(),
            used_at: vec![at],
            image,
            probe_args: if image { reel_core::args::ffprobe_image_args(&source.path) } else { reel_core::args::ffprobe_args(&source.path) },
            keyframe_args: (!image).then(|| reel_core::args::ffprobe_keyframe_args(&source.path)),
        });
    }
    Ok(out)
}

/// What the runner found for one source: ffprobe's printed output, or why it has none.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Probed {
    /// What the streams probe printed (JSON).
    #[serde(default)]
    pub streams: Option<String>,
    /// What the keyframe listing printed (CSV).
    #[serde(default)]
    pub keyframes: Option<String>,
    /// ffprobe's error lines, when it printed nothing usable.
    #[serde(default)]
    pub stderr: Option<String>,
    /// A sentence from the runner when the file could not be probed at all (not given).
    #[serde(default)]
    pub error: Option<String>,
}

/// How the runner will run the plan.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Options {
    /// ffmpeg.wasm's working folder, where work files and outputs go.
    pub work_dir: String,
    /// Where a concat list and the files it names are mounted together.
    pub links_dir: String,
    /// `-threads N` for the encoders (the multi-threaded core needs an explicit count).
    pub encoder_threads: Option<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Self { work_dir: "/".to_owned(), links_dir: "/reel-links".to_owned(), encoder_threads: None }
    }
}

/// Everything [`plan`] needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Request {
    pub timeline: String,
    pub base_dir: String,
    /// By source path (as [`sources`] gives it).
    pub probes: BTreeMap<String, Probed>,
    #[serde(default)]
    pub options: Options,
}

/// A plan as the browser runner runs it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebPlan {
    pub strategy: Strategy,
    pub duration: f64,
    pub frames: u64,
    pub output: OutputSpec,
    pub decisions: Vec<Decision>,
    /// What `reel plan --explain` would print.
    pub explanation: String,
    pub warnings: Vec<String>,
    /// Jobs in the order they run.
    pub steps: Vec<Step>,
    /// The finished MP4 in ffmpeg.wasm's file system.
    pub output_path: String,
}

/// One ffmpeg.wasm run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Step {
    pub id: String,
    pub description: String,
    /// For `ffmpeg.exec`.
    pub args: Vec<String>,
    /// Written into the in-memory file system before the run, removed after.
    pub files: Vec<FileToWrite>,
    /// Mounted read-only before the run, unmounted after.
    pub mount: Option<LinkMount>,
    /// Every file the run reads from the user's (source paths).
    pub inputs: Vec<String>,
    /// The file the run writes.
    pub output: String,
    /// Seconds of output it writes (weights progress).
    pub expected_duration: f64,
    pub depends_on: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileToWrite {
    pub path: String,
    pub contents: String,
}

/// A folder of a concat list and the files it names.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkMount {
    pub dir: String,
    /// Text files (the concat list) by name.
    pub files: Vec<FileToWrite>,
    /// Names in the folder that are the user's files at `target` (a source path).
    pub links: Vec<Link>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Link {
    pub name: String,
    /// A source path, or (`from_job`) another job's output in the in-memory file system.
    pub target: String,
    pub from_job: bool,
}

fn join(dir: &str, name: &str) -> String {
    if name.starts_with('/') {
        name.to_owned()
    } else {
        format!("{}/{name}", dir.trim_end_matches('/'))
    }
}

/// The media map the core plans from, built from what the runner's ffprobe printed.
fn media_map(timeline: &Timeline, probes: &BTreeMap<String, Probed>) -> MediaMap {
    let mut media = MediaMap::new();
    for source in timeline.sources() {
        let found = match probes.get(&source.path) {
            None => Err(format!("{} was not probed; the runner must probe every file that sources() lists", source.written)),
            Some(p) => media_info(&source.written, p),
        };
        media.insert(source.path.clone(), found);
    }
    media
}

fn media_info(written: &str, probed: &Probed) -> Result<MediaInfo, String> {
    if let Some(error) = &probed.error {
        return Err(error.clone());
    }
    let stderr = probed.stderr.as_deref().unwrap_or("").trim();
    let not_media = |reason: &str| {
        format!("{written} is not a media file ffmpeg can read (ffprobe: {reason}); check that it is a complete video, audio or image file")
    };
    if stderr.contains("not on whitelist") {
        return Err(format!("{written} is a playlist or reference file, which would make ffmpeg open other files; reel accepts only plain media files, so export it to a single file (MP4, MOV, MKV, WAV, PNG, ...) and use that"));
    }
    let unreadable = |e: FfprobeParseError| {
        if stderr.is_empty() {
            not_media(&e.reason)
        } else {
            not_media(stderr.lines().last().unwrap_or(stderr))
        }
    };
    let mut info = reel_core::ffprobe::parse(probed.streams.as_deref().unwrap_or("")).map_err(unreadable)?;
    if info.streams.is_empty() {
        return Err(not_media(if stderr.is_empty() {
            "it has no audio, video or image streams"
        } else {
            stderr.lines().last().unwrap_or(stderr)
        }));
    }
    let video = info.video().filter(|_| !info.is_still_image()).map(|v| v.index);
    if let (Some(index), Some(csv)) = (video, probed.keyframes.as_deref()) {
        let listing = keyframes_from_csv(csv.as_bytes()).map_err(unreadable)?;
        (info.keyframes, info.keyframe_dts) = listing.of(index, info.start_time.unwrap_or(0.0));
    }
    Ok(info)
}

/// The effective output settings in the browser: the timeline's own, over the seed's wasm
/// settings, software encoding only.
pub fn settings(timeline: &Timeline, warnings: &mut Vec<String>) -> OutputSettings {
    let own = &timeline.output;
    let wasm = if own.preset.is_none() {
        OutputSettings { preset: Some(Preset::Draft), quality: Some(WASM_QUALITY), ..OutputSettings::default() }
    } else {
        OutputSettings::default()
    };
    let mut settings = own.or(&wasm);
    match own.encoder.as_deref() {
        None | Some("auto" | "cpu" | "libx264" | "libx265") => {}
        Some(other) => warnings.push(format!(
            "output.encoder {other:?} is not available in the browser (ffmpeg.wasm encodes in software); libx264/libx265 is used instead"
        )),
    }
    if !matches!(own.encoder.as_deref(), Some("libx264" | "libx265")) {
        settings.encoder = Some("cpu".to_owned());
    }
    settings
}

/// Validates the timeline against the probed media and plans it for ffmpeg.wasm.
pub fn plan(request: &Request) -> Result<WebPlan, Refusal> {
    let timeline = reel_core::timeline::parse(&request.timeline, &request.base_dir)?;
    let media = media_map(&timeline, &request.probes);
    let problems = check_media(&timeline, &media);
    if !problems.is_empty() {
        return Err(refuse(problems));
    }
    let mut warnings = Vec::new();
    let settings = settings(&timeline, &mut warnings);
    let core = plan::plan(&timeline, &media, &settings, &Capabilities::software_only())
        .map_err(|e| refuse(vec![Problem::new("output", e.to_string())]))?;
    Ok(adapt(core, &request.options, warnings))
}

/// The core's plan as steps for the runner (see the module's notes).
pub fn adapt(core: Plan, options: &Options, mut warnings: Vec<String>) -> WebPlan {
    let work = options.work_dir.as_str();
    let explanation = core.explanation();
    let mut steps = Vec::new();
    let mut output_path = join(work, plan::OUTPUT_NAME);
    let outputs: BTreeMap<String, String> = core.jobs.iter().map(|j| (j.id.clone(), j.command.output.clone())).collect();
    let job_output = |id: &str| outputs.get(id).cloned().unwrap_or_else(|| id.to_owned());
    for job in core.jobs {
        let mut command = job.command;
        let mut files: Vec<FileToWrite> = Vec::new();
        let mut mount = (!job.links.is_empty()).then(|| LinkMount {
            dir: options.links_dir.clone(),
            files: Vec::new(),
            links: job
                .links
                .iter()
                .map(|l| match &l.target {
                    LinkTarget::Source(path) => Link { name: l.name.clone(), target: path.clone(), from_job: false },
                    // Another job's output: in the in-memory file system, by its output name.
                    LinkTarget::Job(id) => Link { name: l.name.clone(), target: join(work, &job_output(id)), from_job: true },
                })
                .collect(),
        });
        let lists: Vec<String> = command.inputs.iter().filter(|i| i.kind == InputKind::ConcatList).map(|i| i.path.clone()).collect();
        for file in job.files {
            match mount.as_mut().filter(|_| lists.contains(&file.name)) {
                Some(m) => m.files.push(FileToWrite { path: file.name, contents: file.contents }),
                None => files.push(FileToWrite { path: join(work, &file.name), contents: file.contents }),
            }
        }
        for input in &mut command.inputs {
            if input.kind == InputKind::ConcatList {
                let dir = mount.as_ref().map_or(work, |m| m.dir.as_str());
                input.path = join(dir, &input.path);
            }
        }
        if let Some(n) = options.encoder_threads {
            command.output_options.extend(["-threads".to_owned(), n.to_string()]);
        }
        let mut inputs: Vec<String> = Vec::new();
        let read = command.inputs.iter().filter(|i| i.kind != InputKind::ConcatList).map(|i| &i.path);
        let sources = job.links.iter().filter_map(|l| match &l.target {
            LinkTarget::Source(path) => Some(path),
            LinkTarget::Job(_) => None,
        });
        for path in read.chain(sources) {
            if !inputs.contains(path) {
                inputs.push(path.clone());
            }
        }
        command.output = join(work, &command.output);
        let mut args = command.to_args();
        // ffmpeg.wasm prepends `-y`; see the module's notes.
        if let Some(at) = args.iter().take_while(|a| *a != "-i").position(|a| a == "-n") {
            args.remove(at);
        }
        let output = command.output.clone();
        if output == join(work, plan::OUTPUT_NAME) {
            output_path = output.clone();
        }
        steps.push(Step {
            id: job.id,
            description: job.description,
            args,
            files,
            mount,
            inputs,
            output,
            expected_duration: job.expected_duration,
            depends_on: job.depends_on,
        });
    }
    warnings.extend(core.warnings);
    WebPlan {
        strategy: core.strategy,
        duration: core.duration,
        frames: core.frames,
        output: core.output,
        decisions: core.decisions,
        explanation,
        warnings,
        steps,
        output_path,
    }
}
