//! OpenTimelineIO import: an OTIO timeline (the JSON of a `.otio` file) read into a
//! timeline v1 file. Pure parsing over `serde_json`; the caller reads the file.
//!
//! What becomes what:
//! - the first video track of the timeline's stack (the lowest, `tracks[0]` when it is a
//!   video track) is the main track: its clips (media reference URL, source range) and gaps
//!   play back to back; the main track is padded with a gap to the stack's length, so an
//!   audio track longer than the video keeps its end;
//! - clips on higher video tracks become video overlays at their position (top-left, at
//!   their own size: OTIO carries no transform);
//! - clips on audio tracks become audio items. When the timeline has audio tracks, its
//!   sound comes from them only and the main track's clips are muted (editors export a
//!   clip's sound on its own track); without audio tracks the video clips keep theirs;
//! - a nested stack (a compound clip) is flattened into the track it sits on, within its
//!   source range: its first video track joins the main track, the rest become overlays
//!   and audio items;
//! - a transition on the main track becomes a timeline 1.1 transition: OTIO centres it on
//!   the cut (`in_offset` before it, `out_offset` after it, both clips reaching into their
//!   handles), so the clip before it runs `out_offset` longer, the clip after it starts
//!   `in_offset` earlier in its media, and they overlap by `in_offset + out_offset`: every
//!   clip keeps its place and the timeline its length. A dissolve from or to a gap (black)
//!   becomes a fade of the clip over the same frames. `SMPTE_Dissolve` is a crossfade; other
//!   kinds are drawn as one, with a warning;
//! - a `LinearTimeWarp` on a main-track clip is its speed: the clip keeps its length in the
//!   track and plays `time_scalar` seconds of media per second;
//! - what reel cannot render (transitions without media handles or off the main track,
//!   speed on overlays and audio, reverse or out-of-range speeds, freeze frames and other
//!   effects, markers, disabled items, generated media) is reported as a warning, each with
//!   its OTIO path such as `tracks[0].children[3] (Transition "Dissolve")`; nothing is
//!   dropped silently. A transition takes no time in OTIO, so leaving one out leaves a cut.
//! - missing media, media that is not a local file, and broken times are errors, each at
//!   its OTIO path.
//!
//! Times: OTIO writes a time as `{value, rate}` with the rate as a double
//! (`29.97002997002997`). Rates within a few thousandths of an NTSC rate are read as the
//! exact rational (`30000/1001`), and every time is computed exactly as a fraction before it
//! is written as seconds, so frame 100 at 29.97 is `3.3366666666666664` s (the double
//! nearest to 100 x 1001 / 30000), which timeline v1 reads as exactly that frame. The
//! timeline's own rate (its global start time's, else the first clip's) becomes
//! `output.fps`, as `"30000/1001"` where it is an NTSC rate.

use crate::rational::Rational;
use crate::time::Time;
use crate::timeline::{
    AudioItem, FrameRateSetting, OutputSettings, OverlayItem, Problem, TimelineFile, TransitionKind, VideoItem, FORMAT_VERSION, MAX_SPEED,
    MIN_SPEED,
};
use serde_json::Value;
use std::cmp::Ordering;
use std::fmt;

/// An OTIO timeline read into timeline v1.
#[derive(Debug, Clone)]
pub struct Imported {
    pub timeline: TimelineFile,
    /// What reel cannot render and left out, each at its OTIO path.
    pub warnings: Vec<Problem>,
}

/// Why an OTIO file could not be imported: every problem found, each at its OTIO path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct OtioError {
    pub problems: Vec<Problem>,
}

impl fmt::Display for OtioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.problems.len();
        writeln!(f, "the OpenTimelineIO timeline has {n} problem{}:", if n == 1 { "" } else { "s" })?;
        for p in &self.problems {
            writeln!(f, "  {p}")?;
        }
        write!(
            f,
            "Fix these in the editor that wrote it (relink missing media, render generated clips to files) and export the OTIO again."
        )
    }
}

/// Reads an OTIO timeline (the text of a `.otio` file).
pub fn import(json: &str) -> Result<Imported, OtioError> {
    let root: Value =
        serde_json::from_str(json).map_err(|e| one("", format!("not valid JSON: {e}; an .otio file is OpenTimelineIO's JSON")))?;
    let schema = schema_of(&root);
    match schema.0 {
        "Timeline" => {}
        "" => return Err(one("", "has no \"OTIO_SCHEMA\"; this is not an OpenTimelineIO file")),
        "SerializableCollection" => {
            return Err(one("", "is a collection of several timelines; export the one timeline you want to render from the editor"))
        }
        other => return Err(one("", format!("is an OTIO {other}, not a Timeline; export a whole timeline from the editor"))),
    }
    let mut ctx = Ctx::default();
    let tracks = &root["tracks"];
    if schema_of(tracks).0 != "Stack" {
        return Err(one("tracks", "is not a Stack of tracks"));
    }
    ctx.has_audio = any_audio_track(tracks);
    let Some(window) = ctx.trimmed(tracks, "tracks") else { return Err(OtioError { problems: ctx.problems }) };
    ctx.marks(tracks, "tracks", Role::Main);
    // The stack's own time window.0 is output time 0.
    ctx.stack(tracks, "tracks", Role::Main, window, Frac::ZERO.sub(window.0));
    if !ctx.problems.is_empty() {
        return Err(OtioError { problems: ctx.problems });
    }
    let length = window.1.sub(window.0);
    if length.cmp(Frac::ZERO) != Ordering::Greater {
        return Err(one("tracks", "is empty: the timeline has no clips or gaps"));
    }
    if !ctx.saw_main {
        ctx.warn("tracks", "has no video track; the export shows black under the audio");
    }
    let rate = global_rate(&root).or(ctx.first_rate).filter(|r| r.as_f64() <= 1000.0);
    let (main, cuts) = (std::mem::take(&mut ctx.main), std::mem::take(&mut ctx.cuts));
    let video = main_track(main, cuts, length, ctx.has_audio, &mut ctx.warnings);
    let timeline = TimelineFile {
        reel: FORMAT_VERSION,
        output: OutputSettings { fps: rate.map(FrameRateSetting::Rate), ..OutputSettings::default() },
        video,
        overlays: ctx.overlays,
        audio: ctx.audio,
    };
    Ok(Imported { timeline, warnings: ctx.warnings })
}

