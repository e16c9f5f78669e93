//! Timeline format v1: the serde types a timeline file is read into, and the validated
//! model the planner works from.
//!
//! Reading happens in two layers. [`parse`] checks everything that needs no media:
//! JSON syntax, unknown fields, types, the version, `out > in`, negative times, overlay
//! `end > start`, exactly one of `image`/`text`/`video`. It reports every problem it finds,
//! each with its JSON path. [`crate::validate`] then checks the timeline against probed
//! media (files exist and are media, `in`/`out` inside the source).

use crate::time::Time;
use crate::Rational;
use schemars::JsonSchema;
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;

/// The only timeline format version this reel reads.
pub const FORMAT_VERSION: u64 = 1;

/// Built-in output defaults, used for what neither flags, the timeline nor the settings
/// file set (timeline v1 "output").
pub const DEFAULT_WIDTH: u32 = 1920;
pub const DEFAULT_HEIGHT: u32 = 1080;
pub const DEFAULT_FPS: Rational = Rational { num: 60, den: 1 };
pub const DEFAULT_AUDIO_BITRATE: &str = "192k";
pub const DEFAULT_SAMPLE_RATE: u32 = 48_000;
pub const DEFAULT_CHANNELS: u32 = 2;
/// Output megapixel-seconds from which `encoder: "auto"` uses a hardware encoder: 1080p
/// for 10 s. Below it, starting a hardware session costs more than it saves.
pub const DEFAULT_HARDWARE_THRESHOLD: f64 = 1920.0 * 1080.0 * 10.0 / 1e6;

// ---------------------------------------------------------------------------------------
// The file as written.
// ---------------------------------------------------------------------------------------

/// A timeline file, field for field as timeline v1 defines it.
#[derive(Debug, Clone, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "reel timeline v1")]
pub struct TimelineFile {
    /// Format version: `1`.
    pub reel: u64,
    /// Export settings; every field is optional.
    #[serde(default)]
    pub output: OutputSettings,
    /// The main track: items play back to back; the export is as long as their sum.
    pub video: Vec<VideoItem>,
    /// Images, text and videos drawn over the main track during `[start, end)`.
    #[serde(default)]
    pub overlays: Vec<OverlayItem>,
    /// Extra audio mixed over the main track's audio.
    #[serde(default)]
    pub audio: Vec<AudioItem>,
}

/// `output`: export settings. A field left out takes its value from the command line,
/// the user's settings file, or the built-in default, in that order.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutputSettings {
    /// Output width in pixels (default 1920), or `"source"`: the first clip's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<Dimension>,
    /// Output height in pixels (default 1080), or `"source"`: the first clip's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<Dimension>,
    /// Frames per second (default 60): a number, `"30000/1001"`, or `"source"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fps: Option<FrameRateSetting>,
    /// `"h264"` (default) or `"hevc"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video_codec: Option<VideoCodec>,
    /// `"draft"`, `"preview"`, `"production"` or `"auto"` (default).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preset: Option<Preset>,
    /// `"auto"` (default), `"cpu"`, or an ffmpeg encoder name such as `"h264_nvenc"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encoder: Option<String>,
    /// Constant-quality override (CRF / CQ); lower is better. reel addition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quality: Option<u8>,
    /// AAC bitrate, default `"192k"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_bitrate: Option<String>,
    /// Default 48000.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_sample_rate: Option<u32>,
    /// Default 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio_channels: Option<u32>,
    /// Default true; `false` lets stream-copy cuts start at the keyframe before `in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frame_accurate: Option<bool>,
    /// How large an export must be for `encoder: "auto"` to use a hardware encoder, in
    /// output megapixel-seconds (width x height x seconds / 1,000,000). Default 20.736:
    /// 1080p for 10 s. `0` uses one whenever one works. reel addition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0))]
    pub hardware_threshold: Option<f64>,
    /// With the `draft` preset, render at half the output width and height (fastest
    /// previews). Default false. reel addition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft_downscale: Option<bool>,
}

impl OutputSettings {
    /// Fills every field this leaves unset from `lower` (for precedence: flags over the
    /// timeline over the settings file).
    #[must_use]
    pub fn or(&self, lower: &OutputSettings) -> OutputSettings {
        OutputSettings {
            width: self.width.or(lower.width),
            height: self.height.or(lower.height),
            fps: self.fps.or(lower.fps),
            video_codec: self.video_codec.or(lower.video_codec),
            preset: self.preset.or(lower.preset),
            encoder: self.encoder.clone().or_else(|| lower.encoder.clone()),
            quality: self.quality.or(lower.quality),
            audio_bitrate: self.audio_bitrate.clone().or_else(|| lower.audio_bitrate.clone()),
            audio_sample_rate: self.audio_sample_rate.or(lower.audio_sample_rate),
            audio_channels: self.audio_channels.or(lower.audio_channels),
            frame_accurate: self.frame_accurate.or(lower.frame_accurate),
            hardware_threshold: self.hardware_threshold.or(lower.hardware_threshold),
            draft_downscale: self.draft_downscale.or(lower.draft_downscale),
        }
    }

    /// The built-in defaults: what applies when neither a flag, the timeline nor the
    /// settings file sets a field. `quality` stays unset: it follows the preset and encoder.
    pub fn builtin() -> OutputSettings {
        OutputSettings {
            width: Some(Dimension::Pixels(DEFAULT_WIDTH)),
            height: Some(Dimension::Pixels(DEFAULT_HEIGHT)),
            fps: Some(FrameRateSetting::Rate(DEFAULT_FPS)),
            video_codec: Some(VideoCodec::default()),
            preset: Some(Preset::default()),
            encoder: Some("auto".to_owned()),
            quality: None,
            audio_bitrate: Some(DEFAULT_AUDIO_BITRATE.to_owned()),
            audio_sample_rate: Some(DEFAULT_SAMPLE_RATE),
            audio_channels: Some(DEFAULT_CHANNELS),
            frame_accurate: Some(true),
            hardware_threshold: Some(DEFAULT_HARDWARE_THRESHOLD),
            draft_downscale: Some(false),
        }
    }

