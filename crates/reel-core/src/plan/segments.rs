//! The segments strategy: the output cut into video-only segments that are rendered
//! independently (in parallel, and cached by content), joined by stream copy, with the
//! timeline's audio rendered once beside them and muxed in.
//!
//! # Where the output is cut
//! At every frame where something starts or ends (each main-track item, each overlay), and
//! inside an item every [`CHUNK_SECONDS`] counted from the item's own first frame, so an
//! item that moves in the timeline keeps its chunks (and their cache entries). Segments
//! shorter than [`MERGE_SECONDS`] (a timeline of many short clips) are merged with the next
//! ones, up to [`MAX_ITEMS`] items each, so no segment's command line grows with the
//! timeline.
//!
//! # What a segment renders
//! A segment is rendered from a *sub-timeline*: the items and overlays it covers, cut to
//! its frames, with their in-points moved so that each of its frames shows exactly the
//! source frame the whole timeline shows there (frame `k` of the export shows
//! `in + (k/fps - S)`; in the segment starting at frame `a` the clip starts at
//! `in + (max(a, first)/fps - S)`). It goes through the same filter graph as the single
//! pass ([`super::graph`]), video only, with identical encoder settings in every segment
//! (x264 `stitchable`, closed GOPs, every segment starts on an IDR frame), so the segments
//! share their parameter sets and join with `-c copy`; the join states each segment's
//! duration exactly, so no frame moves at a seam.
//!
//! # The cache key
//! A segment's key is a SHA-256 of everything that decides its pixels: the ffmpeg command
//! that renders it (its filter graph, seek points, encoder and options, output size and
//! rate), the files it writes (text), the identity of every file it reads (path, size,
//! modification time and the probed stream facts), the ffmpeg build and
//! [`RENDER_VERSION`](super::RENDER_VERSION). Nothing else: the timeline's name and the
//! clips of other segments are not in it, so renaming a timeline or moving an unrelated
//! clip keeps every other segment's entry.

use super::audio;
use super::encoder::{segment_args, EncoderArgs};
use super::graph::{filter_args, VideoGraph};
use super::layout::{frame_at_or_after, Layout};
use super::strategy::{Context, Verdict};
use super::{progress_args, Decision, How, Job, JobKind, LinkTarget, Plan, Strategy, Stretch, WorkFile, WorkLink, OUTPUT_NAME};
use crate::args::{FfmpegCommand, Input, InputKind};
use crate::filter::secs;
use crate::timeline::{Clip, Dimension, FrameRateSetting, Gap, Item, OutputSettings, OverlayKind, Ramp, Timeline, Transition};
use crate::validate::MediaMap;
use crate::Rational;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

/// Length of the chunks long stretches are cut into, seconds.
pub const CHUNK_SECONDS: f64 = 4.0;

/// Segments shorter than this are merged with the next ones, seconds.
pub const MERGE_SECONDS: f64 = 1.0;

/// The most main-track items one segment renders (one input each).
pub const MAX_ITEMS: usize = 32;

/// The most main-track items one audio piece renders; more make the audio a join of pieces.
pub const AUDIO_ITEMS: usize = 200;

/// One segment, planned.
struct Segment {
    first: u64,
    end: u64,
    job: Job,
    /// In the cache already.
    cached: bool,
    why: String,
}

/// The segments of an export, with their jobs built and their cache state known.
pub(super) struct Segmenter {
    segments: Vec<Segment>,
    /// Jobs that render the audio: pieces (for very long timelines), then the final audio.
    audio: Vec<Job>,
    warnings: Vec<String>,
    hits: usize,
}

