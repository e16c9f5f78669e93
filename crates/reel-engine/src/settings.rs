//! The user's settings file: defaults for what neither a flag nor the timeline sets.
//!
//! `settings.toml` in the platform's config folder (`~/.config/reel` on Linux,
//! `~/Library/Application Support/reel` on macOS, `%APPDATA%\reel\config` on Windows), or
//! in `REEL_CONFIG_DIR` when that is set. A missing file is no settings; a file that
//! cannot be read or parsed is an error naming the line, so a typo is never silently
//! ignored. Precedence: flag > timeline > settings file > built-in default.
//!
//! ```toml
//! output_folder = "/home/me/Videos"   # where `reel export TIMELINE` writes without -o
//!
//! [output]                             # the same keys as a timeline's "output"
//! width = 1920
//! fps = 60
//! preset = "preview"
//! ```

use reel_core::timeline::OutputSettings;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The file's name inside the config folder.
pub const FILE_NAME: &str = "settings.toml";

/// What the settings file holds.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SettingsFile {
    /// Where `reel export TIMELINE` writes `TIMELINE-NAME.mp4` when `-o` is not given
    /// (default: beside the timeline).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub output_folder: Option<PathBuf>,
    /// The segment cache's size limit: `"10GB"`, `"500MB"`, or bytes; `0` turns the cache
    /// off. Default 10 GB.
    #[serde(default, deserialize_with = "size_setting", skip_serializing_if = "Option::is_none")]
    pub cache_size: Option<u64>,
    /// Defaults for the timeline's `output` settings, same keys and meaning.
    #[serde(default)]
    pub output: OutputSettings,
}

/// Reads a size as a number of bytes or a string such as `"10GB"`.
fn size_setting<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        Bytes(u64),
        Text(String),
    }
    match Size::deserialize(d)? {
        Size::Bytes(b) => Ok(Some(b)),
        Size::Text(t) => crate::cache::parse_size(&t)
            .map(Some)
            .ok_or_else(|| serde::de::Error::custom(format!("cache_size {t:?} is not a size such as \"10GB\", \"500MB\" or 0"))),
    }
}

/// The settings in effect: the file's contents and where it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Settings {
    /// Where the file is looked for; `None` when the platform has no config folder.
    pub path: Option<PathBuf>,
    /// Whether it was there.
    pub found: bool,
    pub file: SettingsFile,
}

/// The settings file exists but cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("settings file {path}, line {line}, column {column}: {message}. Fix that line (the keys are those of a timeline's \"output\", under [output], and output_folder), or move the file away to use the built-in defaults")]
    Invalid { path: String, line: usize, column: usize, message: String },
    #[error("cannot read the settings file {path}: {reason}. Fix its permissions, or move it away to use the built-in defaults")]
    Unreadable { path: String, reason: String },
    #[error("cannot write the settings file {path}: {reason}. Check that its folder can be created and written")]
    Write { path: String, reason: String },
}

/// Where the settings file is looked for: `$REEL_CONFIG_DIR/settings.toml`, else the
/// platform's config folder for reel.
pub fn settings_path() -> Option<PathBuf> {
    crate::folders::config().map(|dir| dir.join(FILE_NAME))
}

/// Parses settings text and checks its values as a timeline's `output` is checked; errors
/// name the line and column.
pub fn parse(text: &str, path: &Path) -> Result<SettingsFile, SettingsError> {
    let invalid = |offset: usize, message: String| {
        let (line, column) = line_column(text, offset);
        SettingsError::Invalid { path: path.display().to_string(), line, column, message }
    };
    let file: SettingsFile =
        toml::from_str(text).map_err(|e| invalid(e.span().map_or(0, |s| s.start), e.message().trim_end_matches('.').to_owned()))?;
    match file.output.problems("output").first() {
        None => Ok(file),
        Some(problem) => {
            // Point at the key's line: the first `field =` after `[output]`.
            let field = problem.path.rsplit('.').next().unwrap_or_default();
            let section = text.find("[output]").unwrap_or(0);
            let offset = text[section..]
                .match_indices(field)
                .map(|(i, _)| section + i)
                .find(|&i| {
                    text[..i].rsplit('\n').next().is_some_and(|before| before.trim().is_empty())
                        && text[i + field.len()..].trim_start().starts_with('=')
                })
                .unwrap_or(section);
            Err(invalid(offset, problem.to_string()))
        }
    }
}

/// 1-based line and column of a byte offset.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

/// The largest settings file reel reads (it holds a dozen keys).
pub const SETTINGS_LIMIT: u64 = 1_000_000;

/// Reads the settings file at `path`; a missing file is empty settings. Only a regular
/// file of at most [`SETTINGS_LIMIT`] bytes is read.
pub fn load_from(path: &Path) -> Result<Settings, SettingsError> {
    let unreadable = |reason: String| SettingsError::Unreadable { path: path.display().to_string(), reason };
    match crate::files::read_bounded(path, SETTINGS_LIMIT) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|e| unreadable(format!("it is not UTF-8 text (invalid byte at offset {})", e.utf8_error().valid_up_to())))?;
            Ok(Settings { path: Some(path.to_owned()), found: true, file: parse(&text, path)? })
        }
        Err(crate::files::ReadError::Missing) => Ok(Settings { path: Some(path.to_owned()), found: false, file: SettingsFile::default() }),
        Err(e) => Err(unreadable(e.reason())),
    }
}

