//! The smart strategy: copy every group of pictures (GOP) that needs no new pixels, and
//! re-encode only the frames around cuts and under overlays, with the source's own encoder
//! settings so that every part shares its parameter sets.
//!
//! # Which frames are copied
//! A main-track clip whose source already has the output's format (codec, size, square or
//! unstated pixel aspect, yuv420p, progressive, the output's constant frame rate with
//! frames on its grid, no rotation), whose encoder settings reel can reproduce
//! ([`super::matched`]: x264 or x265 with closed GOPs) and whose parameter sets are the
//! *reference*'s (the first such clip's: the output has one set of them), shows source
//! frame `n0 + m` at its `m`-th output frame (the timing rule, with equal rates). Output
//! frames that no overlay covers are copied in whole GOPs: from the first keyframe at or
//! after the first such frame to the last keyframe (or the source's end) at or before the
//! end of the range. Everything else — the frames between a cut and the next keyframe,
//! between the last keyframe and an out-point, under an overlay, gaps, clips that do not
//! match — is rendered through the single pass's filter graph ([`super::graph`]) from a
//! sub-timeline, like a segment ([`super::segments`]), and encoded with the reference's
//! settings.
//!
//! # How the seams stay exact
//! - A copy job takes its packets by count, not by time: `-ss K -i SRC -c copy -frames:v N`
//!   from keyframe `K`. GOPs are closed, so the first `N` packets in decode order from a
//!   keyframe are exactly the `N` frames shown from it, and no B-frame refers across the
//!   cut (a copy by time, `-t`, took 122 packets for 120 frames: ffmpeg-pitfalls.md).
//! - Every rendered part starts with an IDR frame and holds closed GOPs; its encoder
//!   reproduces the reference's SPS/PPS (checked by the engine on the written part,
//!   [`super::Job::parameter_sets`]), so the one configuration record of the output is
//!   right for every frame, in ffmpeg and in browsers.
//! - Every part is written with the same MP4 time scale, the join states each part's exact
//!   duration (the segments' join), and B-frame delays are equal on both sides of a seam
//!   (the same settings), so frame durations stay uniform across seams.
//! - The audio is rendered once for the whole timeline and muxed in.

use super::layout::{frame_at_or_after, media_of, Layout, TOLERANCE};
use super::matched::{matched, Matched};
use super::segments::{self, Identities, Part, PartEncoding};
use super::strategy::{Context, Verdict};
use super::{progress_args, Decision, How, Job, JobKind, Plan, Strategy, Stretch, WorkFile};
use crate::args::{FfmpegCommand, Input, InputKind};
use crate::media::{MediaInfo, StreamInfo};
use crate::timeline::Item;
use crate::validate::fmt_s;
use crate::Rational;

/// Smart rendering is used when it copies at least this share of the output's frames.
/// Its re-encoded frames are encoded at the source's quality (its CRF, which the parameter
/// sets carry), not the preset's: measured on the bench's CRF 20 sources that cost 20-25 %
/// more per frame than the preview preset's CRF 23, plus a process and the decoding of a
/// partial GOP per re-encoded stretch. Copying a quarter of the frames is where it starts
/// to pay (the bench's overlay timeline, 17 % copied, took 1.04x the single pass).
pub const MIN_COPIED_SHARE: f64 = 0.25;

/// Re-encoded stretches longer than this are split where the segments strategy would cut,
/// so they render in parallel and keep their cache entries; pieces shorter than
/// [`segments::MERGE_SECONDS`] stay with their neighbour.
const SPLIT_SECONDS: f64 = 2.0 * segments::CHUNK_SECONDS;

/// One stretch of output frames and how it is made.
#[derive(Debug, Clone, PartialEq)]
enum Way {
    /// Source frames `from..from + (end - first)` of `path`, from the keyframe at `at` seconds.
    Copy { item: usize, path: String, stream: u32, at: f64, from: u64 },
    /// Rendered and encoded with the reference's settings.
    Render,
}

#[derive(Debug, Clone)]
struct Span {
    first: u64,
    end: u64,
    way: Way,
    why: String,
}

