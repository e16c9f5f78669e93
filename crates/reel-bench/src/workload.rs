//! The workloads: what each timeline holds, as data that both reel's timeline JSON and the
//! hand-written reference commands are built from, so the two always describe the same
//! export.

use crate::media::{Media, Source};
use serde::Serialize;
use serde_json::{json, Value};
use std::fmt;
use std::path::PathBuf;

/// Sizes and lengths of one bench mode.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scale {
    /// Length of every export, seconds.
    pub duration: f64,
    /// The landscape "main" size (1080p in full, 720p in quick).
    pub hd: (u32, u32),
    /// The smaller landscape size of the mixed workload (720p in full).
    pub sd: (u32, u32),
    /// Portrait size of the mixed workload.
    pub portrait: (u32, u32),
    /// Length of the long source, seconds.
    pub long: f64,
}

impl Scale {
    pub fn new(quick: bool) -> Self {
        if quick {
            Self { duration: 10.0, hd: (1280, 720), sd: (854, 480), portrait: (720, 1280), long: 600.0 }
        } else {
            Self { duration: 60.0, hd: (1920, 1080), sd: (1280, 720), portrait: (1080, 1920), long: 3600.0 }
        }
    }
}

/// A reference way of producing the export, which reel is compared with (its commands
/// are built by `commands::reference`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Copying as many bytes as reel's output holds.
    ByteCopy,
    /// The hand-written `ffmpeg -f concat … -c copy`.
    ConcatCopy,
    /// One hand-written ffmpeg command with one filter graph.
    SinglePass,
    /// One full re-encode (video and audio) per overlay, each pass reading the last.
    PassPerOverlay,
    /// Every clip/overlay interval encoded to its own file with audio, then joined by copy.
    PerInterval,
}

impl Method {
    pub fn label(self) -> &'static str {
        match self {
            Self::ByteCopy => "byte copy",
            Self::ConcatCopy => "concat -c copy",
            Self::SinglePass => "single pass",
            Self::PassPerOverlay => "pass per overlay",
            Self::PerInterval => "per interval",
        }
    }

    /// File-name form, for scratch outputs.
    pub fn slug(self) -> &'static str {
        match self {
            Self::ByteCopy => "byte-copy",
            Self::ConcatCopy => "concat-copy",
            Self::SinglePass => "single-pass",
            Self::PassPerOverlay => "pass-per-overlay",
            Self::PerInterval => "per-interval",
        }
    }
}

/// A speed target for reel against one reference: reel's wall time divided by the
/// reference's must be at most (or, `strict`, below) `max`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Target {
    pub max: f64,
    pub strict: bool,
}

impl Target {
    pub fn met(self, ratio: f64) -> bool {
        if self.strict {
            ratio < self.max
        } else {
            ratio <= self.max
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let op = if self.strict { "<" } else { "<=" };
        write!(f, "{op} {:.2}", self.max)?;
        if self.max < 1.0 {
            write!(f, " ({:.1}x faster)", 1.0 / self.max)?;
        }
        Ok(())
    }
}

/// One clip of the main track.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    pub source: Source,
    pub in_s: f64,
    pub out_s: f64,
}

impl Clip {
    pub fn duration(&self) -> f64 {
        self.out_s - self.in_s
    }
}

/// What an overlay draws.
#[derive(Debug, Clone, PartialEq)]
pub enum Layer {
    Image(PathBuf),
    Text { text: String, size: u32 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Overlay {
    pub layer: Layer,
    pub start: f64,
    pub end: f64,
    /// Left edge in pixels; `None` centres it.
    pub x: Option<u32>,
    pub y: u32,
}

/// The output every method must produce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Output {
    pub width: u32,
    pub height: u32,
    pub fps: u32,
}

/// One timeline and how reel is compared on it.
#[derive(Debug, Clone, PartialEq)]
pub struct Workload {
    pub name: &'static str,
    pub about: String,
    pub clips: Vec<Clip>,
    pub overlays: Vec<Overlay>,
    pub output: Output,
    /// The strategy reel must choose; anything else stops the bench.
    pub strategy: &'static str,
    /// The references, each with reel's target against it (if any).
    pub references: Vec<(Method, Option<Target>)>,
}

/// The workloads that export, in the order they run.
pub const EXPORT_WORKLOADS: [&str; 4] = ["copy", "overlay", "mixed", "long-source"];
/// The segment workloads (segments.rs), in the order they run.
pub const SEGMENT_WORKLOADS: [&str; 3] = ["segments", "incremental", "clips-10k"];
/// The planning-only workload.
pub const PLAN_WORKLOAD: &str = "plan-10k";

impl Workload {
    /// Output length: the sum of the clips.
    pub fn duration(&self) -> f64 {
        self.clips.iter().map(Clip::duration).sum()
    }

