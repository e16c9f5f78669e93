//! Where every main-track item sits on the output's frame and sample grids.

use super::{PlanError, DEFAULT_AUDIO_BITRATE, DEFAULT_CHANNELS, DEFAULT_FPS, DEFAULT_HEIGHT, DEFAULT_SAMPLE_RATE, DEFAULT_WIDTH};
use crate::media::{MediaInfo, StreamInfo};
use crate::timeline::{Dimension, FrameRateSetting, Item, OutputSettings, Timeline};
use crate::validate::{fmt_s, fmt_s_to, MediaMap};
use crate::Rational;

/// Times within this of a frame boundary count as on it (timeline v1, "Timing").
pub const TOLERANCE: f64 = 1e-6;

/// The output grid and each item's place on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub width: u32,
    pub height: u32,
    pub fps: Rational,
    pub sample_rate: u32,
    pub channels: u32,
    pub audio_bitrate: String,
    /// Output video frames.
    pub frames: u64,
    /// Output duration: `frames / fps`.
    pub duration: f64,
    /// Output audio samples (per channel): the duration at the sample rate.
    pub samples: u64,
    pub items: Vec<Span>,
    pub warnings: Vec<String>,
}

/// One main-track item on the output grids: the stretch of output only it decides.
///
/// Spans follow each other without overlapping. A gap's span is the gap; a transition's is
/// the overlap of the clips it joins (`[T, T + D)`); a clip's is what is left of it between
/// its neighbouring transitions (all of it when it has none).
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Output time where the span starts.
    pub start: f64,
    pub duration: f64,
    /// Clips: the source times shown at the span's start and end (out resolved from the
    /// source's duration); 0/duration for gaps and transitions.
    pub in_s: f64,
    pub out_s: f64,
    pub first_frame: u64,
    pub frames: u64,
    pub first_sample: u64,
    pub samples: u64,
    /// Output time where the item itself starts: for a clip after a transition, where that
    /// transition starts (`start` otherwise).
    pub item_start: f64,
    /// The item's whole length in output seconds (a clip's `(out - in) / speed`).
    pub length: f64,
}

impl Span {
    /// The first frame after the span.
    pub fn end_frame(&self) -> u64 {
        self.first_frame + self.frames
    }
}

/// A run of output frames a timeline 1.1 effect draws: a fade, a transition's overlap, a
/// clip at another speed. No source frame can be copied there, and the segments strategy
/// gives it segments of its own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Effect {
    pub first: u64,
    pub end: u64,
    /// What it is, at its JSON path: `video[1] (crossfade)`, `video[0].fade_in`.
    pub what: String,
}

/// The first output frame at or after `t` (with the 1 µs tolerance).
pub fn frame_at_or_after(t: f64, fps: Rational) -> u64 {
    ((t - TOLERANCE) * fps.as_f64()).ceil().max(0.0) as u64
}

/// Looks up a probed source the timeline validation already accepted.
pub(crate) fn media_of<'a>(media: &'a MediaMap, path: &str) -> Result<&'a MediaInfo, PlanError> {
    match media.get(path) {
        Some(Ok(m)) => Ok(m),
        Some(Err(why)) => Err(PlanError::Invalid { path: path.to_owned(), message: why.clone() }),
        None => Err(PlanError::Invalid { path: path.to_owned(), message: "was not probed".to_owned() }),
    }
}

