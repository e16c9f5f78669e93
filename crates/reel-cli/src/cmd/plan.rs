//! `reel plan TIMELINE`: the ffmpeg commands an export would run, without running them.
//! `--explain` says which strategy was chosen and why each other one was not; `--json`
//! prints the whole plan as data.

use super::settings::{effective, flag_settings, user_settings};
use super::{load, print_json, print_out, tools, Result};
use crate::{Cli, PlanArgs};
use reel_core::plan::Plan;
use reel_core::timeline::{OutputSettings, OverlayKind, Timeline};
use reel_core::validate::MediaMap;
use reel_engine::{doctor, Error, Tools};

/// Plans an export of a loaded timeline with the effective settings.
pub(crate) fn make_plan(tools: &Tools, timeline: &Timeline, media: &MediaMap, settings: &OutputSettings) -> Result<Plan> {
    let report = doctor::doctor(tools, false)?;
    // Text overlays need drawtext; other timelines do not.
    let has_text = timeline.overlays.iter().any(|o| matches!(o.kind, OverlayKind::Text { .. }));
    if let Some(problem) = report.problem_for(has_text) {
        return Err(Error::FfmpegUnusable(problem));
    }
    Ok(reel_core::plan::plan(timeline, media, settings, &report.capabilities())?)
}

pub(crate) fn run(cli: &Cli, args: &PlanArgs) -> Result {
    let flags = flag_settings(&args.output)?;
    let file = user_settings()?;
    let tools = tools(cli)?;
    let (timeline, media) = load(&tools, &args.timeline)?;
    let settings = effective(&flags, &timeline.output, &file);
    let plan = make_plan(&tools, &timeline, &media, &settings)?;
    if args.json {
        return print_json(&plan);
    }
    let mut out = format!(
        "strategy: {} ({} job(s)), output {}x{} at {} fps, {:.3} s ({} frames), encoder {}\n",
        plan.strategy.as_str(),
        plan.jobs.len(),
        plan.output.width,
        plan.output.height,
        plan.output.fps,
        plan.duration,
        plan.frames,
        plan.output.encoder
    );
    if args.explain {
        out.push_str(&plan.explanation());
    } else {
        for w in &plan.warnings {
            out.push_str(&format!("warning: {w}\n"));
        }
    }
    for job in &plan.jobs {
        out.push_str(&format!(
            "job {}: {}\n  {}\n",
            job.id,
            job.description,
            reel_core::args::shell_line(&tools.ffmpeg.to_string_lossy(), &job.command.to_args())
        ));
        for f in &job.files {
            out.push_str(&format!("  writes {} ({} bytes)\n", f.name, f.contents.len()));
        }
    }
    print_out(&out)
}