/// The source whose parameter sets the output carries.
struct Reference<'a> {
    item: usize,
    name: &'a str,
    matched: Matched,
    /// Its parameter sets, each NAL unit as hex, joined by `,`.
    sets: String,
    timescale: u32,
}

/// The smart render of an export, weighed and (when possible) laid out.
pub(super) struct Smart<'a> {
    reference: Option<Reference<'a>>,
    spans: Vec<Span>,
    /// Why nothing (or too little) can be copied.
    refusals: Vec<String>,
}

impl<'a> Smart<'a> {
    pub fn new(ctx: &Context<'a>) -> Self {
        let mut refusals = Vec::new();
        if let Some(why) = ctx.options.smart_refused {
            refusals.push(why.to_owned());
        }
        if let Some(name) = ctx.settings.encoder.as_deref().filter(|e| !matches!(*e, "auto" | "cpu")) {
            refusals.push(format!(
                "encoder {name} was asked for; a smart render re-encodes with the encoder that made the source (libx264 or libx265) so that its parts share parameter sets"
            ));
        }
        if (ctx.render_layout.width, ctx.render_layout.height) != (ctx.layout.width, ctx.layout.height) {
            refusals.push("draft_downscale renders at half size, so no source frame can be copied".to_owned());
        }
        if !refusals.is_empty() {
            return Self { reference: None, spans: Vec::new(), refusals };
        }
        let layout = &ctx.layout;
        // Each clip: its source's video when it can be copied, or why not.
        let mut fits: Vec<Option<Result<(&'a MediaInfo, &'a StreamInfo), String>>> = Vec::new();
        let mut reference: Option<Reference<'a>> = None;
        for (i, item) in ctx.timeline.items.iter().enumerate() {
            let Item::Clip(clip) = item else {
                fits.push(None);
                continue;
            };
            let fit = media_of(ctx.media, &clip.source.path)
                .map_err(|e| e.to_string())
                .and_then(|info| copyable(ctx, layout, info).map(|v| (info, v)))
                .and_then(|(info, video)| {
                    let sets = sets_of(video)?;
                    // Every copied source must be one reel could re-encode to match (closed
                    // GOPs, known settings), not only the reference.
                    let matched = matched(video, ctx.encoder.preset)?;
                    match &reference {
                        None => {
                            let timescale = timescale_for(video, layout.fps);
                            reference = Some(Reference { item: i, name: &clip.source.written, matched, sets, timescale });
                            Ok((info, video))
                        }
                        Some(r) if r.sets == sets => Ok((info, video)),
                        Some(r) => Err(format!(
                            "its parameter sets differ from video[{}]'s ({}), and the output can carry only one set",
                            r.item, r.name
                        )),
                    }
                })
                .map_err(|why| format!("video[{i}] ({}): {why}", clip.source.written));
            fits.push(Some(fit));
        }
        let Some(reference) = reference else {
            refusals.extend(fits.into_iter().flatten().filter_map(Result::err));
            if refusals.is_empty() {
                refusals.push("the main track has no clip to copy from".to_owned());
            }
            return Self { reference: None, spans: Vec::new(), refusals };
        };
        let spans = lay_out(ctx, layout, &fits);
        Self { reference: Some(reference), spans, refusals }
    }

    /// Frames copied, of the output's.
    fn copied(&self) -> u64 {
        self.spans.iter().filter(|s| matches!(s.way, Way::Copy { .. })).map(|s| s.end - s.first).sum()
    }

    /// Whether smart rendering can make this export at all (worth it or not): `--strategy
    /// smart` may force it then.
    pub fn possible(&self) -> bool {
        self.reference.is_some()
    }