impl Layout {
    pub fn new(timeline: &Timeline, media: &MediaMap, settings: &OutputSettings) -> Result<Self, PlanError> {
        let mut warnings = Vec::new();
        let first_video: Option<&StreamInfo> = timeline.items.iter().find_map(|i| match i {
            Item::Clip(c) => media.get(&c.source.path).and_then(|m| m.as_ref().ok()).and_then(MediaInfo::video),
            Item::Gap(_) | Item::Transition(_) => None,
        });
        let need_source = |what: &str| PlanError::Invalid {
            path: format!("output.{what}"),
            message: "is \"source\" but no clip has a known video size and rate to take it from; give a number".to_owned(),
        };
        let source_size = first_video.and_then(StreamInfo::display_size);
        let mut width = match settings.width {
            None => DEFAULT_WIDTH,
            Some(Dimension::Pixels(w)) => w,
            Some(Dimension::Source) => source_size.ok_or_else(|| need_source("width"))?.0,
        };
        let mut height = match settings.height {
            None => DEFAULT_HEIGHT,
            Some(Dimension::Pixels(h)) => h,
            Some(Dimension::Source) => source_size.ok_or_else(|| need_source("height"))?.1,
        };
        if width % 2 == 1 || height % 2 == 1 {
            let (w, h) = ((width & !1).max(2), (height & !1).max(2));
            warnings.push(format!("output size {width}x{height} is odd; H.264/HEVC in yuv420p needs even sizes, so the output is {w}x{h}"));
            (width, height) = (w, h);
        }
        let fps = match settings.fps {
            None => DEFAULT_FPS,
            Some(FrameRateSetting::Rate(r)) => r,
            Some(FrameRateSetting::Source) => first_video
                .and_then(|v| v.frame_rate.or(v.r_frame_rate))
                .and_then(|r| Rational::from_f64(r.as_f64()))
                .ok_or_else(|| need_source("fps"))?,
        };
        let sample_rate = settings.audio_sample_rate.unwrap_or(DEFAULT_SAMPLE_RATE);
        let channels = settings.audio_channels.unwrap_or(DEFAULT_CHANNELS);

        // Each item's source range and length: a clip's out-point resolved from its source.
        let mut ranges = Vec::with_capacity(timeline.items.len());
        for (i, item) in timeline.items.iter().enumerate() {
            ranges.push(match item {
                Item::Gap(g) => (0.0, g.duration, g.duration),
                Item::Transition(t) => (0.0, t.duration, t.duration),
                Item::Clip(c) => {
                    let info = media_of(media, &c.source.path)?;
                    let out = match c.out_s {
                        Some(o) => o,
                        None => {
                            info.video().and_then(|v| v.duration).or_else(|| info.best_duration()).ok_or_else(|| PlanError::Invalid {
                                path: format!("video[{i}].out"),
                                message: format!("{} has no known duration; give \"out\"", c.source.written),
                            })?
                        }
                    };
                    (c.in_s, out, c.length(out))
                }
            });
        }
        let overlap = |j: Option<usize>| match j.and_then(|j| timeline.items.get(j)) {
            Some(Item::Transition(t)) => t.duration,
            _ => 0.0,
        };
        let mut spans = Vec::with_capacity(timeline.items.len());
        // Where the next span starts: the items before it, less the transitions' overlaps.
        let mut start = 0.0_f64;
        for (i, item) in timeline.items.iter().enumerate() {
            let (in_s, out_s, length) = ranges[i];
            let span = match item {
                Item::Clip(c) => {
                    // A transition before it takes its first seconds, one after it its last.
                    let (before, after) = (overlap(i.checked_sub(1)), overlap(Some(i + 1)));
                    let duration = (length - before - after).max(0.0);
                    Span {
                        start,
                        duration,
                        in_s: in_s + c.speed * before,
                        out_s: out_s - c.speed * after,
                        first_frame: 0,
                        frames: 0,
                        first_sample: 0,
                        samples: 0,
                        item_start: start - before,
                        length,
                    }
                }
                Item::Gap(_) | Item::Transition(_) => Span {
                    start,
                    duration: length,
                    in_s,
                    out_s,
                    first_frame: 0,
                    frames: 0,
                    first_sample: 0,
                    samples: 0,
                    item_start: start,
                    length,
                },
            };
            start += span.duration;
            spans.push(span);
        }
        let total = start;
        let frames = frame_at_or_after(total, fps);
        let duration = frames as f64 * fps.period();
        let samples = (duration * f64::from(sample_rate)).round() as u64;
        let n = spans.len();
        for i in 0..n {
            let first_frame = frame_at_or_after(spans[i].start, fps).min(frames);
            let next_frame = if i + 1 < n { frame_at_or_after(spans[i + 1].start, fps).min(frames) } else { frames };
            let first_sample = ((spans[i].start * f64::from(sample_rate)).round() as u64).min(samples);
            let next_sample = if i + 1 < n { ((spans[i + 1].start * f64::from(sample_rate)).round() as u64).min(samples) } else { samples };
            let span = &mut spans[i];
            span.first_frame = first_frame;
            span.frames = next_frame.saturating_sub(first_frame);
            span.first_sample = first_sample;
            span.samples = next_sample.saturating_sub(first_sample);
        }
        for (i, item) in timeline.items.iter().enumerate() {
            let next_to_transition =
                [i.checked_sub(1), Some(i + 1)].into_iter().flatten().any(|j| matches!(timeline.items.get(j), Some(Item::Transition(_))));
            if spans[i].frames > 0 || (matches!(item, Item::Clip(_)) && next_to_transition) {
                continue;
            }
            let span = &spans[i];
            let what = match item {
                Item::Transition(t) => {
                    warnings.push(format!(
                        "video[{i}] (a {} transition) lasts {:.4} s, shorter than one output frame; it shows no frame",
                        t.kind.as_str(),
                        span.duration
                    ));
                    continue;
                }
                Item::Clip(c) => format!(" ({} from {} s to {} s)", c.source.written, fmt_s_to(span.in_s, 9), fmt_s_to(span.out_s, 9)),
                Item::Gap(_) => String::new(),
            };
            // A clip or gap that covers no frame would make an empty export, or a join with
            // nothing in it: refused here, so `reel check` and `reel export` agree.
            return Err(PlanError::Invalid {
                path: format!("video[{i}]"),
                message: format!(
                    "lasts {} s{what}, which covers no output frame at {} fps (one frame is {} s); make it at least one frame long, or remove it",
                    fmt_s_to(span.duration, 9),
                    fmt_s(fps.as_f64()),
                    fmt_s(fps.period())
                ),
            });
        }
        if frames == 0 {
            return Err(PlanError::Invalid {
                path: "video".to_owned(),
                message: format!(
                    "lasts {} s in all, less than one output frame at {} fps: nothing would be exported",
                    fmt_s_to(total, 9),
                    fmt_s(fps.as_f64())
                ),
            });
        }
        Ok(Self {
            width,
            height,
            fps,
            sample_rate,
            channels,
            audio_bitrate: settings.audio_bitrate.clone().unwrap_or_else(|| DEFAULT_AUDIO_BITRATE.to_owned()),
            frames,
            duration,
            samples,
            items: spans,
            warnings,
        })
    }

