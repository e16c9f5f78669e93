//! The inspecting subcommands through the real binary: doctor (table, JSON, cache, a
//! missing or unusable ffmpeg), probe of a generated clip, schema, and check of a valid
//! timeline.

mod common;

use common::{which, Env};
use reel_testkit::{clip, fixture, ClipSpec, Fixture};
use reel_wire::exit;
use std::path::Path;
use std::time::Instant;

const ENCODERS: [&str; 12] = [
    "libx264",
    "libx265",
    "h264_nvenc",
    "hevc_nvenc",
    "h264_qsv",
    "hevc_qsv",
    "h264_amf",
    "hevc_amf",
    "h264_vaapi",
    "hevc_vaapi",
    "h264_videotoolbox",
    "hevc_videotoolbox",
];

fn encoder<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["encoders"]
        .as_array()
        .expect("encoders array")
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} missing from {report}"))
}

/// The table line for an encoder, e.g. `  h264_nvenc         listed, not usable: …`.
fn table_line<'a>(table: &'a str, name: &str) -> &'a str {
    table.lines().find(|l| l.split_whitespace().next() == Some(name)).unwrap_or_else(|| panic!("no line for {name} in\n{table}"))
}

#[test]
fn doctor_table_says_what_each_encoder_can_do() {
    let env = Env::new();
    let run = env.reel(&["doctor"]).ok();
    let table = run.stdout();
    assert!(table.starts_with("ffmpeg    "), "{table}");
    assert!(table.contains("(minimum 5.1: ok)") || table.contains("development build"), "{table}");
    assert!(table.contains("filters   all 28 that reel needs are present"), "{table}");
    let libx264 = table_line(&table, "libx264");
    assert_eq!(libx264.split_whitespace().collect::<Vec<_>>(), ["libx264", "ok"], "{table}");

    // Each line agrees with the JSON report, whatever this machine has.
    let report = env.reel(&["doctor", "--json"]).ok().json();
    for name in ENCODERS {
        let e = encoder(&report, name);
        let line = table_line(&table, name);
        let state = line.trim_start().strip_prefix(name).unwrap().trim();
        match (e["listed"].as_bool().unwrap(), e["usable"].as_bool().unwrap()) {
            (true, true) => assert_eq!(state, "ok"),
            (true, false) => {
                let reason = e["reason"].as_str().expect("a listed, unusable encoder has a reason");
                assert!(!reason.trim().is_empty());
                assert_eq!(state, format!("listed, not usable: {reason}"));
            }
            (false, _) => assert_eq!(state, "not listed"),
        }
    }

    // This ffmpeg build lists NVENC; without an NVIDIA GPU it must not count as usable.
    let nvenc = encoder(&report, "h264_nvenc");
    if nvenc["listed"] == true && !Path::new("/dev/nvidia0").exists() {
        assert_eq!(nvenc["usable"], false, "{nvenc}");
        let line = table_line(&table, "h264_nvenc");
        assert!(line.contains("listed, not usable: "), "{line}");
        let reason = nvenc["reason"].as_str().unwrap();
        assert!(
            !reason.contains("Conversion failed") && !reason.contains("Error initializing output stream"),
            "the reason is the specific line: {reason}"
        );
    }
}

#[test]
fn doctor_json_shape_and_cache() {
    let env = Env::new();
    let started = Instant::now();
    let first = env.reel(&["doctor", "--json"]).ok().json();
    let first_time = started.elapsed();
    for key in ["ffmpeg", "ffprobe", "version", "minimum_version", "ffprobe_version"] {
        assert!(first[key].is_string(), "{key} in {first}");
    }
    assert_eq!(first["ffmpeg_found"], "path");
    assert_eq!(first["ffprobe_found"], "beside_ffmpeg");
    assert_eq!(first["minimum_version"], "5.1");
    assert_eq!(first["version_ok"], true);
    assert_eq!(first["missing_filters"], serde_json::json!([]));
    assert_eq!(first["cached"], false);
    let names: Vec<&str> = first["encoders"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ENCODERS);
    for e in first["encoders"].as_array().unwrap() {
        let keys: Vec<&String> = e.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["listed", "name", "reason", "usable"], "{e}");
    }
    assert_eq!(encoder(&first, "libx264")["usable"], true);

    // The second run comes from the cache: same findings, marked cached, faster.
    let started = Instant::now();
    let second = env.reel(&["doctor", "--json"]).ok().json();
    let second_time = started.elapsed();
    assert_eq!(second["cached"], true);
    assert_eq!(second["encoders"], first["encoders"]);
    assert!(second_time < first_time, "cached doctor took {second_time:?}, the first {first_time:?}");
    assert!(env.reel(&["doctor"]).ok().stdout().contains("(cached result for this ffmpeg binary; --refresh checks again)"));
    assert_eq!(env.reel(&["doctor", "--json", "--refresh"]).ok().json()["cached"], false);
}