fn one(path: &str, message: impl Into<String>) -> OtioError {
    OtioError { problems: vec![Problem::new(path, message)] }
}

// ---------------------------------------------------------------------------------------
// Exact times.
// ---------------------------------------------------------------------------------------

/// An exact time in seconds, `num / den` (den > 0, reduced).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Frac {
    num: i128,
    den: i128,
}

impl Frac {
    const ZERO: Frac = Frac { num: 0, den: 1 };

    fn new(num: i128, den: i128) -> Frac {
        let g = gcd(num.unsigned_abs(), den.unsigned_abs()).max(1) as i128;
        let sign = if den < 0 { -1 } else { 1 };
        Frac { num: sign * num / g, den: sign * den / g }
    }

    /// Falls back to nanoseconds when exact arithmetic would overflow (times no editor
    /// writes); still far inside timeline v1's 1 µs tolerance.
    fn approx(value: f64) -> Frac {
        Frac::new((value * 1e9).round() as i128, 1_000_000_000)
    }

    fn add(self, o: Frac) -> Frac {
        let exact = || {
            let den = self.den.checked_mul(o.den)?;
            let num = self.num.checked_mul(o.den)?.checked_add(o.num.checked_mul(self.den)?)?;
            Some(Frac::new(num, den))
        };
        exact().unwrap_or_else(|| Frac::approx(self.f64() + o.f64()))
    }

    fn sub(self, o: Frac) -> Frac {
        self.add(Frac { num: -o.num, den: o.den })
    }

    fn cmp(self, o: Frac) -> Ordering {
        match (self.num.checked_mul(o.den), o.num.checked_mul(self.den)) {
            (Some(a), Some(b)) => a.cmp(&b),
            _ => self.f64().total_cmp(&o.f64()),
        }
    }

    fn max(self, o: Frac) -> Frac {
        if self.cmp(o) == Ordering::Less {
            o
        } else {
            self
        }
    }

    fn min(self, o: Frac) -> Frac {
        if self.cmp(o) == Ordering::Greater {
            o
        } else {
            self
        }
    }

    /// The nearest double (both parts are exact doubles for any time an editor writes).
    fn f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    /// This many seconds of output played at `speed`: seconds of media (exact at speed 1).
    fn at_speed(self, speed: f64) -> Frac {
        if (speed - 1.0).abs() <= f64::EPSILON {
            self
        } else {
            Frac::approx(self.f64() * speed)
        }
    }
}

fn gcd(mut a: u128, mut b: u128) -> u128 {
    while b != 0 {
        (a, b) = (b, a % b);
    }
    a
}

/// The largest frame count read exactly (about 35 years at 1000 fps).
const MAX_VALUE: f64 = 1_099_511_627_776.0; // 2^40
/// Fractional values (rare: sub-frame audio times) are kept to 1/2^20 of a unit.
const FRACTION_UNITS: f64 = 1_048_576.0; // 2^20

/// An OTIO `RationalTime` `{value, rate}`: the time in seconds and its exact rate.
fn rational_time(v: &Value) -> Result<(Frac, Rational), String> {
    let value = v.get("value").and_then(Value::as_f64).ok_or("has no numeric \"value\"")?;
    let rate_f = v.get("rate").and_then(Value::as_f64).ok_or("has no numeric \"rate\"")?;
    let rate = Rational::from_f64(rate_f).ok_or_else(|| format!("has rate {rate_f}, which is not a positive frame or sample rate"))?;
    if !value.is_finite() || value.abs() > MAX_VALUE {
        return Err(format!("has value {value}, which is not a time reel can represent"));
    }
    let (num, den) =
        if value.fract() == 0.0 { (value as i128, 1_i128) } else { ((value * FRACTION_UNITS).round() as i128, FRACTION_UNITS as i128) };
    // seconds = value / rate = (num / den) * (rate.den / rate.num)
    Ok((Frac::new(num * i128::from(rate.den), den * i128::from(rate.num)), rate))
}

/// An OTIO `TimeRange`: start and duration in seconds, and the duration's rate.
fn time_range(v: &Value) -> Result<(Frac, Frac, Rational), String> {
    let (start, _) = rational_time(&v["start_time"]).map_err(|e| format!("start_time {e}"))?;
    let (duration, rate) = rational_time(&v["duration"]).map_err(|e| format!("duration {e}"))?;
    if duration.cmp(Frac::ZERO) == Ordering::Less {
        return Err(format!("has a negative duration ({} s)", duration.f64()));
    }
    Ok((start, duration, rate))
}

fn global_rate(root: &Value) -> Option<Rational> {
    root.get("global_start_time").filter(|v| !v.is_null()).and_then(|v| rational_time(v).ok()).map(|(_, rate)| rate)
}

// ---------------------------------------------------------------------------------------
// Walking the composition.
// ---------------------------------------------------------------------------------------

/// `"Clip.2"` as `("Clip", 2)`; `("", 0)` when there is none.
fn schema_of(v: &Value) -> (&str, u32) {
    let Some(s) = v.get("OTIO_SCHEMA").and_then(Value::as_str) else { return ("", 0) };
    match s.rsplit_once('.') {
        Some((name, version)) => (name, version.parse().unwrap_or(0)),
        None => (s, 0),
    }
}

/// `tracks[0].children[3] (Clip "Interview")`.
fn describe(v: &Value, path: &str) -> String {
    let kind = schema_of(v).0;
    match v.get("name").and_then(Value::as_str).filter(|n| !n.is_empty()) {
        Some(name) => format!("{path} ({kind} {name:?})"),
        None if kind.is_empty() => path.to_owned(),
        None => format!("{path} ({kind})"),
    }
}

fn children(v: &Value) -> &[Value] {
    v.get("children").and_then(Value::as_array).map_or(&[], Vec::as_slice)
}

fn child_path(parent: &str, i: usize) -> String {
    if parent == "tracks" {
        format!("tracks[{i}]")
    } else {
        format!("{parent}.children[{i}]")
    }
}

fn is_enabled(v: &Value) -> bool {
    v.get("enabled").and_then(Value::as_bool).unwrap_or(true)
}

fn is_audio_track(v: &Value) -> bool {
    schema_of(v).0 == "Track" && v.get("kind").and_then(Value::as_str) == Some("Audio")
}

