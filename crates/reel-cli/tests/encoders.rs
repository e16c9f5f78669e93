//! Video encoders through the real binary: HEVC output as Apple players need it, a forced
//! hardware encoder that cannot run here falling back to libx264 (with the reason, once),
//! and an encoder name reel does not know refused before anything is encoded.

mod common;

use common::{assert_beeps, assert_frames, assert_streaming_mp4, expected_beeps, expected_frames, Env, Item};
use reel_testkit::{fixture, Fixture};
use reel_wire::{exit, Event};

/// 2 s of the 30 fps test clip at its own size and rate, cut off keyframes (so encoded).
const SHORT: &str = r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","in":0.5,"out":2.5}]}"#;
const SHORT_ITEMS: [Item; 1] = [Item::Clip { source: 1, fps: 30.0, in_s: 0.5, out_s: 2.5, audio: true }];

fn with_clip() -> Env {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env
}

/// What `reel doctor --json` found out about one encoder on this machine.
struct Status {
    listed: bool,
    usable: bool,
    reason: Option<String>,
}

fn doctor(env: &Env) -> serde_json::Value {
    env.reel(&["doctor", "--json"]).ok().json()
}

fn status(doctor: &serde_json::Value, name: &str) -> Status {
    let e = doctor["encoders"]
        .as_array()
        .expect("encoders")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} not in {doctor}"));
    Status { listed: e["listed"] == true, usable: e["usable"] == true, reason: e["reason"].as_str().map(str::to_owned) }
}

/// The usable encoders as the refusal sentence lists them.
fn usable_list(doctor: &serde_json::Value) -> String {
    let names: Vec<&str> = doctor["encoders"]
        .as_array()
        .expect("encoders")
        .iter()
        .filter(|e| e["usable"] == true)
        .filter_map(|e| e["name"].as_str())
        .collect();
    names.join(", ")
}