    /// Where each effective value comes from. `layers` go from the highest precedence to
    /// the lowest (flags, timeline, settings file), each with a name for it; fields none of
    /// them sets come from [`OutputSettings::builtin`] (`"default"`). Returns
    /// `(field, value, source)` in the order the fields are declared.
    pub fn provenance(layers: &[(&str, &OutputSettings)]) -> Vec<(String, serde_json::Value, String)> {
        let as_map = |s: &OutputSettings| match serde_json::to_value(s) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        let maps: Vec<(&str, serde_json::Map<String, serde_json::Value>)> = layers.iter().map(|(name, s)| (*name, as_map(s))).collect();
        let builtin = as_map(&Self::builtin());
        Self::FIELDS
            .iter()
            .map(|field| {
                let (source, value) = maps
                    .iter()
                    .find_map(|(name, map)| map.get(*field).map(|v| (*name, v.clone())))
                    .unwrap_or_else(|| ("default", builtin.get(*field).cloned().unwrap_or(serde_json::Value::Null)));
                ((*field).to_owned(), value, source.to_owned())
            })
            .collect()
    }

    /// What is wrong with these settings' values (types are checked when reading), each
    /// at `{prefix}.{field}`. Used for a timeline's `output` and the settings file alike.
    pub fn problems(&self, prefix: &str) -> Vec<Problem> {
        let mut problems = Vec::new();
        let mut bad = |field: &str, message: String| problems.push(Problem::new(format!("{prefix}.{field}"), message));
        if let Some(r) = self.audio_sample_rate.filter(|r| !(8000..=192_000).contains(r)) {
            bad("audio_sample_rate", format!("{r} Hz is outside 8000..192000"));
        }
        if let Some(c) = self.audio_channels.filter(|c| !(1..=8).contains(c)) {
            bad("audio_channels", format!("{c} channels is outside 1..8"));
        }
        if let Some(b) = self.audio_bitrate.as_ref().filter(|b| !is_valid_bitrate(b)) {
            bad("audio_bitrate", format!("{b:?} is not a bitrate such as \"192k\""));
        }
        if let Some(e) = self.encoder.as_ref().filter(|e| e.is_empty() || !e.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')) {
            bad("encoder", format!("{e:?} is not \"auto\", \"cpu\" or an encoder name"));
        }
        if let Some(q) = self.quality.filter(|q| *q > 51) {
            bad("quality", format!("{q} is outside 0..51 (lower is better)"));
        }
        if let Some(t) = self.hardware_threshold.filter(|t| !t.is_finite() || *t < 0.0) {
            bad("hardware_threshold", format!("{t} is not 0 or more megapixel-seconds"));
        }
        problems
    }

    /// The field names, as written in JSON and TOML.
    pub const FIELDS: &'static [&'static str] = &[
        "width",
        "height",
        "fps",
        "video_codec",
        "preset",
        "encoder",
        "quality",
        "audio_bitrate",
        "audio_sample_rate",
        "audio_channels",
        "frame_accurate",
        "hardware_threshold",
        "draft_downscale",
    ];
}

/// A width or height: pixels, or `"source"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dimension {
    Pixels(u32),
    Source,
}

/// A frame rate: exact rational, or `"source"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameRateSetting {
    Rate(Rational),
    Source,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum VideoCodec {
    #[default]
    H264,
    Hevc,
}

impl VideoCodec {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::H264 => "h264",
            Self::Hevc => "hevc",
        }
    }
}

/// Encoding speed/quality trade-off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Preset {
    /// Fastest; for checking an edit.
    Draft,
    /// Fast, good enough to share for review.
    Preview,
    /// Slow, for the final file.
    Production,
    /// Chosen from the output resolution and duration.
    #[default]
    Auto,
}

impl Preset {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Preview => "preview",
            Self::Production => "production",
            Self::Auto => "auto",
        }
    }
}

/// An item of the main track: a clip (`source`) or a gap (`gap`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VideoItem {
    /// Clip: path of the source file, relative to the timeline's folder.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Gap: its length in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gap: Option<Time>,
    /// Clip: source time where it starts (default 0).
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Time>,
    /// Clip: source time where it ends (default: the source's end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<Time>,
    /// Clip: false mutes it (default true).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audio: Option<bool>,
    /// Clip: audio gain (default 1.0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Gap: its colour (default black).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Clip: playback speed from 0.25 to 4 (default 1). The clip shows the source frame on
    /// screen at `in + speed * (t - S)` and lasts `(out - in) / speed`; its sound is
    /// time-stretched to the same length with its pitch kept. Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 0.25, max = 4))]
    pub speed: Option<f64>,
    /// Clip: seconds of fade from black (picture) and from silence (sound) at its start
    /// (default 0). Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_in: Option<Time>,
    /// Clip: seconds of fade to black and to silence at its end (default 0). Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_out: Option<Time>,
    /// Transition between the clips before and after it: `"crossfade"` or `"dip"` (to
    /// black). The clips overlap by `duration`. Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transition: Option<TransitionKind>,
    /// Transition: how long the clips overlap, seconds; the clip after it starts this much
    /// earlier, so the export is this much shorter. Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration: Option<Time>,
}

/// How a transition blends the clip before it into the clip after it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TransitionKind {
    /// `(1 - w) * outgoing + w * incoming`, with `w` rising linearly over the overlap.
    Crossfade,
    /// The outgoing clip fades to black over the first half, the incoming one from black
    /// over the second.
    Dip,
}

impl TransitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Crossfade => "crossfade",
            Self::Dip => "dip",
        }
    }
}

