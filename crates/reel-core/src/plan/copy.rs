//! The copy strategy: the concat demuxer with `-c copy`.
//!
//! Chosen only when it gives exactly the frames the timeline asks for: nothing to draw or
//! mix, every clip stream-compatible with the others and with the output settings, and
//! every `in` on a keyframe (copy starts at the keyframe before a cut, so anything else
//! would show extra frames; `frame_accurate: false` accepts that). Sources are linked into
//! the work folder under safe names, so the concat list never names a user path and
//! `-safe 0` is never needed.

use super::layout::{frame_at_or_after, media_of, Layout, TOLERANCE};
use super::{AudioSpec, Decision, Job, OutputSpec, Plan, Strategy, WorkFile, WorkLink, OUTPUT_NAME};
use crate::args::{FfmpegCommand, Input, InputKind};
use crate::capabilities::Capabilities;
use crate::filter::secs;
use crate::media::{MediaInfo, StreamInfo};
use crate::timeline::{Dimension, FrameRateSetting, Item, OutputSettings, Timeline};
use crate::validate::{fmt_s, MediaMap};

/// A keyframe this close to `in` counts as on it (ffprobe prints microseconds).
const KEYFRAME_TOLERANCE: f64 = 1e-4;

/// Where clip `in_s` may start when copying: the keyframe at `in_s`, or with
/// `frame_accurate: false` the keyframe before it. `Err` carries the previous keyframe.
fn keyframe_for(info: &MediaInfo, in_s: f64) -> Result<f64, Option<f64>> {
    let previous = info.keyframes.iter().copied().filter(|k| *k <= in_s + KEYFRAME_TOLERANCE).fold(None, |m: Option<f64>, k| Some(m.map_or(k, |m| m.max(k))));
    match previous {
        Some(k) if (in_s - k).abs() <= KEYFRAME_TOLERANCE => Ok(k),
        other => Err(other),
    }
}

