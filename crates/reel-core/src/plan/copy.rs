//! The copy strategy: video joined by the concat demuxer with `-c:v copy`, audio rendered
//! once.
//!
//! Chosen only when it gives exactly the frames the timeline asks for: no overlays or gaps
//! to draw, every clip's video stream-compatible with the others and with the output, and
//! every cut on a keyframe (copy can only start and end a piece at a keyframe;
//! `frame_accurate: false` lets a piece start at the keyframe before `in` and end at the
//! one after `out`). Two facts shape the concat list (see ffmpeg-pitfalls.md):
//! - `outpoint` is compared with *decode* timestamps, so with B-frames it must be the
//!   keyframe's DTS, or the keyframe at `out` and frames after it leak in; each piece also
//!   states its `duration` so the next one starts exactly where it should.
//! - AAC pieces joined by copy drift and the pre-roll packets shift every stream; so audio
//!   is not copied: the timeline's audio is rendered once, sample-exact, with the same
//!   filters as the single pass, and encoded once (cheap next to video).
//!
//! Sources are linked into the work folder under safe names, so the concat list never
//! names a user path and `-safe 0` is never needed.

use super::audio;
use super::graph::filter_args;
use super::layout::{media_of, Layout};
use super::strategy::{Context, Verdict};
use super::{progress_args, Decision, How, Job, JobKind, LinkTarget, Plan, Strategy, Stretch, WorkFile, WorkLink, OUTPUT_NAME};
use crate::args::{FfmpegCommand, Input, InputKind};
use crate::filter::secs;
use crate::media::MediaInfo;
use crate::timeline::{Dimension, FrameRateSetting, Item};
use crate::validate::fmt_s;

/// A keyframe this close to a cut counts as on it (ffprobe prints microseconds).
const KEYFRAME_TOLERANCE: f64 = 1e-4;

/// How far before the end keyframe's DTS the `outpoint` goes. ffprobe prints times rounded
/// to the microsecond, and the concat demuxer ends a piece at the first packet whose exact
/// DTS is at or past the outpoint: a DTS rounded up (0.966667 for 29/30 s, 0.916667 for
/// 22/24 s: x264's B-frame delay at 30 or 60 fps with one B-frame, at 24 fps with its
/// defaults) let the keyframe and the B-frames before it into the piece. One microsecond
/// less is before the exact DTS either way, and still after every earlier packet.
const OUTPOINT_MARGIN: f64 = 1e-6;

/// One piece of the concat list: keyframe-aligned source range.
struct Piece {
    /// Keyframe where the piece starts (pts).
    start: f64,
    /// Keyframe where it ends (pts), `None` at the source's end.
    end: Option<f64>,
    /// DTS of the end keyframe (the `outpoint`).
    end_dts: Option<f64>,
    /// Where the piece actually ends (end keyframe or the source's end).
    until: f64,
}

fn source_end(info: &MediaInfo) -> Option<f64> {
    info.video().and_then(|v| v.duration).or_else(|| info.best_duration())
}