fn is_video_track(v: &Value) -> bool {
    schema_of(v).0 == "Track" && v.get("kind").and_then(Value::as_str).is_none_or(|k| k == "Video")
}

fn any_audio_track(v: &Value) -> bool {
    (is_audio_track(v) && is_enabled(v)) || children(v).iter().any(any_audio_track)
}

/// Where the parts of the timeline go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// The main track (clips and gaps back to back).
    Main,
    /// Video overlays.
    Overlay,
    /// Audio items.
    Audio,
}

/// One piece of the main track, at its output time.
#[derive(Debug, Clone)]
struct Placed {
    start: Frac,
    duration: Frac,
    /// `None`: a gap.
    clip: Option<Source>,
}

/// What a clip plays: its media from `in_point` at `speed`.
#[derive(Debug, Clone)]
struct Source {
    path: String,
    in_point: Frac,
    speed: f64,
    /// How much media there is from media time 0 (its available range), when known.
    media_length: Option<Frac>,
}

/// A transition on the main track, at the output time of the cut it is centred on.
#[derive(Debug, Clone)]
struct Cut {
    at: Frac,
    before: Frac,
    after: Frac,
    kind: String,
    /// `tracks[0].children[3] (Transition "Dissolve")`.
    path: String,
}

#[derive(Default)]
struct Ctx {
    problems: Vec<Problem>,
    warnings: Vec<Problem>,
    main: Vec<Placed>,
    cuts: Vec<Cut>,
    overlays: Vec<OverlayItem>,
    audio: Vec<AudioItem>,
    has_audio: bool,
    saw_main: bool,
    first_rate: Option<Rational>,
}

impl Ctx {
    fn problem(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.problems.push(Problem::new(path, message));
    }

    fn warn(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.warnings.push(Problem::new(path, message));
    }

    /// An item's length in its parent: its source range, else what it holds.
    fn duration(&mut self, v: &Value, path: &str) -> Option<Frac> {
        if let Some(range) = v.get("source_range").filter(|r| !r.is_null()) {
            return match time_range(range) {
                Ok((_, d, _)) => Some(d),
                Err(e) => {
                    self.problem(format!("{path}.source_range"), e);
                    None
                }
            };
        }
        match schema_of(v).0 {
            "Transition" => Some(Frac::ZERO),
            "Clip" => {
                let reference = media_reference(v);
                match reference.and_then(|r| r.get("available_range")).filter(|r| !r.is_null()).map(time_range) {
                    Some(Ok((_, d, _))) => Some(d),
                    Some(Err(e)) => {
                        self.problem(format!("{path}.media_reference.available_range"), e);
                        None
                    }
                    None if reference.is_none_or(|r| schema_of(r).0 == "MissingReference") => {
                        self.problem(
                            describe(v, path),
                            "has no source range and no media to take one from; relink its media in the editor",
                        );
                        None
                    }
                    None => {
                        self.problem(
                            describe(v, path),
                            "has no source range, and its media reference has no available range to take one from",
                        );
                        None
                    }
                }
            }
            "Track" => {
                let mut sum = Frac::ZERO;
                for (i, c) in children(v).iter().enumerate() {
                    sum = sum.add(self.duration(c, &child_path(path, i))?);
                }
                Some(sum)
            }
            "Stack" => {
                let mut longest = Frac::ZERO;
                for (i, c) in children(v).iter().enumerate() {
                    longest = longest.max(self.duration(c, &child_path(path, i))?);
                }
                Some(longest)
            }
            _ => {
                self.problem(describe(v, path), "has no source range, so its length is unknown");
                None
            }
        }
    }

    /// The part of an item's own time that shows: `[start, end)` of its source range, or
    /// from 0 over its whole length.
    fn trimmed(&mut self, v: &Value, path: &str) -> Option<(Frac, Frac)> {
        if let Some(range) = v.get("source_range").filter(|r| !r.is_null()) {
            return match time_range(range) {
                Ok((s, d, _)) => Some((s, s.add(d))),
                Err(e) => {
                    self.problem(format!("{path}.source_range"), e);
                    None
                }
            };
        }
        let start = match media_reference(v).and_then(|r| r.get("available_range")).filter(|r| !r.is_null()).map(time_range) {
            Some(Ok((s, _, _))) => s,
            _ => Frac::ZERO,
        };
        let duration = self.duration(v, path)?;
        Some((start, start.add(duration)))
    }

    /// Effects and markers on an item: reported, never applied.
    fn marks(&mut self, v: &Value, path: &str, role: Role) {
        let applied = speed_of(v, role).is_some();
        for (i, e) in v.get("effects").and_then(Value::as_array).map_or(&[][..], Vec::as_slice).iter().enumerate() {
            let at = describe(e, &format!("{path}.effects[{i}]"));
            let message = match schema_of(e).0 {
                "LinearTimeWarp" if applied => continue,
                "LinearTimeWarp" => {
                    let scalar = e.get("time_scalar").and_then(Value::as_f64).unwrap_or(1.0);
                    let why = if role != Role::Main || schema_of(v).0 != "Clip" {
                        "timeline 1.1 has speed for clips of the main track only".to_owned()
                    } else if scalar <= 0.0 {
                        "reel cannot play media backwards or freeze it".to_owned()
                    } else {
                        format!("timeline 1.1 allows speeds from {MIN_SPEED} to {MAX_SPEED}")
                    };
                    format!("a speed change (x{scalar}) is not rendered ({why}); the clip plays at normal speed for the same length")
                }
                "FreezeFrame" => {
                    "a freeze frame is not rendered (timeline 1.1 has no freeze frames); the clip plays at normal speed for the same length"
                        .to_owned()
                }
                _ => {
                    let name = e.get("effect_name").and_then(Value::as_str).filter(|n| !n.is_empty()).unwrap_or("unnamed");
                    format!("the effect {name:?} is not rendered by reel; left out")
                }
            };
            self.warn(at, message);
        }
        for (i, m) in v.get("markers").and_then(Value::as_array).map_or(&[][..], Vec::as_slice).iter().enumerate() {
            let at = describe(m, &format!("{path}.markers[{i}]"));
            let when = m
                .get("marked_range")
                .and_then(|r| time_range(r).ok())
                .map_or(String::new(), |(s, _, _)| format!(" at {:.3} s of its item's own time", s.f64()));
            self.warn(at, format!("a marker{when}; markers are not rendered, left out"));
        }
    }

