//! The subcommands.

use crate::{Cli, Cmd, ExportArgs, OutputFlags, PlanArgs, ProgressMode};
use reel_core::plan::Plan;
use reel_core::timeline::{Dimension, FrameRateSetting, OutputSettings, Preset, Timeline, VideoCodec};
use reel_core::validate::MediaMap;
use reel_engine::{doctor, Tools};
use reel_wire::{exit, ErrorEvent, Event, MessageEvent, PlanEvent, StageEvent, StageTimings, StartEvent};
use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

fn fail(code: i32, message: impl std::fmt::Display) -> i32 {
    eprintln!("error: {message}");
    code
}

pub fn dispatch(cli: &Cli) -> Result<(), i32> {
    match &cli.command {
        Cmd::Schema => {
            let schema = schemars::schema_for!(reel_core::timeline::TimelineFile);
            println!("{}", serde_json::to_string_pretty(&schema).expect("schema serializes"));
            Ok(())
        }
        Cmd::Doctor { json, refresh } => doctor_cmd(cli, *json, *refresh),
        Cmd::Probe { file, json } => {
            let tools = tools(cli)?;
            let info = reel_engine::probe(&tools.ffprobe, file).map_err(|e| fail(exit::INVALID_INPUT, e))?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&info).expect("media info serializes"));
            } else {
                print!("{}", render_probe(&file.display().to_string(), &info));
            }
            Ok(())
        }
        Cmd::Check { timeline, json } => {
            let tools = tools(cli)?;
            let (tl, media) = load(&tools, timeline)?;
            let layout = reel_core::plan::Layout::new(&tl, &media, &tl.output).map_err(|e| fail(exit::INVALID_INPUT, e))?;
            if *json {
                println!("{}", serde_json::json!({"ok": true, "items": tl.items.len(), "overlays": tl.overlays.len(), "audio": tl.audio.len(), "duration": layout.duration}));
            } else {
                println!("ok: {} items, {} overlays, {} audio tracks, {:.3} s", tl.items.len(), tl.overlays.len(), tl.audio.len(), layout.duration);
            }
            Ok(())
        }
        Cmd::Plan(args) => plan_cmd(cli, args),
        Cmd::Export(args) => export_cmd(cli, args),
    }
}

fn tools(cli: &Cli) -> Result<Tools, i32> {
    Tools::find(cli.ffmpeg.as_deref(), cli.ffprobe.as_deref()).map_err(|e| fail(exit::ENVIRONMENT, e))
}

fn capabilities(tools: &Tools) -> Result<reel_core::capabilities::Capabilities, i32> {
    let report = doctor::doctor(tools, false).map_err(|e| fail(exit::ENVIRONMENT, e))?;
    if let Some(problem) = report.problem() {
        return Err(fail(exit::ENVIRONMENT, problem));
    }
    Ok(report.capabilities())
}

fn load(tools: &Tools, path: &std::path::Path) -> Result<(Timeline, MediaMap), i32> {
    reel_engine::load_timeline(tools, path).map_err(|e| fail(exit::INVALID_INPUT, e))
}

fn doctor_cmd(cli: &Cli, json: bool, refresh: bool) -> Result<(), i32> {
    let tools = tools(cli)?;
    let report = doctor::doctor(&tools, refresh).map_err(|e| fail(exit::ENVIRONMENT, e))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&report).expect("report serializes"));
    } else {
        let mut out = String::new();
        out.push_str(&format!("ffmpeg   {} (found via {})\n", report.ffmpeg.display(), report.ffmpeg_found));
        out.push_str(&format!("ffprobe  {} (found via {})\n", report.ffprobe.display(), report.ffprobe_found));
        out.push_str(&format!(
            "version  {} (minimum {}: {})\n",
            report.version.as_deref().unwrap_or("unknown"),
            report.minimum_version,
            if report.version_ok { "ok" } else { "TOO OLD" }
        ));
        out.push_str(&format!("filters  {}\n", if report.missing_filters.is_empty() { "all present".to_owned() } else { format!("missing {}", report.missing_filters.join(", ")) }));
        out.push_str("encoders\n");
        for e in &report.encoders {
            let state = match (e.listed, e.usable) {
                (true, true) => "ok".to_owned(),
                (true, false) => format!("listed, not usable: {}", e.reason.as_deref().unwrap_or("test encode failed")),
                _ => "not listed".to_owned(),
            };
            out.push_str(&format!("  {:<18} {state}\n", e.name));
        }
        if report.cached {
            out.push_str("(cached result; --refresh tests again)\n");
        }
        print!("{out}");
    }
    if let Some(problem) = report.problem() {
        return Err(fail(exit::ENVIRONMENT, problem));
    }
    Ok(())
}

fn render_probe(name: &str, m: &reel_core::media::MediaInfo) -> String {
    let opt = |v: Option<String>| v.unwrap_or_else(|| "-".to_owned());
    let mut s = format!(
        "{name}\n  container  {}\n  duration   {}\n  size       {}\n  bit rate   {}\n",
        opt(m.format_name.clone()),
        opt(m.duration.map(|d| format!("{d:.3} s"))),
        opt(m.size.map(|b| format!("{b} bytes"))),
        opt(m.bit_rate.map(|b| format!("{} kb/s", b / 1000)))
    );
    for st in &m.streams {
        s.push_str(&format!("  stream {} ({:?}): {}", st.index, st.kind, opt(st.codec.clone())));
        if let Some(p) = &st.profile {
            s.push_str(&format!(" {p}"));
        }
        if let (Some(w), Some(h)) = (st.width, st.height) {
            s.push_str(&format!(", {w}x{h} {}", opt(st.pix_fmt.clone())));
            if let Some(sar) = st.sar {
                s.push_str(&format!(" SAR {sar}"));
            }
            if let Some(r) = st.rotation.filter(|r| *r != 0) {
                s.push_str(&format!(", rotated {r}°"));
            }
            s.push_str(&format!(", {} fps{}", opt(st.frame_rate.map(|r| r.to_string())), if st.variable_frame_rate { " (variable)" } else { "" }));
            s.push_str(&format!(", time base {}", opt(st.time_base.map(|r| r.to_string()))));
        }
        if let Some(rate) = st.sample_rate {
            s.push_str(&format!(", {rate} Hz, {} ch ({})", opt(st.channels.map(|c| c.to_string())), opt(st.channel_layout.clone())));
        }
        if let Some(b) = st.bit_rate {
            s.push_str(&format!(", {} kb/s", b / 1000));
        }
        s.push('\n');
    }
    let shown: Vec<String> = m.keyframes.iter().take(8).map(|k| format!("{k:.3}")).collect();
    s.push_str(&format!("  keyframes  {} ({}{})\n", m.keyframes.len(), shown.join(", "), if m.keyframes.len() > 8 { ", ..." } else { "" }));
    s
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

fn plan_cmd(cli: &Cli, args: &PlanArgs) -> Result<(), i32> {
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

fn export_cmd(cli: &Cli, args: &ExportArgs) -> Result<(), i32> {
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
        Ok(report) => {
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
