//! Output settings from their four sources, and `reel settings`, which shows the effective
//! value of each and where it came from.
//!
//! Precedence: command-line flag > the timeline's `output` > the settings file > built-in
//! default. [`effective`] is what `export` and `plan` use, so `reel settings TIMELINE
//! --preset draft` shows exactly what an export with the same arguments would use.

use super::{print_json, print_out, Result};
use crate::{Cli, OutputFlags, SettingsArgs};
use reel_core::timeline::{Dimension, FrameRateSetting, OutputSettings, Preset, VideoCodec};
use reel_engine::settings::{self, Settings};
use reel_engine::Error;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

/// Turns the override flags into output settings; a bad value is a usage error.
pub(crate) fn flag_settings(f: &OutputFlags) -> Result<OutputSettings> {
    flag_values(f).map_err(Error::Usage)
}

fn flag_values(f: &OutputFlags) -> std::result::Result<OutputSettings, String> {
    let bad = |flag: &str, value: &str, expected: &str| format!("--{flag} {value:?} is not {expected}");
    let dim = |flag: &str, v: &Option<String>| -> std::result::Result<Option<Dimension>, String> {
        v.as_deref()
            .map(|s| match s {
                "source" => Ok(Dimension::Source),
                n => n
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=16384).contains(n))
                    .map(Dimension::Pixels)
                    .ok_or_else(|| bad(flag, s, "a number of pixels or \"source\"")),
            })
            .transpose()
    };
    Ok(OutputSettings {
        width: dim("width", &f.width)?,
        height: dim("height", &f.height)?,
        fps: f
            .fps
            .as_deref()
            .map(|s| {
                if s == "source" {
                    Ok(FrameRateSetting::Source)
                } else {
                    reel_core::Rational::parse(s).map(FrameRateSetting::Rate).ok_or_else(|| bad("fps", s, "a frame rate or \"source\""))
                }
            })
            .transpose()?,
        preset: f
            .preset
            .as_deref()
            .map(|s| match s {
                "draft" => Ok(Preset::Draft),
                "preview" => Ok(Preset::Preview),
                "production" => Ok(Preset::Production),
                "auto" => Ok(Preset::Auto),
                _ => Err(bad("preset", s, "draft, preview, production or auto")),
            })
            .transpose()?,
        video_codec: f
            .video_codec
            .as_deref()
            .map(|s| match s {
                "h264" => Ok(VideoCodec::H264),
                "hevc" | "h265" => Ok(VideoCodec::Hevc),
                _ => Err(bad("video-codec", s, "h264 or hevc")),
            })
            .transpose()?,
        encoder: f.encoder.clone(),
        quality: f.quality,
        draft_downscale: f.draft_downscale.then_some(true),
        ..OutputSettings::default()
    })
}

/// The user's settings file; a broken one is exit 3 with its line.
pub(crate) fn user_settings() -> Result<Settings> {
    Ok(settings::load()?)
}

/// The settings an export uses: flags over the timeline over the settings file (the
/// planner supplies the built-in defaults for what is still unset).
pub(crate) fn effective(flags: &OutputSettings, timeline: &OutputSettings, file: &Settings) -> OutputSettings {
    flags.or(timeline).or(&file.file.output)
}

/// Where `reel export TIMELINE` writes without `-o`: `TIMELINE-NAME.mp4` in the settings
/// file's `output_folder`, else beside the timeline.
pub(crate) fn default_output(timeline: &Path, file: &Settings) -> PathBuf {
    let name = format!("{}.mp4", timeline.file_stem().map_or_else(|| "export".into(), |s| s.to_string_lossy()));
    match &file.file.output_folder {
        Some(folder) => folder.join(name),
        None => timeline.parent().unwrap_or(Path::new("")).join(name),
    }
}