/// `Ok(why copy is right)` or `Err(every reason copy cannot be used)`.
#[allow(clippy::too_many_lines)]
pub(super) fn check(timeline: &Timeline, media: &MediaMap, layout: &Layout, settings: &OutputSettings, _caps: &Capabilities) -> Result<Vec<String>, Vec<String>> {
    let mut no = Vec::new();
    if !timeline.overlays.is_empty() {
        no.push(format!("the timeline has {} overlay(s), which must be drawn into the picture", timeline.overlays.len()));
    }
    if !timeline.audio.is_empty() {
        no.push(format!("the timeline has {} audio track(s), which must be mixed", timeline.audio.len()));
    }
    let codec = super::codec_of(settings);
    let frame_accurate = settings.frame_accurate.unwrap_or(true);
    let mut reference: Option<(usize, &StreamInfo, Option<&StreamInfo>)> = None;
    for (i, item) in timeline.items.iter().enumerate() {
        let clip = match item {
            Item::Gap(_) => {
                no.push(format!("video[{i}] is a gap, which must be rendered"));
                continue;
            }
            Item::Clip(c) => c,
        };
        let Ok(info) = media_of(media, &clip.source.path) else { continue };
        let Some(video) = info.video() else { continue };
        let name = &clip.source.written;
        if !clip.audio {
            no.push(format!("video[{i}] is muted (\"audio\": false), which needs its audio replaced by silence"));
        }
        if (clip.volume - 1.0).abs() > f64::EPSILON {
            no.push(format!("video[{i}].volume is {}, which needs an audio encode", clip.volume));
        }
        if video.codec.as_deref() != Some(codec.as_str()) {
            no.push(format!("video[{i}] ({name}) is {}, the output is {}", video.codec.as_deref().unwrap_or("of unknown codec"), codec.as_str()));
        }
        if video.variable_frame_rate {
            no.push(format!("video[{i}] ({name}) has a variable frame rate; it must be converted to a constant one"));
        }
        if video.rotation.is_some_and(|r| r.rem_euclid(360) != 0) {
            no.push(format!("video[{i}] ({name}) is rotated {}°; it must be turned upright", video.rotation.unwrap_or(0)));
        }
        let (sw, sh) = video.display_size().unwrap_or((0, 0));
        let want_w = match settings.width {
            Some(Dimension::Source) => None,
            _ => Some(layout.width),
        };
        let want_h = match settings.height {
            Some(Dimension::Source) => None,
            _ => Some(layout.height),
        };
        if want_w.is_some_and(|w| w != sw) || want_h.is_some_and(|h| h != sh) {
            no.push(format!("video[{i}] ({name}) is {sw}x{sh}, the output is {}x{}", layout.width, layout.height));
        }
        let rate = video.frame_rate;
        if let Some(FrameRateSetting::Rate(_)) | None = settings.fps {
            if rate != Some(layout.fps) {
                no.push(format!("video[{i}] ({name}) runs at {} fps, the output at {} fps", rate.map_or("an unknown".to_owned(), |r| fmt_s(r.as_f64())), fmt_s(layout.fps.as_f64())));
            }
        }
        let audio = info.audio();
        match audio {
            None => no.push(format!("video[{i}] ({name}) has no audio stream; silence must be encoded for it")),
            Some(a) => {
                if a.codec.as_deref() != Some("aac") {
                    no.push(format!("video[{i}] ({name}) has {} audio, the output is aac", a.codec.as_deref().unwrap_or("unknown")));
                }
                if a.sample_rate != Some(layout.sample_rate) || a.channels != Some(layout.channels) {
                    no.push(format!(
                        "video[{i}] ({name}) audio is {} Hz, {} channel(s); the output is {} Hz, {} channel(s)",
                        a.sample_rate.unwrap_or(0),
                        a.channels.unwrap_or(0),
                        layout.sample_rate,
                        layout.channels
                    ));
                }
            }
        }
        match reference {
            None => reference = Some((i, video, audio)),
            Some((r, rv, ra)) => {
                let differs = |what: &str| format!("video[{i}] differs from video[{r}] in {what}, so the streams cannot be joined without re-encoding");
                if rv.width != video.width || rv.height != video.height {
                    no.push(differs("size"));
                }
                if rv.profile != video.profile || rv.pix_fmt != video.pix_fmt || rv.sar != video.sar || rv.codec != video.codec {
                    no.push(differs("codec profile, pixel format or aspect"));
                }
                if rv.time_base != video.time_base || rv.frame_rate != video.frame_rate {
                    no.push(differs("frame rate or time base"));
                }
                if let (Some(ra), Some(a)) = (ra, audio) {
                    if ra.sample_rate != a.sample_rate || ra.channels != a.channels || ra.profile != a.profile {
                        no.push(differs("audio format"));
                    }
                }
            }
        }
        match keyframe_for(info, clip.in_s) {
            Ok(_) => {}
            Err(previous) if frame_accurate => no.push(format!(
                "video[{i}].in {} s is not on a keyframe (previous {}); copy would start early. Set \"frame_accurate\": false to allow that",
                fmt_s(clip.in_s),
                previous.map_or("none".to_owned(), |k| format!("{} s", fmt_s(k)))
            )),
            Err(_) => {}
        }
    }
    if no.is_empty() {
        Ok(vec!["every clip is stream-compatible with the output and cut on a keyframe, and there is nothing to draw or mix: the streams are copied without re-encoding".to_owned()])
    } else {
        Err(no)
    }
}

/// A file name safe in a concat list (`-safe 1`): letters, digits, `_-.` only.
fn link_name(index: usize, path: &str) -> String {
    let ext = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).filter(|e| !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()));
    format!("source{index}.{}", ext.as_deref().unwrap_or("media"))
}

