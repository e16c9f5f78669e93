//! The video side of an export's filter graph, shared by every strategy that draws
//! pictures (single pass, each segment): one input per clip seeked near its in-point and
//! put onto the output clock, gaps as colour, everything fitted into the output frame and
//! joined by one concat, then overlays drawn with exact half-open `enable` windows.
//!
//! ```text
//! clip i:   [n:v] settb,setpts(onto the output clock),fps=F:round=up,tpad,trim=end_frame, fit, fades → [v_i]
//! gap i:    color=…:r=F,trim=end_frame → [v_i]
//! crossfade i: outgoing part → [x_i_a]; incoming part, format=yuva420p, alpha ramp → [x_i_b];
//!           [x_i_a][x_i_b]overlay → [v_i]
//! dip i:    outgoing part faded to black → [v_i_a]; incoming part faded from black → [v_i_b]
//! [v_0][v_1]…concat=v=1:a=0 → [base]
//! overlays: [base][o_j]overlay=…:enable='gte(t,A)*lt(t,B)' / drawtext=textfile=…:expansion=none
//! ```
//!
//! # Fades, transitions and speed (timeline 1.1)
//! A *part* is a run of output frames that shows one clip: a clip's own span, or its share
//! of a transition. Its source frames are put onto the output clock at the clip's speed: the
//! source frame at `p` lands at clip time `(p - in) / speed`, so `fps=round=up` shows at
//! output time `t` the frame on screen at `in + speed * (t - S)`.
//!
//! Levels (fades, a transition's weight `w = (t - T) / D`) are ffmpeg's `fade` filter,
//! whose level at a frame of timestamp `ts` is exactly `(ts - st) / d` (clamped), on the
//! picture (to black) or on the alpha plane (crossfade: the incoming part's alpha is `w`,
//! laid over the outgoing part, giving `(1 - w) * outgoing + w * incoming`). `fade` takes no
//! negative start, so when a level would start before the part's first timestamp (a fade
//! seen from part-way through, in a segment), the timestamps are moved on by whole frames
//! around it and back. ffmpeg's `xfade` is not used: its `fadeblack` is not the linear dip
//! this format defines, and it cannot start part-way through a transition.
//! The final pixel-format conversion is left to the caller (it depends on the encoder), and
//! so is the audio ([`super::audio`]), which may share this graph's clip inputs.

use super::layout::{frame_at_or_after, media_of, Layout, TOLERANCE};
use super::text::TextWidths;
use super::WorkFile;
use crate::args::{Input, InputKind};
use crate::capabilities::Capabilities;
use crate::filter::{escape_value, secs};
use crate::media::MediaInfo;
use crate::timeline::{Clip, Item, OverlayKind, Position, Ramp, Timeline, TransitionKind};
use crate::validate::MediaMap;

/// Filter graphs longer than this go through a script file instead of the command line
/// (Linux caps one argument at 128 KiB, Windows a whole command line at 32,767 chars).
pub const INLINE_GRAPH_LIMIT: usize = 4096;

/// The video filter graph of a timeline and the inputs it reads.
pub(super) struct VideoGraph {
    pub inputs: Vec<Input>,
    /// Filter chains, without the final format conversion.
    pub chains: Vec<String>,
    /// Label of the composited video before the final format conversion.
    pub label: String,
    /// Files the graph reads (drawtext's text).
    pub files: Vec<WorkFile>,
    /// Output times of the cuts between main-track items.
    pub cuts: Vec<f64>,
    /// For each main-track item, the input opened for its clip (the audio side reuses it).
    pub clip_inputs: Vec<Option<usize>>,
}

/// Where the source picture of a clip must be read from to show the frame on screen at
/// `in_s`: input seeking lands on the first frame at or after the seek point, so seek a
/// little before `in_s` (1.5 frames for a constant rate, 1 s for a variable one) and let
/// the timestamp rewrite plus `fps=round=up` pick the right frame.
///
/// When a keyframe `K` lies in that margin (`in_s - margin < K <= in_s`), the frame on
/// screen at `in_s` is `K` or later, so seeking to `K` itself loses nothing and spares
/// decoding the whole group of pictures before it (ffmpeg seeks to the keyframe at or
/// before the seek point, then drops the frames before it).
pub(super) fn seek_point(info: &MediaInfo, in_s: f64) -> f64 {
    let video = info.video();
    let margin = match video.and_then(|v| v.frame_rate.filter(|_| !v.variable_frame_rate)) {
        Some(rate) => 1.5 * rate.period(),
        None => 1.0,
    };
    let keyframe = info.keyframes.iter().rev().find(|k| **k <= in_s + TOLERANCE).filter(|k| **k > in_s - margin);
    keyframe.copied().unwrap_or(in_s - margin).max(0.0)
}