impl Segmenter {
    pub fn new(ctx: &Context<'_>) -> Self {
        let layout = &ctx.render_layout;
        let mut identities = Identities::new(ctx);
        let mut warnings = layout.warnings.clone();
        let cache = ctx.options.cache;
        let encoding = PartEncoding {
            args: segment_args(&ctx.encoder),
            fallback: ctx.encoder.is_hardware().then(|| segment_args(&ctx.encoder.software())),
            timescale: timescale(layout.fps),
        };
        let mut segments = Vec::new();
        for (n, (first, end)) in cut(ctx.timeline, layout).into_iter().enumerate() {
            let sub = sub_timeline(ctx.timeline, layout, first, end);
            let id = format!("seg{n:05}");
            let mut job = render_job(ctx, &sub, &id, &mut identities, &encoding);
            job.description = format!(
                "render frames {first}..{end} ({}): {}",
                span_text(first, end, layout.fps),
                describe(ctx.timeline, layout, first, end)
            );
            let cached = cache.is_some_and(|c| job.cache_key.as_deref().is_some_and(|k| c.contains(k)));
            let why = if cached {
                "its cache entry matches (same sources, edits, settings and encoder)".to_owned()
            } else if cache.is_some() {
                "not in the cache".to_owned()
            } else {
                "the cache is off".to_owned()
            };
            segments.push(Segment { first, end, job, cached, why });
        }
        let audio = audio_jobs(ctx, &mut identities, &mut warnings);
        let hits = segments.iter().filter(|s| s.cached).count();
        Self { segments, audio, warnings, hits }
    }

    /// Whether segments are worth it here: `Ok` with the reasons, or `Err` with why a
    /// single pass is as good.
    pub fn verdict(&self, ctx: &Context<'_>, single_pass_bytes: usize) -> Verdict {
        let n = self.segments.len();
        let mut yes = Vec::new();
        if self.hits > 0 {
            yes.push(format!("{} of {n} segments are in the cache and are not rendered again", self.hits));
        }
        if ctx.parallel > 1 && n > 1 {
            yes.push(format!("{} segments render at once ({} cores)", ctx.parallel, ctx.options.cores));
        }
        if ctx.options.command_limit.is_some_and(|limit| single_pass_bytes > limit) {
            yes.push(format!(
                "one pass would need a command line of {single_pass_bytes} bytes, over this system's limit; each segment's stays small"
            ));
        }
        let long_enough = ctx.render_layout.duration >= 2.0 * CHUNK_SECONDS;
        if ctx.options.cache.is_some() && long_enough {
            yes.push("each segment is kept in the cache, so the next export of this timeline renders only what changed".to_owned());
        }
        if yes.is_empty() {
            let mut no = Vec::new();
            if ctx.options.cache.is_none() {
                no.push("the segment cache is off, so nothing is reused now or later".to_owned());
            } else if !long_enough {
                no.push(format!(
                    "the export is short ({} s, under two {CHUNK_SECONDS} s chunks) and nothing of it is cached",
                    secs(ctx.render_layout.duration)
                ));
            }
            if ctx.parallel <= 1 {
                no.push("one encode at a time here, and one pass already uses the cores".to_owned());
            }
            return Err(no);
        }
        yes.push(format!(
            "{n} closed-GOP segments encoded with identical {} settings, joined by stream copy; audio rendered once beside them",
            ctx.encoder.encoder
        ));
        Ok(yes)
    }

    pub fn plan(self, ctx: &Context<'_>, decisions: Vec<Decision>) -> Plan {
        let layout = &ctx.render_layout;
        let audio_id = self.audio.last().map(|j| j.id.clone()).expect("an audio job");
        let parts: Vec<Part> = self.segments.iter().map(|s| Part { first: s.first, end: s.end, job: s.job.id.clone() }).collect();
        let join = join_job(ctx, &parts, &audio_id, timescale(layout.fps), "segments", InputKind::ConcatList);
        let stretches = self
            .segments
            .iter()
            .map(|s| Stretch {
                first_frame: s.first,
                frames: s.end - s.first,
                how: if s.cached { How::Cached } else { How::Render },
                job: s.job.id.clone(),
                why: s.why.clone(),
            })
            .collect();
        let mut jobs = self.audio;
        jobs.extend(self.segments.into_iter().map(|s| s.job));
        let final_job = join.id.clone();
        jobs.push(join);
        Plan {
            strategy: Strategy::Segments,
            duration: layout.duration,
            frames: layout.frames,
            output: layout.output_spec(ctx.encoder.codec.as_str(), &ctx.encoder.encoder, ctx.encoder.preset.as_str()),
            jobs,
            final_job,
            parallel: ctx.parallel,
            stretches,
            decisions,
            warnings: self.warnings,
        }
    }
}

