//! `reel export TIMELINE [-o OUT.mp4]`: plans and runs an export with live progress (a bar
//! on a terminal, JSON lines for a parent process), cancel on SIGINT/SIGTERM, and a row in
//! the export log whatever the outcome.

use super::plan::make_plan;
use super::settings::{default_output, effective, flag_settings, user_settings};
use super::Result;
use crate::{Cli, ExportArgs, ProgressMode};
use reel_engine::export_log::{self, Entry, Outcome};
use reel_engine::run::InputFile;
use reel_engine::{RunOptions, Tools};
use reel_wire::{exit, ErrorEvent, Event, ExportReport, MessageEvent, PlanEvent, StageEvent, StageTimings, StartEvent};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

/// Where events go: JSON lines on stdout, a bar on stderr, or nowhere.
struct Output {
    mode: ProgressMode,
    bar: Option<indicatif::ProgressBar>,
}

impl Output {
    fn emit(&mut self, event: &Event) {
        match self.mode {
            ProgressMode::Jsonl => {
                let mut stdout = std::io::stdout().lock();
                let _ = writeln!(stdout, "{}", event.to_line());
                let _ = stdout.flush();
            }
            ProgressMode::Bar => {
                let bar = self.bar.get_or_insert_with(|| {
                    let bar = indicatif::ProgressBar::new(1000);
                    bar.set_style(
                        indicatif::ProgressStyle::with_template("{spinner} {msg:12} [{bar:40}] {percent:>3}% eta {eta}")
                            .expect("template")
                            .progress_chars("=> "),
                    );
                    bar
                });
                match event {
                    Event::Progress(p) => {
                        bar.set_position((p.percent * 10.0) as u64);
                        if let Some(speed) = p.speed {
                            bar.set_message(format!("{speed:.2}x"));
                        }
                    }
                    Event::Stage(s) => bar.set_message(s.stage.clone()),
                    Event::Warning(w) => bar.println(format!("warning: {}", w.message)),
                    _ => {}
                }
            }
            ProgressMode::Auto | ProgressMode::None => {
                if let Event::Warning(w) = event {
                    eprintln!("warning: {}", w.message);
                }
            }
        }
    }