pub(crate) fn run(_cli: &Cli, args: &SettingsArgs) -> Result {
    if args.init {
        return init();
    }
    let file = user_settings()?;
    let flags = flag_settings(&args.output)?;
    let timeline = match &args.timeline {
        Some(path) => Some(reel_engine::read_timeline(path)?),
        None => None,
    };
    let timeline_label = args.timeline.as_ref().map(|p| format!("timeline ({})", p.display()));
    let empty = OutputSettings::default();
    let mut layers: Vec<(&str, &OutputSettings)> = vec![("flag", &flags)];
    if let (Some(t), Some(label)) = (&timeline, &timeline_label) {
        layers.push((label.as_str(), &t.output));
    }
    layers.push(("settings file", if file.found { &file.file.output } else { &empty }));
    let mut rows = OutputSettings::provenance(&layers);
    rows.push(match (&file.file.output_folder, &args.timeline) {
        (Some(folder), _) => ("output_folder".to_owned(), json!(folder), "settings file".to_owned()),
        (None, Some(t)) => (
            "output_folder".to_owned(),
            json!(t.parent().unwrap_or(Path::new("")).display().to_string()),
            "default (beside the timeline)".to_owned(),
        ),
        (None, None) => ("output_folder".to_owned(), Value::Null, "default (beside the timeline)".to_owned()),
    });
    let log = reel_engine::export_log::log_path();
    let logged = log.as_deref().map(reel_engine::export_log::count);
    if args.json {
        return print_json(&json!({
            "settings_file": { "path": file.path, "found": file.found },
            "export_log": { "path": log, "exports": logged.and_then(std::result::Result::ok).flatten() },
            "settings": rows.iter().map(|(name, value, source)| json!({ "name": name, "value": value, "source": source })).collect::<Vec<_>>(),
        }));
    }
    let mut out = match (&file.path, file.found) {
        (Some(p), true) => format!("settings file: {}\n", p.display()),
        (Some(p), false) => {
            format!("settings file: {} (none there: built-in defaults apply; `reel settings --init` writes one to edit)\n", p.display())
        }
        (None, _) => "settings file: none (this platform has no config folder; set REEL_CONFIG_DIR)\n".to_owned(),
    };
    out.push_str(&match (&log, logged) {
        (Some(p), Some(Ok(Some(n)))) => format!("export log:    {} ({n} exports; `reel stats` sums them up)\n", p.display()),
        (Some(p), Some(Ok(None))) => format!("export log:    {} (no exports yet)\n", p.display()),
        (Some(p), Some(Err(e))) => format!("export log:    {} (unreadable: {e})\n", p.display()),
        _ => "export log:    none (this platform has no data folder; set REEL_DATA_DIR)\n".to_owned(),
    });
    out.push('\n');
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
    let shown: Vec<String> = rows
        .iter()
        .map(|(name, v, _)| match v {
            Value::Null if name == "quality" => "(from the preset)".to_owned(),
            Value::Null => "(beside the timeline)".to_owned(),
            Value::String(s) => s.clone(),
            other => other.to_string(),
        })
        .collect();
    let value_width = shown.iter().map(String::len).max().unwrap_or(0).max(5);
    out.push_str(&format!("{:<width$}  {:<value_width$}  from\n", "setting", "value"));
    for ((name, _, source), value) in rows.iter().zip(&shown) {
        out.push_str(&format!("{name:<width$}  {value:<value_width$}  {source}\n"));
    }
    print_out(&out)
}

/// `reel settings --init`: writes a commented settings file where reel looks for one.
fn init() -> Result {
    let Some(path) = settings::settings_path() else {
        return Err(Error::NoFolder { what: "config", variable: "REEL_CONFIG_DIR" });
    };
    match settings::write_template(&path) {
        Ok(true) => print_out(&format!("wrote {}: every setting is listed there, commented out, with its default\n", path.display())),
        Ok(false) => print_out(&format!("{} already exists; it was left as it is\n", path.display())),
        Err(e) => Err(e.into()),
    }
}