/// The segments' frame ranges: cut where items and overlays start and end, in chunks
/// inside long items, short ones merged; never merged across the frames where a fade, a
/// transition or a speed change starts or ends, so the segments that show one hold nothing
/// else and the others keep their cache entries when one is added, changed or removed.
pub(super) fn cut(timeline: &Timeline, layout: &Layout) -> Vec<(u64, u64)> {
    let total = layout.frames;
    let fps = layout.fps;
    let chunk = ((CHUNK_SECONDS * fps.as_f64()).round() as u64).max(1);
    let mut cuts = std::collections::BTreeSet::from([0, total]);
    // Where an effect starts or ends: never merged across.
    let hard: std::collections::BTreeSet<u64> = layout.effects(timeline).iter().flat_map(|e| [e.first, e.end]).collect();
    // Which item each frame range starts in, to bound the items per merged segment.
    let mut item_starts = Vec::new();
    for span in &layout.items {
        if span.frames == 0 {
            continue;
        }
        item_starts.push(span.first_frame);
        let mut k = span.first_frame;
        while k < span.end_frame() {
            cuts.insert(k);
            k += chunk;
        }
    }
    for overlay in &timeline.overlays {
        for t in [overlay.start, overlay.end] {
            cuts.insert(frame_at_or_after(t, fps).min(total));
        }
    }
    cuts.extend(hard.iter().copied());
    let bounds: Vec<u64> = cuts.into_iter().filter(|k| *k <= total).collect();
    let merge = ((MERGE_SECONDS * fps.as_f64()).round() as u64).max(1);
    let mut out: Vec<(u64, u64)> = Vec::new();
    let mut open: Option<(u64, u64, usize)> = None;
    for pair in bounds.windows(2) {
        let (a, b) = (pair[0], pair[1]);
        let items = item_starts.iter().filter(|s| **s >= a && **s < b).count().max(1);
        open = match open {
            Some((start, end, n)) if end - start < merge && n + items <= MAX_ITEMS && !hard.contains(&a) => Some((start, b, n + items)),
            Some(done) => {
                out.push((done.0, done.1));
                Some((a, b, items))
            }
            None => Some((a, b, items)),
        };
    }
    if let Some((a, b, _)) = open {
        out.push((a, b));
    }
    out
}

/// The frames item `i` shows: a gap's or a transition's span; a clip's span with its
/// shares of the transitions on either side.
fn shown(timeline: &Timeline, layout: &Layout, i: usize) -> (u64, u64) {
    let span = &layout.items[i];
    let transition = |j: Option<usize>| match j.and_then(|j| timeline.items.get(j)) {
        Some(Item::Transition(_)) => j.map(|j| &layout.items[j]),
        _ => None,
    };
    match timeline.items[i] {
        Item::Clip(_) => (
            transition(i.checked_sub(1)).map_or(span.first_frame, |t| t.first_frame),
            transition(Some(i + 1)).map_or(span.end_frame(), super::layout::Span::end_frame),
        ),
        Item::Gap(_) | Item::Transition(_) => (span.first_frame, span.end_frame()),
    }
}