#[test]
fn doctor_without_a_usable_cache_still_works() {
    let mut env = Env::new();
    let not_a_folder = env.write("cache-file", "x");
    env.set_env("REEL_CACHE_DIR", &not_a_folder);
    assert_eq!(env.reel(&["doctor", "--json"]).ok().json()["cached"], false);
    assert_eq!(env.reel(&["doctor", "--json"]).ok().json()["cached"], false);
}

#[test]
fn doctor_reports_how_ffmpeg_was_found() {
    let ffmpeg = which("ffmpeg").expect("ffmpeg on PATH");
    let ffmpeg = ffmpeg.to_str().unwrap();
    let env = Env::new().with_env("REEL_FFMPEG", ffmpeg);
    let report = env.reel(&["doctor", "--json"]).ok().json();
    assert_eq!((report["ffmpeg"].as_str(), report["ffmpeg_found"].as_str()), (Some(ffmpeg), Some("environment")));
    let report = env.reel(&["--ffmpeg", ffmpeg, "doctor", "--json"]).ok().json();
    assert_eq!(report["ffmpeg_found"], "flag", "the flag wins over the variable");
    assert_eq!(report["cached"], true, "the same binary found another way shares the cache");
}

#[test]
fn missing_ffmpeg_exits_4_with_install_hints() {
    let env = Env::new().with_env("PATH", "");
    let run = env.reel(&["--ffmpeg", "/nonexistent/ffmpeg", "doctor"]).code(exit::ENVIRONMENT);
    assert_eq!(run.stdout(), "");
    let run = run.stderr_has(&[
        "error: ffmpeg from --ffmpeg cannot be used: /nonexistent/ffmpeg does not exist.",
        "sudo apt-get install ffmpeg",
        "sudo dnf install ffmpeg",
        "brew install ffmpeg",
        "winget install ffmpeg",
        "REEL_FFMPEG",
    ]);
    insta::assert_snapshot!("missing_ffmpeg_flag", run.stderr());

    // Nothing given and nothing on PATH.
    let run = env.reel(&["doctor"]).code(exit::ENVIRONMENT).stderr_has(&[
        "error: ffmpeg was not found (REEL_FFMPEG is not set",
        "not on PATH)",
        "brew install ffmpeg",
    ]);
    assert_eq!(run.stderr().lines().count(), 1, "one sentence");
    // Every subcommand that needs ffmpeg says the same.
    env.write("a.mp4", "x");
    env.reel(&["probe", "a.mp4"]).code(exit::ENVIRONMENT).stderr_has(&["ffmpeg was not found"]);
}

/// A script that answers `-version`, `-filters` and `-encoders` like an old ffmpeg.
fn fake_ffmpeg(env: &Env, name: &str, version: &str, filters: &str) -> String {
    let script = format!(
        "#!/bin/sh\ncase \"$*\" in\n  *-version*) echo \"{name} version {version} Copyright (c) 2000-2021 the FFmpeg developers\" ;;\n  *-filters*) printf '%s\\n' ' ---' {filters} ;;\n  *-encoders*) echo ' ------' ;;\n  *) exit 1 ;;\nesac\n"
    );
    let path = env.write(&format!("old/{name}"), script);
    std::process::Command::new("chmod").arg("+x").arg(&path).status().expect("chmod");
    path.to_str().unwrap().to_owned()
}

