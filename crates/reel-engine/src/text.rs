//! Measuring text as ffmpeg's drawtext lays it out, for the planner: the width of each
//! line of a multi-line text aligned centre or right (`reel_core::plan::text` says why
//! drawtext cannot align lines itself on ffmpeg 5.1). The lines are drawn by the same
//! ffmpeg, font and size as the export will use, one frame, read back as grey pixels.

use crate::error::ToolError;
use crate::ffmpeg::{Tools, STDERR_TAIL_LINES};
use crate::process::{run, Ended, Spec};
use reel_core::plan::text::{lines_to_measure, measure_args, measure_batches, read_widths, TextWidths, MEASURE_OUTPUT};
use reel_core::timeline::Timeline;
use std::time::Duration;

/// How long one measuring run may take.
const TIMEOUT: Duration = Duration::from_secs(60);

/// The widths the plan needs for `timeline` (empty when it has no multi-line text aligned
/// centre or right: nothing is run then).
pub fn measure(tools: &Tools, timeline: &Timeline) -> Result<TextWidths, ToolError> {
    let lines = lines_to_measure(timeline);
    let mut widths = TextWidths::new();
    for batch in measure_batches(&lines) {
        let (args, files, _) = measure_args(batch);
        let failed = |command: &str, why: String| ToolError::Failed {
            command: command.to_owned(),
            status: "could not measure text".to_owned(),
            stderr: why.clone(),
            full_stderr: why,
        };
        let line = reel_core::args::shell_line(&tools.ffmpeg.to_string_lossy(), &args);
        let dir = tempfile::tempdir().map_err(|e| failed(&line, format!("no temporary folder: {e}")))?;
        for f in &files {
            std::fs::write(dir.path().join(&f.name), &f.contents).map_err(|e| failed(&line, format!("cannot write {}: {e}", f.name)))?;
        }
        let spec = Spec { cwd: Some(dir.path()), timeout: Some(TIMEOUT), ..Spec::new(&tools.ffmpeg, &args) };
        let done =
            run(&spec, |_| (), &mut || {}).map_err(|e| ToolError::Spawn { program: e.program, command: e.command, reason: e.reason })?;
        match done.ended {
            Ended::Exited(status) if status.success() => {}
            Ended::TimedOut => {
                return Err(ToolError::Timeout {
                    command: done.command,
                    seconds: TIMEOUT.as_secs_f64(),
                    stderr: done.stderr.last(STDERR_TAIL_LINES),
                })
            }
            ended => {
                return Err(ToolError::Failed {
                    command: done.command,
                    status: ended.describe(),
                    stderr: done.stderr.last(STDERR_TAIL_LINES),
                    full_stderr: done.stderr.text,
                })
            }
        }
        let pixels = std::fs::read(dir.path().join(MEASURE_OUTPUT)).map_err(|e| failed(&line, format!("no frame was written: {e}")))?;
        widths.extend(read_widths(batch, &pixels).map_err(|e| failed(&line, e))?);
    }
    Ok(widths)
}