    pub fn verdict(&self, ctx: &Context<'_>) -> Verdict {
        let Some(r) = &self.reference else { return Err(self.refusals.clone()) };
        let total = ctx.layout.frames;
        let copied = self.copied();
        let share = copied as f64 / total.max(1) as f64;
        let copy_stretches = self.spans.iter().filter(|s| matches!(s.way, Way::Copy { .. })).count();
        let renders = self.spans.iter().filter(|s| s.way == Way::Render).count();
        let mut why = vec![format!(
            "{copied} of {total} frames ({:.0} %) are copied in whole GOPs from their sources ({copy_stretches} stretch(es)); {} frames in {renders} stretch(es) around cuts, under overlays and where a source does not match are re-encoded with video[{}]'s own {} settings, so every part shares its parameter sets; audio rendered once",
            share * 100.0,
            total - copied,
            r.item,
            r.matched.encoder
        )];
        if share < MIN_COPIED_SHARE {
            why[0] = format!(
                "only {copied} of {total} frames ({:.0} %) could be copied in whole GOPs, under the {:.0} % that pays for re-encoding the rest at the source's quality, in pieces",
                share * 100.0,
                MIN_COPIED_SHARE * 100.0
            );
            return Err(why);
        }
        Ok(why)
    }

    pub fn plan(self, ctx: &Context<'_>, decisions: Vec<Decision>) -> Plan {
        let layout = &ctx.layout;
        let reference = self.reference.expect("smart is planned only when it has a reference");
        let mut identities = Identities::new(ctx);
        let mut warnings = layout.warnings.clone();
        let encoding = PartEncoding { args: reference.matched.args.clone(), fallback: None, timescale: reference.timescale };
        let cache = ctx.options.cache;
        let mut parts = Vec::new();
        let mut stretches = Vec::new();
        let mut video_jobs = Vec::new();
        for span in &self.spans {
            let frames = span.end - span.first;
            let (job, how) = match &span.way {
                Way::Copy { item, path, stream, at, from } => {
                    let id = format!("copy{:04}", video_jobs.len());
                    let mut job = copy_job(&id, path, *stream, *at, frames, layout.fps, reference.timescale);
                    job.description = format!(
                        "copy source frames {from}..{} of video[{item}] ({}) from its keyframe at {} s, by packet count",
                        from + frames,
                        written(ctx, *item),
                        fmt_s(*at)
                    );
                    job.parameter_sets = Some(reference.sets.clone());
                    (job, How::Copy)
                }
                Way::Render => {
                    let id = format!("enc{:04}", video_jobs.len());
                    let sub = segments::sub_timeline(ctx.timeline, layout, span.first, span.end);
                    let mut job = segments::render_job(ctx, &sub, &id, &mut identities, &encoding);
                    job.description = format!(
                        "re-encode frames {}..{} ({}) with video[{}]'s {} settings: {}",
                        span.first,
                        span.end,
                        segments::span_text(span.first, span.end, layout.fps),
                        reference.item,
                        reference.matched.encoder,
                        segments::describe(ctx.timeline, layout, span.first, span.end)
                    );
                    job.parameter_sets = Some(reference.sets.clone());
                    let cached = cache.is_some_and(|c| job.cache_key.as_deref().is_some_and(|k| c.contains(k)));
                    (job, if cached { How::Cached } else { How::Render })
                }
            };
            let why = if how == How::Cached { format!("{} (its cache entry matches)", span.why) } else { span.why.clone() };
            stretches.push(Stretch { first_frame: span.first, frames, how, job: job.id.clone(), why });
            parts.push(Part { first: span.first, end: span.end, job: job.id.clone() });
            video_jobs.push(job);
        }
        let mut jobs = segments::audio_jobs(ctx, &mut identities, &mut warnings);
        let audio_id = jobs.last().map(|j| j.id.clone()).expect("an audio job");
        let join = segments::join_job(ctx, &parts, &audio_id, reference.timescale, "copied and re-encoded parts", InputKind::ConcatParts);
        jobs.extend(video_jobs);
        let final_job = join.id.clone();
        jobs.push(join);
        let output = layout.output_spec(ctx.encoder.codec.as_str(), reference.matched.encoder, "source");
        Plan {
            strategy: Strategy::Smart,
            duration: layout.duration,
            frames: layout.frames,
            output,
            jobs,
            final_job,
            parallel: ctx.parallel,
            stretches,
            decisions,
            warnings,
        }
    }
}