#[test]
fn too_old_or_incomplete_ffmpeg_exits_4() {
    let env = Env::new();
    let all: Vec<String> = [
        "concat",
        "overlay",
        "drawtext",
        "scale",
        "pad",
        "fps",
        "format",
        "setpts",
        "asetpts",
        "settb",
        "trim",
        "atrim",
        "amix",
        "adelay",
        "apad",
        "aresample",
        "aformat",
        "anullsrc",
        "color",
        "tpad",
        "setsar",
        "volume",
        "colorchannelmixer",
    ]
    .iter()
    .map(|f| format!("' T.. {f} V->V x'"))
    .collect();
    let ffmpeg = fake_ffmpeg(&env, "ffmpeg", "4.4.2-0ubuntu0.22.04.1", &all.join(" "));
    fake_ffmpeg(&env, "ffprobe", "4.4.2-0ubuntu0.22.04.1", "");
    let run = env.reel(&["--ffmpeg", &ffmpeg, "doctor"]).code(exit::ENVIRONMENT);
    assert!(run.stdout().contains("version   4.4.2-0ubuntu0.22.04.1 (minimum 5.1: TOO OLD)"), "{}", run.stdout());
    assert!(table_line(&run.stdout(), "h264_nvenc").ends_with("  not listed"), "{}", run.stdout());
    let run = run.stderr_has(&["is ffmpeg 4.4.2-0ubuntu0.22.04.1, older than the 5.1 reel needs", "brew install ffmpeg"]);
    insta::assert_snapshot!("too_old_ffmpeg", run.stderr());

    let env = Env::new();
    let ffmpeg = fake_ffmpeg(&env, "ffmpeg", "6.1", "' T.. concat N->N x' ' T.. scale V->V x'");
    fake_ffmpeg(&env, "ffprobe", "6.1", "");
    let run = env.reel(&["--ffmpeg", &ffmpeg, "doctor", "--json"]).code(exit::ENVIRONMENT);
    let report = run.json();
    assert_eq!(report["version_ok"], true);
    assert!(report["missing_filters"].as_array().unwrap().iter().any(|f| f == "drawtext"), "{report}");
    run.stderr_has(&["lacks the filters overlay, pad, fps", "install a full ffmpeg build"]);
}

#[test]
fn a_program_that_is_not_ffmpeg_is_named_as_such() {
    let env = Env::new();
    let fake = env.write("bin/ffmpeg", "#!/bin/sh\necho hello\n");
    env.write("bin/ffprobe", "#!/bin/sh\necho hello\n");
    std::process::Command::new("chmod").arg("+x").arg(&fake).arg(env.path("bin/ffprobe")).status().expect("chmod");
    let run = env.reel(&["--ffmpeg", "bin/ffmpeg", "doctor"]).code(exit::ENVIRONMENT);
    run.stderr_has(&["bin/ffmpeg does not look like ffmpeg: `ffmpeg -version` printed \"hello\""]);
}

#[test]
fn probe_of_a_generated_clip() {
    let env = Env::new();
    env.link_media("clip.mp4", &fixture(Fixture::Small30));
    let info = env.reel(&["probe", "clip.mp4", "--json"]).ok().json();
    let duration = info["duration"].as_f64().unwrap();
    assert!((duration - 6.0).abs() < 0.05, "duration {duration}");
    assert!(info["format_name"].as_str().unwrap().contains("mp4"));
    let video = &info["streams"][0];
    assert_eq!(video["kind"], "video");
    assert_eq!(video["codec"], "h264");
    assert_eq!((video["width"].as_u64(), video["height"].as_u64()), (Some(320), Some(180)));
    assert_eq!(video["frame_rate"], serde_json::json!({"num": 30, "den": 1}));
    assert_eq!(video["variable_frame_rate"], false);
    assert_eq!(video["rotation"], serde_json::Value::Null);
    let audio = &info["streams"][1];
    assert_eq!((audio["kind"].as_str(), audio["sample_rate"].as_u64(), audio["channels"].as_u64()), (Some("audio"), Some(48_000), Some(2)));
    // -g 30 at 30 fps: a keyframe every second.
    let keyframes: Vec<f64> = info["keyframes"].as_array().unwrap().iter().map(|k| k.as_f64().unwrap()).collect();
    assert_eq!(keyframes.len(), 6, "{keyframes:?}");
    for (i, k) in keyframes.iter().enumerate() {
        assert!((k - i as f64).abs() < 1e-3, "keyframe {i} at {k}");
    }

    let table = env.reel(&["probe", "clip.mp4"]).ok().stdout();
    for part in [
        "file       clip.mp4\n",
        "duration   6.0 s (00:00:06.000)",
        "video h264 (High), yuv420p, 320x180 SAR 1:1, 30 fps, time base 1/15360",
        "audio aac (LC)",
        "48000 Hz, 2 channels (stereo)",
        "keyframes  6 at 0.000, 1.000, 2.000, 3.000, 4.000, 5.000 s",
    ] {
        assert!(table.contains(part), "{part:?} not in\n{table}");
    }
}

