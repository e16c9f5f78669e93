//! The single-pass strategy: one ffmpeg process, one filter graph ([`super::graph`] for the
//! pictures, [`super::audio`] for the sound, sharing one input per clip), the pixel format
//! converted once at the end, video encoded once, audio encoded once.

use super::audio;
use super::encoder::{encoder_args, EncoderChoice};
use super::graph::{filter_args, VideoGraph};
use super::layout::Layout;
use super::strategy::{Context, Verdict};
use super::{progress_args, Decision, How, Job, JobKind, Plan, Strategy, Stretch, WorkFile, OUTPUT_NAME};
use crate::args::{FfmpegCommand, Input};
use crate::capabilities::Capabilities;
use crate::filter::secs;

/// `-force_key_frames` lists longer than this are left out (they would hit the same
/// command-line limits); the cuts are then not forced onto keyframes.
pub const KEYFRAME_LIST_LIMIT: usize = 16 * 1024;

/// Part of the sentence that refuses a single pass whose command line cannot be started.
pub(super) const TOO_LONG: &str = "over this system's command-line limit";

/// The single pass, built: its one job and what building it warned about.
pub(super) struct SinglePass {
    job: Job,
    warnings: Vec<String>,
}

/// The graph of the whole timeline: pictures and sound, and the inputs they read.
struct Graph {
    video: VideoGraph,
    inputs: Vec<Input>,
    chains: Vec<String>,
    audio: String,
}

impl SinglePass {
    pub fn new(ctx: &Context<'_>) -> Self {
        let layout = &ctx.render_layout;
        let mut warnings = layout.warnings.clone();
        let video = VideoGraph::build(ctx.timeline, ctx.media, layout, ctx.text_widths(), &mut warnings);
        let (mut inputs, mut chains) = (video.inputs.clone(), video.chains.clone());
        let audio = audio::graph(ctx.timeline, ctx.media, layout, &video.clip_inputs, &mut inputs, &mut chains, &mut warnings);
        let graph = Graph { video, inputs, chains, audio };
        let (main, mut files) = command(&graph, layout, &ctx.encoder, ctx.caps, "graph.txt", &mut warnings);
        let software_fallback = ctx.encoder.is_hardware().then(|| {
            let (fallback, fallback_files) =
                command(&graph, layout, &ctx.encoder.software(), ctx.caps, "graph-software.txt", &mut Vec::new());
            files.extend(fallback_files);
            Box::new(fallback)
        });
        files.extend(graph.video.files.iter().cloned());
        let job = Job {
            id: "export".to_owned(),
            kind: JobKind::Render,
            description: format!(
                "render {} items, {} overlays and {} audio tracks in one pass with {}",
                ctx.timeline.items.len(),
                ctx.timeline.overlays.len(),
                ctx.timeline.audio.len(),
                ctx.encoder.encoder
            ),
            command: main,
            files,
            links: Vec::new(),
            frames: layout.frames,
            expected_duration: layout.duration,
            weight: layout.frames as f64,
            depends_on: Vec::new(),
            cache_key: None,
            software_fallback,
            software_cache_key: None,
        };
        Self { job, warnings }
    }

    /// Bytes of the longest command line this plan would start (program name excluded).
    pub fn command_bytes(&self) -> usize {
        std::iter::once(&self.job.command).chain(self.job.software_fallback.as_deref()).map(command_bytes).max().unwrap_or(0)
    }

    pub fn verdict(&self, ctx: &Context<'_>) -> Verdict {
        let bytes = self.command_bytes();
        match ctx.options.command_limit {
            Some(limit) if bytes > limit => Err(vec![format!(
                "its one command line would be {bytes} bytes ({} inputs), {TOO_LONG} of {limit} bytes",
                self.job.command.inputs.len()
            )]),
            _ => Ok(vec![format!(
                "one ffmpeg process with one filter graph; video encoded once with {}, audio encoded once",
                ctx.encoder.encoder
            )]),
        }
    }

    pub fn plan(self, ctx: &Context<'_>, decisions: Vec<Decision>) -> Plan {
        let layout = &ctx.render_layout;
        Plan {
            strategy: Strategy::SinglePass,
            duration: layout.duration,
            frames: layout.frames,
            output: layout.output_spec(ctx.encoder.codec.as_str(), &ctx.encoder.encoder, ctx.encoder.preset.as_str()),
            stretches: vec![Stretch {
                first_frame: 0,
                frames: layout.frames,
                how: How::Render,
                job: self.job.id.clone(),
                why: "the whole export in one pass".to_owned(),
            }],
            final_job: self.job.id.clone(),
            jobs: vec![self.job],
            parallel: 1,
            decisions,
            warnings: self.warnings,
        }
    }
}

/// Bytes of an ffmpeg command's arguments, with their terminating NULs.
pub(super) fn command_bytes(command: &FfmpegCommand) -> usize {
    command.to_args().iter().map(|a| a.len() + 1).sum()
}

fn command(
    graph: &Graph,
    layout: &Layout,
    encoder: &EncoderChoice,
    caps: &Capabilities,
    script: &str,
    warnings: &mut Vec<String>,
) -> (FfmpegCommand, Vec<WorkFile>) {
    let cuts = &graph.video.cuts;
    let keyframes = cuts.iter().map(|t| secs(*t)).collect::<Vec<_>>().join(",");
    if keyframes.len() > KEYFRAME_LIST_LIMIT {
        warnings.push(format!(
            "{} cuts are too many to force keyframes at each (the list would exceed {KEYFRAME_LIST_LIMIT} characters); cuts are not forced onto keyframes",
            cuts.len()
        ));
    }
    let enc = encoder_args(encoder);
    let mut chains = graph.chains.clone();
    chains.push(format!("[{}]{}[vout]", graph.video.label, enc.filter_tail));
    let mut global = progress_args();
    global.extend(enc.global);
    let (mut output, files) = filter_args(&chains, caps, script);
    output.extend(["-map".to_owned(), "[vout]".to_owned(), "-map".to_owned(), format!("[{}]", graph.audio)]);
    output.extend(enc.output);
    if !keyframes.is_empty() && keyframes.len() <= KEYFRAME_LIST_LIMIT {
        output.extend(["-force_key_frames".to_owned(), keyframes]);
    }
    output.extend(audio::encode_args(layout));
    output.extend(super::index_at_front(layout));
    output.extend(["-t".to_owned(), secs(layout.duration), "-shortest".to_owned()]);
    (FfmpegCommand { global, inputs: graph.inputs.clone(), output_options: output, output: OUTPUT_NAME.to_owned() }, files)
}