/// The name the timeline gives main-track item `i`'s source.
fn written<'t>(ctx: &Context<'t>, i: usize) -> &'t str {
    match &ctx.timeline.items[i] {
        Item::Clip(c) => &c.source.written,
        _ => "not a clip",
    }
}

/// The source's video, when its GOPs can be copied into this output; else why not.
fn copyable<'m>(ctx: &Context<'_>, layout: &Layout, info: &'m MediaInfo) -> Result<&'m StreamInfo, String> {
    let video = info.video().ok_or("it has no video")?;
    let codec = video.codec.as_deref().unwrap_or("of unknown codec");
    if codec != ctx.encoder.codec.as_str() {
        return Err(format!("it is {codec}, the output {}", ctx.encoder.codec.as_str()));
    }
    match video.pix_fmt.as_deref() {
        Some("yuv420p") => {}
        other => return Err(format!("it is {}, the output yuv420p", other.unwrap_or("of unknown pixel format"))),
    }
    if video.rotation.is_some_and(|r| r != 0) {
        return Err("it is rotated for display, so its pictures must be turned".to_owned());
    }
    if video.field_order.as_deref().is_some_and(|f| f != "progressive") {
        return Err(format!("it is interlaced (field order {})", video.field_order.as_deref().unwrap_or_default()));
    }
    let (w, h) = (video.width.unwrap_or(0), video.height.unwrap_or(0));
    if (w, h) != (layout.width, layout.height) {
        return Err(format!("it is {w}x{h}, the output {}x{}", layout.width, layout.height));
    }
    if video.sar.is_some_and(|s| s.num != s.den) {
        return Err("its pixels are not square, the output's are".to_owned());
    }
    if video.variable_frame_rate {
        return Err("its frame rate varies".to_owned());
    }
    if video.frame_rate != Some(layout.fps) {
        return Err(format!(
            "it runs at {} fps, the output at {} fps",
            video.frame_rate.map_or("an unknown".to_owned(), |r| fmt_s(r.as_f64())),
            fmt_s(layout.fps.as_f64())
        ));
    }
    if info.keyframes.is_empty() || info.keyframe_dts.len() != info.keyframes.len() {
        return Err("its keyframes are unknown".to_owned());
    }
    let off_grid = info.keyframes.iter().find(|k| {
        let frames = **k * layout.fps.as_f64();
        (frames - frames.round()).abs() > 0.01
    });
    if let Some(k) = off_grid.or_else(|| info.keyframes.first().filter(|k| k.abs() > TOLERANCE)) {
        return Err(format!("its frames are not on the output's frame grid (a keyframe at {} s)", fmt_s(*k)));
    }
    if video.time_base.is_none() {
        return Err("its time base is unknown".to_owned());
    }
    Ok(video)
}

fn sets_of(video: &StreamInfo) -> Result<String, String> {
    match video.parameter_sets() {
        Some(sets) if !sets.is_empty() => Ok(sets.iter().map(hex::encode).collect::<Vec<_>>().join(",")),
        _ => Err("its parameter sets are not in the container (no avcC/hvcC), so parts cannot be shown to share them".to_owned()),
    }
}

/// The MP4 time scale of every part: the reference's own when a frame lasts a whole number
/// of its ticks (the copied packets keep their timestamps), else the segments' choice.
fn timescale_for(video: &StreamInfo, fps: Rational) -> u32 {
    match video.time_base {
        Some(tb) if tb.num == 1 && (u64::from(tb.den) * u64::from(fps.den)) % u64::from(fps.num) == 0 && tb.den >= 1000 => tb.den,
        _ => segments::timescale(fps),
    }
}

/// The source frame shown at output frame `k` of a clip placed at `start` (seconds) that
/// starts at source time `in_s`, both at `fps` (the timing rule, with the 1 µs tolerance).
fn source_frame(in_s: f64, start: f64, k: u64, fps: Rational) -> u64 {
    ((in_s + (k as f64 * fps.period() - start) + TOLERANCE) * fps.as_f64()).floor().max(0.0) as u64
}

