//! `reel import FILE.otio [-o TIMELINE.json]`: an OpenTimelineIO timeline converted into a
//! timeline file. What reel cannot render (transitions, effects, markers) is listed as
//! warnings with their OTIO paths; missing media is an error (exit 3).

use super::print_out;
use crate::ImportArgs;
use reel_engine::import::{absolutize, folder_of, is_otio, read_otio};
use reel_engine::{Error, LoadError, RunError};
use std::io::Write;
use std::path::Path;

pub(crate) fn run(args: &ImportArgs) -> super::Result {
    if !is_otio(&args.file) {
        return Err(Error::Usage(format!(
            "{} is not a .otio file; `reel import` reads OpenTimelineIO JSON (.otio). Export one from your editor (File > Export > OTIO)",
            args.file.display()
        )));
    }
    let mut imported = read_otio(&args.file)?;
    let otio_dir = folder_of(&args.file);
    // Check the result as `reel export` would read it (structure only; no media is opened).
    reel_core::timeline::from_file(&imported.timeline, &otio_dir)
        .map_err(|error| LoadError::Invalid { path: args.file.display().to_string(), error })?;
    for w in &imported.warnings {
        eprintln!("warning: {}: {w}", args.file.display());
    }
    let target_dir = match &args.output {
        Some(out) => folder_of(out),
        None => std::env::current_dir().map(|d| d.to_string_lossy().into_owned()).unwrap_or_default(),
    };
    if target_dir != otio_dir {
        absolutize(&mut imported, &otio_dir);
    }
    let json = serde_json::to_string_pretty(&imported.timeline)
        .map_err(|e| Error::Write { what: "the timeline as JSON (a bug in reel, please report it)".to_owned(), source: e.into() })?
        + "\n";
    match &args.output {
        None => print_out(&json),
        Some(out) => {
            write_new(out, &args.file, json.as_bytes(), args.overwrite)?;
            let t = &imported.timeline;
            eprintln!(
                "wrote {} ({} main-track items, {} overlays, {} audio items, {} warnings)",
                out.display(),
                t.video.len(),
                t.overlays.len(),
                t.audio.len(),
                imported.warnings.len()
            );
            Ok(())
        }
    }
}

/// Writes `bytes` to `out` through a temporary file in its folder, so a failure leaves no
/// half-written timeline; an existing file is replaced only with `overwrite`, never when it
/// is the file being imported.
fn write_new(out: &Path, input: &Path, bytes: &[u8], overwrite: bool) -> Result<(), RunError> {
    let shown = out.display().to_string();
    if std::fs::canonicalize(out).ok().is_some_and(|o| std::fs::canonicalize(input).ok().is_some_and(|i| i == o)) {
        return Err(RunError::IsInput { path: shown, input: input.display().to_string() });
    }
    if out.exists() && !overwrite {
        return Err(RunError::Exists { path: shown });
    }
    let folder = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => std::path::PathBuf::from("."),
    };
    let refused = |e: std::io::Error| RunError::Folder { folder: folder.display().to_string(), reason: e.to_string() };
    let mut tmp = tempfile::Builder::new().prefix(".reel-import-").tempfile_in(&folder).map_err(refused)?;
    tmp.write_all(bytes).and_then(|()| tmp.flush()).map_err(refused)?;
    tmp.persist(out).map_err(|e| refused(e.error))?;
    Ok(())
}