/// The video filters that put a seeked source onto the output clock: a source frame at
/// source time `p` gets timestamp `(p - clip_origin) / speed` (minus the 1 µs tolerance,
/// clamped at 0), then `fps=round=up` shows at each output slot the last frame at or before
/// it.
fn retime(offset: f64, shift: f64, speed: f64, fps: crate::Rational) -> String {
    // `T` is the frame time after input seeking; `offset` maps it onto the clip's clock.
    let expr = if (speed - 1.0).abs() > f64::EPSILON {
        format!("max(0,(T-{})/{speed}-{})/TB", secs(offset), secs(TOLERANCE))
    } else if shift > 0.0 {
        format!("max(0,max(0,T-{})+{})/TB", secs(offset + TOLERANCE), secs(shift - TOLERANCE))
    } else {
        format!("max(0,T-{})/TB", secs(offset + TOLERANCE))
    };
    format!("settb=AVTB,setpts={},fps={fps}:round=up", escape_value(&expr))
}

/// A level over a chain's timestamps `ts` (seconds), for [`mask`]: rising from 0 at
/// `zero_at` to 1 `over` seconds later, or falling to 0 at `zero_at` from 1 `over` seconds
/// before; clamped to `0..=1`.
#[derive(Debug, Clone, Copy)]
enum Level {
    Rise { zero_at: f64, over: f64 },
    Fall { zero_at: f64, over: f64 },
}

impl Level {
    fn at(self, ts: f64) -> f64 {
        match self {
            Level::Rise { zero_at, over } => (ts - zero_at) / over,
            Level::Fall { zero_at, over } => (zero_at - ts) / over,
        }
        .clamp(0.0, 1.0)
    }

    /// The level as an expression of the frame time `T`.
    fn expr(self) -> String {
        match self {
            Level::Rise { zero_at, over } if zero_at < 0.0 => format!("clip((T+{})/{},0,1)", secs(-zero_at), secs(over)),
            Level::Rise { zero_at, over } => format!("clip((T-{})/{},0,1)", secs(zero_at), secs(over)),
            Level::Fall { zero_at, over } => format!("clip(({}-T)/{},0,1)", secs(zero_at), secs(over)),
        }
    }
}

/// A mask stream for `maskedmerge`: the output's size, every sample of every plane
/// `255 × (the product of the levels at the frame's time)` (with `invert`,
/// `255 × (1 - the product)`), rounded. The level is computed from the frame time by `geq`
/// on a 2x2 picture (so exactly, not counted in frames as ffmpeg's `fade` does once it has
/// started), then scaled up. Its frames are `from`'s (the same timestamps, whatever their
/// time base: `maskedmerge` pairs frames by timestamp), or, with `None`, `frames` frames at
/// the output rate from timestamp 0 (for chains whose time base is one frame).
fn mask(label: &str, list: &[Level], invert: bool, from: Option<&str>, frames: u64, layout: &Layout) -> String {
    let product = list.iter().map(|l| l.expr()).collect::<Vec<_>>().join("*");
    let value = escape_value(&if invert { format!("255*(1-{product})+0.5") } else { format!("255*{product}+0.5") });
    let source = match from {
        Some(input) => format!("[{input}]scale=2:2,format=yuv420p"),
        None => format!("color=c=black:s=2x2:r={},format=yuv420p,trim=end_frame={frames}", layout.fps),
    };
    format!("{source},geq=lum={value}:cb={value}:cr={value},scale={}:{}:flags=neighbor[{label}]", layout.width, layout.height)
}

