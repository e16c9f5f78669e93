//! OpenTimelineIO files: reading a `.otio` file and importing it with
//! [`reel_core::otio`], for `reel import` and for `reel export`/`plan`/`check` given a
//! `.otio` file directly.

use crate::probe::{base_dir, read_text, LoadError};
use reel_core::otio::Imported;
use reel_core::timeline::Timeline;
use std::path::Path;

/// Whether `path` names an OpenTimelineIO file (by its `.otio` extension).
pub fn is_otio(path: &Path) -> bool {
    path.extension().is_some_and(|e| e.eq_ignore_ascii_case("otio"))
}

/// Reads and imports a `.otio` file. Media paths are as the file writes them (relative
/// ones are relative to the file's folder).
pub fn read_otio(path: &Path) -> Result<Imported, LoadError> {
    let text = read_text(path)?;
    import(&text, &path.display().to_string())
}

fn import(text: &str, shown: &str) -> Result<Imported, LoadError> {
    reel_core::otio::import(text.strip_prefix('\u{feff}').unwrap_or(text))
        .map_err(|error| LoadError::Otio { path: shown.to_owned(), error })
}

/// An imported OTIO timeline checked like a timeline file, with the import's warnings
/// (each naming the file and the OTIO path) on [`Timeline::warnings`].
pub(crate) fn otio_timeline(text: &str, base: &str, shown: &str) -> Result<Timeline, LoadError> {
    let imported = import(text, shown)?;
    let mut timeline =
        reel_core::timeline::from_file(&imported.timeline, base).map_err(|error| LoadError::Invalid { path: shown.to_owned(), error })?;
    timeline.warnings = imported.warnings.iter().map(|w| format!("{shown}: {w}")).collect();
    Ok(timeline)
}

/// Makes every relative media path in an imported timeline absolute, joined to `base` (the
/// OTIO file's folder): for a timeline written somewhere else than beside the OTIO file.
pub fn absolutize(imported: &mut Imported, base: &str) {
    let fix = |p: &mut String| *p = reel_core::timeline::resolve_path(base, p);
    let t = &mut imported.timeline;
    t.video.iter_mut().filter_map(|v| v.source.as_mut()).for_each(fix);
    t.overlays.iter_mut().filter_map(|o| o.video.as_mut()).for_each(fix);
    t.audio.iter_mut().map(|a| &mut a.source).for_each(fix);
}

/// The folder `path` is in, absolute.
pub fn folder_of(path: &Path) -> String {
    base_dir(path)
}