/// Every output frame's stretch: copied GOPs where a clip can be copied and nothing draws
/// (no overlay, no fade, transition or speed change), rendered elsewhere, with why.
fn lay_out(ctx: &Context<'_>, layout: &Layout, fits: &[Option<Result<(&MediaInfo, &StreamInfo), String>>]) -> Vec<Span> {
    let fps = layout.fps;
    // What draws on frames of a clip: overlays, and timeline 1.1's effects.
    let mut drawers: Vec<(String, u64, u64)> = ctx
        .timeline
        .overlays
        .iter()
        .enumerate()
        .map(|(j, o)| {
            (format!("overlays[{j}]"), frame_at_or_after(o.start, fps).min(layout.frames), frame_at_or_after(o.end, fps).min(layout.frames))
        })
        .filter(|(_, a, b)| b > a)
        .collect();
    drawers.extend(layout.effects(ctx.timeline).into_iter().map(|e| (e.what, e.first, e.end)));
    let mut spans: Vec<Span> = Vec::new();
    let render = |spans: &mut Vec<Span>, first: u64, end: u64, why: String| {
        if end > first {
            spans.push(Span { first, end, way: Way::Render, why });
        }
    };
    for (i, (item, span)) in ctx.timeline.items.iter().zip(&layout.items).enumerate() {
        let (f0, f1) = (span.first_frame, span.first_frame + span.frames);
        if f1 <= f0 {
            continue;
        }
        let (info, video) = match (item, fits.get(i)) {
            (Item::Gap(_), _) => {
                render(&mut spans, f0, f1, format!("video[{i}] is a gap"));
                continue;
            }
            (Item::Transition(t), _) => {
                render(&mut spans, f0, f1, format!("video[{i}] is a {} between two clips", t.kind.as_str()));
                continue;
            }
            (Item::Clip(_), Some(Some(Ok(fit)))) => *fit,
            (Item::Clip(_), Some(Some(Err(why)))) => {
                render(&mut spans, f0, f1, format!("{why}; re-encoded"));
                continue;
            }
            _ => continue,
        };
        let name = written(ctx, i);
        // The frames of this clip something draws on (overlapping ones as one stretch), and
        // the plain ones between them.
        let mut covered: Vec<(u64, u64, Vec<&str>)> = Vec::new();
        let mut drawn: Vec<(u64, u64, &str)> =
            drawers.iter().map(|(what, a, b)| ((*a).max(f0), (*b).min(f1), what.as_str())).filter(|(a, b, _)| b > a).collect();
        drawn.sort_unstable();
        for (a, b, what) in drawn {
            match covered.last_mut() {
                Some(last) if a <= last.1 => {
                    last.1 = last.1.max(b);
                    last.2.push(what);
                }
                _ => covered.push((a, b, vec![what])),
            }
        }
        let mut plain = Vec::new();
        let mut at = f0;
        for (a, b, whats) in covered {
            plain.push((at, a));
            at = b;
            render(&mut spans, a, b, format!("{} draw(s) on them", whats.join(", ")));
        }
        plain.push((at, f1));
        plain.retain(|(u, v)| v > u);
        let n0 = source_frame(span.in_s, span.start, f0, fps);
        let keyframes: Vec<u64> = info.keyframes.iter().map(|k| (k * fps.as_f64()).round() as u64).collect();
        let source_frames = video
            .nb_frames
            .unwrap_or_else(|| (video.duration.or_else(|| info.best_duration()).unwrap_or(0.0) * fps.as_f64()).round() as u64);
        for (u, v) in plain {
            let (s0, s1) = (n0 + (u - f0), n0 + (v - f0));
            let start = keyframes.iter().position(|k| *k >= s0);
            // The GOP boundaries at or before s1: keyframes, and the source's end.
            let end =
                keyframes.iter().rev().copied().find(|k| *k <= s1).into_iter().chain((source_frames <= s1).then_some(source_frames)).max();
            match (start, end) {
                (Some(a), Some(b)) if b > keyframes[a] => {
                    let (ka, at) = (keyframes[a], info.keyframes[a]);
                    let (c0, c1) = (u + (ka - s0), u + (b - s0));
                    if c0 > u {
                        let since =
                            if u == f0 { format!("in {} s", fmt_s(span.in_s)) } else { "the end of what is drawn before".to_owned() };
                        render(&mut spans, u, c0, format!("video[{i}] ({name}): from {since} to its keyframe at {} s", fmt_s(at)));
                    }
                    spans.push(Span {
                        first: c0,
                        end: c1,
                        way: Way::Copy { item: i, path: item_path(item), stream: video.index, at, from: ka },
                        why: format!("video[{i}] ({name}): whole GOPs, source frames {ka}..{b}, stream-copied"),
                    });
                    if v > c1 {
                        let until = if v == f1 { format!("out {} s", fmt_s(span.out_s)) } else { "what is drawn after".to_owned() };
                        render(
                            &mut spans,
                            c1,
                            v,
                            format!("video[{i}] ({name}): from its keyframe at {} s to {until}", fmt_s(b as f64 * fps.period())),
                        );
                    }
                }
                _ => render(&mut spans, u, v, format!("video[{i}] ({name}): no whole GOP lies within these frames")),
            }
        }
    }
    spans.sort_by_key(|s| s.first);
    merge_and_split(ctx, layout, spans)
}