/// Reads the user's settings file (see [`settings_path`]).
pub fn load() -> Result<Settings, SettingsError> {
    match settings_path() {
        Some(path) => load_from(&path),
        None => Ok(Settings::default()),
    }
}

/// A commented settings file listing every key with its built-in default, for
/// `reel settings --init`.
pub fn template() -> String {
    let mut out = String::from(
        "# reel settings: defaults for what neither a command-line flag nor the timeline sets.\n\
         # Uncomment a line to change it. `reel settings` shows what is in effect and why.\n\n\
         # Where `reel export TIMELINE` writes TIMELINE-NAME.mp4 when -o is not given\n\
         # (default: beside the timeline).\n\
         # output_folder = \"/home/me/Videos\"\n\n\
         # The segment cache's size limit (least recently used segments go first); 0 turns\n\
         # the cache off.\n\
         # cache_size = \"10GB\"\n\n\
         [output]\n",
    );
    for (field, value, _) in OutputSettings::provenance(&[]) {
        let value = match value {
            serde_json::Value::Null => "23  # default: follows the preset and encoder".to_owned(),
            serde_json::Value::String(s) => format!("{s:?}"),
            other => other.to_string(),
        };
        out.push_str(&format!("# {field} = {value}\n"));
    }
    out
}

/// Writes [`template`] to `path` unless a file is there already; returns whether it wrote.
pub fn write_template(path: &Path) -> Result<bool, SettingsError> {
    let fail = |e: std::io::Error| SettingsError::Write { path: path.display().to_string(), reason: e.to_string() };
    if path.exists() {
        return Ok(false);
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(fail)?;
    }
    // Written whole beside the destination, then moved into place without replacing a file
    // that appeared meanwhile: never half a file, never someone else's file overwritten.
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(fail)?;
    std::io::Write::write_all(&mut tmp, template().as_bytes()).map_err(fail)?;
    match tmp.persist_noclobber(path) {
        Ok(_) => Ok(true),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(fail(e.error)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use reel_core::timeline::{Dimension, Preset};

    #[test]
    fn reads_output_defaults_and_folder() {
        let s =
            parse("output_folder = \"/videos\"\n[output]\nwidth = 1280\npreset = \"draft\"\nfps = \"30000/1001\"\n", Path::new("s.toml"))
                .unwrap();
        assert_eq!(s.output_folder.as_deref(), Some(Path::new("/videos")));
        assert_eq!(s.output.width, Some(Dimension::Pixels(1280)));
        assert_eq!(s.output.preset, Some(Preset::Draft));
        assert_eq!(s.output.fps.map(|f| format!("{f:?}")), Some("Rate(Rational { num: 30000, den: 1001 })".to_owned()));
    }

    #[test]
    fn errors_name_line_and_column() {
        let text = "[output]\nwidth = 1280\npreset = \"fastest\"\n";
        let e = parse(text, Path::new("/cfg/settings.toml")).unwrap_err().to_string();
        assert!(e.starts_with("settings file /cfg/settings.toml, line 3, column 10: unknown variant `fastest`"), "{e}");
        let e = parse("[output]\nwidht = 3\n", Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.contains("line 2, column 1: unknown field `widht`"), "{e}");
        let e = parse("# mine\n[output]\nwidth = 640\n  quality = 99\n", Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.contains("line 4, column 3: output.quality: 99 is outside 0..51"), "{e}");
        let e = parse("[output]\nhardware_threshold = -1.0\n", Path::new("s.toml")).unwrap_err().to_string();
        assert!(e.contains("line 2, column 1: output.hardware_threshold: -1 is not 0 or more"), "{e}");
        let e = parse("output = [\n", Path::new("s.toml")).unwrap_err();
        assert!(matches!(e, SettingsError::Invalid { line: 1 | 2, .. }), "{e}");
    }

    #[test]
    fn the_template_parses_to_nothing_set_and_every_line_uncommented_to_the_defaults() {
        let text = template();
        assert_eq!(parse(&text, Path::new("t.toml")).unwrap(), SettingsFile::default());
        let uncommented: String = text
            .lines()
            .filter(|l| !l.contains("output_folder"))
            .map(|l| l.strip_prefix("# ").filter(|l| l.contains(" = ")).unwrap_or(l))
            .map(|l| l.split("  #").next().unwrap_or(l).to_owned() + "\n")
            .collect();
        let all = parse(&uncommented, Path::new("t.toml")).unwrap();
        assert_eq!(all.output, OutputSettings { quality: Some(23), ..OutputSettings::builtin() });
    }

    #[test]
    fn missing_file_is_no_settings_and_template_is_not_written_over_a_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join(FILE_NAME);
        let s = load_from(&path).unwrap();
        assert!(!s.found && s.file == SettingsFile::default());
        assert!(write_template(&path).unwrap());
        assert!(!write_template(&path).unwrap(), "an existing file is kept");
        assert!(load_from(&path).unwrap().found);
    }
}
