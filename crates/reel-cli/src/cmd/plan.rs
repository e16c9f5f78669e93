//! `reel plan TIMELINE`: the ffmpeg commands an export would run, without running them.
//! `--explain` says which strategy was chosen and why each other one was not; `--json`
//! prints the whole plan as data.

use super::settings::{effective, flag_settings, user_settings};
use super::{load, print_json, print_out, tools, Result};
use crate::{Cli, PlanArgs, PlanFlags};
use reel_core::plan::{Plan, PlanOptions, SegmentCache, Strategy};
use reel_core::timeline::{OutputSettings, OverlayKind, Timeline};
use reel_core::validate::MediaMap;
use reel_engine::cache::Store;
use reel_engine::{doctor, Error, Tools};

/// Plans an export of a loaded timeline with the effective settings, the strategy and
/// parallelism flags, and the segment cache (if on).
pub(crate) fn make_plan(
    tools: &Tools,
    timeline: &Timeline,
    media: &MediaMap,
    settings: &OutputSettings,
    how: &PlanFlags,
    cache: Option<&Store>,
    smart_refused: Option<&str>,
) -> Result<Plan> {
    let strategy = match how.strategy.as_str() {
        "auto" => None,
        s => Some(
            Strategy::parse(s)
                .ok_or_else(|| Error::Usage(format!("--strategy {s:?} is not auto, copy, smart, segments or single_pass")))?,
        ),
    };
    let report = doctor::doctor(tools, false)?;
    // Text overlays need drawtext; other timelines do not.
    let has_text = timeline.overlays.iter().any(|o| matches!(o.kind, OverlayKind::Text { .. }));
    if let Some(problem) = report.problem_for(has_text) {
        return Err(Error::FfmpegUnusable(problem));
    }
    let widths = reel_engine::text::measure(tools, timeline)?;
    let options = PlanOptions {
        strategy,
        cores: std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        jobs: how.jobs.map(|j| j as usize),
        cache: cache.map(|c| c as &dyn SegmentCache),
        // Room for the program's own path.
        command_limit: Some(reel_engine::run::command_line_limit().saturating_sub(tools.ffmpeg.as_os_str().len() + 1)),
        smart_refused,
        text_widths: Some(&widths),
    };
    Ok(reel_core::plan::plan_with(timeline, media, settings, &report.capabilities(), &options)?)
}

pub(crate) fn run(cli: &Cli, args: &PlanArgs) -> Result {
    let flags = flag_settings(&args.output)?;
    let file = user_settings()?;
    let tools = tools(cli)?;
    let (timeline, media) = load(&tools, &args.timeline)?;
    for w in &timeline.warnings {
        eprintln!("warning: {w}");
    }
    let settings = effective(&flags, &timeline.output, &file);
    let (cache, warning) = super::cache::open(&file, args.how.no_cache);
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    let plan = make_plan(&tools, &timeline, &media, &settings, &args.how, cache.as_deref(), None)?;
    if args.json {
        return print_json(&plan);
    }
    let mut out = format!(
        "strategy: {} ({} job(s), {} at once), output {}x{} at {} fps, {:.3} s ({} frames), encoder {}\n",
        plan.strategy.as_str(),
        plan.jobs.len(),
        plan.parallel,
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
        let after = if job.depends_on.is_empty() { String::new() } else { format!(" (after {})", summarize(&job.depends_on)) };
        out.push_str(&format!(
            "job {}{after}: {}\n  {}\n",
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

/// A list of job ids, shortened when long.
fn summarize(ids: &[String]) -> String {
    match ids {
        [one] => one.clone(),
        [first, .., last] if ids.len() > 4 => format!("{first} .. {last}, {} jobs", ids.len()),
        _ => ids.join(", "),
    }
}
