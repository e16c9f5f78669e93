//! The single-pass strategy: one ffmpeg process, one filter graph.
//!
//! Graph shape (labels in brackets):
//! ```text
//! clip i:   [n:v] settb,setpts(onto the output clock),fps=F:round=up,tpad,trim=end_frame, fit → [v_i]
//!           [n:a] aresample,aformat,atrim(sample exact),asetpts,volume,apad,atrim → [a_i]
//! gap i:    color=…:r=F,trim=end_frame → [v_i]      anullsrc,atrim → [a_i]
//! [v_0][v_1]…concat=v=1:a=0 → [base]      [a_0][a_1]…concat=v=0:a=1 → [mix]
//! overlays: [base][o_j]overlay=…:enable='gte(t,A)*lt(t,B)' / drawtext=textfile=…:expansion=none
//! audio tracks: [n:a] aresample,…,adelay=…S → amix=normalize=0 with [mix]
//! last:     format=yuv420p (or the hardware encoder's upload chain) → [vout]; apad,atrim → [aout]
//! ```
//! Video and audio are concatenated by separate concat filters so an item shorter than one
//! frame can still contribute its audio.

use super::encoder::{encoder_args, EncoderChoice};
use super::layout::{frame_at_or_after, media_of, Layout, TOLERANCE};
use super::{Decision, Job, Plan, Strategy, WorkFile, OUTPUT_NAME};
use crate::args::{FfmpegCommand, Input, InputKind};
use crate::capabilities::Capabilities;
use crate::filter::{escape_value, secs};
use crate::media::MediaInfo;
use crate::timeline::{Item, OverlayKind, Position, Timeline};
use crate::validate::MediaMap;

/// Filter graphs longer than this go through a script file instead of the command line
/// (Linux caps one argument at 128 KiB, Windows a whole command line at 32,767 chars).
pub const INLINE_GRAPH_LIMIT: usize = 4096;

/// `-force_key_frames` lists longer than this are left out (they would hit the same
/// command-line limits); the cuts are then not forced onto keyframes.
pub const KEYFRAME_LIST_LIMIT: usize = 16 * 1024;

pub(super) fn plan(
    timeline: &Timeline,
    media: &MediaMap,
    layout: &Layout,
    encoder: &EncoderChoice,
    caps: &Capabilities,
    decisions: Vec<Decision>,
) -> Plan {
    let mut warnings = layout.warnings.clone();
    let graph = Graph::build(timeline, media, layout, &mut warnings);
    let (command, mut files) = command(&graph, layout, encoder, caps, "graph.txt", &mut warnings);
    let software_fallback = encoder.is_hardware().then(|| {
        let (fallback, fallback_files) = command_quiet(&graph, layout, &encoder.software(), caps, "graph-software.txt");
        files.extend(fallback_files);
        Box::new(fallback)
    });
    files.extend(graph.files.iter().cloned());
    let job = Job {
        id: "export".to_owned(),
        description: format!(
            "render {} items, {} overlays and {} audio tracks in one pass with {}",
            timeline.items.len(),
            timeline.overlays.len(),
            timeline.audio.len(),
            encoder.encoder
        ),
        command,
        files,
        links: Vec::new(),
        expected_duration: layout.duration,
        depends_on: Vec::new(),
        software_fallback,
    };
    Plan {
        strategy: Strategy::SinglePass,
        duration: layout.duration,
        frames: layout.frames,
        output: layout.output_spec(encoder.codec.as_str(), &encoder.encoder, encoder.preset.as_str()),
        jobs: vec![job],
        decisions,
        warnings,
    }
}