/// An overlay: exactly one of `image`, `text` or `video`.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OverlayItem {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub video: Option<String>,
    /// Video overlays: source time to start from (default 0).
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Time>,
    /// Output time where it appears.
    pub start: Time,
    /// Output time where it disappears (not shown at `end`).
    pub end: Time,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub x: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub y: Option<Position>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub opacity: Option<f64>,
    /// Text: font size in pixels (default 48).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u32>,
    /// Text: colour, a name or `#rrggbb` (default white).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Text: a font family name (default: a sans font).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
    /// Text: a box behind it: `true` (translucent dark, 12 pixels beyond the text), or
    /// `{ "color": …, "padding": PIXELS }` (a solid box `padding` pixels beyond the text's
    /// extent on every side). Default false.
    #[serde(default, rename = "box", skip_serializing_if = "Option::is_none")]
    pub boxed: Option<BoxSetting>,
    /// Text: an outline around the glyphs. Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outline: Option<OutlineStyle>,
    /// Text: how the lines of a multi-line text (split on `\n`) line up: `"left"`
    /// (default), `"center"` or `"right"`. Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub align: Option<Align>,
    /// Seconds over which the overlay's opacity rises from 0 at its start (default 0).
    /// Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_in: Option<Time>,
    /// Seconds over which the overlay's opacity falls to 0 at its end (default 0).
    /// Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_out: Option<Time>,
}

/// A text overlay's `box`: on/off (`true` is the 1.0 translucent dark box), or a styled box.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum BoxSetting {
    On(bool),
    Styled(BoxStyle),
}

impl<'de> Deserialize<'de> for BoxSetting {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = BoxSetting;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false or { \"color\": \"#rrggbb\", \"padding\": PIXELS }")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<BoxSetting, E> {
                Ok(BoxSetting::On(v))
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<BoxSetting, A::Error> {
                BoxStyle::deserialize(de::value::MapAccessDeserializer::new(map)).map(BoxSetting::Styled)
            }
        }
        deserializer.deserialize_any(V)
    }
}

/// A solid box behind a text.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BoxStyle {
    /// A colour name, `#rrggbb`, or `#rrggbbaa` with alpha (default black).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// How far the box reaches beyond the text's extent on every side, pixels (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(max = 1000))]
    pub padding: Option<u32>,
}

/// An outline around a text's glyphs.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OutlineStyle {
    /// A colour name, `#rrggbb` or `#rrggbbaa` (default black).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    /// Thickness in pixels (default 2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 100))]
    pub width: Option<u32>,
}

/// How the lines of a multi-line text line up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Align {
    #[default]
    Left,
    Center,
    Right,
}

/// An overlay coordinate: pixels from the top-left, or `"center"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    Pixels(i32),
    Center,
}

/// An extra audio track mixed over the main track.
#[derive(Debug, Clone, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AudioItem {
    pub source: String,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    pub in_: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub out: Option<Time>,
    /// Output time where it begins (default 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<Time>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume: Option<f64>,
    /// Seconds over which its volume rises from silence at its start (default 0).
    /// Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_in: Option<Time>,
    /// Seconds over which its volume falls to silence at its end (default 0). Timeline 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fade_out: Option<Time>,
}

// ---------------------------------------------------------------------------------------
// Keyword-or-value fields, with messages that say what is allowed.
// ---------------------------------------------------------------------------------------

macro_rules! keyword_or {
    ($ty:ident, $keyword:literal, $variant:ident, $expecting:literal, $schema:expr,
     |$v:ident| $from_num:expr, |$s:ident| $from_str:expr, |$me:ident| $to:expr) => {
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct V;
                impl Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                        f.write_str($expecting)
                    }
                    fn visit_f64<E: de::Error>(self, $v: f64) -> Result<$ty, E> {
                        $from_num.ok_or_else(|| E::custom(concat!("expected ", $expecting)))
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        self.visit_f64(v as f64)
                    }
                    fn visit_str<E: de::Error>(self, $s: &str) -> Result<$ty, E> {
                        if $s == $keyword {
                            return Ok($ty::$variant);
                        }
                        $from_str.ok_or_else(|| E::custom(format!(concat!("{:?} is not ", $expecting), $s)))
                    }
                }
                deserializer.deserialize_any(V)
            }
        }
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let $me = self;
                $to.serialize(serializer)
            }
        }
        impl JsonSchema for $ty {
            fn schema_name() -> String {
                stringify!($ty).to_owned()
            }
            fn json_schema(_: &mut schemars::gen::SchemaGenerator) -> schemars::schema::Schema {
                serde_json::from_value($schema).expect("static schema")
            }
        }
    };
}

keyword_or!(
    Dimension,
    "source",
    Source,
    "a positive whole number of pixels or \"source\"",
    serde_json::json!({"anyOf": [{"type": "integer", "minimum": 1, "maximum": 16384}, {"const": "source"}]}),
    |v| (v.fract() == 0.0 && (1.0..=16384.0).contains(&v)).then_some(Dimension::Pixels(v as u32)),
    |s| None::<Dimension>,
    |me| match me {
        Dimension::Pixels(p) => serde_json::json!(p),
        Dimension::Source => serde_json::json!("source"),
    }
);

keyword_or!(
    FrameRateSetting,
    "source",
    Source,
    "a frame rate (60, 29.97, \"30000/1001\") or \"source\"",
    serde_json::json!({"anyOf": [{"type": "number", "exclusiveMinimum": 0, "maximum": 1000}, {"type": "string", "pattern": "^[0-9]+(/[0-9]+)?$"}, {"const": "source"}]}),
    |v| Rational::from_f64(v).filter(|r| r.as_f64() <= 1000.0).map(FrameRateSetting::Rate),
    |s| Rational::parse(s).filter(|r| r.as_f64() <= 1000.0).map(FrameRateSetting::Rate),
    |me| match me {
        FrameRateSetting::Rate(r) => serde_json::json!(r.to_string()),
        FrameRateSetting::Source => serde_json::json!("source"),
    }
);

keyword_or!(
    Position,
    "center",
    Center,
    "a whole number of pixels or \"center\"",
    serde_json::json!({"anyOf": [{"type": "integer"}, {"const": "center"}]}),
    |v| (v.fract() == 0.0 && v.abs() <= 100_000.0).then_some(Position::Pixels(v as i32)),
    |s| None::<Position>,
    |me| match me {
        Position::Pixels(p) => serde_json::json!(p),
        Position::Center => serde_json::json!("center"),
    }
);

// ---------------------------------------------------------------------------------------
// The validated model.
// ---------------------------------------------------------------------------------------

