//! The second layer of timeline validation: checks against probed media.
//!
//! The engine probes every source once and hands the results here. A source that could not
//! be probed (missing, a folder, not media) is reported by the engine with the same JSON
//! paths; this module checks what needs the probed facts: a decodable video stream, an
//! accepted container, and `in`/`out` inside the source.

use crate::media::MediaInfo;
use crate::timeline::{Item, OverlayKind, Problem, SourceRef, Timeline};
use std::collections::BTreeMap;

/// Probed media by absolute path; `Err` holds why probing failed, as a sentence.
pub type MediaMap = BTreeMap<String, Result<MediaInfo, String>>;

/// Tolerance for comparing times with durations ffprobe rounds to microseconds.
const EPSILON: f64 = 1e-3;

/// The most pixels an image overlay may have: 64 megapixels (8192x8192, larger than any
/// common photo). A 16000x16000 PNG took 3.2 GB and minutes to overlay on a second of
/// 320x240.
pub const MAX_IMAGE_PIXELS: u64 = 64_000_000;

/// Every JSON path that names each source, so a bad file is reported where it is used.
pub fn source_paths(timeline: &Timeline) -> Vec<(String, &SourceRef)> {
    let mut out = Vec::new();
    for (i, item) in timeline.items.iter().enumerate() {
        if let Item::Clip(c) = item {
            out.push((format!("video[{i}].source"), &c.source));
        }
    }
    for (i, o) in timeline.overlays.iter().enumerate() {
        match &o.kind {
            OverlayKind::Image { source } => out.push((format!("overlays[{i}].image"), source)),
            OverlayKind::Video { source, .. } => out.push((format!("overlays[{i}].video"), source)),
            OverlayKind::Text { .. } => {}
        }
    }
    for (i, a) in timeline.audio.iter().enumerate() {
        out.push((format!("audio[{i}].source"), &a.source));
    }
    out
}

/// Checks the timeline against probed media; returns every problem found.
pub fn check_media(timeline: &Timeline, media: &MediaMap) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut usable: BTreeMap<&str, &MediaInfo> = BTreeMap::new();
    for (json_path, source) in source_paths(timeline) {
        match media.get(&source.path) {
            None => problems.push(Problem::new(json_path, format!("{} was not probed", source.written))),
            Some(Err(why)) => problems.push(Problem::new(json_path, why.clone())),
            Some(Ok(info)) => {
                if let Some(format) = info.refused_format() {
                    problems.push(Problem::new(
                        json_path,
                        format!(
                            "{} is a {format} file (a playlist or list that opens other files); reel accepts only plain media files",
                            source.written
                        ),
                    ));
                    continue;
                }
                let needs_video = !json_path.starts_with("audio[");
                if needs_video && info.video().is_none() {
                    problems.push(Problem::new(json_path, format!("{} has no video stream", source.written)));
                    continue;
                }
                if needs_video && info.video().is_some_and(|v| v.width.is_none() || v.height.is_none() || v.codec.is_none()) {
                    problems.push(Problem::new(
                        json_path,
                        format!("{} has a video stream that cannot be decoded (unknown codec or size)", source.written),
                    ));
                    continue;
                }
                if json_path.rsplit('.').next() == Some("image") {
                    if let Some((w, h)) = info.video().and_then(|v| Some((v.width?, v.height?))) {
                        let pixels = u64::from(w) * u64::from(h);
                        if pixels > MAX_IMAGE_PIXELS {
                            problems.push(Problem::new(
                                json_path,
                                format!(
                                    "{} is {w}x{h} pixels ({} megapixels), over the {} megapixels reel accepts for an image overlay; scale it down (to the size it is shown at, at most) and use that",
                                    source.written,
                                    pixels / 1_000_000,
                                    MAX_IMAGE_PIXELS / 1_000_000
                                ),
                            ));
                            continue;
                        }
                    }
                }
                if !needs_video && info.audio().is_none() {
                    problems.push(Problem::new(json_path, format!("{} has no audio stream", source.written)));
                    continue;
                }
                usable.insert(source.path.as_str(), info);
            }
        }
    }

    let range = |at: &str, source: &SourceRef, in_s: f64, out_s: Option<f64>, problems: &mut Vec<Problem>| {
        let Some(info) = usable.get(source.path.as_str()) else { return };
        let Some(duration) = info.best_duration() else {
            if out_s.is_none() {
                problems.push(Problem::new(format!("{at}.out"), format!("{} has no known duration; give \"out\"", source.written)));
            }
            return;
        };
        if in_s >= duration - EPSILON {
            problems.push(Problem::new(
                format!("{at}.in"),
                format!("{} s is at or past the end of {} ({} s)", fmt_s(in_s), source.written, fmt_s(duration)),
            ));
        }
        if let Some(out) = out_s {
            if out > duration + EPSILON {
                problems.push(Problem::new(
                    format!("{at}.out"),
                    format!("{} s is past the end of {} ({} s)", fmt_s(out), source.written, fmt_s(duration)),
                ));
            }
        }
    };
    for (i, item) in timeline.items.iter().enumerate() {
        if let Item::Clip(c) = item {
            range(&format!("video[{i}]"), &c.source, c.in_s, c.out_s, &mut problems);
        }
    }
    for (i, o) in timeline.overlays.iter().enumerate() {
        if let OverlayKind::Video { source, in_s } = &o.kind {
            range(&format!("overlays[{i}]"), source, *in_s, None, &mut problems);
        }
    }
    for (i, a) in timeline.audio.iter().enumerate() {
        range(&format!("audio[{i}]"), &a.source, a.in_s, a.out_s, &mut problems);
    }
    // The length rules of timeline 1.1 for items whose end comes from their source (the
    // others were checked when the timeline was read).
    let source_end = |source: &SourceRef| {
        usable.get(source.path.as_str()).and_then(|info| info.video().and_then(|v| v.duration).or_else(|| info.best_duration()))
    };
    let lengths: Vec<Option<f64>> = timeline
        .items
        .iter()
        .map(|item| match item {
            Item::Clip(c) => c.out_s.or_else(|| source_end(&c.source)).map(|out| c.length(out)),
            Item::Gap(g) => Some(g.duration),
            Item::Transition(_) => None,
        })
        .collect();
    let from_source = |j: usize| matches!(&timeline.items[j], Item::Clip(c) if c.out_s.is_none());
    problems.extend(crate::timeline::length_problems(&timeline.items, &lengths, from_source));
    for (i, a) in timeline.audio.iter().enumerate() {
        let end =
            usable.get(a.source.path.as_str()).and_then(|info| info.audio().and_then(|s| s.duration).or_else(|| info.best_duration()));
        if let (None, Some(end)) = (a.out_s, end) {
            if end > a.in_s {
                problems.extend(crate::timeline::fade_problems(
                    &format!("audio[{i}]"),
                    "the audio item",
                    end - a.in_s,
                    a.fade_in,
                    a.fade_out,
                ));
            }
        }
    }
    problems
}

/// Seconds for messages: `25.0`, `20.02`, `3.367`.
pub fn fmt_s(s: f64) -> String {
    fmt_s_to(s, 3)
}

/// Seconds for messages to at most `decimals` places: `fmt_s_to(1.00000001, 9)` is
/// `1.00000001`, `fmt_s_to(2.0, 9)` is `2.0`.
pub fn fmt_s_to(s: f64, decimals: usize) -> String {
    let t = format!("{s:.decimals$}");
    let t = t.trim_end_matches('0');
    if t.ends_with('.') {
        format!("{t}0")
    } else {
        t.to_owned()
    }
}