/// The timeline as segment `first..end` sees it: the items and overlays it covers, cut to
/// its frames and moved to start at its first frame, showing the same source frames with
/// the same levels: a clip cut `o` seconds after its start shows its fades from `o` on, a
/// transition cut part-way keeps its weights (`Ramp` offsets).
pub(super) fn sub_timeline(timeline: &Timeline, layout: &Layout, first: u64, end: u64) -> Timeline {
    let period = layout.fps.period();
    let at = |k: u64| k as f64 * period;
    let mut items = Vec::new();
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
        let (shown_first, shown_end) = shown(timeline, layout, i);
        let (f0, f1) = (shown_first.max(first), shown_end.min(end));
        if f1 <= f0 {
            continue;
        }
        let duration = (f1 - f0) as f64 * period;
        items.push(match item {
            Item::Clip(c) => {
                // The clip's own time at the part's first frame, and what is left after it.
                let from = at(f0) - span.item_start;
                let after = span.length - from - duration;
                let in_s = c.in_s + c.speed * from;
                Item::Clip(Clip {
                    source: c.source.clone(),
                    in_s,
                    out_s: Some(in_s + c.speed * duration),
                    audio: false,
                    volume: 1.0,
                    speed: c.speed,
                    fade_in: c.fade_in.and_then(|r| r.advanced(from)),
                    fade_out: c.fade_out.and_then(|r| r.advanced(after)),
                })
            }
            Item::Gap(g) => Item::Gap(Gap { duration, color: g.color.clone() }),
            Item::Transition(t) => Item::Transition(Transition {
                kind: t.kind,
                duration,
                weight: Ramp { length: t.weight.length, offset: t.weight.offset + (at(f0) - span.start) },
            }),
        });
    }
    let mut overlays = Vec::new();
    for overlay in &timeline.overlays {
        let of = frame_at_or_after(overlay.start, layout.fps);
        let oe = frame_at_or_after(overlay.end, layout.fps).min(layout.frames);
        let (g0, g1) = (of.max(first), oe.min(end));
        if g1 <= g0 {
            continue;
        }
        let mut o = overlay.clone();
        o.start = at(g0 - first);
        o.end = at(g1 - first);
        o.fade_in = overlay.fade_in.and_then(|r| r.advanced(at(g0) - overlay.start));
        o.fade_out = overlay.fade_out.and_then(|r| r.advanced(overlay.end - at(g1)));
        if let OverlayKind::Video { in_s, .. } = &mut o.kind {
            *in_s += at(g0 - of);
        }
        overlays.push(o);
    }
    Timeline {
        output: OutputSettings {
            width: Some(Dimension::Pixels(layout.width)),
            height: Some(Dimension::Pixels(layout.height)),
            fps: Some(FrameRateSetting::Rate(layout.fps)),
            ..timeline.output.clone()
        },
        items,
        overlays,
        audio: Vec::new(),
        warnings: Vec::new(),
    }
}

/// How the video of a rendered part is encoded.
pub(super) struct PartEncoding {
    pub args: EncoderArgs,
    /// The software encoder's arguments, when `args` are a hardware encoder's.
    pub fallback: Option<EncoderArgs>,
    /// The MP4 time scale the part is written with (the same in every part of a join).
    pub timescale: u32,
}

/// The job that renders one part of the output (video only) from its sub-timeline.
pub(super) fn render_job(ctx: &Context<'_>, sub: &Timeline, id: &str, identities: &mut Identities<'_>, encoding: &PartEncoding) -> Job {
    let settings = sub.output.clone();
    let layout = Layout::new(sub, ctx.media, &settings).expect("a sub-timeline of a planned timeline lays out");
    let mut warnings = Vec::new();
    let graph = VideoGraph::build(sub, ctx.media, &layout, ctx.text_widths(), &mut warnings);
    let mut render = |enc: &EncoderArgs, script: &str| {
        let enc = enc.clone();
        let mut chains = graph.chains.clone();
        chains.push(format!("[{}]{}[vout]", graph.label, enc.filter_tail));
        let mut global = progress_args();
        global.extend(enc.global);
        let (mut output, mut files) = filter_args(&chains, ctx.caps, script);
        output.extend(["-map".to_owned(), "[vout]".to_owned(), "-an".to_owned()]);
        output.extend(enc.output);
        output.extend([
            "-frames:v".to_owned(),
            layout.frames.to_string(),
            "-video_track_timescale".to_owned(),
            encoding.timescale.to_string(),
            "-f".to_owned(),
            "mp4".to_owned(),
        ]);
        files.extend(graph.files.iter().cloned());
        let command = FfmpegCommand { global, inputs: graph.inputs.clone(), output_options: output, output: "segment.mp4".to_owned() };
        let key = identities.key(&command, &files);
        (command, files, key)
    };
    let (command, mut files, key) = render(&encoding.args, "graph.txt");
    let (software_fallback, software_cache_key) = if let Some(software) = &encoding.fallback {
        let (fallback, fallback_files, fallback_key) = render(software, "graph-software.txt");
        let extra: Vec<WorkFile> = fallback_files.into_iter().filter(|f| !files.iter().any(|g| g.name == f.name)).collect();
        files.extend(extra);
        (Some(Box::new(fallback)), Some(fallback_key))
    } else {
        (None, None)
    };
    Job {
        id: id.to_owned(),
        kind: JobKind::Render,
        description: String::new(),
        command,
        files,
        links: Vec::new(),
        frames: layout.frames,
        expected_duration: layout.duration,
        weight: layout.frames as f64,
        depends_on: Vec::new(),
        cache_key: Some(key),
        software_fallback,
        software_cache_key,
        parameter_sets: None,
    }
}