#[test]
fn probe_finds_keyframes_by_packet_flags() {
    let env = Env::new();
    // 4 s at 30 fps with a keyframe every 45 frames: 0, 1.5, 3.0 s.
    let spec = ClipSpec { gop: 45, audio: None, ..ClipSpec::new(31, 160, 90, 30, 4.0) };
    env.link_media("g45.mp4", &clip(&spec));
    let info = env.reel(&["probe", "g45.mp4", "--json"]).ok().json();
    let keyframes: Vec<f64> =
        info["keyframes"].as_array().unwrap().iter().map(|k| (k.as_f64().unwrap() * 1000.0).round() / 1000.0).collect();
    assert_eq!(keyframes, [0.0, 1.5, 3.0]);
    assert_eq!(info["streams"].as_array().unwrap().len(), 1);
}

#[test]
fn schema_is_json_with_the_timeline_fields() {
    let env = Env::new();
    let run = env.reel(&["schema"]).ok();
    let schema = run.json();
    assert_eq!(schema["title"], "reel timeline v1");
    for field in ["reel", "video", "overlays", "audio", "output"] {
        assert!(schema["properties"][field].is_object(), "{field} missing from the schema");
    }
    assert_eq!(schema["required"], serde_json::json!(["reel", "video"]));
    assert!(run.stdout().contains("\"video\""));
    assert_eq!(run.stderr(), "");
}

#[test]
fn check_a_valid_timeline() {
    let env = Env::new();
    env.link_media("media/a.mp4", &fixture(Fixture::Small30));
    env.link_media("media/b.mp4", &fixture(Fixture::Small30B));
    env.write_timeline(
        r#"{"reel":1,"output":{"fps":30},
            "video":[{"source":"media/a.mp4","in":1,"out":3},{"gap":1.5},{"source":"media/b.mp4","in":"00:00:04.000"},{"source":"media/a.mp4"}],
            "audio":[{"source":"media/b.mp4","start":2}]}"#,
    );
    let run = env.reel(&["check", "timeline.json"]).ok();
    assert_eq!(run.stdout(), "ok: 3 clips, duration 11.5 s\n");
    assert_eq!(run.stderr(), "");
    let report = env.reel(&["check", "timeline.json", "--json"]).ok().json();
    assert_eq!(report["ok"], true);
    assert_eq!((report["clips"].as_u64(), report["gaps"].as_u64(), report["audio"].as_u64()), (Some(3), Some(1), Some(1)));
    assert!((report["duration"].as_f64().unwrap() - 11.5).abs() < 1e-6);
    assert_eq!(report["sources"], serde_json::json!(["media/a.mp4", "media/b.mp4"]));
    // The timeline's folder, not the working folder, anchors relative paths.
    let elsewhere = env.mkdir("elsewhere");
    let mut cmd = env.command();
    cmd.current_dir(&elsewhere).args(["check", "../timeline.json"]).assert().success().stdout("ok: 3 clips, duration 11.5 s\n");
}

#[test]
fn verbose_shows_the_commands() {
    let env = Env::new();
    env.link_media("clip.mp4", &fixture(Fixture::Small30));
    let run = env.reel(&["-v", "probe", "clip.mp4"]).ok();
    run.stderr_has(&["+ ", "ffprobe", "-protocol_whitelist file", "file:[DIR]/clip.mp4"]);
}

#[test]
fn usage_errors_exit_2() {
    let env = Env::new();
    env.reel(&["frobnicate"]).code(exit::USAGE);
    env.reel(&["probe"]).code(exit::USAGE);
    let help = env.reel(&["--help"]).ok().stdout();
    assert!(help.contains("Exit codes:") && help.contains("doctor") && help.contains("export"), "{help}");
}