    /// A stack whose own time `window` shows, own time t at output time t + `shift`. Its
    /// children all start at its time 0; the first video layer takes the role of the stack
    /// (the main track for the timeline's stack), the higher ones are overlays.
    fn stack(&mut self, v: &Value, path: &str, role: Role, window: (Frac, Frac), shift: Frac) {
        let mut main_taken = role != Role::Main;
        for (i, layer) in children(v).iter().enumerate() {
            let at = child_path(path, i);
            if !is_enabled(layer) {
                self.warn(describe(layer, &at), "is disabled in the OTIO file; left out");
                continue;
            }
            let layer_role = if is_audio_track(layer) {
                Role::Audio
            } else if schema_of(layer).0 == "Transition" {
                self.warn(describe(layer, &at), "is a transition outside a track; left out");
                continue;
            } else if schema_of(layer).0 == "Track" && !is_video_track(layer) {
                let kind = layer.get("kind").and_then(Value::as_str).unwrap_or("unknown");
                self.warn(describe(layer, &at), format!("is a track of kind {kind:?}, which reel cannot render; left out"));
                continue;
            } else if role == Role::Audio {
                self.warn(describe(layer, &at), "is video inside an audio track; left out");
                continue;
            } else if main_taken {
                Role::Overlay
            } else {
                main_taken = true;
                Role::Main
            };
            let Some((own_start, own_end)) = self.trimmed(layer, &at) else { continue };
            // The stack's time t is the layer's own time own_start + t.
            let from = own_start.add(window.0).max(own_start);
            let to = own_start.add(window.1).min(own_end);
            self.marks(layer, &at, layer_role);
            if to.cmp(from) != Ordering::Greater {
                continue;
            }
            self.item(layer, &at, layer_role, (from, to), shift.sub(own_start));
        }
    }

    /// A track whose own time `window` shows, own time t at output time t + `shift`. Its
    /// children play back to back from its time 0; transitions take no time.
    fn track(&mut self, v: &Value, path: &str, role: Role, window: (Frac, Frac), shift: Frac) {
        if role == Role::Main {
            self.saw_main = true;
        }
        let mut position = Frac::ZERO;
        for (i, child) in children(v).iter().enumerate() {
            let at = child_path(path, i);
            if schema_of(child).0 == "Transition" {
                let kind = child.get("transition_type").and_then(Value::as_str).unwrap_or("unknown").to_owned();
                let offset = |key: &str| child.get(key).and_then(|t| rational_time(t).ok()).map(|(t, _)| t);
                let (before, after) = (offset("in_offset"), offset("out_offset"));
                // The cut it is centred on, if it shows (a parent may trim it away).
                let shows = position.cmp(window.0) == Ordering::Greater && position.cmp(window.1) == Ordering::Less;
                match (role, before, after) {
                    (Role::Main, Some(before), Some(after)) if shows => {
                        self.cuts.push(Cut { at: position.add(shift), before, after, kind, path: describe(child, &at) });
                    }
                    (Role::Main, Some(_), Some(_)) => {}
                    (Role::Main, _, _) => {
                        self.warn(describe(child, &at), "has no readable in_offset and out_offset; the clips cut at that point instead");
                    }
                    _ => self.warn(
                        describe(child, &at),
                        format!("a {kind} transition off the main track is not rendered (timeline 1.1 has transitions on the main track only); the clips cut at that point instead"),
                    ),
                }
                continue;
            }
            let Some(length) = self.duration(child, &at) else { continue };
            let (item_start, item_end) = (position, position.add(length));
            position = item_end;
            let from = item_start.max(window.0);
            let to = item_end.min(window.1);
            if to.cmp(from) != Ordering::Greater {
                continue;
            }
            self.marks(child, &at, role);
            if !is_enabled(child) {
                self.warn(describe(child, &at), "is disabled in the OTIO file; left out");
                self.place(role, from.add(shift), to.sub(from), None);
                continue;
            }
            let Some((own_start, _)) = self.trimmed(child, &at) else { continue };
            // The track's time item_start is the child's own time own_start.
            let own = (own_start.add(from.sub(item_start)), own_start.add(to.sub(item_start)));
            self.item(child, &at, role, own, shift.add(item_start).sub(own_start));
        }
    }

    /// Any composable whose own time `window` shows, own time t at output time t + `shift`.
    fn item(&mut self, v: &Value, path: &str, role: Role, window: (Frac, Frac), shift: Frac) {
        let out = window.0.add(shift);
        let length = window.1.sub(window.0);
        match schema_of(v).0 {
            "Track" => self.track(v, path, role, window, shift),
            "Stack" => self.stack(v, path, role, window, shift),
            "Gap" => self.place(role, out, length, None),
            "Clip" => {
                if role == Role::Main && self.first_rate.is_none() {
                    self.first_rate = v.get("source_range").and_then(|r| time_range(r).ok()).map(|(_, _, rate)| rate);
                }
                if let Some(source) = self.media(v, path) {
                    // A time-warped clip plays `speed` seconds of its media per second of its
                    // place in the track, from the start of its source range.
                    let speed = speed_of(v, role).unwrap_or(1.0);
                    let own_start = self.trimmed(v, path).map_or(window.0, |(s, _)| s);
                    let in_point = own_start.add(window.0.sub(own_start).at_speed(speed)).sub(Self::media_start(v));
                    if in_point.cmp(Frac::ZERO) == Ordering::Less {
                        self.problem(
                            describe(v, path),
                            format!(
                                "starts {:.6} s before its media's available range; fix its source range in the editor",
                                -in_point.f64()
                            ),
                        );
                        return;
                    }
                    let media_length = media_reference(v)
                        .and_then(|r| r.get("available_range"))
                        .filter(|r| !r.is_null())
                        .and_then(|r| time_range(r).ok())
                        .map(|(_, d, _)| d);
                    self.place(role, out, length, Some(Source { path: source, in_point, speed, media_length }));
                } else {
                    self.place(role, out, length, None);
                }
            }
            other => {
                self.warn(describe(v, path), format!("is an OTIO {other}, which reel cannot render; it becomes a gap"));
                self.place(role, out, length, None);
            }
        }
    }

    /// Where a clip's media time 0 is: its media's available range start (media with a
    /// timecode starting at 01:00:00:00 has clips whose source ranges start there).
    fn media_start(clip: &Value) -> Frac {
        match media_reference(clip).and_then(|r| r.get("available_range")).filter(|r| !r.is_null()).map(time_range) {
            Some(Ok((s, _, _))) => s,
            _ => Frac::ZERO,
        }
    }