    /// What reel is told besides the timeline: a one-pass workload forces the single pass
    /// (reel would pick segments by itself to fill its cache) and keeps the cache out of
    /// the comparison; the others leave reel to choose, and the bench checks it chose right.
    pub fn reel_flags(&self) -> Vec<&'static str> {
        if self.strategy == "single_pass" {
            vec!["--strategy", "single_pass", "--no-cache"]
        } else {
            vec!["--no-cache"]
        }
    }

    /// Output video frames.
    pub fn frames(&self) -> u64 {
        (self.duration() * f64::from(self.output.fps)).round() as u64
    }

    /// Where each clip starts in the output.
    pub fn starts(&self) -> Vec<f64> {
        self.clips
            .iter()
            .scan(0.0, |at, c| {
                let start = *at;
                *at += c.duration();
                Some(start)
            })
            .collect()
    }

    /// reel's timeline for this workload, with the encoder settings pinned (`preview`,
    /// software) so the references can use the same ones.
    pub fn timeline(&self) -> Value {
        let video: Vec<Value> = self.clips.iter().map(|c| json!({ "source": c.source.path, "in": c.in_s, "out": c.out_s })).collect();
        let overlays: Vec<Value> = self
            .overlays
            .iter()
            .map(|o| {
                let x = o.x.map_or(json!("center"), |x| json!(x));
                match &o.layer {
                    Layer::Image(path) => json!({ "image": path, "start": o.start, "end": o.end, "x": x, "y": o.y }),
                    Layer::Text { text, size } => json!({ "text": text, "start": o.start, "end": o.end, "x": x, "y": o.y, "size": size }),
                }
            })
            .collect();
        let output = json!({ "width": self.output.width, "height": self.output.height, "fps": self.output.fps, "preset": "preview", "encoder": "cpu" });
        json!({ "reel": 1, "output": output, "video": video, "overlays": overlays })
    }

    /// The timeline cut into the intervals in which the same clip and the same overlays
    /// show, each as a workload of its own starting at 0 (the per-interval method).
    pub fn intervals(&self) -> Vec<Workload> {
        let total = self.duration();
        let starts = self.starts();
        let mut bounds: Vec<f64> = starts.clone();
        bounds.extend(self.overlays.iter().flat_map(|o| [o.start, o.end]));
        bounds.push(total);
        bounds.retain(|t| (0.0..=total).contains(t));
        bounds.sort_by(f64::total_cmp);
        bounds.dedup_by(|a, b| (*a - *b).abs() < 1e-9);
        bounds
            .windows(2)
            .map(|w| {
                let (a, b) = (w[0], w[1]);
                let i = starts.iter().rposition(|s| *s <= a + 1e-9).unwrap_or(0);
                let clip = &self.clips[i];
                let offset = clip.in_s + (a - starts[i]);
                let overlays = self
                    .overlays
                    .iter()
                    .filter(|o| o.start <= a + 1e-9 && o.end >= b - 1e-9)
                    .map(|o| Overlay { start: 0.0, end: b - a, ..o.clone() })
                    .collect();
                Workload {
                    clips: vec![Clip { source: clip.source.clone(), in_s: offset, out_s: offset + (b - a) }],
                    overlays,
                    references: Vec::new(),
                    about: format!("{a:.3}..{b:.3} s"),
                    ..self.clone()
                }
            })
            .collect()
    }
}

/// Same-format cuts: five pieces alternating between two sources, every cut on a keyframe
/// (sources have one every second) unless `off_keyframe`, which moves each in-point half a
/// second later.
pub fn copy(scale: Scale, media: &Media, off_keyframe: bool) -> Workload {
    let piece = (scale.duration / 5.0).round();
    let span = scale.duration - piece;
    let shift = if off_keyframe { 0.5 } else { 0.0 };
    let clips = (0..5_u32)
        .map(|i| {
            let source = if i % 2 == 0 { media.a.clone() } else { media.b.clone() };
            let in_s = (f64::from(7 * i) % span).floor() + shift;
            Clip { source, in_s, out_s: in_s + piece }
        })
        .collect();
    let (width, height) = scale.hd;
    Workload {
        name: "copy",
        about: format!("5 keyframe-aligned cuts from two {width}x{height}p30 sources, same format as the output"),
        clips,
        overlays: Vec::new(),
        output: Output { width, height, fps: 30 },
        strategy: "copy",
        references: vec![(Method::ByteCopy, None), (Method::ConcatCopy, Some(Target { max: 2.0, strict: false }))],
    }
}