    /// The frames each fade, transition and speed change touches, in timeline order (empty
    /// runs left out).
    pub fn effects(&self, timeline: &Timeline) -> Vec<Effect> {
        let frame = |t: f64| frame_at_or_after(t, self.fps).min(self.frames);
        let mut out = Vec::new();
        let mut add = |first: u64, end: u64, what: String| {
            if end > first {
                out.push(Effect { first, end, what });
            }
        };
        for (i, (item, span)) in timeline.items.iter().zip(&self.items).enumerate() {
            match item {
                Item::Clip(c) => {
                    let (first, end) = (frame(span.item_start), frame(span.item_start + span.length));
                    if (c.speed - 1.0).abs() > f64::EPSILON {
                        add(first, end, format!("video[{i}] (speed {})", c.speed));
                    }
                    if let Some(r) = c.fade_in {
                        add(first, frame(span.item_start + r.remaining()), format!("video[{i}].fade_in"));
                    }
                    if let Some(r) = c.fade_out {
                        add(frame(span.item_start + span.length - r.remaining()), end, format!("video[{i}].fade_out"));
                    }
                }
                Item::Transition(t) => add(span.first_frame, span.end_frame(), format!("video[{i}] ({})", t.kind.as_str())),
                Item::Gap(_) => {}
            }
        }
        for (j, overlay) in timeline.overlays.iter().enumerate() {
            if let Some(r) = overlay.fade_in {
                add(frame(overlay.start), frame(overlay.start + r.remaining()), format!("overlays[{j}].fade_in"));
            }
            if let Some(r) = overlay.fade_out {
                add(frame(overlay.end - r.remaining()), frame(overlay.end), format!("overlays[{j}].fade_out"));
            }
        }
        out
    }

    /// The same grid at half the width and height (even sizes): the `draft` preset's
    /// reduced-size render when `draft_downscale` allows it.
    #[must_use]
    pub fn downscaled(mut self) -> Self {
        let (w, h) = (((self.width / 2) & !1).max(2), ((self.height / 2) & !1).max(2));
        self.warnings.push(format!("draft_downscale is on: the draft renders at {w}x{h}, half of {}x{}", self.width, self.height));
        (self.width, self.height) = (w, h);
        self
    }

    /// What the output file will be, with this layout's grid and its AAC audio.
    pub fn output_spec(&self, video_codec: &str, encoder: &str, preset: &str) -> super::OutputSpec {
        super::OutputSpec {
            width: self.width,
            height: self.height,
            fps: self.fps,
            video_codec: video_codec.to_owned(),
            encoder: encoder.to_owned(),
            preset: preset.to_owned(),
            pix_fmt: "yuv420p".to_owned(),
            audio: Some(super::AudioSpec {
                codec: "aac".to_owned(),
                bitrate: self.audio_bitrate.clone(),
                sample_rate: self.sample_rate,
                channels: self.channels,
            }),
        }
    }

    /// ffmpeg's channel layout name for the output channel count.
    pub fn channel_layout(&self) -> &'static str {
        match self.channels {
            1 => "mono",
            3 => "2.1",
            4 => "quad",
            5 => "5.0",
            6 => "5.1",
            7 => "6.1",
            8 => "7.1",
            _ => "stereo",
        }
    }
}