/// The filter graph and its inputs, independent of the encoder.
struct Graph {
    inputs: Vec<Input>,
    /// Filter chains, without the final format conversion.
    chains: Vec<String>,
    /// Label of the composited video before the final format conversion.
    video: String,
    /// Label of the finished audio.
    audio: String,
    files: Vec<WorkFile>,
    /// Output times of the cuts between main-track items.
    cuts: Vec<f64>,
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

impl Graph {
    #[allow(clippy::too_many_lines)]
    fn build(timeline: &Timeline, media: &MediaMap, layout: &Layout, warnings: &mut Vec<String>) -> Self {
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
        chains.push(format!("{}concat=n={}:v=1:a=0[{base}]", video_labels.concat(), video_labels.len()));
        let mix = main_audio(timeline, media, layout, &clip_inputs, &mut inputs, &mut chains);

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

        let audio = audio_tracks(timeline, media, layout, &mix, &mut inputs, &mut chains, warnings);
        Self { inputs, chains, video: base, audio, files, cuts }
    }
}

/// The main track's audio: each clip's audio trimmed sample-exactly on the output clock
/// (silence for gaps, muted clips and sources without audio), joined by one concat.
/// `clip_inputs[i]` is the input already opened for clip `i` by the video side (seeked to
/// [`seek_point`]); clips without one get an input of their own. Returns the label.
pub(super) fn main_audio(
    timeline: &Timeline,
    media: &MediaMap,
    layout: &Layout,
    clip_inputs: &[Option<usize>],
    inputs: &mut Vec<Input>,
    chains: &mut Vec<String>,
) -> String {
    let rate = layout.sample_rate;
    let cl = layout.channel_layout();
    let mut labels = Vec::new();
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
        if span.samples == 0 {
            continue;
        }
        let source = match item {
            Item::Clip(clip) if clip.audio => media_of(media, &clip.source.path).ok().filter(|m| m.audio().is_some()).map(|m| (clip, m)),
            _ => None,
        };
        if let Some((clip, info)) = source {
            let x = seek_point(info, span.in_s);
            let n = clip_inputs.get(i).copied().flatten().unwrap_or_else(|| {
                inputs.push(Input {
                    path: clip.source.path.clone(),
                    kind: InputKind::Media,
                    seek: (x > 0.0).then_some(x),
                    duration: Some(span.out_s - x),
                });
                inputs.len() - 1
            });
            let phase = span.first_sample as f64 / f64::from(rate) - span.start;
            let s0 = ((span.in_s - x + phase) * f64::from(rate)).round().max(0.0) as u64;
            let volume = if (clip.volume - 1.0).abs() > f64::EPSILON { format!(",volume={}", clip.volume) } else { String::new() };
            chains.push(format!(
                "[{n}:a]aresample={rate},aformat=sample_fmts=fltp:channel_layouts={cl},atrim=start_sample={s0}:end_sample={},asetpts=PTS-STARTPTS{volume},apad=whole_len={m},atrim=end_sample={m}[a{i}]",
                s0 + span.samples,
                m = span.samples
            ));
        } else {
            chains.push(format!("anullsrc=r={rate}:cl={cl},atrim=end_sample={}[a{i}]", span.samples));
        }
        labels.push(format!("[a{i}]"));
    }
    chains.push(format!("{}concat=n={}:v=0:a=1[mix]", labels.concat(), labels.len()));
    "mix".to_owned()
}