/// A timeline that passed structural validation: times in seconds, paths resolved.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Timeline {
    pub output: OutputSettings,
    pub items: Vec<Item>,
    pub overlays: Vec<Overlay>,
    pub audio: Vec<AudioTrack>,
    /// What reading the file found that does not stop an export, as sentences: for an
    /// imported OpenTimelineIO file, what it holds that reel cannot render
    /// ([`crate::otio`]). `export`, `plan` and `check` show them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// A reference to a file named in the timeline.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct SourceRef {
    /// The absolute path (the timeline's folder joined with what was written).
    pub path: String,
    /// What the timeline says, for messages.
    pub written: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum Item {
    Clip(Clip),
    Gap(Gap),
    /// A transition between the clips before and after it (never first, last, or next to a
    /// gap or another transition).
    Transition(Transition),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clip {
    pub source: SourceRef,
    pub in_s: f64,
    /// `None`: to the source's end (known once the source is probed).
    pub out_s: Option<f64>,
    pub audio: bool,
    pub volume: f64,
    /// Source seconds per output second (1 = normal speed).
    pub speed: f64,
    /// Fade from black and silence at its start.
    pub fade_in: Option<Ramp>,
    /// Fade to black and silence at its end.
    pub fade_out: Option<Ramp>,
}

impl Clip {
    /// A clip of `source` from `in_s` to `out_s` at normal speed, with sound, no fades.
    pub fn new(source: SourceRef, in_s: f64, out_s: Option<f64>) -> Self {
        Self { source, in_s, out_s, audio: true, volume: 1.0, speed: 1.0, fade_in: None, fade_out: None }
    }

    /// Output seconds the clip lasts, given its source out-point.
    pub fn length(&self, out_s: f64) -> f64 {
        (out_s - self.in_s) / self.speed
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Gap {
    pub duration: f64,
    pub color: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Transition {
    pub kind: TransitionKind,
    /// How long the neighbouring clips overlap, seconds.
    pub duration: f64,
    /// The blend weight `w` over the overlap: `w = (u + offset) / length` at `u` seconds
    /// into it. A whole transition has `offset` 0 and `length` its duration; a segment that
    /// shows only part of one keeps the whole transition's weights.
    pub weight: Ramp,
}

/// A level that rises linearly: `(u + offset) / length` at `u` seconds from where it is
/// measured (a fade in: the item's start; a fade out: backwards from the item's end; a
/// transition: the overlap's start), clamped to `0..=1`.
///
/// A fade of `D` seconds on a whole item is `{ length: D, offset: 0 }`. The segments
/// strategy renders parts of items; a part that starts `o` seconds into the item sees the
/// same fade as `{ length: D, offset: o }`, so every frame gets the level the whole
/// timeline gives it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ramp {
    pub length: f64,
    pub offset: f64,
}

impl Ramp {
    /// A whole fade or transition of `length` seconds; `None` for 0 (no fade).
    pub fn whole(length: f64) -> Option<Ramp> {
        (length > 0.0).then_some(Ramp { length, offset: 0.0 })
    }

    /// The level at `u` seconds from where it is measured.
    pub fn level(self, u: f64) -> f64 {
        ((u + self.offset) / self.length).clamp(0.0, 1.0)
    }

    /// The same ramp seen from `later` seconds further on; `None` when it is complete there
    /// (level 1 from then on), so a part of an item past its fade carries no fade at all.
    #[must_use]
    pub fn advanced(self, later: f64) -> Option<Ramp> {
        let offset = self.offset + later;
        (offset < self.length - 1e-9).then_some(Ramp { length: self.length, offset })
    }

    /// Seconds from where it is measured until the level reaches 1.
    pub fn remaining(self) -> f64 {
        (self.length - self.offset).max(0.0)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum OverlayKind {
    Image { source: SourceRef },
    Text { text: String, size: u32, color: String, font: Option<String>, style: TextStyle },
    Video { source: SourceRef, in_s: f64 },
}

/// How a text is drawn besides its font, size and colour.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TextStyle {
    pub boxed: Option<TextBox>,
    pub outline: Option<Outline>,
    pub align: Align,
}

/// A box behind a text: its colour (ffmpeg colour syntax) and how far it reaches beyond
/// the text, pixels.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TextBox {
    pub color: String,
    pub padding: u32,
}

impl TextBox {
    /// `"box": true`: the translucent dark box of timeline 1.0.
    pub fn translucent() -> Self {
        Self { color: "black@0.5".to_owned(), padding: 12 }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outline {
    pub color: String,
    pub width: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overlay {
    pub kind: OverlayKind,
    pub start: f64,
    pub end: f64,
    pub x: Position,
    pub y: Position,
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub opacity: f64,
    /// Opacity from 0 at its start.
    pub fade_in: Option<Ramp>,
    /// Opacity to 0 at its end.
    pub fade_out: Option<Ramp>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AudioTrack {
    pub source: SourceRef,
    pub in_s: f64,
    pub out_s: Option<f64>,
    pub start: f64,
    pub volume: f64,
    pub fade_in: Option<Ramp>,
    pub fade_out: Option<Ramp>,
}

impl Timeline {
    /// Every file the timeline reads, once each, in order of first mention.
    pub fn sources(&self) -> Vec<&SourceRef> {
        let mut out: Vec<&SourceRef> = Vec::new();
        for (_, source) in crate::validate::source_paths(self) {
            if !out.iter().any(|o| o.path == source.path) {
                out.push(source);
            }
        }
        out
    }
}

// ---------------------------------------------------------------------------------------
// Errors.
// ---------------------------------------------------------------------------------------

/// One thing wrong with a timeline, at a JSON path.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// JSON path such as `video[2].out`; empty for the whole document.
    pub path: String,
    pub message: String,
}

impl Problem {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self { path: path.into(), message: message.into() }
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why a timeline was refused. Every problem found is listed, not just the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct TimelineError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for TimelineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(f, "the timeline has {n} problem{}:", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        write!(f, "Fix these in the timeline file and run again; `reel schema` prints the format.")
    }
}

// ---------------------------------------------------------------------------------------
// Parsing and structural validation.
// ---------------------------------------------------------------------------------------

/// Reads a timeline from JSON text. `base_dir` is the absolute folder of the timeline
/// file; relative paths are joined to it.
pub fn parse(json: &str, base_dir: &str) -> Result<Timeline, TimelineError> {
    let file = parse_file(json)?;
    from_file(&file, base_dir)
}

/// Reads the JSON into [`TimelineFile`], with the JSON path of a type or field error.
pub fn parse_file(json: &str) -> Result<TimelineFile, TimelineError> {
    // Check the version first, so a version-2 file says so instead of listing fields.
    if let Ok(serde_json::Value::Object(map)) = serde_json::from_str::<serde_json::Value>(json) {
        match map.get("reel") {
            None => {
                return Err(one("reel", "missing: a timeline starts with \"reel\": 1"));
            }
            Some(v) if v.as_u64() != Some(FORMAT_VERSION) => {
                return Err(one("reel", format!("version {v} is not supported; this reel reads timeline version 1")));
            }
            Some(_) => {}
        }
    }
    let de = &mut serde_json::Deserializer::from_str(json);
    serde_path_to_error::deserialize::<_, TimelineFile>(de).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        let message = if inner.is_syntax() || inner.is_eof() {
            format!("not valid JSON: {inner}")
        } else {
            // serde_json appends " at line L column C"; keep it, it helps in big files.
            inner.to_string()
        };
        let path = if path == "." { String::new() } else { path };
        one(path, message)
    })
}

fn one(path: impl Into<String>, message: impl Into<String>) -> TimelineError {
    TimelineError { problems: vec![Problem::new(path, message)] }
}

/// Joins a path written in a timeline to the timeline's folder (lexically: no I/O).
pub fn resolve_path(base_dir: &str, written: &str) -> String {
    let is_absolute = written.starts_with('/')
        || written.starts_with('\\')
        || (written.len() > 2 && written.as_bytes()[1] == b':' && written.as_bytes()[0].is_ascii_alphabetic());
    if is_absolute || base_dir.is_empty() {
        return written.to_owned();
    }
    let sep = if base_dir.contains('\\') && !base_dir.contains('/') { '\\' } else { '/' };
    let mut joined = base_dir.trim_end_matches(['/', '\\']).to_owned();
    let mut rest = written;
    while let Some(stripped) = rest.strip_prefix("./") {
        rest = stripped;
    }
    joined.push(sep);
    joined.push_str(rest);
    joined
}

/// A colour as ffmpeg's colour syntax takes it, limited to names and `#rrggbb[aa]` so a
/// timeline cannot smuggle filter syntax through it.
pub fn is_valid_color(c: &str) -> bool {
    let hex = c.strip_prefix('#').or_else(|| c.strip_prefix("0x"));
    match hex {
        Some(h) => (h.len() == 6 || h.len() == 8) && h.chars().all(|ch| ch.is_ascii_hexdigit()),
        None => !c.is_empty() && c.len() <= 32 && c.chars().all(|ch| ch.is_ascii_alphabetic()),
    }
}

/// Structural validation of a parsed file: everything that can be checked without media.
pub fn from_file(file: &TimelineFile, base_dir: &str) -> Result<Timeline, TimelineError> {
    let mut problems = Vec::new();
    let check_time = |path: String, t: Option<Time>, problems: &mut Vec<Problem>| {
        if let Some(t) = t {
            if t.0 < 0.0 {
                problems.push(Problem::new(path, format!("{} s is negative; times start at 0", t.0)));
            }
        }
    };
    let source = |written: &str| SourceRef { path: resolve_path(base_dir, written), written: written.to_owned() };

    problems.extend(file.output.problems("output"));

    if file.video.is_empty() {
        problems.push(Problem::new("video", "is empty: the main track needs at least one clip or gap"));
    }
    let mut items = Vec::with_capacity(file.video.len());
    let problems_before_video = problems.len();
    for (i, v) in file.video.iter().enumerate() {
        let at = |field: &str| if field.is_empty() { format!("video[{i}]") } else { format!("video[{i}].{field}") };
        let kinds: Vec<String> = [("source", v.source.is_some()), ("gap", v.gap.is_some()), ("transition", v.transition.is_some())]
            .iter()
            .filter(|(_, set)| *set)
            .map(|(name, _)| format!("\"{name}\""))
            .collect();
        if kinds.len() > 1 {
            problems.push(Problem::new(at(""), format!("has both {}; an item is a clip, a gap or a transition", kinds.join(" and "))));
            continue;
        }
        // Fields that belong to one kind of item only: (name, set, the kind it belongs to).
        let clip_fields = [
            ("in", v.in_.is_some()),
            ("out", v.out.is_some()),
            ("audio", v.audio.is_some()),
            ("volume", v.volume.is_some()),
            ("speed", v.speed.is_some()),
            ("fade_in", v.fade_in.is_some()),
            ("fade_out", v.fade_out.is_some()),
        ];
        let misplaced = |problems: &mut Vec<Problem>, fields: &[(&str, bool)], belongs: &str, not: &str| {
            for (name, set) in fields {
                if *set {
                    problems.push(Problem::new(at(name), format!("applies to {belongs}, not {not}")));
                }
            }
        };
        match (&v.source, v.gap, v.transition) {
            (None, None, None) => problems
                .push(Problem::new(at(""), "needs \"source\" (a clip), \"gap\" (seconds of colour) or \"transition\" (between two clips)")),
            (None, Some(gap), _) => {
                misplaced(&mut problems, &clip_fields, "clips", "gaps");
                misplaced(&mut problems, &[("duration", v.duration.is_some())], "transitions", "gaps");
                if gap.0 <= 0.0 {
                    problems.push(Problem::new(at("gap"), format!("{} s: a gap must be longer than 0 s", gap.0)));
                }
                let color = v.color.clone().unwrap_or_else(|| "black".to_owned());
                if !is_valid_color(&color) {
                    problems.push(Problem::new(at("color"), format!("{color:?} is not a colour name or #rrggbb")));
                }
                items.push(Item::Gap(Gap { duration: gap.0, color }));
            }
            (None, None, Some(kind)) => {
                misplaced(&mut problems, &clip_fields, "clips", "transitions");
                misplaced(&mut problems, &[("color", v.color.is_some())], "gaps", "transitions");
                let duration = match v.duration {
                    None => {
                        problems.push(Problem::new(at("duration"), "missing: a transition needs \"duration\" (seconds the clips overlap)"));
                        0.0
                    }
                    Some(d) if d.0 <= 0.0 => {
                        problems.push(Problem::new(at("duration"), format!("{} s: a transition must last longer than 0 s", d.0)));
                        0.0
                    }
                    Some(d) => d.0,
                };
                let last = file.video.len() - 1;
                let place = if i == 0 {
                    Some("is first on the main track".to_owned())
                } else if i == last {
                    Some("is last on the main track".to_owned())
                } else {
                    let neighbour = |j: usize| {
                        let n = &file.video[j];
                        if n.transition.is_some() && n.source.is_none() && n.gap.is_none() {
                            Some("another transition")
                        } else if n.gap.is_some() && n.source.is_none() {
                            Some("a gap")
                        } else {
                            None
                        }
                    };
                    match (neighbour(i - 1), neighbour(i + 1)) {
                        (Some(what), _) => Some(format!("follows {what} (video[{}])", i - 1)),
                        (None, Some(what)) => Some(format!("is followed by {what} (video[{}])", i + 1)),
                        (None, None) => None,
                    }
                };
                if let Some(place) = place {
                    problems.push(Problem::new(at("transition"), format!("{place}; a transition goes between two clips")));
                }
                items.push(Item::Transition(Transition { kind, duration, weight: Ramp { length: duration, offset: 0.0 } }));
            }
            (Some(path), None, None) => {
                misplaced(&mut problems, &[("color", v.color.is_some())], "gaps", "clips");
                misplaced(&mut problems, &[("duration", v.duration.is_some())], "transitions", "clips");
                check_path(&at("source"), path, &mut problems);
                check_time(at("in"), v.in_, &mut problems);
                check_time(at("out"), v.out, &mut problems);
                check_time(at("fade_in"), v.fade_in, &mut problems);
                check_time(at("fade_out"), v.fade_out, &mut problems);
                if let (Some(a), Some(b)) = (v.in_, v.out) {
                    if b.0 <= a.0 && a.0 >= 0.0 {
                        problems.push(Problem::new(at("out"), format!("{} s is not after in ({} s); a clip needs out > in", b.0, a.0)));
                    }
                }
                let volume = v.volume.unwrap_or(1.0);
                check_volume(&at("volume"), volume, &mut problems);
                let speed = v.speed.unwrap_or(1.0);
                if !(MIN_SPEED..=MAX_SPEED).contains(&speed) {
                    problems.push(Problem::new(at("speed"), format!("{speed} is outside {MIN_SPEED}..{MAX_SPEED}")));
                }
                items.push(Item::Clip(Clip {
                    source: source(path),
                    in_s: v.in_.map_or(0.0, Time::seconds),
                    out_s: v.out.map(Time::seconds),
                    audio: v.audio.unwrap_or(true),
                    volume,
                    speed: if (MIN_SPEED..=MAX_SPEED).contains(&speed) { speed } else { 1.0 },
                    fade_in: v.fade_in.and_then(|f| Ramp::whole(f.0)),
                    fade_out: v.fade_out.and_then(|f| Ramp::whole(f.0)),
                }));
            }
            _ => unreachable!("more than one kind was refused above"),
        }
    }
    if problems.len() == problems_before_video {
        // Lengths that need no media: clips with an out-point. The others are checked
        // against the probed sources (crate::validate).
        let lengths: Vec<Option<f64>> = items
            .iter()
            .map(|item| match item {
                Item::Clip(c) => c.out_s.map(|out| c.length(out)),
                Item::Gap(g) => Some(g.duration),
                Item::Transition(_) => None,
            })
            .collect();
        problems.extend(length_problems(&items, &lengths, |_| true));
    }

    let mut overlays = Vec::with_capacity(file.overlays.len());
    for (i, o) in file.overlays.iter().enumerate() {
        let at = |field: &str| if field.is_empty() { format!("overlays[{i}]") } else { format!("overlays[{i}].{field}") };
        check_time(at("start"), Some(o.start), &mut problems);
        check_time(at("end"), Some(o.end), &mut problems);
        if o.end.0 <= o.start.0 {
            problems
                .push(Problem::new(at("end"), format!("{} s is not after start ({} s); an overlay needs end > start", o.end.0, o.start.0)));
        }
        let opacity = o.opacity.unwrap_or(1.0);
        if !(0.0..=1.0).contains(&opacity) {
            problems.push(Problem::new(at("opacity"), format!("{opacity} is outside 0..1")));
        }
        for (name, v) in [("width", o.width), ("height", o.height)] {
            if v == Some(0) || v.is_some_and(|v| v > 16384) {
                problems.push(Problem::new(at(name), "must be between 1 and 16384 pixels"));
            }
        }
        let text_only = [
            ("size", o.size.is_some()),
            ("color", o.color.is_some()),
            ("font", o.font.is_some()),
            ("box", o.boxed.is_some()),
            ("outline", o.outline.is_some()),
            ("align", o.align.is_some()),
        ];
        check_time(at("fade_in"), o.fade_in, &mut problems);
        check_time(at("fade_out"), o.fade_out, &mut problems);
        let (fade_in, fade_out) = (o.fade_in.and_then(|f| Ramp::whole(f.0)), o.fade_out.and_then(|f| Ramp::whole(f.0)));
        if o.end.0 > o.start.0 {
            problems.extend(fade_problems(&at(""), "the overlay", o.end.0 - o.start.0, fade_in, fade_out));
        }
        let kinds = usize::from(o.image.is_some()) + usize::from(o.text.is_some()) + usize::from(o.video.is_some());
        if kinds != 1 {
            problems.push(Problem::new(at(""), "needs exactly one of \"image\", \"text\" or \"video\""));
            continue;
        }
        if o.video.is_none() && o.in_.is_some() {
            problems.push(Problem::new(at("in"), "applies to video overlays only"));
        }
        let kind = if let Some(text) = &o.text {
            if text.is_empty() {
                problems.push(Problem::new(at("text"), "is empty"));
            }
            // drawtext stops at a NUL and draws other control characters as boxes or not
            // at all: refuse them rather than draw less than was asked.
            if let Some((position, c)) = text.chars().enumerate().find(|(_, c)| c.is_control() && !matches!(c, '\n' | '\t')) {
                problems.push(Problem::new(
                    at("text"),
                    format!(
                        "contains the control character U+{:04X} at character {position}; text may hold line breaks (\\n) and tabs but no other control characters, so remove it",
                        u32::from(c)
                    ),
                ));
            }
            let color = o.color.clone().unwrap_or_else(|| "white".to_owned());
            if !is_valid_color(&color) {
                problems.push(Problem::new(at("color"), format!("{color:?} is not a colour name or #rrggbb")));
            }
            let size = o.size.unwrap_or(48);
            if size == 0 || size > 2000 {
                problems.push(Problem::new(at("size"), format!("{size} is outside 1..2000 pixels")));
            }
            if let Some(font) = &o.font {
                if font.is_empty() || font.len() > 200 || font.chars().any(char::is_control) {
                    problems.push(Problem::new(at("font"), "is not a font family name"));
                }
            }
            let boxed = match &o.boxed {
                None | Some(BoxSetting::On(false)) => None,
                Some(BoxSetting::On(true)) => Some(TextBox::translucent()),
                Some(BoxSetting::Styled(b)) => {
                    let color = b.color.clone().unwrap_or_else(|| "black".to_owned());
                    if !is_valid_color(&color) {
                        problems.push(Problem::new(at("box.color"), format!("{color:?} is not a colour name, #rrggbb or #rrggbbaa")));
                    }
                    let padding = b.padding.unwrap_or(0);
                    if padding > 1000 {
                        problems.push(Problem::new(at("box.padding"), format!("{padding} is outside 0..1000 pixels")));
                    }
                    Some(TextBox { color, padding })
                }
            };
            let outline = o.outline.as_ref().map(|l| {
                let color = l.color.clone().unwrap_or_else(|| "black".to_owned());
                if !is_valid_color(&color) {
                    problems.push(Problem::new(at("outline.color"), format!("{color:?} is not a colour name, #rrggbb or #rrggbbaa")));
                }
                let width = l.width.unwrap_or(2);
                if !(1..=100).contains(&width) {
                    problems.push(Problem::new(at("outline.width"), format!("{width} is outside 1..100 pixels")));
                }
                Outline { color, width }
            });
            let style = TextStyle { boxed, outline, align: o.align.unwrap_or_default() };
            OverlayKind::Text { text: text.clone(), size, color, font: o.font.clone(), style }
        } else {
            for (name, set) in text_only {
                if set {
                    problems.push(Problem::new(at(name), "applies to text overlays only"));
                }
            }
            if let Some(path) = &o.image {
                check_path(&at("image"), path, &mut problems);
                OverlayKind::Image { source: source(path) }
            } else {
                let path = o.video.as_deref().unwrap_or_default();
                check_path(&at("video"), path, &mut problems);
                check_time(at("in"), o.in_, &mut problems);
                OverlayKind::Video { source: source(path), in_s: o.in_.map_or(0.0, Time::seconds) }
            }
        };
        overlays.push(Overlay {
            kind,
            start: o.start.0,
            end: o.end.0,
            x: o.x.unwrap_or(Position::Pixels(0)),
            y: o.y.unwrap_or(Position::Pixels(0)),
            width: o.width,
            height: o.height,
            opacity,
            fade_in,
            fade_out,
        });
    }

    let mut audio = Vec::with_capacity(file.audio.len());
    for (i, a) in file.audio.iter().enumerate() {
        let at = |field: &str| format!("audio[{i}].{field}");
        check_path(&at("source"), &a.source, &mut problems);
        check_time(at("in"), a.in_, &mut problems);
        check_time(at("out"), a.out, &mut problems);
        check_time(at("start"), a.start, &mut problems);
        if let (Some(x), Some(y)) = (a.in_, a.out) {
            if y.0 <= x.0 && x.0 >= 0.0 {
                problems.push(Problem::new(at("out"), format!("{} s is not after in ({} s); an audio item needs out > in", y.0, x.0)));
            }
        }
        let volume = a.volume.unwrap_or(1.0);
        check_volume(&at("volume"), volume, &mut problems);
        check_time(at("fade_in"), a.fade_in, &mut problems);
        check_time(at("fade_out"), a.fade_out, &mut problems);
        let track = AudioTrack {
            source: source(&a.source),
            in_s: a.in_.map_or(0.0, Time::seconds),
            out_s: a.out.map(Time::seconds),
            start: a.start.map_or(0.0, Time::seconds),
            volume,
            fade_in: a.fade_in.and_then(|f| Ramp::whole(f.0)),
            fade_out: a.fade_out.and_then(|f| Ramp::whole(f.0)),
        };
        if let Some(out) = track.out_s.filter(|out| *out > track.in_s) {
            problems.extend(fade_problems(&format!("audio[{i}]"), "the audio item", out - track.in_s, track.fade_in, track.fade_out));
        }
        audio.push(track);
    }

    if problems.is_empty() {
        Ok(Timeline { output: file.output.clone(), items, overlays, audio, warnings: Vec::new() })
    } else {
        Err(TimelineError { problems })
    }
}

fn check_path(path: &str, written: &str, problems: &mut Vec<Problem>) {
    if written.is_empty() {
        problems.push(Problem::new(path, "is empty; give a file path"));
    } else if written.contains('\0') {
        problems.push(Problem::new(path, "contains a NUL character"));
    }
}

fn check_volume(path: &str, volume: f64, problems: &mut Vec<Problem>) {
    if !(0.0..=100.0).contains(&volume) {
        problems.push(Problem::new(path, format!("{volume} is outside 0..100")));
    }
}

/// The slowest and fastest clip speeds (timeline 1.1).
pub const MIN_SPEED: f64 = 0.25;
pub const MAX_SPEED: f64 = 4.0;

/// Lengths within this of each other count as equal (a transition as long as its clip).
const LENGTH_TOLERANCE: f64 = 1e-6;

/// The rules that need the main track's lengths: fades no longer than their clip, a
/// transition no longer than either clip it joins, the transitions on both sides of a clip
/// not overlapping. `lengths[i]` is item `i`'s length in output seconds when known; a rule
/// about clip `j` is checked only when `check(j)` says so (the timeline's own checks take
/// clips with an out-point, the media checks those whose end comes from the source).
pub(crate) fn length_problems(items: &[Item], lengths: &[Option<f64>], check: impl Fn(usize) -> bool) -> Vec<Problem> {
    let mut problems = Vec::new();
    let s = crate::validate::fmt_s;
    let transition = |j: Option<usize>| match j.and_then(|j| items.get(j)) {
        Some(Item::Transition(t)) => t.duration,
        _ => 0.0,
    };
    for (i, item) in items.iter().enumerate() {
        match item {
            Item::Clip(c) => {
                let Some(len) = lengths.get(i).copied().flatten().filter(|_| check(i)) else { continue };
                problems.extend(fade_problems(&format!("video[{i}]"), "the clip", len, c.fade_in, c.fade_out));
                let (before, after) = (transition(i.checked_sub(1)), transition(Some(i + 1)));
                if before > 0.0
                    && after > 0.0
                    && before <= len + LENGTH_TOLERANCE
                    && after <= len + LENGTH_TOLERANCE
                    && before + after > len + LENGTH_TOLERANCE
                {
                    problems.push(Problem::new(
                        format!("video[{i}]"),
                        format!(
                            "the transitions before and after it ({} s + {} s) are longer than the clip ({} s), so they would overlap; shorten one",
                            s(before),
                            s(after),
                            s(len)
                        ),
                    ));
                }
            }
            Item::Transition(t) => {
                for j in [i.checked_sub(1), Some(i + 1)].into_iter().flatten() {
                    let Some(Item::Clip(_)) = items.get(j) else { continue };
                    let Some(len) = lengths.get(j).copied().flatten().filter(|_| check(j)) else { continue };
                    if t.duration > len + LENGTH_TOLERANCE {
                        problems.push(Problem::new(
                            format!("video[{i}].duration"),
                            format!(
                                "{} s is longer than video[{j}] ({} s); a transition cannot last longer than a clip it joins",
                                s(t.duration),
                                s(len)
                            ),
                        ));
                    }
                }
            }
            Item::Gap(_) => {}
        }
    }
    problems
}

/// Fades longer than their item, alone or together, at `{at}.fade_in` / `{at}.fade_out`.
pub(crate) fn fade_problems(at: &str, what: &str, length: f64, fade_in: Option<Ramp>, fade_out: Option<Ramp>) -> Vec<Problem> {
    let s = crate::validate::fmt_s;
    let mut problems = Vec::new();
    let (a, b) = (fade_in.map_or(0.0, |f| f.length), fade_out.map_or(0.0, |f| f.length));
    for (name, d) in [("fade_in", a), ("fade_out", b)] {
        if d > length + LENGTH_TOLERANCE {
            problems.push(Problem::new(format!("{at}.{name}"), format!("{} s is longer than {what} ({} s)", s(d), s(length))));
        }
    }
    if a <= length + LENGTH_TOLERANCE && b <= length + LENGTH_TOLERANCE && a + b > length + LENGTH_TOLERANCE {
        problems.push(Problem::new(
            format!("{at}.fade_out"),
            format!("fade_in {} s and fade_out {} s together are longer than {what} ({} s)", s(a), s(b), s(length)),
        ));
    }
    problems
}

/// `"192k"`, `"1.5M"`, `"128000"`.
pub fn is_valid_bitrate(b: &str) -> bool {
    let digits = b.strip_suffix(['k', 'K', 'M']).unwrap_or(b);
    !digits.is_empty()
        && digits.len() <= 10
        && digits.chars().all(|c| c.is_ascii_digit() || c == '.')
        && digits.parse::<f64>().is_ok_and(|v| v > 0.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_lists_every_output_setting() {
        // Every field but `quality` has a built-in default, so the defaults name them all.
        let serde_json::Value::Object(map) = serde_json::to_value(OutputSettings::builtin()).unwrap() else { panic!("object") };
        let mut named: Vec<&str> = map.keys().map(String::as_str).chain(["quality"]).collect();
        let mut fields = OutputSettings::FIELDS.to_vec();
        named.sort_unstable();
        fields.sort_unstable();
        assert_eq!(named, fields);
    }

    #[test]
    fn provenance_takes_each_field_from_the_highest_layer_that_sets_it() {
        let flags = OutputSettings { preset: Some(Preset::Draft), ..OutputSettings::default() };
        let timeline =
            OutputSettings { preset: Some(Preset::Production), width: Some(Dimension::Pixels(1280)), ..OutputSettings::default() };
        let file = OutputSettings {
            width: Some(Dimension::Pixels(640)),
            fps: Some(FrameRateSetting::Rate(Rational { num: 30, den: 1 })),
            ..OutputSettings::default()
        };
        let rows = OutputSettings::provenance(&[("flag", &flags), ("timeline", &timeline), ("settings file", &file)]);
        let row = |name: &str| rows.iter().find(|r| r.0 == name).map(|r| (r.1.clone(), r.2.as_str())).unwrap();
        assert_eq!(row("preset"), (serde_json::json!("draft"), "flag"));
        assert_eq!(row("width"), (serde_json::json!(1280), "timeline"));
        assert_eq!(row("fps"), (serde_json::json!("30"), "settings file"));
        assert_eq!(row("height"), (serde_json::json!(1080), "default"));
        assert_eq!(row("quality"), (serde_json::Value::Null, "default"));
        assert_eq!(rows.len(), OutputSettings::FIELDS.len());
    }
}