/// The audio of the whole export, rendered once and encoded once: one job, or for a very
/// long main track, pieces of at most [`AUDIO_ITEMS`] items rendered losslessly to FLAC
/// (sample-exact, no codec priming) and joined by the job that mixes the audio tracks and
/// encodes AAC.
pub(super) fn audio_jobs(ctx: &Context<'_>, identities: &mut Identities<'_>, warnings: &mut Vec<String>) -> Vec<Job> {
    let (timeline, media, layout) = (ctx.timeline, ctx.media, &ctx.render_layout);
    let n = timeline.items.len();
    let mut jobs = Vec::new();
    let mut inputs = Vec::new();
    let mut chains = Vec::new();
    let mut links = Vec::new();
    let mut files = Vec::new();
    let main = if n <= AUDIO_ITEMS {
        audio::main_track(timeline, media, layout, 0..n, &[], &mut inputs, &mut chains)
    } else {
        let mut list = "ffconcat version 1.0\n".to_owned();
        for (p, items) in audio_pieces(timeline).into_iter().enumerate() {
            let (mut piece_inputs, mut piece_chains) = (Vec::new(), Vec::new());
            let label = audio::main_track(timeline, media, layout, items.clone(), &[], &mut piece_inputs, &mut piece_chains);
            let samples: u64 = layout.items[items.clone()].iter().map(|s| s.samples).sum();
            let id = format!("audio-piece{p:03}");
            let (graph, piece_files) = filter_args(&piece_chains, ctx.caps, "graph.txt");
            let mut output = graph;
            // FLAC at 32 bits: lossless, a fraction of PCM's size in the cache.
            output.extend(
                ["-map", &format!("[{label}]"), "-c:a", "flac", "-sample_fmt", "s32", "-f", "flac"].iter().map(|s| (*s).to_owned()),
            );
            let command =
                FfmpegCommand { global: progress_args(), inputs: piece_inputs, output_options: output, output: "piece.flac".to_owned() };
            let key = identities.key(&command, &piece_files);
            let name = format!("piece{p:03}.flac");
            list.push_str(&format!("file {name}\nduration {}\n", secs(samples as f64 / f64::from(layout.sample_rate))));
            links.push(WorkLink { name, target: LinkTarget::Job(id.clone()) });
            let duration = samples as f64 / f64::from(layout.sample_rate);
            jobs.push(Job {
                id,
                kind: JobKind::Audio,
                description: format!("render the main track's audio of video[{}..{}] losslessly", items.start, items.end),
                command,
                files: piece_files,
                links: Vec::new(),
                frames: 0,
                expected_duration: duration,
                weight: duration * layout.fps.as_f64() * 0.02,
                depends_on: Vec::new(),
                cache_key: Some(key),
                software_fallback: None,
                software_cache_key: None,
                parameter_sets: None,
            });
        }
        files.push(WorkFile { name: "pieces.ffconcat".to_owned(), contents: list });
        inputs.push(Input { path: "pieces.ffconcat".to_owned(), kind: InputKind::ConcatList, seek: None, duration: None });
        chains.push(format!("[0:a]aresample={},asetpts=PTS-STARTPTS[mix]", layout.sample_rate));
        "mix".to_owned()
    };
    let label = audio::mix_tracks(timeline, media, layout, &main, &mut inputs, &mut chains, warnings);
    let (mut output, graph_files) = filter_args(&chains, ctx.caps, "graph.txt");
    files.extend(graph_files);
    output.extend(["-map".to_owned(), format!("[{label}]"), "-vn".to_owned()]);
    output.extend(audio::encode_args(layout));
    output.extend(["-t".to_owned(), secs(layout.duration), "-f".to_owned(), "mp4".to_owned()]);
    let command = FfmpegCommand { global: progress_args(), inputs, output_options: output, output: "audio.mp4".to_owned() };
    let depends_on = jobs.iter().map(|j| j.id.clone()).collect();
    let key = identities.key(&command, &files);
    jobs.push(Job {
        id: "audio".to_owned(),
        kind: JobKind::Audio,
        description: format!(
            "render the timeline's audio ({} items, {} audio tracks) and encode it once",
            timeline.items.len(),
            timeline.audio.len()
        ),
        command,
        files,
        links,
        frames: 0,
        expected_duration: layout.duration,
        // Audio costs a few percent of the video's encode.
        weight: layout.frames as f64 * 0.03,
        depends_on,
        cache_key: Some(key),
        software_fallback: None,
        software_cache_key: None,
        parameter_sets: None,
    });
    jobs
}