pub(super) fn plan(timeline: &Timeline, media: &MediaMap, layout: &Layout, caps: &Capabilities, decisions: Vec<Decision>) -> Plan {
    let mut warnings = layout.warnings.clone();
    let mut links: Vec<WorkLink> = Vec::new();
    let mut list = String::from("ffconcat version 1.0\n");
    let mut total = 0.0;
    let mut first: Option<&MediaInfo> = None;
    for (i, item) in timeline.items.iter().enumerate() {
        let (Item::Clip(clip), Some(span)) = (item, layout.items.get(i)) else { continue };
        let Ok(info) = media_of(media, &clip.source.path) else { continue };
        first.get_or_insert(info);
        let start = match keyframe_for(info, clip.in_s) {
            Ok(k) => k,
            Err(previous) => {
                let k = previous.unwrap_or(0.0);
                warnings.push(format!("video[{i}] starts at the keyframe at {} s instead of {} s (\"frame_accurate\": false)", fmt_s(k), fmt_s(clip.in_s)));
                k
            }
        };
        let name = match links.iter().find(|l| l.target == clip.source.path) {
            Some(l) => l.name.clone(),
            None => {
                let name = link_name(links.len(), &clip.source.path);
                links.push(WorkLink { name: name.clone(), target: clip.source.path.clone() });
                name
            }
        };
        list.push_str(&format!("file {name}\n"));
        if start > 0.0 {
            list.push_str(&format!("inpoint {}\n", secs(start)));
        }
        let at_end = info.video().and_then(|v| v.duration).or(info.best_duration()).is_some_and(|d| span.out_s >= d - TOLERANCE);
        if !at_end {
            list.push_str(&format!("outpoint {}\n", secs(span.out_s)));
        }
        total += span.out_s - start;
    }
    let video = first.and_then(MediaInfo::video);
    let audio = first.and_then(MediaInfo::audio);
    let fps = layout.fps;
    let frames = frame_at_or_after(total, fps).max(1);
    let duration = frames as f64 * fps.period();
    let mut output: Vec<String> = ["-map", "0:v:0", "-map", "0:a:0", "-c", "copy"].iter().map(|s| (*s).to_owned()).collect();
    if let Some(tb) = video.and_then(|v| v.time_base) {
        output.extend(["-video_track_timescale".to_owned(), (tb.den / tb.num.max(1)).to_string()]);
    }
    if video.and_then(|v| v.codec.as_deref()) == Some("hevc") {
        output.extend(["-tag:v".to_owned(), "hvc1".to_owned()]);
    }
    output.extend(["-avoid_negative_ts".to_owned(), "make_zero".to_owned(), "-movflags".to_owned(), "+faststart".to_owned(), "-t".to_owned(), secs(duration)]);
    // `-shortest` with `-c:v copy` is badly wrong on ffmpeg 6.0 (ffmpeg-pitfalls.md); `-t`
    // already cuts at the exact duration.
    if caps.version_number.is_none_or(|v| v.0 < 6) {
        output.push("-shortest".to_owned());
    }
    let command = FfmpegCommand {
        global: ["-progress", "pipe:1", "-nostats", "-stats_period", "0.5"].iter().map(|s| (*s).to_owned()).collect(),
        inputs: vec![Input { path: "list.ffconcat".to_owned(), kind: InputKind::ConcatList, seek: None, duration: None }],
        output_options: output,
        output: OUTPUT_NAME.to_owned(),
    };
    let clips = timeline.items.len();
    Plan {
        strategy: Strategy::Copy,
        duration,
        frames,
        output: OutputSpec {
            width: video.and_then(|v| v.width).unwrap_or(layout.width),
            height: video.and_then(|v| v.height).unwrap_or(layout.height),
            fps,
            video_codec: video.and_then(|v| v.codec.clone()).unwrap_or_default(),
            encoder: "copy".to_owned(),
            preset: "copy".to_owned(),
            pix_fmt: video.and_then(|v| v.pix_fmt.clone()).unwrap_or_default(),
            audio: audio.map(|a| AudioSpec {
                codec: a.codec.clone().unwrap_or_default(),
                bitrate: a.bit_rate.map_or_else(|| "copy".to_owned(), |b| format!("{}k", b / 1000)),
                sample_rate: a.sample_rate.unwrap_or(layout.sample_rate),
                channels: a.channels.unwrap_or(layout.channels),
            }),
        },
        jobs: vec![Job {
            id: "export".to_owned(),
            description: format!("join {clips} clip(s) with stream copy (no re-encoding)"),
            command,
            files: vec![WorkFile { name: "list.ffconcat".to_owned(), contents: list }],
            links,
            expected_duration: duration,
            depends_on: Vec::new(),
            software_fallback: None,
        }],
        decisions,
        warnings,
    }
}