/// Mixes the timeline's audio tracks over the main track's audio (label `main`) and pads or
/// cuts the result to the exact output length. Returns the label of the finished audio.
pub(super) fn audio_tracks(
    timeline: &Timeline,
    media: &MediaMap,
    layout: &Layout,
    main: &str,
    inputs: &mut Vec<Input>,
    chains: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> String {
    let rate = layout.sample_rate;
    let audio_format = format!("aresample={rate},aformat=sample_fmts=fltp:channel_layouts={}", layout.channel_layout());
    let mut audio = main.to_owned();
    let mut tracks = Vec::new();
    for (j, track) in timeline.audio.iter().enumerate() {
        if track.start >= layout.duration - TOLERANCE {
            warnings.push(format!(
                "audio[{j}] starts at {} s, after the export ends ({} s); it is not heard",
                secs(track.start),
                secs(layout.duration)
            ));
            continue;
        }
        let Ok(info) = media_of(media, &track.source.path) else { continue };
        let out = track.out_s.or_else(|| info.audio().and_then(|a| a.duration)).or_else(|| info.best_duration()).unwrap_or(layout.duration);
        let n = inputs.len();
        inputs.push(Input {
            path: track.source.path.clone(),
            kind: InputKind::Media,
            seek: (track.in_s > 0.0).then_some(track.in_s),
            duration: Some((out - track.in_s).min(layout.duration - track.start + 1.0)),
        });
        let delay = (track.start * f64::from(rate)).round() as u64;
        let volume = if (track.volume - 1.0).abs() > f64::EPSILON { format!(",volume={}", track.volume) } else { String::new() };
        chains.push(format!("[{n}:a]{audio_format},asetpts=PTS-STARTPTS{volume},adelay=delays={delay}S:all=1[t{j}]"));
        tracks.push(format!("[t{j}]"));
    }
    if !tracks.is_empty() {
        chains.push(format!(
            "[{audio}]{}amix=inputs={}:duration=first:dropout_transition=0:normalize=0[mixed]",
            tracks.concat(),
            tracks.len() + 1
        ));
        audio = "mixed".to_owned();
    }
    chains.push(format!("[{audio}]apad=whole_len={m},atrim=end_sample={m}[aout]", m = layout.samples));
    "aout".to_owned()
}

fn command(
    graph: &Graph,
    layout: &Layout,
    encoder: &EncoderChoice,
    caps: &Capabilities,
    script: &str,
    warnings: &mut Vec<String>,
) -> (FfmpegCommand, Vec<WorkFile>) {
    let keyframes: Vec<String> = graph.cuts.iter().map(|t| secs(*t)).collect();
    let keyframes = keyframes.join(",");
    if keyframes.len() > KEYFRAME_LIST_LIMIT {
        warnings.push(format!("{} cuts are too many to force keyframes at each (the list would exceed {KEYFRAME_LIST_LIMIT} characters); cuts are not forced onto keyframes", graph.cuts.len()));
    }
    build(graph, layout, encoder, caps, script, &keyframes)
}

fn command_quiet(
    graph: &Graph,
    layout: &Layout,
    encoder: &EncoderChoice,
    caps: &Capabilities,
    script: &str,
) -> (FfmpegCommand, Vec<WorkFile>) {
    let mut ignored = Vec::new();
    command(graph, layout, encoder, caps, script, &mut ignored)
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

/// Output options for the AAC encode of the finished audio.
pub(super) fn audio_encode_args(layout: &Layout) -> Vec<String> {
    vec![
        "-c:a".to_owned(),
        "aac".to_owned(),
        "-b:a".to_owned(),
        layout.audio_bitrate.clone(),
        "-ar".to_owned(),
        layout.sample_rate.to_string(),
        "-ac".to_owned(),
        layout.channels.to_string(),
    ]
}

fn build(
    graph: &Graph,
    layout: &Layout,
    encoder: &EncoderChoice,
    caps: &Capabilities,
    script: &str,
    keyframes: &str,
) -> (FfmpegCommand, Vec<WorkFile>) {
    let enc = encoder_args(encoder);
    let mut chains = graph.chains.clone();
    chains.push(format!("[{}]{}[vout]", graph.video, enc.filter_tail));
    let mut files = Vec::new();
    let mut global: Vec<String> = ["-progress", "pipe:1", "-nostats", "-stats_period", "0.5"].iter().map(|s| (*s).to_owned()).collect();
    global.extend(enc.global);
    let mut output: Vec<String> = Vec::new();
    let (graph_args, graph_files) = filter_args(&chains, caps, script);
    output.extend(graph_args);
    files.extend(graph_files);
    output.extend(["-map".to_owned(), "[vout]".to_owned(), "-map".to_owned(), format!("[{}]", graph.audio)]);
    output.extend(enc.output);
    if !keyframes.is_empty() && keyframes.len() <= KEYFRAME_LIST_LIMIT {
        output.extend(["-force_key_frames".to_owned(), keyframes.to_owned()]);
    }
    output.extend(audio_encode_args(layout));
    output.extend(["-movflags".to_owned(), "+faststart".to_owned(), "-t".to_owned(), secs(layout.duration), "-shortest".to_owned()]);
    let command = FfmpegCommand { global, inputs: graph.inputs.clone(), output_options: output, output: OUTPUT_NAME.to_owned() };
    (command, files)
}
