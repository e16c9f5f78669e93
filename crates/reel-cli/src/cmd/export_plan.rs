//! Interim home of the `export` and `plan` subcommands, moved unchanged from the first
//! `commands.rs`.
//!
//! The export work replaces this module with `cmd/export.rs` and `cmd/plan.rs`: declare
//! those in `cmd/mod.rs` (see the marked place there), point the two dispatch arms at
//! them, and delete this file.

use super::{fail, load, tools};
use crate::{Cli, ExportArgs, OutputFlags, PlanArgs, ProgressMode};
use reel_core::plan::Plan;
use reel_core::timeline::{Dimension, FrameRateSetting, OutputSettings, Preset, Timeline, VideoCodec};
use reel_core::validate::MediaMap;
use reel_engine::{doctor, Tools};
use reel_wire::{exit, ErrorEvent, Event, MessageEvent, PlanEvent, StageEvent, StageTimings, StartEvent};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn capabilities(tools: &Tools) -> Result<reel_core::capabilities::Capabilities, i32> {
    let report = doctor::doctor(tools, false).map_err(|e| fail(exit::ENVIRONMENT, e))?;
    if let Some(problem) = report.problem() {
        return Err(fail(exit::ENVIRONMENT, problem));
    }
    Ok(report.capabilities())
}

/// Turns the override flags into output settings; a bad value is a usage error.
fn flag_settings(f: &OutputFlags) -> Result<OutputSettings, String> {
    let bad = |flag: &str, value: &str, expected: &str| format!("--{flag} {value:?} is not {expected}");
    let dim = |flag: &str, v: &Option<String>| -> Result<Option<Dimension>, String> {
        v.as_deref()
            .map(|s| match s {
                "source" => Ok(Dimension::Source),
                n => n.parse::<u32>().ok().filter(|n| (1..=16384).contains(n)).map(Dimension::Pixels).ok_or_else(|| bad(flag, s, "a number of pixels or \"source\"")),
            })
            .transpose()
    };
    Ok(OutputSettings {
        width: dim("width", &f.width)?,
        height: dim("height", &f.height)?,
        fps: f
            .fps
            .as_deref()
            .map(|s| if s == "source" { Ok(FrameRateSetting::Source) } else { reel_core::Rational::parse(s).map(FrameRateSetting::Rate).ok_or_else(|| bad("fps", s, "a frame rate or \"source\"")) })
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
        ..OutputSettings::default()
    })
}

fn make_plan(tools: &Tools, timeline: &Timeline, media: &MediaMap, flags: &OutputFlags) -> Result<Plan, i32> {
    let settings = flag_settings(flags).map_err(|m| fail(exit::USAGE, m))?.or(&timeline.output);
    let caps = capabilities(tools)?;
    reel_core::plan::plan(timeline, media, &settings, &caps).map_err(|e| fail(exit::INVALID_INPUT, e))
}

pub(crate) fn plan_cmd(cli: &Cli, args: &PlanArgs) -> Result<(), i32> {
    let tools = tools(cli)?;
    let (timeline, media) = load(&tools, &args.timeline)?;
    let plan = make_plan(&tools, &timeline, &media, &args.output)?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&plan).expect("plan serializes"));
        return Ok(());
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
            out.push_str(&format!("warning: {w}
"));
        }
    }
    for job in &plan.jobs {
        out.push_str(&format!("job {}: {}\n  {}\n", job.id, job.description, reel_core::args::shell_line(&tools.ffmpeg.to_string_lossy(), &job.command.to_args())));
        for f in &job.files {
            out.push_str(&format!("  writes {} ({} bytes)\n", f.name, f.contents.len()));
        }
    }
    print!("{out}");
    Ok(())
}

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
                    bar.set_style(indicatif::ProgressStyle::with_template("{spinner} {msg:12} [{bar:40}] {percent:>3}% eta {eta}").expect("template").progress_chars("=> "));
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

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

pub(crate) fn export_cmd(cli: &Cli, args: &ExportArgs) -> Result<(), i32> {
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
    let result = export(cli, args, &cancel, &mut out);
    out.finish();
    match result {
        Ok(mut report) => {
            report.resources = reel_engine::usage::process_usage();
            if mode != ProgressMode::Jsonl {
                if args.json {
                    println!("{}", serde_json::to_string_pretty(&report).expect("report serializes"));
                } else {
                    eprintln!(
                        "wrote {} ({:.3} s, {:.1} MB) by {} with {} in {:.2} s ({:.2}x realtime; probe {:.2} s, plan {:.3} s, encode {:.2} s, verify {:.2} s){}",
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
                        report.fallback.as_ref().map_or(String::new(), |f| format!("; fell back to software: {f}"))
                    );
                }
            }
            out.emit(&Event::Done(report));
            Ok(())
        }
        Err((code, message)) => {
            if mode == ProgressMode::Jsonl {
                out.emit(&Event::Error(ErrorEvent { message: message.clone(), exit_code: code }));
            }
            Err(fail(code, message))
        }
    }
}

fn export(cli: &Cli, args: &ExportArgs, cancel: &Arc<AtomicBool>, out: &mut Output) -> Result<reel_wire::ExportReport, (i32, String)> {
    let started = Instant::now();
    out.emit(&Event::Start(StartEvent { reel_version: env!("CARGO_PKG_VERSION").to_owned(), timeline: args.timeline.display().to_string(), output: args.output.display().to_string() }));
    let tools = Tools::find(cli.ffmpeg.as_deref(), cli.ffprobe.as_deref()).map_err(|e| (exit::ENVIRONMENT, e.to_string()))?;
    out.emit(&Event::Stage(StageEvent { stage: "probe".to_owned() }));
    let (timeline, media) = reel_engine::load_timeline(&tools, &args.timeline).map_err(|e| (exit::INVALID_INPUT, e.to_string()))?;
    let probe = started.elapsed().as_secs_f64();
    out.emit(&Event::Stage(StageEvent { stage: "plan".to_owned() }));
    let plan_started = Instant::now();
    let settings = flag_settings(&args.settings).map_err(|m| (exit::USAGE, m))?.or(&timeline.output);
    let report = doctor::doctor(&tools, false).map_err(|e| (exit::ENVIRONMENT, e.to_string()))?;
    if let Some(problem) = report.problem() {
        return Err((exit::ENVIRONMENT, problem));
    }
    let plan = reel_core::plan::plan(&timeline, &media, &settings, &report.capabilities()).map_err(|e| (exit::INVALID_INPUT, e.to_string()))?;
    let plan_time = plan_started.elapsed().as_secs_f64();
    out.emit(&Event::Plan(PlanEvent { strategy: plan.strategy.as_str().to_owned(), jobs: plan.jobs.len() as u32, duration: plan.duration, encoder: Some(plan.output.encoder.clone()) }));
    for w in &plan.warnings {
        out.emit(&Event::Warning(MessageEvent { message: w.clone() }));
    }
    let options = reel_engine::RunOptions { overwrite: args.overwrite, verbose: cli.verbose, cancel: Arc::clone(cancel) };
    let timings = StageTimings { probe, plan: plan_time, total: probe + plan_time, ..StageTimings::default() };
    reel_engine::run_plan(&plan, &tools, &args.output, &options, timings, &mut |e| out.emit(&e)).map_err(|e| (e.exit_code(), e.to_string()))
}