/// The keyframe-aligned piece for a clip, or why there is none. With `loose`, the piece may
/// start before `in_s` and end after `out_s`.
fn piece(info: &MediaInfo, in_s: f64, out_s: f64, loose: bool) -> Result<Piece, String> {
    let kf = &info.keyframes;
    if kf.is_empty() || info.keyframe_dts.len() != kf.len() {
        return Err("its keyframe timestamps are unknown".to_owned());
    }
    let on = |t: f64| kf.iter().position(|k| (k - t).abs() <= KEYFRAME_TOLERANCE);
    let before = |t: f64| kf.iter().rposition(|k| *k <= t + KEYFRAME_TOLERANCE);
    let start = match (on(in_s), loose) {
        (Some(i), _) => kf[i],
        (None, true) => before(in_s).map_or(0.0, |i| kf[i]),
        (None, false) => {
            return Err(format!(
                "in {} s is not on a keyframe (previous {}); copy would start early. Set \"frame_accurate\": false to allow that",
                fmt_s(in_s),
                before(in_s).map_or("none".to_owned(), |i| format!("{} s", fmt_s(kf[i])))
            ))
        }
    };
    let end_of_source = source_end(info);
    if end_of_source.is_some_and(|d| out_s >= d - 1e-3) {
        return Ok(Piece { start, end: None, end_dts: None, until: end_of_source.unwrap_or(out_s) });
    }
    let after = kf.iter().position(|k| *k >= out_s - KEYFRAME_TOLERANCE);
    match (on(out_s), after, loose) {
        (Some(i), _, _) | (None, Some(i), true) => Ok(Piece { start, end: Some(kf[i]), end_dts: Some(info.keyframe_dts[i]), until: kf[i] }),
        (None, None, true) => Ok(Piece { start, end: None, end_dts: None, until: end_of_source.unwrap_or(out_s) }),
        (None, next, false) => Err(format!(
            "out {} s is not on a keyframe (next {}); copy would end late. Set \"frame_accurate\": false to allow that",
            fmt_s(out_s),
            next.map_or("the end".to_owned(), |i| format!("{} s", fmt_s(kf[i])))
        )),
    }
}

/// `Ok(why copy is right)` or `Err(every reason copy cannot be used)`.
pub(super) fn check(ctx: &Context<'_>) -> Verdict {
    let (timeline, media, layout, settings) = (ctx.timeline, ctx.media, &ctx.layout, ctx.settings);
    let mut no = Vec::new();
    if !timeline.overlays.is_empty() {
        no.push(format!("the timeline has {} overlay(s), which must be drawn into the picture", timeline.overlays.len()));
    }
    let codec = super::codec_of(settings);
    let loose = !settings.frame_accurate.unwrap_or(true);
    let mut reference: Option<(usize, &crate::media::StreamInfo)> = None;
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
        let clip = match item {
            Item::Gap(_) => {
                no.push(format!("video[{i}] is a gap, which must be rendered"));
                continue;
            }
            Item::Transition(t) => {
                no.push(format!("video[{i}] is a {} transition, which must be rendered", t.kind.as_str()));
                continue;
            }
            Item::Clip(c) => c,
        };
        let Ok(info) = media_of(media, &clip.source.path) else { continue };
        let Some(video) = info.video() else { continue };
        let name = &clip.source.written;
        if (clip.speed - 1.0).abs() > f64::EPSILON {
            no.push(format!("video[{i}] ({name}) plays at speed {}, which must be rendered", clip.speed));
        }
        for (what, fade) in [("fade_in", clip.fade_in), ("fade_out", clip.fade_out)] {
            if let Some(f) = fade {
                no.push(format!("video[{i}].{what} ({} s) must be rendered", fmt_s(f.length)));
            }
        }
        if video.codec.as_deref() != Some(codec.as_str()) {
            no.push(format!(
                "video[{i}] ({name}) is {}, the output is {}",
                video.codec.as_deref().unwrap_or("of unknown codec"),
                codec.as_str()
            ));
        }
        if video.pix_fmt.as_deref() != Some("yuv420p") {
            no.push(format!(
                "video[{i}] ({name}) is {}, the output is yuv420p",
                video.pix_fmt.as_deref().unwrap_or("of unknown pixel format")
            ));
        }
        if video.id.is_none() {
            no.push(format!("video[{i}] ({name}) has no container stream id to select its video by"));
        }
        if video.variable_frame_rate {
            no.push(format!("video[{i}] ({name}) has a variable frame rate; it must be converted to a constant one"));
        }
        if video.rotation.is_some_and(|r| r.rem_euclid(360) != 0) {
            no.push(format!("video[{i}] ({name}) is rotated {}°; it must be turned upright", video.rotation.unwrap_or(0)));
        }
        let (sw, sh) = video.display_size().unwrap_or((0, 0));
        let fixed_w = !matches!(settings.width, Some(Dimension::Source));
        let fixed_h = !matches!(settings.height, Some(Dimension::Source));
        if (fixed_w && layout.width != sw) || (fixed_h && layout.height != sh) {
            no.push(format!("video[{i}] ({name}) is {sw}x{sh}, the output is {}x{}", layout.width, layout.height));
        }
        if !matches!(settings.fps, Some(FrameRateSetting::Source)) && video.frame_rate != Some(layout.fps) {
            no.push(format!(
                "video[{i}] ({name}) runs at {} fps, the output at {} fps",
                video.frame_rate.map_or("an unknown".to_owned(), |r| fmt_s(r.as_f64())),
                fmt_s(layout.fps.as_f64())
            ));
        }
        match reference {
            None => reference = Some((i, video)),
            Some((r, rv)) => {
                let differs = |what: &str| {
                    format!("video[{i}] differs from video[{r}] in {what}, so the streams cannot be joined without re-encoding")
                };
                if (rv.width, rv.height) != (video.width, video.height) {
                    no.push(differs("size"));
                }
                if (&rv.codec, &rv.profile, &rv.pix_fmt, rv.sar) != (&video.codec, &video.profile, &video.pix_fmt, video.sar) {
                    no.push(differs("codec profile, pixel format or aspect"));
                }
                if rv.id != video.id {
                    no.push(differs("the id of its video stream"));
                }
                if (rv.time_base, rv.frame_rate) != (video.time_base, video.frame_rate) {
                    no.push(differs("frame rate or time base"));
                }
            }
        }
        // The clip's own range (a span leaves out the clip's share of its transitions).
        if let Err(why) = piece(info, clip.in_s, clip.in_s + clip.speed * span.length, loose) {
            no.push(format!("video[{i}].{why}"));
        }
    }
    if no.is_empty() {
        Ok(vec!["every clip's video matches the output and is cut on keyframes, and there is nothing to draw: video is copied without re-encoding, audio rendered and encoded once".to_owned()])
    } else {
        Err(no)
    }
}