fn item_path(item: &Item) -> String {
    match item {
        Item::Clip(c) => c.source.path.clone(),
        _ => String::new(),
    }
}

/// Adjacent rendered stretches become one (each rendered part costs a process and an IDR
/// frame), then long ones are split where the segments strategy would cut them.
fn merge_and_split(ctx: &Context<'_>, layout: &Layout, spans: Vec<Span>) -> Vec<Span> {
    let mut merged: Vec<Span> = Vec::new();
    for s in spans {
        match merged.last_mut() {
            Some(last) if last.way == Way::Render && s.way == Way::Render && last.end == s.first => {
                last.end = s.end;
                if !last.why.contains(&s.why) {
                    last.why = format!("{}; {}", last.why, s.why);
                }
            }
            _ => merged.push(s),
        }
    }
    let bounds: Vec<u64> = segments::cut(ctx.timeline, layout).into_iter().map(|(a, _)| a).collect();
    let (split, keep) = ((SPLIT_SECONDS * layout.fps.as_f64()) as u64, (segments::MERGE_SECONDS * layout.fps.as_f64()).ceil() as u64);
    let mut out = Vec::new();
    for s in merged {
        if s.way != Way::Render || s.end - s.first <= split {
            out.push(s);
            continue;
        }
        let mut at = s.first;
        for b in bounds.iter().copied().filter(|b| *b > s.first + keep && *b + keep < s.end) {
            if b > at + keep {
                out.push(Span { first: at, end: b, ..s.clone() });
                at = b;
            }
        }
        out.push(Span { first: at, ..s });
    }
    out
}

/// The job that copies `frames` packets of `path`'s video stream `stream` from its keyframe
/// at `at` seconds (GOPs are closed: the first `frames` packets in decode order are the
/// `frames` frames shown from it), written with the parts' time scale.
fn copy_job(id: &str, path: &str, stream: u32, at: f64, frames: u64, fps: Rational, timescale: u32) -> Job {
    let input = Input { path: path.to_owned(), kind: InputKind::Media, seek: (at > 0.0).then_some(at), duration: None };
    let output: Vec<String> = [
        "-map",
        &format!("0:{stream}"),
        "-c",
        "copy",
        "-frames:v",
        &frames.to_string(),
        "-map_metadata",
        "-1",
        "-video_track_timescale",
        &timescale.to_string(),
        "-f",
        "mp4",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    let duration = frames as f64 * fps.period();
    Job {
        id: id.to_owned(),
        kind: JobKind::Copy,
        description: String::new(),
        command: FfmpegCommand { global: progress_args(), inputs: vec![input], output_options: output, output: "part.mp4".to_owned() },
        files: Vec::<WorkFile>::new(),
        links: Vec::new(),
        frames,
        expected_duration: duration,
        // Copying a frame costs a small fraction of encoding one.
        weight: frames as f64 * 0.02,
        depends_on: Vec::new(),
        cache_key: None,
        software_fallback: None,
        software_cache_key: None,
        parameter_sets: None,
    }
}
