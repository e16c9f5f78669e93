//! An export's life around the encode: the JSONL stream a parent process reads, refusals of
//! the destination, verification failures, and cancellation, all through the real binary.

mod common;

use common::Env;
use reel_engine::export_log::Outcome;
use reel_testkit::{clip, fixture, ClipSpec, Fixture};
use reel_wire::Event;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// 2 s at the source's own format, cut off keyframes: a smart render (the GOP 1.0..2.0 s is
/// copied, the half seconds around it re-encoded); the fault tests force the single pass.
const SHORT: &str = r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","in":0.5,"out":2.5}]}"#;

#[test]
fn jsonl_is_only_events_from_start_to_done() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.timeline(SHORT);
    let out = env.run(&["export", "timeline.json", "-o", "out.mp4", "--progress", "jsonl"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let events: Vec<Event> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not an event: {l}: {e}")))
        .collect();
    assert!(matches!(events.first(), Some(Event::Start(_))), "{events:?}");
    let Some(Event::Done(report)) = events.last() else { panic!("last event is not done: {events:?}") };
    assert_eq!((report.strategy.as_str(), report.width, report.height), ("smart", 320, 180));
    assert_eq!(report.frames.as_ref().map(|f| (f.copied, f.total)), Some((30, 60)));
    assert!((report.duration - 2.0).abs() < 0.03);
    let usage = report.resources.as_ref().expect("resources on unix");
    assert!(usage.ffmpeg_cpu > 0.0 && usage.reel_peak_rss > 0 && usage.ffmpeg_peak_rss > 0, "{usage:?}");
    let stages: Vec<&str> = events.iter().filter_map(|e| if let Event::Stage(s) = e { Some(s.stage.as_str()) } else { None }).collect();
    for stage in ["probe", "plan", "encode", "verify"] {
        assert!(stages.contains(&stage), "stage {stage} in {stages:?}");
    }
    let percents: Vec<f64> = events.iter().filter_map(|e| if let Event::Progress(p) = e { Some(p.percent) } else { None }).collect();
    assert!(!percents.is_empty(), "progress events");
    assert!(percents.windows(2).all(|w| w[1] >= w[0]), "percent never goes back: {percents:?}");
    assert!((percents.last().unwrap() - 100.0).abs() < 1e-9, "ends at 100: {percents:?}");
}

#[test]
fn progress_arrives_every_500_ms_even_while_ffmpeg_is_quiet() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.timeline(SHORT);
    // ffmpeg says nothing for 2 s before it starts (as when opening slow inputs).
    let ffmpeg = common::fake_ffmpeg(&env, "sleep 2");
    let mut child = env
        .std_command()
        .args(["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "jsonl"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let lines: Vec<(Instant, String)> =
        BufReader::new(child.stdout.take().unwrap()).lines().map_while(Result::ok).map(|l| (Instant::now(), l)).collect();
    assert!(child.wait().unwrap().success());
    let encode = lines.iter().position(|(_, l)| l.contains(r#""stage":"encode""#)).expect("encode stage");
    let verify = lines.iter().position(|(_, l)| l.contains(r#""stage":"verify""#)).expect("verify stage");
    let during: Vec<&(Instant, String)> = lines[encode..=verify].iter().collect();
    let gaps: Vec<u128> = during.windows(2).map(|w| (w[1].0 - w[0].0).as_millis()).collect();
    assert!(gaps.iter().all(|g| *g <= 800), "silences while encoding, ms: {gaps:?}");
    let waiting = during.iter().filter(|(_, l)| l.contains(r#""type":"progress""#) && l.contains(r#""percent":0.0"#)).count();
    assert!(waiting >= 3, "progress repeated while ffmpeg was quiet: {waiting}");
}

#[test]
fn existing_destination_is_refused_then_replaced_with_overwrite() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.timeline(SHORT);
    env.write("out.mp4", b"precious");
    let out = env.run(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none"]);
    assert_eq!(out.status.code(), Some(5));
    assert!(env.stderr(&out).contains("out.mp4 already exists; pass --overwrite to replace it"), "{}", env.stderr(&out));
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"precious");
    let out = env.run(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none", "--overwrite"]);
    assert!(out.status.success(), "{}", env.stderr(&out));
    assert!(reel_testkit::moov_before_mdat(&env.path("out.mp4")));
    assert!(env.leftovers().is_empty());
    // Both attempts are logged: the refusal, then the success with its figures.
    let logged = env.logged();
    assert_eq!(logged.iter().map(|r| (r.outcome, r.exit_code)).collect::<Vec<_>>(), [(Outcome::Refused, 5), (Outcome::Succeeded, 0)]);
    assert_eq!(logged[0].error_class.as_deref(), Some("destination"));
    assert_eq!(logged[0].timeline_hash, logged[1].timeline_hash, "same timeline, same hash");
    let ok = &logged[1];
    assert_eq!((ok.strategy.as_deref(), ok.encoder.as_deref(), ok.preset.as_deref()), (Some("smart"), Some("libx264"), Some("source")));
    assert_eq!((ok.width, ok.height, ok.fps.as_deref()), (Some(320), Some(180), Some("30")));
    assert!(ok.duration.is_some_and(|d| (d - 2.0).abs() < 0.05), "{ok:?}");
    assert_eq!(ok.size_bytes, Some(std::fs::metadata(env.path("out.mp4")).unwrap().len()));
    assert!(ok.speed.is_some_and(|s| s > 0.0) && ok.encode_s.is_some() && ok.ffmpeg_peak_rss.is_some_and(|m| m > 1_000_000), "{ok:?}");
    assert!(ok.error.is_none() && ok.fallback.is_none());
}

#[test]
fn destination_that_is_an_input_is_refused_by_inode() {
    let env = Env::new();
    let source = env.copy_media("a.mp4", &fixture(Fixture::Small30));
    std::fs::hard_link(&source, env.path("alias.mp4")).unwrap();
    env.timeline(SHORT);
    let before = std::fs::read(&source).unwrap();
    for target in ["alias.mp4", "./sub/../a.mp4"] {
        std::fs::create_dir_all(env.path("sub")).unwrap();
        let out = env.run(&["export", "timeline.json", "-o", target, "--progress", "none", "--overwrite"]);
        assert_eq!(out.status.code(), Some(5), "{target}: {}", env.stderr(&out));
        assert!(env.stderr(&out).contains("is one of the export's inputs"), "{}", env.stderr(&out));
    }
    assert_eq!(std::fs::read(&source).unwrap(), before, "the input is untouched");
}

#[test]
fn ffmpeg_exiting_0_with_a_short_file_fails_verification() {
    // The pitfall: ffmpeg can exit 0 after "No space left on device" in the trailer. Here the
    // export job really runs but stops after 1 s of output and still exits 0.
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.timeline(SHORT);
    let real = common::which("ffmpeg").unwrap();
    let ffmpeg = common::fake_ffmpeg(&env, &format!("'{}' \"${{@:1:$#-1}}\" -t 1 \"${{@: -1}}\"; exit 0", real.display()));
    let out =
        env.run(&["--ffmpeg", &ffmpeg, "export", "timeline.json", "-o", "out.mp4", "--progress", "none", "--strategy", "single_pass"]);
    assert_eq!(out.status.code(), Some(1), "{}", env.stderr(&out));
    let err = env.stderr(&out);
    assert!(err.contains("failed verification: its duration is 1.") && err.contains("the plan says 2.000 s"), "{err}");
    // What is known, not a guess: ffmpeg said nothing, the sources are as probed, the disk's room.
    assert!(
        err.contains(". ffmpeg exited successfully; the sources did not change, and ")
            && err.contains(" is free on the destination's disk"),
        "{err}"
    );
    assert!(!err.contains("likely"), "{err}");
    assert!(!env.path("out.mp4").exists(), "nothing delivered");
    assert_eq!(
        env.logged().iter().map(|r| (r.outcome, r.error_class.clone())).collect::<Vec<_>>(),
        [(Outcome::Failed, Some("verify".to_owned()))]
    );
    assert!(env.leftovers().is_empty(), "no work folder left: {:?}", env.leftovers());
}

#[test]
fn ffmpeg_failing_mid_write_leaves_nothing_and_says_why() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.timeline(SHORT);
    env.write("out.mp4", b"the previous export");
    let ffmpeg = common::fake_ffmpeg(
        &env,
        "echo partial > output.mp4; echo '[mp4 @ 0x1] Error writing trailer: No space left on device' >&2; exit 1",
    );
    let out = env.run(&[
        "--ffmpeg",
        &ffmpeg,
        "export",
        "timeline.json",
        "-o",
        "out.mp4",
        "--progress",
        "none",
        "--overwrite",
        "--strategy",
        "single_pass",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = env.stderr(&out);
    assert!(
        err.contains("error: ffmpeg failed in job export (exit code 1): Error writing trailer: No space left on device; the disk is full"),
        "{err}"
    );
    assert!(!err.contains("command:"), "the command is for --verbose and the log: {err}");
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    assert!(env.leftovers().is_empty(), "no work folder left: {:?}", env.leftovers());
    let logged = env.logged();
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert_eq!((logged[0].outcome, logged[0].exit_code, logged[0].error_class.as_deref()), (Outcome::Failed, 1, Some("ffmpeg")));
    assert!(
        logged[0].error.as_deref().is_some_and(|e| e.contains("No space left on device") && e.contains("\ncommand: ")),
        "{:?}",
        logged[0]
    );
}

/// Starts a slow export with JSONL progress, waits for the first progress event, sends
/// `signal`, and checks exit 130, the previous destination intact and nothing left over.
fn cancel_with(signal: &str) {
    let env = Env::new();
    env.media("long.mp4", &clip(&ClipSpec::new(40, 640, 360, 30, 20.0)));
    env.timeline(r#"{"reel":1,"output":{"width":1920,"height":1080,"fps":60,"preset":"production"},"video":[{"source":"long.mp4"}]}"#);
    env.write("out.mp4", b"the previous export");
    let mut child = env
        .std_command()
        .args(["export", "timeline.json", "-o", "out.mp4", "--overwrite", "--progress", "jsonl", "--jobs", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    loop {
        let line = lines.next().expect("reel ended before any progress").unwrap();
        if line.contains(r#""type":"progress""#) {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "no progress within 2 minutes");
    }
    assert!(env.leftovers().len() == 1, "a work folder exists while encoding: {:?}", env.leftovers());
    // Two segments and the audio start within moments of the first progress event.
    let ffmpegs = || common::processes_in(env.dir.path()).into_iter().filter(|p| p.contains("ffmpeg")).collect::<Vec<_>>();
    let waited = Instant::now();
    while ffmpegs().len() < 2 && waited.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(ffmpegs().len() >= 2, "two segments and the audio run at once: {:?}", common::processes_in(env.dir.path()));
    let status = Command::new("kill").args([signal, &child.id().to_string()]).status().unwrap();
    assert!(status.success());
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(130), "exit code after {signal}");
    assert!(rest.last().is_some_and(|l| l.contains(r#""type":"error""#) && l.contains("cancelled")), "last event: {rest:?}");
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    assert!(env.leftovers().is_empty(), "temporaries removed: {:?}", env.leftovers());
    assert_eq!(common::processes_in(env.dir.path()), Vec::<String>::new(), "no ffmpeg left running");
    assert!(started.elapsed() < Duration::from_secs(150));
    let logged = env.logged();
    assert_eq!(logged.len(), 1, "{logged:?}");
    let row = &logged[0];
    assert_eq!((row.outcome, row.exit_code, row.error_class.as_deref()), (Outcome::Cancelled, 130, Some("cancelled")));
    assert_eq!(
        (row.strategy.as_deref(), row.planned_encoder.as_deref(), row.width),
        (Some("segments"), Some("libx264"), Some(1920)),
        "the plan is logged"
    );
    assert!(row.total_s.is_some_and(|t| t > 0.0) && row.size_bytes.is_none(), "{row:?}");
}

#[test]
fn sigint_cancels_cleanly_with_exit_130() {
    cancel_with("-INT");
}

#[test]
fn sigterm_cancels_cleanly_with_exit_130() {
    cancel_with("-TERM");
}

#[test]
fn a_timeline_too_large_for_one_command_line_is_split_into_segments() {
    // 20,000 clips of a source with a long name: one ffmpeg input each, about 10 MB of
    // arguments for one pass, over any system's limit (Linux: 2 MB with the usual stack
    // limit). Segments keep every command line small; a one-pass export is refused up front.
    let env = Env::new();
    common::timeline_too_long_for_one_command_line(&env);
    let plan = env.reel(&["plan", "timeline.json", "--json", "--no-cache"]).ok().json();
    assert_eq!(plan["strategy"], "segments");
    let chosen = plan["decisions"].as_array().unwrap().iter().find(|d| d["chosen"] == true).unwrap();
    assert!(chosen["reasons"].to_string().contains("over this system's limit"), "{chosen}");
    for job in plan["jobs"].as_array().unwrap() {
        let inputs = job["command"]["inputs"].as_array().unwrap().len();
        assert!(inputs <= 201, "job {} opens {inputs} inputs", job["id"]);
    }
    let run = env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none", "--strategy", "single_pass"]).code(3);
    run.stderr_has(&["strategy single_pass cannot make this export", "(20000 inputs), over this system's command-line limit of"]);
    assert!(!env.path("out.mp4").exists());
    assert!(env.leftovers().is_empty(), "nothing written: {:?}", env.leftovers());
    assert_eq!(
        env.logged().iter().map(|r| (r.outcome, r.error_class.clone())).collect::<Vec<_>>(),
        [(Outcome::Refused, Some("invalid_input".to_owned()))]
    );
}