/// A file name safe in a concat list (`-safe 1`): letters, digits, `_-.` only.
fn link_name(index: usize, path: &str) -> String {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .filter(|e| !e.is_empty() && e.len() <= 5 && e.chars().all(|c| c.is_ascii_alphanumeric()));
    format!("source{index}.{}", ext.as_deref().unwrap_or("media"))
}

pub(super) fn plan(ctx: &Context<'_>, decisions: Vec<Decision>) -> Plan {
    let (timeline, media, layout, settings, caps) = (ctx.timeline, ctx.media, &ctx.layout, ctx.settings, ctx.caps);
    let loose = !settings.frame_accurate.unwrap_or(true);
    let mut warnings = layout.warnings.clone();
    let mut links: Vec<WorkLink> = Vec::new();
    // Only the video stream is read from the pieces: with the audio stream present, its
    // pre-roll packets move the start of every piece (the output started 82 ms late).
    let video_id = timeline.items.iter().find_map(|i| match i {
        Item::Clip(c) => media_of(media, &c.source.path).ok().and_then(MediaInfo::video).and_then(|v| v.id),
        Item::Gap(_) | Item::Transition(_) => None,
    });
    let mut list = format!("ffconcat version 1.0\nstream\nexact_stream_id {}\n", video_id.unwrap_or(1));
    // The timeline as copy really plays it (pieces may be wider with frame_accurate false),
    // so the audio follows the pictures actually shown.
    let mut shown = timeline.clone();
    let mut first: Option<&MediaInfo> = None;
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate() {
        let Item::Clip(clip) = item else { continue };
        let Ok(info) = media_of(media, &clip.source.path) else { continue };
        let Ok(p) = piece(info, span.in_s, span.out_s, loose) else { continue };
        first.get_or_insert(info);
        if (p.start - span.in_s).abs() > KEYFRAME_TOLERANCE || (p.until - span.out_s).abs() > KEYFRAME_TOLERANCE {
            warnings.push(format!(
                "video[{i}] plays {}..{} s instead of {}..{} s, cut at keyframes (\"frame_accurate\": false)",
                fmt_s(p.start),
                fmt_s(p.until),
                fmt_s(span.in_s),
                fmt_s(span.out_s)
            ));
        }
        if let Item::Clip(c) = &mut shown.items[i] {
            c.in_s = p.start;
            c.out_s = Some(p.until);
        }
        let target = LinkTarget::Source(clip.source.path.clone());
        let name = if let Some(l) = links.iter().find(|l| l.target == target) {
            l.name.clone()
        } else {
            let name = link_name(links.len(), &clip.source.path);
            links.push(WorkLink { name: name.clone(), target });
            name
        };
        list.push_str(&format!("file {name}\n"));
        if p.start > 0.0 {
            list.push_str(&format!("inpoint {}\n", secs(p.start)));
        }
        if let (Some(end), Some(dts)) = (p.end, p.end_dts) {
            list.push_str(&format!("outpoint {}\nduration {}\n", secs(dts - OUTPOINT_MARGIN), secs(end - p.start)));
        }
    }
    let layout = Layout::new(&shown, media, settings).unwrap_or_else(|_| layout.clone());
    let video = first.and_then(MediaInfo::video);

    let mut inputs = vec![Input { path: "list.ffconcat".to_owned(), kind: InputKind::ConcatList, seek: None, duration: None }];
    let mut chains = Vec::new();
    let audio = audio::graph(&shown, media, &layout, &[], &mut inputs, &mut chains, &mut warnings);
    let (graph_args, mut files) = filter_args(&chains, caps, "graph.txt");
    files.push(WorkFile { name: "list.ffconcat".to_owned(), contents: list });

    let mut output: Vec<String> = graph_args;
    output.extend(["-map".to_owned(), "0:v:0".to_owned(), "-map".to_owned(), format!("[{audio}]"), "-c:v".to_owned(), "copy".to_owned()]);
    if let Some(tb) = video.and_then(|v| v.time_base) {
        output.extend(["-video_track_timescale".to_owned(), (tb.den / tb.num.max(1)).to_string()]);
    }
    if video.and_then(|v| v.codec.as_deref()) == Some("hevc") {
        output.extend(["-tag:v".to_owned(), "hvc1".to_owned()]);
    }
    output.extend(audio::encode_args(&layout));
    output.extend(super::index_at_front(&layout));
    output.extend(["-t".to_owned(), secs(layout.duration)]);
    // `-shortest` with `-c:v copy` is badly wrong on ffmpeg 6.0 (ffmpeg-pitfalls.md); `-t`
    // already cuts at the exact duration and the audio is rendered to that length.
    if caps.version_number.is_none_or(|v| v.0 < 6) {
        output.push("-shortest".to_owned());
    }
    let clips = timeline.items.len();
    let id = "export".to_owned();
    Plan {
        strategy: Strategy::Copy,
        duration: layout.duration,
        frames: layout.frames,
        output: layout.output_spec(&video.and_then(|v| v.codec.clone()).unwrap_or_default(), "copy", "copy"),
        stretches: vec![Stretch {
            first_frame: 0,
            frames: layout.frames,
            how: How::Copy,
            job: id.clone(),
            why: "every clip is cut on keyframes and matches the output".to_owned(),
        }],
        jobs: vec![Job {
            id: id.clone(),
            kind: JobKind::Join,
            description: format!("join {clips} clip(s) by stream copy (no video re-encoding); audio rendered once"),
            command: FfmpegCommand { global: progress_args(), inputs, output_options: output, output: OUTPUT_NAME.to_owned() },
            files,
            links,
            frames: layout.frames,
            expected_duration: layout.duration,
            // Copying a frame costs a small fraction of encoding one.
            weight: layout.frames as f64 * 0.05,
            depends_on: Vec::new(),
            cache_key: None,
            software_fallback: None,
            software_cache_key: None,
            parameter_sets: None,
        }],
        final_job: id,
        parallel: 1,
        decisions,
        warnings,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn link_names_are_concat_safe() {
        assert_eq!(super::link_name(0, "/x/My Clip.MP4"), "source0.mp4");
        assert_eq!(super::link_name(3, "/x/weird.e$t"), "source3.media");
        assert_eq!(super::link_name(1, "/x/noext"), "source1.media");
    }
}