    fn warn(&mut self, message: String) {
        self.emit(&Event::Warning(MessageEvent { message }));
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

pub(crate) fn run(cli: &Cli, args: &ExportArgs) -> Result {
    let started_at = SystemTime::now();
    let started = Instant::now();
    let cancel = Arc::new(AtomicBool::new(false));
    let flag = Arc::clone(&cancel);
    // Ctrl-C and SIGTERM stop the export cleanly (exit 130); failing to install the
    // handler only loses that.
    let _ = ctrlc::set_handler(move || flag.store(true, Ordering::SeqCst));
    let mode = match args.progress {
        ProgressMode::Auto if std::io::stderr().is_terminal() => ProgressMode::Bar,
        ProgressMode::Auto => ProgressMode::None,
        m => m,
    };
    let mut out = Output { mode, bar: None };
    let mut entry = Entry::new(started_at, Outcome::Succeeded, exit::OK);
    let result = export(cli, args, &cancel, &mut out, &mut entry);
    let resources = reel_engine::usage::process_usage();
    log(&mut out, &mut entry, &result, resources.as_ref(), started.elapsed().as_secs_f64());
    out.finish();
    match result {
        Ok(mut report) => {
            report.resources = resources;
            if mode != ProgressMode::Jsonl {
                if args.json {
                    super::print_json(&report)?;
                } else {
                    eprintln!("{}", summary(&report));
                }
            }
            out.emit(&Event::Done(Box::new(report)));
            Ok(())
        }
        Err(e) => {
            if mode == ProgressMode::Jsonl {
                let problems =
                    e.problems().iter().map(|p| reel_wire::Problem { path: p.path.clone(), message: p.message.clone() }).collect();
                out.emit(&Event::Error(ErrorEvent { message: e.to_string(), exit_code: e.exit_code(), problems }));
            }
            Err(e)
        }
    }
}

/// The `plan` event: the strategy and the work ahead.
fn plan_event(plan: &reel_core::plan::Plan) -> PlanEvent {
    let segmented = plan.strategy == reel_core::plan::Strategy::Segments;
    let cached = plan.stretches.iter().filter(|s| s.how == reel_core::plan::How::Cached).count();
    PlanEvent {
        strategy: plan.strategy.as_str().to_owned(),
        jobs: plan.jobs.len() as u32,
        duration: plan.duration,
        encoder: Some(plan.output.encoder.clone()),
        segments: segmented.then_some(plan.stretches.len() as u32),
        cached: segmented.then_some(cached as u32),
        parallel: Some(plan.parallel as u32),
    }
}

/// One line for people: what was written, how, and how long each stage took.
fn summary(report: &ExportReport) -> String {
    format!(
        "wrote {} ({:.3} s, {:.1} MB) by {} with {} in {:.2} s ({:.2}x realtime; probe {:.2} s, plan {:.3} s, encode {:.2} s, verify {:.2} s){}{}",
        report.output,
        report.duration,
        report.size_bytes as f64 / 1e6,
        report.strategy,
        report.encoder,
        report.timings.total,
        report.speed,
        report.timings.probe,
        report.timings.plan,
        report.timings.encode,
        report.timings.verify,
        report.fallback.as_ref().map_or(String::new(), |f| format!("; fell back to software: {f}")),
        // A smart render's share of frames copied from the sources.
        report.frames.as_ref().filter(|f| report.strategy == "smart" && f.total > 0).map_or(String::new(), |f| format!(
            "; {} of {} frames copied ({:.0} %)",
            f.copied,
            f.total,
            f.copied_share * 100.0
        ))
    )
}

/// Appends the export to the log. A log that cannot be written is a warning: it never
/// fails the export.
fn log(out: &mut Output, entry: &mut Entry, result: &Result<ExportReport>, resources: Option<&reel_wire::ResourceUsage>, elapsed: f64) {
    match result {
        Ok(report) => entry.add_report(report),
        Err(e) => {
            let code = e.exit_code();
            entry.outcome = match code {
                exit::CANCELLED => Outcome::Cancelled,
                exit::EXPORT_FAILED => Outcome::Failed,
                _ => Outcome::Refused,
            };
            // The log keeps what the sentence leaves out (the ffmpeg command).
            let error = e.details().map_or_else(|| e.to_string(), |details| format!("{e}\n{details}"));
            (entry.exit_code, entry.error_class, entry.error) = (code, Some(e.class().to_owned()), Some(error));
            entry.total_s = Some(elapsed);
        }
    }
    if let Some(usage) = resources {
        entry.add_resources(usage);
    }
    let Some(path) = export_log::log_path() else { return };
    if let Err(e) = export_log::record(&path, entry) {
        out.warn(format!("this export was not logged: {e}"));
    }
}

fn export(cli: &Cli, args: &ExportArgs, cancel: &Arc<AtomicBool>, out: &mut Output, entry: &mut Entry) -> Result<ExportReport> {
    let started = Instant::now();
    let settings = flag_settings(&args.settings).and_then(|flags| Ok((flags, user_settings()?)));
    // `start` is always the first event, even when the settings are refused.
    let destination = match (&args.output, &settings) {
        (Some(given), _) => given.clone(),
        (None, Ok((_, file))) => default_output(&args.timeline, file),
        (None, Err(_)) => default_output(&args.timeline, &reel_engine::settings::Settings::default()),
    };
    out.emit(&Event::Start(StartEvent {
        reel_version: env!("CARGO_PKG_VERSION").to_owned(),
        timeline: args.timeline.display().to_string(),
        output: destination.display().to_string(),
    }));
    let (flags, file) = settings?;
    let tools = Tools::find(cli.ffmpeg.as_deref(), cli.ffprobe.as_deref())?;
    out.emit(&Event::Stage(StageEvent { stage: "probe".to_owned() }));
    let (timeline, media) = reel_engine::load_timeline(&tools, &args.timeline)?;
    for w in &timeline.warnings {
        out.warn(w.clone());
    }
    entry.timeline_hash = Some(export_log::timeline_hash(&timeline));
    let probe = started.elapsed().as_secs_f64();
    out.emit(&Event::Stage(StageEvent { stage: "plan".to_owned() }));
    let plan_started = Instant::now();
    let (cache, warning) = super::cache::open(&file, args.how.no_cache);
    if let Some(w) = warning {
        out.warn(w);
    }
    let settings = effective(&flags, &timeline.output, &file);
    let plan = make_plan(&tools, &timeline, &media, &settings, &args.how, cache.as_deref(), None)?;
    entry.add_plan(&plan);
    let plan_time = plan_started.elapsed().as_secs_f64();
    out.emit(&Event::Plan(plan_event(&plan)));
    for w in &plan.warnings {
        out.warn(w.clone());
    }
    // The timeline and the settings file are inputs too: never written over.
    let mut inputs = InputFile::sources(&timeline, &media);
    inputs.push(InputFile::named(&args.timeline));
    inputs.extend(file.path.iter().filter(|_| file.found).map(InputFile::named));
    let options = RunOptions { overwrite: args.overwrite, verbose: cli.verbose, cancel: Arc::clone(cancel), cache, inputs };
    let timings = StageTimings { probe, plan: plan_time, total: probe + plan_time, ..StageTimings::default() };
    match reel_engine::run_plan(&plan, &tools, &destination, &options, timings.clone(), &mut |e| out.emit(&e)) {
        // A smart render whose re-encoded frames did not reproduce the source's parameter
        // sets (an encoder reel cannot match exactly): nothing was written; plan again
        // without smart rendering and run that, once.
        Err(reel_engine::RunError::Unmatched { job, why }) if args.how.strategy == "auto" => {
            let reason = format!("an earlier attempt's re-encoded part ({job}) did not reproduce the source's parameter sets: {why}");
            out.warn(format!("smart render abandoned: {reason}; exporting again without it"));
            let plan = make_plan(&tools, &timeline, &media, &settings, &args.how, options.cache.as_deref(), Some(&reason))?;
            entry.add_plan(&plan);
            out.emit(&Event::Plan(plan_event(&plan)));
            Ok(reel_engine::run_plan(&plan, &tools, &destination, &options, timings, &mut |e| out.emit(&e))?)
        }
        result => Ok(result?),
    }
}
