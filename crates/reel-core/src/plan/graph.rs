//! The video side of an export's filter graph, shared by every strategy that draws
//! pictures (single pass, each segment): one input per clip seeked near its in-point and
//! put onto the output clock, gaps as colour, everything fitted into the output frame and
//! joined by one concat, then overlays drawn with exact half-open `enable` windows.
//!
//! ```text
//! clip i:   [n:v] settb,setpts(onto the output clock),fps=F:round=up,tpad,trim=end_frame, fit → [v_i]
//! gap i:    color=…:r=F,trim=end_frame → [v_i]
//! [v_0][v_1]…concat=v=1:a=0 → [base]
//! overlays: [base][o_j]overlay=…:enable='gte(t,A)*lt(t,B)' / drawtext=textfile=…:expansion=none
//! ```
//! The final pixel-format conversion is left to the caller (it depends on the encoder), and
//! so is the audio ([`super::audio`]), which may share this graph's clip inputs.

use super::layout::{frame_at_or_after, media_of, Layout, TOLERANCE};
use super::WorkFile;
use crate::args::{Input, InputKind};
use crate::capabilities::Capabilities;
use crate::filter::{escape_value, secs};
use crate::media::MediaInfo;
use crate::timeline::{Item, OverlayKind, Position, Timeline};
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
/// source time `p` gets timestamp `p - clip_origin` (minus the 1 µs tolerance, clamped at
/// 0), then `fps=round=up` shows at each output slot the last frame at or before it.
fn retime(offset: f64, shift: f64, fps: crate::Rational) -> String {
    // `T` is the frame time after input seeking; `offset` maps it onto the clip's clock.
    let expr = if shift > 0.0 {
        format!("max(0,max(0,T-{})+{})/TB", secs(offset + TOLERANCE), secs(shift - TOLERANCE))
    } else {
        format!("max(0,T-{})/TB", secs(offset + TOLERANCE))
    };
    format!("settb=AVTB,setpts={},fps={fps}:round=up", escape_value(&expr))
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

impl VideoGraph {
    #[allow(clippy::too_many_lines)]
    pub fn build(timeline: &Timeline, media: &MediaMap, layout: &Layout, warnings: &mut Vec<String>) -> Self {
        let (w, h, fps) = (layout.width, layout.height, layout.fps);
        let mut inputs = Vec::new();
        let mut chains = Vec::new();
        let mut video_labels = Vec::new();
        let mut clip_inputs = vec![None; timeline.items.len()];
        let mut files = Vec::new();
        let mut cuts = Vec::new();

        for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
            if span.frames > 0 && span.first_frame > 0 {
                cuts.push(span.first_frame as f64 * fps.period());
            }
            let phase = span.first_frame as f64 * fps.period() - span.start;
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
                    let Ok(info) = media_of(media, &clip.source.path) else { continue };
                    let x = seek_point(info, span.in_s);
                    let n = inputs.len();
                    inputs.push(Input {
                        path: clip.source.path.clone(),
                        kind: InputKind::Media,
                        seek: (x > 0.0).then_some(x),
                        duration: Some(span.out_s - x),
                    });
                    let video = info.video();
                    if span.frames > 0 {
                        let sar_square = video.and_then(|v| v.sar).is_none_or(|s| s.num == s.den);
                        chains.push(format!(
                            "[{n}:v]{},tpad=stop_mode=clone:stop=-1,trim=end_frame={},{}[v{i}]",
                            retime(span.in_s - x + phase, 0.0, fps),
                            span.frames,
                            fit(video.and_then(crate::media::StreamInfo::display_size), sar_square, w, h)
                        ));
                        video_labels.push(format!("[v{i}]"));
                    }
                    clip_inputs[i] = Some(n);
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
                        "[{base}][o{j}]overlay=x={}:y={}:eof_action=pass:enable={on}[{next}]",
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
                    chains
                        .push(format!("[{n}:v]{},{scale}format=yuva420p{alpha}[o{j}]", retime(in_s - x, first as f64 * fps.period(), fps)));
                    chains.push(format!(
                        "[{base}][o{j}]overlay=x={}:y={}:eof_action=pass:enable={on}[{next}]",
                        escape_value(&ox),
                        escape_value(&oy)
                    ));
                }
                OverlayKind::Text { text, size, color, font, boxed } => {
                    let file = format!("text{j}.txt");
                    files.push(WorkFile { name: file.clone(), contents: text.clone() });
                    let (tx, ty) = (position(overlay.x, "(w-text_w)/2"), position(overlay.y, "(h-text_h)/2"));
                    let mut f = format!(
                        "[{base}]drawtext=textfile={}:expansion=none:font={}:fontsize={size}:fontcolor={}:alpha={}:x={}:y={}",
                        escape_value(&file),
                        escape_value(font.as_deref().unwrap_or("Sans")),
                        escape_value(color),
                        overlay.opacity,
                        escape_value(&tx),
                        escape_value(&ty),
                    );
                    if *boxed {
                        f.push_str(":box=1:boxcolor=black@0.5:boxborderw=12");
                    }
                    f.push_str(&format!(":enable={on}[{next}]"));
                    chains.push(f);
                }
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