/// `enable` for the frames of `frames` (timestamps `k / fps`) where the levels' product is
/// below 1: where blending changes anything.
fn below_one(list: &[Level], frames: std::ops::Range<u64>, fps: crate::Rational) -> Option<String> {
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for k in frames {
        let level: f64 = list.iter().map(|l| l.at(k as f64 * fps.period())).product();
        if level < 1.0 - 1e-9 {
            match ranges.last_mut() {
                Some(r) if r.1 == k => r.1 = k + 1,
                _ => ranges.push((k, k + 1)),
            }
        }
    }
    if ranges.is_empty() {
        return None;
    }
    let terms: Vec<String> = ranges
        .iter()
        .map(|(a, b)| {
            let (a, b) = ((*a as f64 - 0.5) * fps.period(), (*b as f64 - 0.5) * fps.period());
            format!("gte(t,{})*lt(t,{})", secs(a.max(-1.0)), secs(b))
        })
        .collect();
    Some(escape_value(&terms.join("+")))
}

/// Chains that take `input` (`frames` frames from timestamp 0) to black by the levels'
/// product (`maskedmerge` of the picture and black, weighted by a [`mask`] of one minus the
/// level, only on the frames it changes: elsewhere `maskedmerge` passes the picture through
/// untouched), labelled `output`; `None` when no frame's level is below 1 (then `input` is
/// the result).
fn to_black(input: &str, output: &str, list: &[Level], frames: u64, layout: &Layout) -> Option<Vec<String>> {
    let on = below_one(list, 0..frames, layout.fps)?;
    Some(vec![
        format!("color=c=black:s={}x{}:r={},trim=end_frame={frames}[{output}k]", layout.width, layout.height, layout.fps),
        mask(&format!("{output}m"), list, true, None, frames, layout),
        format!("[{input}][{output}k][{output}m]maskedmerge=enable={on},setsar=1[{output}]"),
    ])
}

/// The levels of an item's fades on a chain whose timestamps are `ts = c + at`, where `c`
/// is the item's own time (0 at its start) and `length` its length.
fn fades(fade_in: Option<Ramp>, fade_out: Option<Ramp>, length: f64, at: f64) -> Vec<Level> {
    let mut out = Vec::new();
    if let Some(r) = fade_in {
        // (c + offset) / length is 0 at c = -offset.
        out.push(Level::Rise { zero_at: at - r.offset, over: r.length });
    }
    if let Some(r) = fade_out {
        // (length_of_item - c + offset) / length is 0 at c = length_of_item + offset.
        out.push(Level::Fall { zero_at: length + r.offset + at, over: r.length });
    }
    out
}

/// A run of output frames `first..first + frames` showing one clip. The clip starts at
/// output time `item_start` and lasts `length`; `start` is the output time the run stands
/// for (its source frames are those on screen from `start` on; `first` is the first frame
/// at or after it) and `end` the time the source must be read to.
struct Part<'a> {
    clip: &'a Clip,
    item_start: f64,
    length: f64,
    start: f64,
    end: f64,
    first: u64,
    frames: u64,
}

impl Part<'_> {
    /// The source time on screen at output time `t`.
    fn source_at(&self, t: f64) -> f64 {
        self.clip.in_s + self.clip.speed * (t - self.item_start)
    }
}

/// Scale and pad a picture of display size `source` into the output frame, keeping its
/// aspect ratio, centred, black bars.
fn fit(source: Option<(u32, u32)>, sar_square: bool, width: u32, height: u32) -> String {
    let mut f = String::new();
    if !sar_square {
        f.push_str("scale=trunc(iw*sar/2)*2:ih,setsar=1,");
    }
    if source != Some((width, height)) {
        f.push_str(&format!(
            "scale={width}:{height}:force_original_aspect_ratio=decrease:force_divisible_by=2,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2:color=black,"
        ));
    }
    f.push_str("setsar=1");
    f
}

fn position(p: Position, centre: &str) -> String {
    match p {
        Position::Pixels(v) => v.to_string(),
        Position::Center => centre.to_owned(),
    }
}

/// `enable` for output frames `first..end`: the half-open interval `start <= t < end`
/// (`between` is closed and would show one frame too many), with the bounds half a frame
/// before each frame so floating-point `t` cannot land on the wrong side.
fn enable(first: u64, end: u64, fps: crate::Rational) -> String {
    let a = (first as f64 - 0.5) * fps.period();
    let b = (end as f64 - 0.5) * fps.period();
    escape_value(&format!("gte(t,{})*lt(t,{})", secs(a.max(-1.0)), secs(b)))
}

