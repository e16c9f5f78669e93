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

/// One main-track item on the output grids.
#[derive(Debug, Clone, PartialEq)]
pub struct Span {
    /// Output time where the item starts (sum of the items before it).
    pub start: f64,
    pub duration: f64,
    /// Source in/out for clips (out resolved from the source's duration); 0/duration for gaps.
    pub in_s: f64,
    pub out_s: f64,
    pub first_frame: u64,
    pub frames: u64,
    pub first_sample: u64,
    pub samples: u64,
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
            Item::Gap(_) => None,
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

        let mut spans = Vec::with_capacity(timeline.items.len());
        let mut start = 0.0_f64;
        for (i, item) in timeline.items.iter().enumerate() {
            let (in_s, out_s) = match item {
                Item::Gap(g) => (0.0, g.duration),
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
                    (c.in_s, out)
                }
            };
            let duration = out_s - in_s;
            spans.push(Span { start, duration, in_s, out_s, first_frame: 0, frames: 0, first_sample: 0, samples: 0 });
            start += duration;
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
            if span.frames == 0 {
                // An item that covers no frame would make an empty export, or a join with
                // nothing in it: refused here, so `reel check` and `reel export` agree.
                let what = match &timeline.items[i] {
                    Item::Clip(c) => {
                        format!(" ({} from {} s to {} s)", c.source.written, fmt_s_to(span.in_s, 9), fmt_s_to(span.out_s, 9))
                    }
                    Item::Gap(_) => String::new(),
                };
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
