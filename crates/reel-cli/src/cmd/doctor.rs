//! `reel doctor`: which ffmpeg and ffprobe, found how, their version, the filters reel
//! needs, and for each encoder reel knows whether it is listed and really encodes.
//! Exits 4 when ffmpeg is missing, too old, lacks a filter reel needs or fails its trial
//! export; an ffmpeg that cannot draw text is reported, and only timelines with text are
//! refused.

use super::{print_json, print_out, tools, Result};
use crate::{Cli, DoctorArgs};
use reel_engine::doctor::{self, Report, REQUIRED_FILTERS, TEXT_FILTERS};
use reel_engine::Error;

pub(crate) fn run(cli: &Cli, args: &DoctorArgs) -> Result {
    let tools = tools(cli)?;
    let report = doctor::doctor(&tools, args.refresh)?;
    if args.json {
        print_json(&report)?;
    } else {
        print_out(&render(&report))?;
    }
    match report.problem() {
        Some(problem) => Err(Error::FfmpegUnusable(problem)),
        None => Ok(()),
    }
}

/// The human table.
pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    out.push_str(&format!("ffmpeg    {} (found via {})\n", report.ffmpeg.display(), report.ffmpeg_found));
    out.push_str(&format!("ffprobe   {} (found via {})\n", report.ffprobe.display(), report.ffprobe_found));
    let version = report.version.as_deref().unwrap_or("unknown");
    let verdict = match (report.version_number, report.version_ok) {
        (None, _) => "a development build: judged by its trial export".to_owned(),
        (Some(_), true) => format!("minimum {}: ok", report.minimum_version),
        (Some(_), false) => format!("minimum {}: TOO OLD", report.minimum_version),
    };
    out.push_str(&format!("version   {version} ({verdict})\n"));
    if let Some(v) = report.ffprobe_version.as_deref().filter(|v| *v != version) {
        out.push_str(&format!("          ffprobe is version {v}, not the same as ffmpeg\n"));
    }
    if report.missing_filters.is_empty() {
        out.push_str(&format!("filters   all {} that reel needs are present\n", REQUIRED_FILTERS.len() + TEXT_FILTERS.len()));
    } else {
        out.push_str(&format!("filters   MISSING {}\n", report.missing_filters.join(", ")));
    }
    let trial = match (&report.export_problem, &report.trial_inconclusive, report.problem()) {
        (Some(why), _, _) => format!("FAILED: {why}"),
        (None, Some(why), _) => format!("could not be tried here: {why}"),
        (None, None, Some(_)) => "not tried".to_owned(),
        (None, None, None) => "ok".to_owned(),
    };
    out.push_str(&format!("export    {trial} (a trial export of every kind of item)\n"));
    if let Some(why) = &report.text_problem {
        out.push_str(&format!("text      NOT POSSIBLE: {why}; timelines with text overlays cannot be exported\n"));
    }
    out.push_str("encoders\n");
    let width = report.encoders.iter().map(|e| e.name.len()).max().unwrap_or(0);
    for e in &report.encoders {
        let state = match (e.listed, e.usable) {
            (true, true) => "ok".to_owned(),
            (true, false) => format!("listed, not usable: {}", e.reason.as_deref().unwrap_or("the test encode failed")),
            (false, _) => "not listed".to_owned(),
        };
        out.push_str(&format!("  {:<width$}  {state}\n", e.name));
    }
    if report.cached {
        out.push_str("(cached result for this ffmpeg binary; --refresh checks again)\n");
    } else {
        out.push_str(&format!("(checked in {:.1} s)\n", report.check_seconds));
    }
    out
}