#[test]
fn hevc_output_is_hvc1_frame_exact_in_sync_and_streamable() {
    let env = with_clip();
    let report = env.export(r#"{"reel":1,"output":{"width":320,"height":180,"fps":30,"video_codec":"hevc","preset":"draft"},"video":[{"source":"a.mp4","in":0.5,"out":2.5}]}"#, &[]);
    assert_eq!((report["strategy"].as_str(), report["encoder"].as_str()), (Some("single_pass"), Some("libx265")));
    let out = env.path("out.mp4");
    let probe = reel_testkit::probe(&out);
    let video = &probe["streams"][0];
    assert_eq!(
        (video["codec_type"].as_str(), video["codec_name"].as_str(), video["codec_tag_string"].as_str()),
        (Some("video"), Some("hevc"), Some("hvc1"))
    );
    assert_frames(&out, None, &expected_frames(&SHORT_ITEMS, 30.0));
    assert_beeps(&out, &expected_beeps(&SHORT_ITEMS), 1.0 / 30.0);
    assert_streaming_mp4(&out, 2.0, 1.0 / 30.0);
}

/// What a forced `h264_nvenc` must do here, whatever this machine has: fall back to
/// libx264 with ffmpeg's reason when it is listed but cannot run, encode with it when it
/// can, and be refused with the usable list when this ffmpeg lacks it. `extra` are the
/// export's extra flags; the timeline is `json`.
fn forced_nvenc(env: &Env, json: &str, extra: &[&str]) {
    forced_nvenc_showing(env, json, extra, &SHORT_ITEMS);
}

/// [`forced_nvenc`] for a timeline whose frames are `items`.
fn forced_nvenc_showing(env: &Env, json: &str, extra: &[&str], items: &[Item]) {
    let doctor = doctor(env);
    let nvenc = status(&doctor, "h264_nvenc");
    env.timeline(json);
    let mut args = vec!["export", "timeline.json", "-o", "out.mp4", "--json", "--progress", "none"];
    args.extend_from_slice(extra);
    if !nvenc.listed {
        let run = env.reel(&args).code(exit::INVALID_INPUT);
        let sentence =
            format!("encoder \"h264_nvenc\" cannot be used: this ffmpeg does not have it. Usable encoders here: {}.", usable_list(&doctor));
        run.stderr_has(&[&sentence]);
        assert!(!env.path("out.mp4").exists());
        return;
    }
    let run = env.reel(&args).ok();
    let report = run.json();
    let warnings: Vec<String> = run.stderr().lines().filter(|l| l.starts_with("warning: ")).map(str::to_owned).collect();
    if nvenc.usable {
        assert_eq!((report["encoder"].as_str(), &report["fallback"]), (Some("h264_nvenc"), &serde_json::Value::Null));
        assert!(warnings.is_empty(), "{warnings:?}");
    } else {
        assert_eq!(report["encoder"], "libx264", "{report}");
        let fallback = report["fallback"].as_str().expect("fallback says why");
        assert!(fallback.starts_with("h264_nvenc failed: "), "{fallback}");
        // ffmpeg's own reason, the one its test encode in `reel doctor` gave (here "Cannot
        // load libcuda.so.1"), not a line that follows it.
        let reason = nvenc.reason.expect("a listed, unusable encoder has a reason");
        assert!(!reason.trim().is_empty() && fallback.ends_with(&reason), "fallback {fallback:?}, doctor's reason {reason:?}");
        assert_eq!(warnings.len(), 1, "one warning: {warnings:?}");
        assert!(warnings[0].contains(fallback) && warnings[0].contains("software encoder"), "{warnings:?}");
        // The export log keeps both encoders and the reason, for `reel stats`.
        let logged = env.logged();
        let row = logged.last().expect("the export is logged");
        assert_eq!(
            (row.planned_encoder.as_deref(), row.encoder.as_deref(), row.fallback.as_deref()),
            (Some("h264_nvenc"), Some("libx264"), Some(fallback))
        );
        let stats = env.reel(&["stats", "--json"]).ok().json();
        assert_eq!(stats["fallbacks"], serde_json::json!([{"from": "h264_nvenc", "to": "libx264", "count": 1}]));
    }
    assert_frames(&env.path("out.mp4"), None, &expected_frames(items, 30.0));
}

#[test]
fn forced_nvenc_flag_falls_back_to_libx264() {
    forced_nvenc(&with_clip(), SHORT, &["--encoder", "h264_nvenc"]);
}

#[test]
fn forced_nvenc_in_parallel_segments_falls_back_once_for_the_whole_export() {
    // Two segments render at once, each starting h264_nvenc: the first failure re-runs the
    // whole export in software (one warning, one fallback); no file mixes two encoders.
    let json = SHORT
        .replace(r#"{"source":"a.mp4","in":0.5,"out":2.5}"#, r#"{"source":"a.mp4","in":0.5,"out":2.5},{"source":"a.mp4","in":3,"out":5}"#);
    let items = [SHORT_ITEMS[0], Item::Clip { source: 1, fps: 30.0, in_s: 3.0, out_s: 5.0, audio: true }];
    forced_nvenc_showing(&with_clip(), &json, &["--encoder", "h264_nvenc", "--strategy", "segments", "--jobs", "2"], &items);
}

#[test]
fn forced_nvenc_in_the_timeline_falls_back_to_libx264() {
    let json = SHORT.replace(r#""fps":30"#, r#""fps":30,"encoder":"h264_nvenc""#);
    assert!(json.contains("h264_nvenc"));
    forced_nvenc(&with_clip(), &json, &[]);
}

#[test]
fn forced_nvenc_missing_from_this_ffmpeg_is_refused_with_the_usable_list() {
    // The real ffmpeg behind a wrapper whose `-encoders` listing lacks NVENC, so the
    // refusal is checked on every machine, whatever its ffmpeg lists.
    let real = common::which("ffmpeg").expect("ffmpeg on PATH");
    let mut env = with_clip();
    let wrapper = env.write(
        "bin/ffmpeg",
        format!(
            "#!/bin/sh\ncase \" $* \" in\n  *\" -encoders \"*) '{real}' \"$@\" | grep -v nvenc ;;\n  *) exec '{real}' \"$@\" ;;\nesac\n",
            real = real.display()
        ),
    );
    std::process::Command::new("chmod").arg("+x").arg(&wrapper).status().expect("chmod");
    std::os::unix::fs::symlink(common::which("ffprobe").expect("ffprobe on PATH"), env.path("bin/ffprobe")).expect("symlink");
    env.set_env("REEL_FFMPEG", &wrapper);
    let doctor = doctor(&env);
    assert!(!status(&doctor, "h264_nvenc").listed && status(&doctor, "libx264").usable, "{doctor}");
    forced_nvenc(&env, SHORT, &["--encoder", "h264_nvenc"]);
}

#[test]
fn forced_nvenc_fallback_is_one_warning_event_in_jsonl() {
    let env = with_clip();
    let nvenc = status(&doctor(&env), "h264_nvenc");
    env.timeline(SHORT);
    let args = ["export", "timeline.json", "-o", "out.mp4", "--progress", "jsonl", "--encoder", "h264_nvenc"];
    if !nvenc.listed {
        let run = env.reel(&args).code(exit::INVALID_INPUT);
        let last: Event = serde_json::from_str(run.stdout().lines().last().expect("events")).expect("an event");
        assert!(
            matches!(&last, Event::Error(e) if e.exit_code == exit::INVALID_INPUT && e.message.contains("Usable encoders here: ")),
            "{last:?}"
        );
        return;
    }
    let run = env.reel(&args).ok();
    let events: Vec<Event> =
        run.stdout().lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not an event: {l}: {e}"))).collect();
    let warnings: Vec<&str> =
        events.iter().filter_map(|e| if let Event::Warning(w) = e { Some(w.message.as_str()) } else { None }).collect();
    let Some(Event::Done(report)) = events.last() else { panic!("last event is not done: {events:?}") };
    if nvenc.usable {
        assert!(warnings.is_empty() && report.fallback.is_none(), "{warnings:?} {report:?}");
        return;
    }
    assert_eq!(report.encoder, "libx264");
    let fallback = report.fallback.as_deref().expect("fallback");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].starts_with(fallback), "{warnings:?}");
    assert!(!run.stderr().contains("warning: "), "with jsonl the warning is an event, not a line on stderr: {}", run.stderr());
}

#[test]
fn unknown_encoder_is_refused_with_the_usable_list() {
    let env = with_clip();
    let usable = usable_list(&doctor(&env));
    env.timeline(SHORT);
    let run =
        env.reel(&["export", "timeline.json", "-o", "out.mp4", "--progress", "none", "--encoder", "h264_magic"]).code(exit::INVALID_INPUT);
    assert_eq!(run.stdout(), "");
    assert!(usable.starts_with("libx264, libx265"), "software encoders are always usable: {usable}");
    let err = run.stderr();
    assert!(err.contains(&format!("Usable encoders here: {usable}.")), "{err}");
    assert!(!env.path("out.mp4").exists() && env.leftovers().is_empty(), "nothing encoded, nothing left");
    // The list depends on the machine's hardware; the sentence around it does not.
    insta::assert_snapshot!("unknown_encoder", err.replace(&usable, "[USABLE]"));
}
