//! `reel check TIMELINE`: everything `reel export` checks before it encodes, without
//! encoding: the timeline's structure, its media, the settings, the plan (an item too
//! short for a frame, an encoder that cannot be used) and the command lines it would run
//! (a timeline too large for one). Prints `ok: N clips, duration X s`, or the problem with
//! its JSON path (exit 3), the same sentence `reel export` would give. Structural problems
//! are found before ffmpeg is even looked for.

use super::plan::make_plan;
use super::settings::{effective, flag_settings, user_settings};
use super::{print_json, print_out, tools, Result};
use crate::{CheckArgs, Cli};
use reel_core::plan::{Plan, PlanError};
use reel_core::timeline::{Item, Problem, Timeline};
use reel_core::validate::fmt_s;
use reel_engine::Error;
use serde_json::json;

pub(crate) fn run(cli: &Cli, args: &CheckArgs) -> Result {
    let checked = (|| -> Result<_> {
        let timeline = reel_engine::read_timeline(&args.timeline)?;
        let flags = flag_settings(&args.output)?;
        let file = user_settings()?;
        let tools = tools(cli)?;
        let (timeline, media) = reel_engine::probe_timeline(&tools.ffprobe, timeline, &args.timeline)?;
        // The warnings export would give, in the same places.
        for w in &timeline.warnings {
            eprintln!("warning: {w}");
        }
        let (cache, warning) = super::cache::open(&file, args.how.no_cache);
        if let Some(w) = warning {
            eprintln!("warning: {w}");
        }
        let plan = make_plan(&tools, &timeline, &media, &effective(&flags, &timeline.output, &file), &args.how, cache.as_deref(), None)?;
        for w in &plan.warnings {
            eprintln!("warning: {w}");
        }
        reel_engine::run::check_command_lines(&plan, &tools.ffmpeg).map_err(Error::Run)?;
        Ok((timeline, plan))
    })();
    match checked {
        Ok((timeline, plan)) => {
            let (clips, gaps) = counts(&timeline);
            if args.json {
                print_json(&json!({
                    "ok": true,
                    "clips": clips,
                    "gaps": gaps,
                    "overlays": timeline.overlays.len(),
                    "audio": timeline.audio.len(),
                    "sources": timeline.sources().iter().map(|s| &s.written).collect::<Vec<_>>(),
                    "duration": plan.duration,
                    "strategy": plan.strategy.as_str(),
                    "warnings": timeline.warnings.iter().chain(&plan.warnings).collect::<Vec<_>>(),
                }))
            } else {
                print_out(&format!("ok: {}\n", summary(clips, &plan)))
            }
        }
        Err(e) => {
            if args.json {
                print_json(&json!({ "ok": false, "error": e.to_string(), "problems": problems(&e) }))?;
            }
            Err(e)
        }
    }
}

/// `1 clip, duration 5.0 s`.
fn summary(clips: usize, plan: &Plan) -> String {
    format!("{clips} clip{}, duration {} s", if clips == 1 { "" } else { "s" }, fmt_s(plan.duration))
}

/// Clips and gaps on the main track.
fn counts(timeline: &Timeline) -> (usize, usize) {
    let clips = timeline.items.iter().filter(|i| matches!(i, Item::Clip(_))).count();
    let gaps = timeline.items.iter().filter(|i| matches!(i, Item::Gap(_))).count();
    (clips, gaps)
}

/// The problems behind an error at their JSON paths: the timeline's, or the planner's one.
fn problems(e: &Error) -> Vec<Problem> {
    match e {
        Error::Plan(PlanError::Invalid { path, message }) => vec![Problem::new(path.clone(), message.clone())],
        _ => e.problems().to_vec(),
    }
}