/// Opens a part's source (seeked near the frame on screen at its start) and adds the chains
/// that give exactly its frames, fitted into the output frame, taken towards black by the
/// clip's fades and by `extra` (levels over the part's timestamps, which start at 0 on its
/// first frame), labelled `label`. Returns the input's index (`None` when the source was not
/// probed, which validation has already reported).
fn part_chain(
    part: &Part<'_>,
    extra: &[Level],
    label: &str,
    media: &MediaMap,
    layout: &Layout,
    inputs: &mut Vec<Input>,
    chains: &mut Vec<String>,
) -> Option<usize> {
    let (w, h, fps) = (layout.width, layout.height, layout.fps);
    let clip = part.clip;
    let info = media_of(media, &clip.source.path).ok()?;
    let in_s = part.source_at(part.start);
    let x = seek_point(info, in_s);
    let n = inputs.len();
    inputs.push(Input {
        path: clip.source.path.clone(),
        kind: InputKind::Media,
        seek: (x > 0.0).then_some(x),
        duration: Some(part.source_at(part.end) - x),
    });
    let video = info.video();
    let sar_square = video.and_then(|v| v.sar).is_none_or(|s| s.num == s.den);
    // The chain's timestamps start at 0 on the part's first frame.
    let first_time = part.first as f64 * fps.period();
    let phase = first_time - part.start;
    let mut list = fades(clip.fade_in, clip.fade_out, part.length, part.item_start - first_time);
    list.extend_from_slice(extra);
    let faded = to_black(&format!("{label}p"), label, &list, part.frames, layout);
    chains.push(format!(
        "[{n}:v]{},tpad=stop_mode=clone:stop=-1,trim=end_frame={},{}[{}]",
        retime(in_s - x + clip.speed * phase, 0.0, clip.speed, fps),
        part.frames,
        fit(video.and_then(crate::media::StreamInfo::display_size), sar_square, w, h),
        if faded.is_some() { format!("{label}p") } else { label.to_owned() }
    ));
    chains.extend(faded.into_iter().flatten());
    Some(n)
}

impl VideoGraph {
    #[allow(clippy::too_many_lines)]
    pub fn build(timeline: &Timeline, media: &MediaMap, layout: &Layout, widths: &TextWidths, warnings: &mut Vec<String>) -> Self {
        let (w, h, fps) = (layout.width, layout.height, layout.fps);
        let mut inputs = Vec::new();
        let mut chains = Vec::new();
        let mut video_labels = Vec::new();
        let mut clip_inputs = vec![None; timeline.items.len()];
        let mut files = Vec::new();
        let mut cuts = Vec::new();

        let period = fps.period();
        for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
            if span.frames > 0 && span.first_frame > 0 {
                cuts.push(span.first_frame as f64 * period);
            }
            match item {
                Item::Gap(gap) => {
                    if span.frames > 0 {
                        chains.push(format!(
                            "color=c={}:s={w}x{h}:r={fps},trim=end_frame={},setsar=1[v{i}]",
                            escape_value(&gap.color),
                            span.frames
                        ));
                        video_labels.push(format!("[v{i}]"));
                    }
                }
                Item::Clip(clip) => {
                    if span.frames == 0 {
                        continue;
                    }
                    let part = Part {
                        clip,
                        item_start: span.item_start,
                        length: span.length,
                        start: span.start,
                        end: span.start + span.duration,
                        first: span.first_frame,
                        frames: span.frames,
                    };
                    let label = format!("v{i}");
                    let Some(n) = part_chain(&part, &[], &label, media, layout, &mut inputs, &mut chains) else { continue };
                    video_labels.push(format!("[{label}]"));
                    // The audio side may read the same input when it covers the whole clip.
                    let whole = (span.start - span.item_start).abs() < TOLERANCE && (span.duration - span.length).abs() < TOLERANCE;
                    if whole {
                        clip_inputs[i] = Some(n);
                    }
                }
                Item::Transition(transition) => {
                    if span.frames == 0 {
                        continue;
                    }
                    let neighbour = |j: usize| match (timeline.items.get(j), layout.items.get(j)) {
                        (Some(Item::Clip(c)), Some(s)) => Some((c, s)),
                        _ => None,
                    };
                    let (Some((from, from_span)), Some((to, to_span))) = (i.checked_sub(1).and_then(neighbour), neighbour(i + 1)) else {
                        continue;
                    };
                    let part = |clip, s: &crate::plan::layout::Span, start: f64, first: u64, frames: u64| Part {
                        clip,
                        item_start: s.item_start,
                        length: s.length,
                        start,
                        end: span.start + span.duration,
                        first,
                        frames,
                    };
                    let end = span.end_frame();
                    let ramp = transition.weight;
                    match transition.kind {
                        TransitionKind::Crossfade => {
                            // (1 - w) * outgoing + w * incoming, w = (t - T) / D.
                            let at = span.start - span.first_frame as f64 * period;
                            let w = Level::Rise { zero_at: at - ramp.offset, over: ramp.length };
                            let (la, lb) = (format!("x{i}a"), format!("x{i}b"));
                            let outgoing = part(from, from_span, span.start, span.first_frame, span.frames);
                            let incoming = part(to, to_span, span.start, span.first_frame, span.frames);
                            if part_chain(&outgoing, &[], &la, media, layout, &mut inputs, &mut chains).is_none()
                                || part_chain(&incoming, &[], &lb, media, layout, &mut inputs, &mut chains).is_none()
                            {
                                continue;
                            }
                            chains.push(mask(&format!("x{i}m"), &[w], false, None, span.frames, layout));
                            chains.push(format!("[{la}][{lb}][x{i}m]maskedmerge,setsar=1[v{i}]"));
                            video_labels.push(format!("[v{i}]"));
                        }
                        TransitionKind::Dip => {
                            // Outgoing to black until w = 1/2, incoming from black after it.
                            let half = ramp.length / 2.0;
                            let middle = span.start + half - ramp.offset;
                            let m = frame_at_or_after(middle, fps).clamp(span.first_frame, end);
                            if m > span.first_frame {
                                let at = span.start - span.first_frame as f64 * period;
                                let down = Level::Fall { zero_at: at + half - ramp.offset, over: half };
                                let outgoing = part(from, from_span, span.start, span.first_frame, m - span.first_frame);
                                let label = format!("v{i}a");
                                if part_chain(&outgoing, &[down], &label, media, layout, &mut inputs, &mut chains).is_some() {
                                    video_labels.push(format!("[{label}]"));
                                }
                            }
                            if end > m {
                                let start = if m > span.first_frame { m as f64 * period } else { span.start };
                                let at = span.start - m as f64 * period;
                                let up = Level::Rise { zero_at: at + half - ramp.offset, over: half };
                                let incoming = part(to, to_span, start, m, end - m);
                                let label = format!("v{i}b");
                                if part_chain(&incoming, &[up], &label, media, layout, &mut inputs, &mut chains).is_some() {
                                    video_labels.push(format!("[{label}]"));
                                }
                            }
                        }
                    }
                }
            }
        }