    /// The local path of a clip's media; `None` (with a problem or a warning) when there is
    /// none reel can read.
    fn media(&mut self, clip: &Value, path: &str) -> Option<String> {
        let at = describe(clip, path);
        let Some(reference) = media_reference(clip) else {
            self.problem(at, "has no media reference; relink its media in the editor and export again");
            return None;
        };
        match schema_of(reference).0 {
            "ExternalReference" => {
                let url = reference.get("target_url").and_then(Value::as_str).unwrap_or_default();
                if url.is_empty() {
                    self.problem(at, "has a media reference without a target URL; relink its media in the editor");
                    return None;
                }
                match url_to_path(url) {
                    Ok(p) => Some(p),
                    Err(e) => {
                        self.problem(at, e);
                        None
                    }
                }
            }
            "MissingReference" => {
                let name = reference.get("name").and_then(Value::as_str).filter(|n| !n.is_empty());
                let what = name.map_or(String::new(), |n| format!(" (it was {n:?})"));
                self.problem(at, format!("has a missing media reference{what}: the editor did not know where its media is. Relink the media in the editor and export the OTIO again"));
                None
            }
            "GeneratorReference" => {
                let kind = reference.get("generator_kind").and_then(Value::as_str).unwrap_or("unknown");
                self.warn(at, format!("is generated media ({kind}), which reel cannot render; it becomes a black gap (render it to a file in the editor to keep it)"));
                None
            }
            "ImageSequenceReference" => {
                self.problem(at, "is an image sequence, which reel does not read; render it to a video file in the editor");
                None
            }
            other => {
                self.problem(at, format!("has a media reference of kind {other:?}, which reel does not read"));
                None
            }
        }
    }

    fn place(&mut self, role: Role, start: Frac, duration: Frac, clip: Option<Source>) {
        if duration.cmp(Frac::ZERO) != Ordering::Greater {
            return;
        }
        match (role, clip) {
            (Role::Main, clip) => self.main.push(Placed { start, duration, clip }),
            (Role::Overlay, Some(source)) => self.overlays.push(OverlayItem {
                video: Some(source.path),
                in_: (source.in_point.num != 0).then(|| Time(source.in_point.f64())),
                start: Time(start.f64()),
                end: Time(start.add(duration).f64()),
                ..OverlayItem::default()
            }),
            (Role::Audio, Some(source)) => self.audio.push(AudioItem {
                source: source.path,
                in_: Some(Time(source.in_point.f64())),
                out: Some(Time(source.in_point.add(duration).f64())),
                start: Some(Time(start.f64())),
                ..AudioItem::default()
            }),
            (Role::Overlay | Role::Audio, None) => {}
        }
    }
}

/// The speed a `LinearTimeWarp` gives a clip of the main track (the product of its time
/// scalars), when timeline 1.1 can play it; `None` at normal speed, off the main track, or
/// out of range (those are warnings, [`Ctx::marks`]).
fn speed_of(v: &Value, role: Role) -> Option<f64> {
    let effects = v.get("effects").and_then(Value::as_array)?;
    let warps: Vec<f64> = effects
        .iter()
        .filter(|e| schema_of(e).0 == "LinearTimeWarp")
        .map(|e| e.get("time_scalar").and_then(Value::as_f64).unwrap_or(1.0))
        .collect();
    let speed: f64 = warps.iter().product();
    let usable = role == Role::Main && schema_of(v).0 == "Clip" && !warps.is_empty() && (MIN_SPEED..=MAX_SPEED).contains(&speed);
    (usable && (speed - 1.0).abs() > f64::EPSILON).then_some(speed)
}

/// The clip's active media reference (`Clip.2`'s `media_references`, or `Clip.1`'s
/// `media_reference`); `None` when there is none or it is null.
fn media_reference(clip: &Value) -> Option<&Value> {
    let reference = match clip.get("media_references").and_then(Value::as_object) {
        Some(refs) => {
            let key = clip.get("active_media_reference_key").and_then(Value::as_str).unwrap_or("DEFAULT_MEDIA");
            refs.get(key)
        }
        None => clip.get("media_reference"),
    };
    reference.filter(|r| !r.is_null())
}

/// One item of the main track while it is built, with exact times.
#[derive(Debug, Clone)]
struct Piece {
    start: Frac,
    end: Frac,
    /// `None`: a gap.
    clip: Option<Source>,
    fade_in: Option<Frac>,
    fade_out: Option<Frac>,
}

impl Piece {
    fn length(&self) -> Frac {
        self.end.sub(self.start)
    }
}