/// One video part of a join: the output frames `first..end`, made by job `job`.
pub(super) struct Part {
    pub first: u64,
    pub end: u64,
    pub job: String,
}

/// The main track cut into pieces of about [`AUDIO_ITEMS`] items for the audio, never
/// between two clips joined by a transition (their sound is mixed over the overlap).
fn audio_pieces(timeline: &Timeline) -> Vec<std::ops::Range<usize>> {
    let n = timeline.items.len();
    let joined = |k: usize| {
        matches!(timeline.items.get(k), Some(Item::Transition(_)))
            || matches!(k.checked_sub(1).and_then(|j| timeline.items.get(j)), Some(Item::Transition(_)))
    };
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        let mut end = (start + AUDIO_ITEMS).min(n);
        while end < n && joined(end) {
            end += 1;
        }
        out.push(start..end);
        start = end;
    }
    out
}

/// The final job: the video parts joined by the concat demuxer (each with its exact
/// duration, so no frame moves at a seam) and the audio muxed in, all by stream copy,
/// index at the front; the video track's time scale `timescale`, the list read as `reading`.
pub(super) fn join_job(ctx: &Context<'_>, parts: &[Part], audio: &str, timescale: u32, what: &str, reading: InputKind) -> Job {
    let layout = &ctx.render_layout;
    let mut list = "ffconcat version 1.0\n".to_owned();
    let mut links = Vec::new();
    let period = layout.fps.period();
    for p in parts {
        let name = format!("{}.mp4", p.job);
        // Durations as differences of rounded absolute times: the offsets never drift.
        let duration = round_us(p.end as f64 * period) - round_us(p.first as f64 * period);
        list.push_str(&format!("file {name}\nduration {}\n", secs(duration)));
        links.push(WorkLink { name, target: LinkTarget::Job(p.job.clone()) });
    }
    links.push(WorkLink { name: "audio.mp4".to_owned(), target: LinkTarget::Job(audio.to_owned()) });
    let inputs = vec![
        Input { path: "segments.ffconcat".to_owned(), kind: reading, seek: None, duration: None },
        Input { path: "audio.mp4".to_owned(), kind: InputKind::Media, seek: None, duration: None },
    ];
    let mut output: Vec<String> =
        ["-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-video_track_timescale"].iter().map(|s| (*s).to_owned()).collect();
    output.push(timescale.to_string());
    if ctx.encoder.codec == crate::timeline::VideoCodec::Hevc {
        output.extend(["-tag:v".to_owned(), "hvc1".to_owned()]);
    }
    output.extend(super::index_at_front(layout));
    output.extend(["-t".to_owned(), secs(layout.duration)]);
    let mut depends_on: Vec<String> = vec![audio.to_owned()];
    depends_on.extend(parts.iter().map(|p| p.job.clone()));
    Job {
        id: "join".to_owned(),
        kind: JobKind::Join,
        description: format!("join {} {what} and the audio by stream copy, index at the front", parts.len()),
        command: FfmpegCommand { global: progress_args(), inputs, output_options: output, output: OUTPUT_NAME.to_owned() },
        files: vec![WorkFile { name: "segments.ffconcat".to_owned(), contents: list }],
        links,
        frames: layout.frames,
        expected_duration: layout.duration,
        weight: layout.frames as f64 * 0.05,
        depends_on,
        cache_key: None,
        software_fallback: None,
        software_cache_key: None,
        parameter_sets: None,
    }
}