        let mut base = "base".to_owned();
        // Each item gives exactly its frames, in order; numbering them on the output grid
        // keeps every frame (the concat filter gives a one-frame item no duration, and the
        // frames after it collapsed onto one timestamp).
        // The time base is one frame, so every timestamp is exact (in microseconds, frame
        // 32 at 30 fps fell 1 µs before the overlay frame meant for it).
        chains.push(format!(
            "{}concat=n={}:v=1:a=0,settb={}/{},setpts=N[{base}]",
            video_labels.concat(),
            video_labels.len(),
            fps.den,
            fps.num
        ));

        for (j, overlay) in timeline.overlays.iter().enumerate() {
            let first = frame_at_or_after(overlay.start, fps);
            let end = frame_at_or_after(overlay.end, fps).min(layout.frames);
            if first >= layout.frames {
                warnings.push(format!(
                    "overlays[{j}] starts at {} s, after the export ends ({} s); it is not shown",
                    secs(overlay.start),
                    secs(layout.duration)
                ));
                continue;
            }
            if overlay.end > layout.duration + TOLERANCE {
                warnings.push(format!(
                    "overlays[{j}] ends at {} s, past the end of the export ({} s); it is cut there",
                    secs(overlay.end),
                    secs(layout.duration)
                ));
            }
            if end <= first {
                warnings.push(format!("overlays[{j}] is shorter than one output frame; it is not shown"));
                continue;
            }
            let on = enable(first, end, fps);
            let next = format!("base{j}");
            let scale = match (overlay.width, overlay.height) {
                (None, None) => String::new(),
                (Some(ow), None) => format!("scale={ow}:-1,"),
                (None, Some(oh)) => format!("scale=-1:{oh},"),
                (Some(ow), Some(oh)) => format!("scale={ow}:{oh},"),
            };
            let alpha = if overlay.opacity < 1.0 { format!(",colorchannelmixer=aa={}", overlay.opacity) } else { String::new() };
            let (ox, oy) = (position(overlay.x, "(W-w)/2"), position(overlay.y, "(H-h)/2"));
            // Image and video overlays' timestamps are output times: the overlay's own time
            // plus its start.
            let fading = fades(overlay.fade_in, overlay.fade_out, overlay.end - overlay.start, overlay.start);
            // With fades, the overlay is drawn onto a copy of the picture, and the two are
            // mixed by the fades' level (the base's timestamps are output times).
            let is_text = matches!(overlay.kind, OverlayKind::Text { .. });
            let fade_on = below_one(&fading, first..end, fps).filter(|_| !is_text);
            let (under, drawn) = match &fade_on {
                Some(_) => {
                    chains.push(format!("[{base}]split=3[{base}u][{base}d][{base}t]"));
                    (format!("{base}u"), format!("{base}d"))
                }
                None => (base.clone(), base.clone()),
            };
            let target = if fade_on.is_some() { format!("{next}c") } else { next.clone() };
            match &overlay.kind {
                OverlayKind::Image { source } => {
                    let n = inputs.len();
                    inputs.push(Input {
                        path: source.path.clone(),
                        kind: InputKind::StillImage { framerate: fps },
                        seek: None,
                        duration: None,
                    });
                    // Decoded and scaled once, then repeated on the output grid up to the
                    // last frame it is shown on.
                    chains.push(format!(
                        "[{n}:v]{scale}format=rgba{alpha},loop=loop=-1:size=1,setpts={},trim=end_frame={}[o{j}]",
                        escape_value(&format!("N/({fps})/TB")),
                        end + 1
                    ));
                    chains.push(format!(
                        "[{drawn}][o{j}]overlay=x={}:y={}:eof_action=pass:enable={on}[{target}]",
                        escape_value(&ox),
                        escape_value(&oy)
                    ));
                }
                OverlayKind::Video { source, in_s } => {
                    let Ok(info) = media_of(media, &source.path) else { continue };
                    let x = seek_point(info, *in_s);
                    let n = inputs.len();
                    let shown = (end - first) as f64 * fps.period();
                    inputs.push(Input {
                        path: source.path.clone(),
                        kind: InputKind::Media,
                        seek: (x > 0.0).then_some(x),
                        duration: Some(in_s - x + shown + 2.0 * fps.period()),
                    });
                    chains.push(format!(
                        "[{n}:v]{},{scale}format=yuva420p{alpha}[o{j}]",
                        retime(in_s - x, first as f64 * fps.period(), 1.0, fps)
                    ));
                    chains.push(format!(
                        "[{drawn}][o{j}]overlay=x={}:y={}:eof_action=pass:enable={on}[{target}]",
                        escape_value(&ox),
                        escape_value(&oy)
                    ));
                }
                OverlayKind::Text { text, size, color, font, style } => {
                    // drawtext fades by its own alpha expression.
                    let drawn = super::text::Text { index: j, overlay, words: text, size: *size, color, font: font.as_deref(), style };
                    let (filters, text_files) = drawn.filters(&on, widths, warnings);
                    files.extend(text_files);
                    chains.push(format!("[{base}]{filters}[{next}]"));
                    base = next;
                    continue;
                }
            }
            if let Some(fade_on) = fade_on {
                // Drawn where the level is 1 (and outside the fades, where it passes through).
                chains.push(mask(&format!("{next}m"), &fading, true, Some(&format!("{base}t")), layout.frames, layout));
                chains.push(format!("[{target}][{under}][{next}m]maskedmerge=enable={fade_on}[{next}]"));
            }
            base = next;
        }

        Self { inputs, chains, label: base, files, cuts, clip_inputs }
    }
}

/// `-filter_complex GRAPH` for short graphs; a script file for long ones.
pub(super) fn filter_args(chains: &[String], caps: &Capabilities, script: &str) -> (Vec<String>, Vec<WorkFile>) {
    let inline = chains.join(";");
    if inline.len() <= INLINE_GRAPH_LIMIT {
        return (vec!["-filter_complex".to_owned(), inline], Vec::new());
    }
    let flag = if caps.version_number.is_some_and(|v| v.0 >= 7) { "-/filter_complex" } else { "-filter_complex_script" };
    (vec![flag.to_owned(), script.to_owned()], vec![WorkFile { name: script.to_owned(), contents: chains.join(";\n") }])
}