/// The main track's items, back to back: the placed pieces in order, holes and the end up
/// to `length` filled with gaps, then the transitions at their cuts.
fn main_track(mut placed: Vec<Placed>, mut cuts: Vec<Cut>, length: Frac, muted: bool, warnings: &mut Vec<Problem>) -> Vec<VideoItem> {
    placed.sort_by(|a, b| a.start.cmp(b.start));
    let mut pieces: Vec<Piece> = Vec::with_capacity(placed.len() + 1);
    let gap = |pieces: &mut Vec<Piece>, from: Frac, to: Frac| {
        if to.cmp(from) != Ordering::Greater {
            return;
        }
        // Neighbouring gaps are one gap.
        match pieces.last_mut() {
            Some(last) if last.clip.is_none() => last.end = to,
            _ => pieces.push(Piece { start: from, end: to, clip: None, fade_in: None, fade_out: None }),
        }
    };
    let mut cursor = Frac::ZERO;
    for p in placed {
        let start = p.start.max(cursor);
        gap(&mut pieces, cursor, start);
        let end = p.start.add(p.duration);
        if end.cmp(start) != Ordering::Greater {
            continue;
        }
        match p.clip {
            Some(mut source) => {
                source.in_point = source.in_point.add(start.sub(p.start).at_speed(source.speed));
                pieces.push(Piece { start, end, clip: Some(source), fade_in: None, fade_out: None });
            }
            None => gap(&mut pieces, start, end),
        }
        cursor = end;
    }
    gap(&mut pieces, cursor, length);

    // Transitions, each at the cut between two pieces.
    cuts.sort_by(|a, b| a.at.cmp(b.at));
    let mut joins: Vec<(usize, Cut)> = Vec::new();
    for cut in cuts {
        let duration = cut.before.add(cut.after);
        if duration.cmp(Frac::ZERO) != Ordering::Greater {
            continue;
        }
        let Some(k) = pieces.windows(2).position(|w| w[0].end.cmp(cut.at) == Ordering::Equal && w[1].start.cmp(cut.at) == Ordering::Equal)
        else {
            warnings.push(Problem::new(cut.path, "is not between two items of the main track; the clips cut at that point instead"));
            continue;
        };
        if let Some(why) = join(&mut pieces, k, &cut) {
            warnings.push(Problem::new(cut.path, format!("{why}; the clips cut at that point instead")));
            continue;
        }
        if cut.kind != "SMPTE_Dissolve" {
            warnings.push(Problem::new(
                cut.path.clone(),
                format!("a {} transition is drawn as a crossfade (timeline 1.1 has crossfade and dip)", cut.kind),
            ));
        }
        joins.push((k, cut));
    }

    let mut items: Vec<VideoItem> = Vec::with_capacity(pieces.len() + joins.len());
    for (k, piece) in pieces.iter().enumerate() {
        if piece.clip.is_none() && piece.length().cmp(Frac::ZERO) != Ordering::Greater {
            // A gap a fade took whole.
            continue;
        }
        let seconds = |f: Option<Frac>| f.map(|f| Time(f.f64()));
        items.push(match &piece.clip {
            Some(source) => VideoItem {
                source: Some(source.path.clone()),
                in_: Some(Time(source.in_point.f64())),
                out: Some(Time(source.in_point.add(piece.length().at_speed(source.speed)).f64())),
                audio: muted.then_some(false),
                speed: ((source.speed - 1.0).abs() > f64::EPSILON).then_some(source.speed),
                fade_in: seconds(piece.fade_in),
                fade_out: seconds(piece.fade_out),
                ..VideoItem::default()
            },
            None => VideoItem { gap: Some(Time(piece.length().f64())), ..VideoItem::default() },
        });
        let between_clips = piece.clip.is_some() && pieces.get(k + 1).is_some_and(|p| p.clip.is_some());
        if let Some((_, cut)) = joins.iter().find(|(j, _)| *j == k).filter(|_| between_clips) {
            items.push(VideoItem {
                transition: Some(TransitionKind::Crossfade),
                duration: Some(Time(cut.before.add(cut.after).f64())),
                ..VideoItem::default()
            });
        }
    }
    items
}

/// Makes the cut between pieces `k` and `k + 1` the transition `cut` (OTIO centres it on
/// the cut: both clips reach into their media handles, the one before by `after`, the one
/// after by `before`); from or to a gap (black), a fade of the clip over the same frames.
/// `Some(why not)` when the media has no handles for it.
fn join(pieces: &mut [Piece], k: usize, cut: &Cut) -> Option<String> {
    let duration = cut.before.add(cut.after);
    let s = |f: Frac| format!("{:.3} s", f.f64());
    // The outgoing clip runs `after` longer, within its media.
    if let Some(source) = &pieces[k].clip {
        let out = source.in_point.add(pieces[k].length().add(cut.after).at_speed(source.speed));
        if source.media_length.is_some_and(|m| out.cmp(m) == Ordering::Greater) {
            return Some(format!("needs {} of {} after the clip's end, which its media does not have", s(cut.after), source.path));
        }
    } else if pieces[k].length().cmp(cut.before) == Ordering::Less {
        return Some("reaches back past the start of the gap before it".to_owned());
    }
    // The incoming clip starts `before` earlier in its media.
    if let Some(source) = &pieces[k + 1].clip {
        if source.in_point.cmp(cut.before.at_speed(source.speed)) == Ordering::Less {
            return Some(format!("needs {} of {} before the clip's start, which its media does not have", s(cut.before), source.path));
        }
    } else if pieces[k + 1].length().cmp(cut.after) == Ordering::Less {
        return Some("reaches past the end of the gap after it".to_owned());
    }
    match (pieces[k].clip.is_some(), pieces[k + 1].clip.is_some()) {
        (true, true) => {
            // The clips overlap by the transition: the one before ends `after` later, the one
            // after starts `before` earlier; the timeline keeps its length.
            pieces[k].end = pieces[k].end.add(cut.after);
            let next = &mut pieces[k + 1];
            next.start = next.start.sub(cut.before);
            if let Some(source) = &mut next.clip {
                source.in_point = source.in_point.sub(cut.before.at_speed(source.speed));
            }
        }
        (false, true) => {
            pieces[k].end = pieces[k].end.sub(cut.before);
            let next = &mut pieces[k + 1];
            next.start = next.start.sub(cut.before);
            if let Some(source) = &mut next.clip {
                source.in_point = source.in_point.sub(cut.before.at_speed(source.speed));
            }
            next.fade_in = Some(duration);
        }
        (true, false) => {
            pieces[k].end = pieces[k].end.add(cut.after);
            pieces[k].fade_out = Some(duration);
            pieces[k + 1].start = pieces[k + 1].start.add(cut.after);
        }
        (false, false) => {}
    }
    None
}

/// A media URL as a local path: `file:///a/b%20c.mp4` is `/a/b c.mp4`. A URL without a
/// scheme is a path (relative ones are relative to the OTIO file's folder), percent-decoded
/// like OTIO's own `filepath_from_url` when it holds valid `%XX` escapes, else as written
/// (editors also write plain paths there).
fn url_to_path(url: &str) -> Result<String, String> {
    let scheme_end = url.find(':').filter(|&i| {
        i > 1
            && url[..i].chars().enumerate().all(|(k, c)| {
                if k == 0 {
                    c.is_ascii_alphabetic()
                } else {
                    c.is_ascii_alphanumeric() || "+.-".contains(c)
                }
            })
    });
    let Some(end) = scheme_end else { return Ok(percent_decode(url).unwrap_or_else(|| url.to_owned())) };
    let scheme = url[..end].to_ascii_lowercase();
    if scheme != "file" {
        return Err(format!("has its media at {url}; reel reads local files only, so download it and relink the clip to the file"));
    }
    let rest = &url[end + 1..];
    let path = match rest.strip_prefix("//") {
        Some(after) => {
            let slash = after.find('/').unwrap_or(after.len());
            let host = &after[..slash];
            if !host.is_empty() && !host.eq_ignore_ascii_case("localhost") {
                return Err(format!("has its media on another machine ({url}); copy it to this one and relink the clip"));
            }
            &after[slash..]
        }
        None => rest,
    };
    let decoded = percent_decode(path).ok_or_else(|| format!("has a media URL that is not valid ({url}); relink the clip"))?;
    // file:///C:/media/a.mp4 is C:/media/a.mp4 on Windows.
    let bytes = decoded.as_bytes();
    if bytes.len() > 3 && bytes[0] == b'/' && bytes[1].is_ascii_alphabetic() && bytes[2] == b':' {
        return Ok(decoded[1..].to_owned());
    }
    Ok(decoded)
}

fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let s = String::from_utf8(out).ok()?;
    (!s.contains('\0')).then_some(s)
}

#[cfg(test)]
#[allow(clippy::float_cmp, clippy::needless_pass_by_value)] // exactness is the point; the builders read like OTIO
mod tests {
    use super::*;
    use serde_json::json;

    fn rt(value: f64, rate: f64) -> Value {
        json!({"OTIO_SCHEMA": "RationalTime.1", "value": value, "rate": rate})
    }

    fn range(start: f64, duration: f64, rate: f64) -> Value {
        json!({"OTIO_SCHEMA": "TimeRange.1", "start_time": rt(start, rate), "duration": rt(duration, rate)})
    }

    fn clip(name: &str, url: &str, start: f64, duration: f64, rate: f64) -> Value {
        json!({
            "OTIO_SCHEMA": "Clip.2", "name": name, "source_range": range(start, duration, rate),
            "media_references": {"DEFAULT_MEDIA": {"OTIO_SCHEMA": "ExternalReference.1", "target_url": url, "available_range": null}},
            "active_media_reference_key": "DEFAULT_MEDIA", "effects": [], "markers": [], "enabled": true
        })
    }

    fn gap(duration: f64, rate: f64) -> Value {
        json!({"OTIO_SCHEMA": "Gap.1", "source_range": range(0.0, duration, rate), "effects": [], "markers": []})
    }

    fn track(kind: &str, children: Vec<Value>) -> Value {
        json!({"OTIO_SCHEMA": "Track.1", "kind": kind, "children": children, "source_range": null, "effects": [], "markers": []})
    }

    fn timeline(tracks: Vec<Value>) -> String {
        json!({"OTIO_SCHEMA": "Timeline.1", "name": "t", "global_start_time": null,
               "tracks": {"OTIO_SCHEMA": "Stack.1", "children": tracks, "source_range": null, "effects": [], "markers": []}})
        .to_string()
    }

    fn as_json(imported: &Imported) -> Value {
        serde_json::to_value(&imported.timeline).unwrap()
    }

    #[test]
    fn ntsc_times_are_exact() {
        let rate = 30000.0 / 1001.0;
        let t = timeline(vec![track("Video", vec![clip("a", "file:///m/a%20b.mp4", 100.0, 50.0, rate), gap(30.0, rate)])]);
        let got = as_json(&import(&t).unwrap());
        assert_eq!(got["output"]["fps"], "30000/1001");
        assert_eq!(got["video"][0]["source"], "/m/a b.mp4");
        assert_eq!(got["video"][0]["in"].as_f64().unwrap(), 100.0 * 1001.0 / 30000.0);
        assert_eq!(got["video"][0]["out"].as_f64().unwrap(), 150.0 * 1001.0 / 30000.0);
        assert_eq!(got["video"][1]["gap"].as_f64().unwrap(), 30.0 * 1001.0 / 30000.0);
        assert!(got["video"][0].get("audio").is_none(), "no audio tracks: the clip keeps its sound");
    }

    #[test]
    fn upper_tracks_are_overlays_and_audio_tracks_mute_the_main_track() {
        let t = timeline(vec![
            track("Video", vec![clip("a", "a.mp4", 0.0, 48.0, 24.0)]),
            track("Video", vec![gap(12.0, 24.0), clip("pip", "b.mp4", 24.0, 12.0, 24.0)]),
            track("Audio", vec![gap(6.0, 24.0), clip("m", "music.wav", 48000.0, 96000.0, 48000.0)]),
        ]);
        let got = as_json(&import(&t).unwrap());
        assert_eq!(got["video"][0]["audio"], false);
        assert_eq!(got["overlays"][0], json!({"video": "b.mp4", "in": 1.0, "start": 0.5, "end": 1.0}));
        assert_eq!(got["audio"][0], json!({"source": "music.wav", "in": 1.0, "out": 3.0, "start": 0.25}));
        // The audio runs to 2.25 s, past the video's 2 s: the main track is padded.
        assert_eq!(got["video"][1]["gap"].as_f64().unwrap(), 0.25);
    }

    #[test]
    fn nested_stack_is_flattened_within_its_source_range() {
        let inner = json!({
            "OTIO_SCHEMA": "Stack.1", "name": "compound", "source_range": range(12.0, 24.0, 24.0), "effects": [], "markers": [],
            "children": [track("Video", vec![clip("x", "x.mp4", 0.0, 24.0, 24.0), clip("y", "y.mp4", 48.0, 24.0, 24.0)])]
        });
        let t = timeline(vec![track("Video", vec![clip("a", "a.mp4", 0.0, 24.0, 24.0), inner])]);
        let got = as_json(&import(&t).unwrap());
        let video = got["video"].as_array().unwrap();
        assert_eq!(video.len(), 3, "{video:?}");
        assert_eq!((video[1]["source"].as_str(), video[1]["in"].as_f64(), video[1]["out"].as_f64()), (Some("x.mp4"), Some(0.5), Some(1.0)));
        assert_eq!((video[2]["source"].as_str(), video[2]["in"].as_f64(), video[2]["out"].as_f64()), (Some("y.mp4"), Some(2.0), Some(2.5)));
    }

    fn dissolve(before: f64, after: f64) -> Value {
        json!({"OTIO_SCHEMA": "Transition.1", "name": "Dissolve", "transition_type": "SMPTE_Dissolve",
               "in_offset": rt(before, 24.0), "out_offset": rt(after, 24.0)})
    }