fn round_us(t: f64) -> f64 {
    (t * 1e6).round() / 1e6
}

/// The MP4 time scale for `fps`: a multiple of its numerator (so every frame lasts a whole
/// number of ticks) of at least 10,000.
pub(super) fn timescale(fps: Rational) -> u32 {
    let num = fps.num.max(1);
    num * 10_000_u32.div_ceil(num)
}

pub(super) fn span_text(first: u64, end: u64, fps: Rational) -> String {
    format!("{}..{} s", secs(first as f64 * fps.period()), secs(end as f64 * fps.period()))
}

/// What a segment shows, for its description: the items and overlays it covers.
pub(super) fn describe(timeline: &Timeline, layout: &Layout, first: u64, end: u64) -> String {
    let mut parts = Vec::new();
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
        if span.first_frame < end && span.first_frame + span.frames > first && span.frames > 0 {
            parts.push(match item {
                Item::Clip(c) => format!("video[{i}] ({})", c.source.written),
                Item::Gap(_) => format!("video[{i}] (gap)"),
                Item::Transition(t) => format!("video[{i}] ({})", t.kind.as_str()),
            });
        }
    }
    for (j, o) in timeline.overlays.iter().enumerate() {
        let (of, oe) = (frame_at_or_after(o.start, layout.fps), frame_at_or_after(o.end, layout.fps));
        if of < end && oe > first {
            parts.push(format!("overlays[{j}]"));
        }
    }
    if parts.len() > 6 {
        let more = parts.len() - 5;
        parts.truncate(5);
        parts.push(format!("and {more} more"));
    }
    parts.join(", ")
}

/// The identity of every file a job reads, for cache keys: computed once per file.
pub(super) struct Identities<'a> {
    media: &'a MediaMap,
    ffmpeg: String,
    known: BTreeMap<String, String>,
}

impl<'a> Identities<'a> {
    pub fn new(ctx: &Context<'a>) -> Self {
        let ffmpeg = ctx.caps.build.clone().or_else(|| ctx.caps.version.clone()).unwrap_or_default();
        Self { media: ctx.media, ffmpeg, known: BTreeMap::new() }
    }

    /// A digest of what reel knows about a file: its probed facts (size, modification time,
    /// streams, keyframes).
    fn of(&mut self, path: &str) -> String {
        if let Some(known) = self.known.get(path) {
            return known.clone();
        }
        let facts = match self.media.get(path) {
            Some(Ok(info)) => serde_json::to_string(info).unwrap_or_default(),
            _ => String::new(),
        };
        let digest = hex::encode(Sha256::digest(facts.as_bytes()));
        self.known.insert(path.to_owned(), digest.clone());
        digest
    }

    /// The content key of a job's output: its command, its files, what it reads, the
    /// ffmpeg build and reel's render version.
    fn key(&mut self, command: &FfmpegCommand, files: &[WorkFile]) -> String {
        let sources: Vec<(String, String)> = command
            .inputs
            .iter()
            .filter(|i| !i.kind.is_list() && std::path::Path::new(&i.path).is_absolute())
            .map(|i| (i.path.clone(), self.of(&i.path)))
            .collect();
        let mut files: Vec<(&str, &str)> = files.iter().map(|f| (f.name.as_str(), f.contents.as_str())).collect();
        files.sort_unstable();
        let material = serde_json::json!({
            "render": super::RENDER_VERSION,
            "ffmpeg": self.ffmpeg,
            "args": command.to_args(),
            "files": files,
            "sources": sources,
        });
        hex::encode(Sha256::digest(material.to_string().as_bytes()))
    }
}