/// One source played whole with two images and a text drawn over overlapping stretches.
pub fn overlay(scale: Scale, media: &Media) -> Workload {
    let d = scale.duration;
    let (width, height) = scale.hd;
    let at = |twelfths: f64| d * twelfths / 12.0;
    let overlays = vec![
        Overlay { layer: Layer::Image(media.logo.clone()), start: at(1.0), end: at(5.0), x: Some(40), y: 40 },
        Overlay {
            layer: Layer::Text { text: "reel benchmark".to_owned(), size: height / 16 },
            start: at(4.0),
            end: at(8.0),
            x: None,
            y: height * 3 / 4,
        },
        Overlay { layer: Layer::Image(media.badge.clone()), start: at(7.0), end: at(11.0), x: Some(width - media.badge_width - 40), y: 40 },
    ];
    Workload {
        name: "overlay",
        about: format!("{d:.0} s of {width}x{height}p30 with 2 image overlays and 1 text overlay"),
        clips: vec![Clip { source: media.a.clone(), in_s: 0.0, out_s: d }],
        overlays,
        output: Output { width, height, fps: 30 },
        strategy: "single_pass",
        references: vec![
            (Method::SinglePass, Some(Target { max: 1.05, strict: false })),
            (Method::PassPerOverlay, Some(Target { max: 1.0 / 2.5, strict: false })),
            (Method::PerInterval, Some(Target { max: 1.0, strict: true })),
        ],
    }
}

/// Three clips of different formats (smaller landscape at 60 fps, the main size at 30 fps,
/// portrait at 30 fps) into the main size at 60 fps.
pub fn mixed(scale: Scale, media: &Media) -> Workload {
    let third = scale.duration / 3.0;
    let (width, height) = scale.hd;
    let clip = |source: &Source, in_s: f64| Clip { source: source.clone(), in_s, out_s: in_s + third };
    Workload {
        name: "mixed",
        about: format!(
            "{}x{}p60 + {width}x{height}p30 + portrait {}x{}p30 (44.1 kHz mono) into {width}x{height}p60, {:.0} s",
            scale.sd.0, scale.sd.1, scale.portrait.0, scale.portrait.1, scale.duration
        ),
        clips: vec![clip(&media.sd60, 1.0), clip(&media.a, 2.0), clip(&media.portrait, 0.5)],
        overlays: Vec::new(),
        output: Output { width, height, fps: 60 },
        strategy: "single_pass",
        references: vec![(Method::SinglePass, Some(Target { max: 1.05, strict: false }))],
    }
}

/// A 10 s cut, on keyframes, from the start of a long source: the export is tiny, but reel
/// probes the whole source (every packet's timestamps, for its keyframes), so its own CPU
/// time and memory show whether they grow with the length of the media.
pub fn long_source(media: &Media) -> Workload {
    let s = &media.long;
    Workload {
        name: "long-source",
        about: format!(
            "10 s cut from a {:.0}-minute source ({}x{} at {} fps with AAC; its packet count is what reel reads)",
            s.duration / 60.0,
            s.width,
            s.height,
            s.fps
        ),
        clips: vec![Clip { source: s.clone(), in_s: 0.0, out_s: 10.0 }],
        overlays: Vec::new(),
        output: Output { width: s.width, height: s.height, fps: s.fps },
        strategy: "copy",
        references: vec![(Method::ConcatCopy, None)],
    }
}

/// A 10,000-clip timeline for `reel plan`: clips alternate between the two sources, each
/// a quarter second long from an in-point off the keyframes.
pub fn plan_timeline(media: &Media, clips: u32) -> Value {
    let span = (media.a.duration - 1.0).floor().max(1.0) as u32;
    let video: Vec<Value> = (0..clips)
        .map(|i| {
            let source = if i % 2 == 0 { &media.a.path } else { &media.b.path };
            let in_s = f64::from(i % span) + 0.37;
            json!({ "source": source, "in": in_s, "out": in_s + 0.25 })
        })
        .collect();
    json!({ "reel": 1, "output": { "preset": "preview", "encoder": "cpu" }, "video": video })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn media() -> Media {
        Media::new(std::path::Path::new("/m"), Scale::new(true))
    }

    #[test]
    fn copy_cuts_fit_their_sources_and_sum_to_the_duration() {
        let scale = Scale::new(true);
        for off in [false, true] {
            let w = copy(scale, &media(), off);
            assert!((w.duration() - scale.duration).abs() < 1e-9);
            for c in &w.clips {
                assert!(c.in_s >= 0.0 && c.out_s <= c.source.duration, "{c:?}");
                assert_eq!(c.in_s.fract() != 0.0, off, "{c:?}");
            }
        }
    }

    #[test]
    fn intervals_split_at_clips_and_overlays() {
        let w = overlay(Scale::new(true), &media());
        let parts = w.intervals();
        // 0, 1/12, 4/12, 5/12, 7/12, 8/12, 11/12, 1 of the length: 7 intervals.
        assert_eq!(parts.len(), 7);
        let shown: Vec<usize> = parts.iter().map(|p| p.overlays.len()).collect();
        assert_eq!(shown, [0, 1, 2, 1, 2, 1, 0]);
        assert!((parts.iter().map(Workload::duration).sum::<f64>() - w.duration()).abs() < 1e-9);
        assert!((parts[3].clips[0].in_s - 10.0 * 5.0 / 12.0).abs() < 1e-9);

        let m = mixed(Scale::new(true), &media());
        let parts = m.intervals();
        assert_eq!(parts.len(), 3);
        assert_eq!(parts[1].clips[0], m.clips[1]);
    }
}