    #[test]
    fn transitions_and_speed_become_timeline_1_1() {
        // A at double speed for 1 s of the track, a 0.5 s dissolve centred on the cut, B
        // from its second 1: the dissolve reaches 0.25 s into each clip's handles.
        let mut a = clip("a", "a.mp4", 0.0, 24.0, 24.0);
        a["effects"] = json!([{"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "fast", "effect_name": "LinearTimeWarp", "time_scalar": 2.0}]);
        a["markers"] = json!([{"OTIO_SCHEMA": "Marker.2", "name": "note", "marked_range": range(6.0, 0.0, 24.0), "color": "RED"}]);
        let t = timeline(vec![track("Video", vec![a, dissolve(6.0, 6.0), clip("b", "b.mp4", 24.0, 24.0, 24.0)])]);
        let imported = import(&t).unwrap();
        let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
        assert_eq!(warnings.len(), 1, "{warnings:?}");
        assert!(warnings[0].starts_with("tracks[0].children[0].markers[0] (Marker \"note\"): a marker at 0.250 s of its item's own time"));
        let got = as_json(&imported);
        assert_eq!(got["video"][0], json!({"source": "a.mp4", "in": 0.0, "out": 2.5, "speed": 2.0}));
        assert_eq!(got["video"][1], json!({"transition": "crossfade", "duration": 0.5}));
        assert_eq!(got["video"][2], json!({"source": "b.mp4", "in": 0.75, "out": 2.0}));
    }

    #[test]
    fn a_dissolve_from_or_to_a_gap_is_a_fade_and_one_without_handles_is_a_cut() {
        let t = timeline(vec![track(
            "Video",
            vec![gap(24.0, 24.0), dissolve(12.0, 12.0), clip("a", "a.mp4", 24.0, 48.0, 24.0), dissolve(6.0, 6.0), gap(24.0, 24.0)],
        )]);
        let got = as_json(&import(&t).unwrap());
        assert_eq!(got["video"][0], json!({"gap": 0.5}));
        assert_eq!(got["video"][1], json!({"source": "a.mp4", "in": 0.5, "out": 3.25, "fade_in": 1.0, "fade_out": 0.5}));
        assert_eq!(got["video"][2], json!({"gap": 0.75}));
        // B has no media before its start.
        let t = timeline(vec![track(
            "Video",
            vec![clip("a", "a.mp4", 0.0, 24.0, 24.0), dissolve(6.0, 6.0), clip("b", "b.mp4", 0.0, 24.0, 24.0)],
        )]);
        let imported = import(&t).unwrap();
        assert_eq!(imported.timeline.video.len(), 2, "a cut");
        assert_eq!(
            imported.warnings[0].to_string(),
            "tracks[0].children[1] (Transition \"Dissolve\"): needs 0.250 s of b.mp4 before the clip's start, which its media does not have; the clips cut at that point instead"
        );
    }

    #[test]
    fn speed_off_the_main_track_or_out_of_range_is_a_warning() {
        let mut slow = clip("slow", "a.mp4", 0.0, 24.0, 24.0);
        slow["effects"] = json!([{"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "slow", "time_scalar": 0.1}]);
        let mut pip = clip("pip", "b.mp4", 0.0, 24.0, 24.0);
        pip["effects"] = json!([{"OTIO_SCHEMA": "LinearTimeWarp.1", "name": "fast", "time_scalar": 2.0}]);
        let t = timeline(vec![track("Video", vec![slow]), track("Video", vec![pip])]);
        let imported = import(&t).unwrap();
        let warnings: Vec<String> = imported.warnings.iter().map(ToString::to_string).collect();
        assert!(warnings.iter().any(|w| w.contains("(x0.1) is not rendered (timeline 1.1 allows speeds from 0.25 to 4)")), "{warnings:?}");
        assert!(
            warnings.iter().any(|w| w.contains("(x2) is not rendered (timeline 1.1 has speed for clips of the main track only)")),
            "{warnings:?}"
        );
        assert!(as_json(&imported)["video"][0].get("speed").is_none());
    }

    #[test]
    fn missing_media_is_an_error_at_its_path() {
        let mut a = clip("lost", "", 0.0, 24.0, 24.0);
        a["media_references"]["DEFAULT_MEDIA"] = json!({"OTIO_SCHEMA": "MissingReference.1", "name": "A001.mov"});
        let t = timeline(vec![track("Video", vec![clip("ok", "a.mp4", 0.0, 24.0, 24.0), a])]);
        let e = import(&t).unwrap_err();
        assert_eq!(e.problems.len(), 1);
        assert_eq!(e.problems[0].path, "tracks[0].children[1] (Clip \"lost\")");
        assert!(e.problems[0].message.contains("missing media reference (it was \"A001.mov\")"), "{e}");
    }

    #[test]
    fn urls() {
        assert_eq!(url_to_path("file:///C:/m/a.mp4").unwrap(), "C:/m/a.mp4");
        assert_eq!(url_to_path("file://localhost/m/a.mp4").unwrap(), "/m/a.mp4");
        assert_eq!(url_to_path("media/a.mp4").unwrap(), "media/a.mp4");
        assert_eq!(url_to_path("media/a%20b.mp4").unwrap(), "media/a b.mp4");
        assert_eq!(url_to_path("media/100% real.mp4").unwrap(), "media/100% real.mp4");
        assert_eq!(url_to_path("C:\\m\\a.mp4").unwrap(), "C:\\m\\a.mp4");
        assert!(url_to_path("https://example.com/a.mp4").unwrap_err().contains("local files only"));
        assert!(url_to_path("file://server/share/a.mp4").unwrap_err().contains("another machine"));
        assert!(url_to_path("file:///a%zz.mp4").is_err());
    }

    #[test]
    fn media_timecode_start_is_subtracted() {
        let mut a = clip("a", "a.mov", 86_400.0 + 48.0, 24.0, 24.0);
        a["media_references"]["DEFAULT_MEDIA"]["available_range"] = range(86_400.0, 2400.0, 24.0);
        let got = as_json(&import(&timeline(vec![track("Video", vec![a])])).unwrap());
        assert_eq!(got["video"][0]["in"].as_f64(), Some(2.0));
    }

    #[test]
    fn not_otio_is_a_sentence() {
        assert!(import("{}").unwrap_err().to_string().contains("not an OpenTimelineIO file"));
        assert!(import("[").unwrap_err().to_string().contains("not valid JSON"));
        assert!(import(&timeline(vec![])).unwrap_err().to_string().contains("is empty"));
    }
}
