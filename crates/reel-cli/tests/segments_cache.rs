//! Segmented exports and the segment cache through the real binary: an export leaves its
//! segments in the cache, the next export of the same timeline renders nothing, an edit
//! re-renders only the segments it touches, a changed source or preset re-renders what it
//! changes, a damaged entry is rendered again (never joined), the size limit holds, two
//! exports share one cache, and a failing segment fails the export with a sentence.
//! Every export is checked frame by frame.

mod common;

use common::{assert_beeps, assert_clean_cfr, assert_frames, expected_beeps, expected_frames, Env, Item};
use reel_testkit::{fixture, Fixture};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

/// 12 s at 160x90: a.mp4 0-6 s, b.mp4 0-6 s, a caption over 1-2 s. Long enough (three
/// 4 s chunks and more) that reel picks segments by itself to fill the cache.
fn timeline(caption: &str) -> String {
    format!(
        r#"{{"reel":1,"output":{{"width":160,"height":90,"fps":30,"preset":"draft"}},
            "video":[{{"source":"a.mp4","in":0,"out":6}},{{"source":"b.mp4","in":0,"out":6}}],
            "overlays":[{{"text":"{caption}","start":1,"end":2,"x":80,"y":0,"size":20,"color":"black"}}]}}"#
    )
}

const ITEMS: [Item; 2] = [
    Item::Clip { source: 1, fps: 30.0, in_s: 0.0, out_s: 6.0, audio: true },
    Item::Clip { source: 2, fps: 30.0, in_s: 0.0, out_s: 6.0, audio: true },
];

fn env() -> Env {
    let env = Env::new();
    env.copy_media("a.mp4", &fixture(Fixture::Small30));
    env.copy_media("b.mp4", &fixture(Fixture::Small30B));
    env
}

fn export(env: &Env, json: &str, extra: &[&str]) -> Value {
    let mut args = vec!["--overwrite"];
    args.extend_from_slice(extra);
    env.export(json, &args)
}

/// (rendered, reused) from a report.
fn counts(report: &Value) -> (u64, u64) {
    let s = &report["segments"];
    (s["rendered"].as_u64().unwrap_or(99), s["reused"].as_u64().unwrap_or(99))
}

/// The segments the plan renders, and how many of them it takes from the cache.
fn planned(env: &Env, extra: &[&str]) -> (usize, usize) {
    let mut args = vec!["plan", "timeline.json", "--json"];
    args.extend_from_slice(extra);
    let plan = env.reel(&args).ok().json();
    let stretches = plan["stretches"].as_array().unwrap();
    (stretches.len(), stretches.iter().filter(|s| s["how"] == "cached").count())
}

fn check_export(path: &Path) {
    assert_frames(path, None, &expected_frames(&ITEMS, 30.0));
    assert_beeps(path, &expected_beeps(&ITEMS), 1.0 / 30.0);
    assert_clean_cfr(path, 30.0);
}

/// The MD5 of the video stream's packets.
fn video_md5(path: &Path) -> String {
    let out = Command::new(reel_testkit::ffmpeg_path())
        .args(["-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v", "-c", "copy", "-f", "md5", "-"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The cache's entry files.
fn entries(env: &Env) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let root = env.cache.path().join("segments");
    for fan in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        if fan.file_name().len() == 2 {
            found.extend(std::fs::read_dir(fan.path()).unwrap().flatten().map(|e| e.path()));
        }
    }
    found
}

#[test]
fn a_second_export_renders_nothing_and_an_edit_only_what_it_touches() {
    let env = env();
    // First export, no flag: segments, everything rendered and kept.
    let first = export(&env, &timeline("Hello"), &[]);
    assert_eq!(first["strategy"], "segments", "{first}");
    let (segments, cached) = planned(&env, &[]);
    assert_eq!(cached, segments, "every segment is in the cache after the first export");
    // Each segment and the audio.
    assert_eq!(counts(&first), (segments as u64 + 1, 0));
    check_export(&env.path("out.mp4"));
    let first_video = video_md5(&env.path("out.mp4"));

    // The same timeline again: nothing rendered, the same video bytes.
    let second = export(&env, &timeline("Hello"), &[]);
    assert_eq!(counts(&second), (0, segments as u64 + 1), "{second}");
    assert!(second["segments"]["seconds_saved"].as_f64().unwrap() > 0.0, "{second}");
    assert!(second["segments"]["reused_bytes"].as_u64().unwrap() > 1000, "{second}");
    assert_eq!(video_md5(&env.path("out.mp4")), first_video, "byte-identical video stream");
    check_export(&env.path("out.mp4"));

    // A new caption: only the segment under it (1-2 s) is rendered again.
    env.timeline(&timeline("World"));
    let (_, cached) = planned(&env, &[]);
    assert_eq!(cached, segments - 1);
    let third = export(&env, &timeline("World"), &[]);
    assert_eq!(counts(&third), (1, segments as u64), "{third}");
    check_export(&env.path("out.mp4"));

    // The log says what the cache did.
    let logged = env.logged();
    assert_eq!(logged.len(), 3);
    assert_eq!((logged[2].segments_rendered, logged[2].segments_reused), (Some(1), Some(segments as u64)));

    // A different preset: every segment again (and the audio is reused).
    let production = export(&env, &timeline("World").replace("draft", "production"), &[]);
    assert_eq!(counts(&production), (segments as u64, 1), "{production}");

    // A source touched (modified): every segment made from it, and the audio.
    let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
    std::fs::File::options().write(true).open(env.path("b.mp4")).unwrap().set_modified(later).unwrap();
    let touched = export(&env, &timeline("World"), &[]);
    let from_b = planned_from(&env, 180);
    assert_eq!(counts(&touched), (from_b as u64 + 1, (segments - from_b) as u64), "{touched}");
    check_export(&env.path("out.mp4"));
}

/// How many segments start at or after frame `first` in the plan.
fn planned_from(env: &Env, first: u64) -> usize {
    let plan = env.reel(&["plan", "timeline.json", "--json"]).ok().json();
    plan["stretches"].as_array().unwrap().iter().filter(|s| s["first_frame"].as_u64().unwrap() >= first).count()
}

#[test]
fn a_damaged_entry_is_rendered_again_never_joined() {
    let env = env();
    export(&env, &timeline("Hello"), &[]);
    let files = entries(&env);
    assert!(files.len() > 3, "{files:?}");
    // Same size, other bytes: only the checksum can tell.
    let victim = files.iter().max_by_key(|f| std::fs::metadata(f).unwrap().len()).unwrap();
    let mut bytes = std::fs::read(victim).unwrap();
    let middle = bytes.len() / 2;
    for b in &mut bytes[middle..middle + 64] {
        *b ^= 0x5a;
    }
    std::fs::remove_file(victim).unwrap();
    std::fs::write(victim, &bytes).unwrap();
    let again = export(&env, &timeline("Hello"), &[]);
    assert_eq!(counts(&again).0, 1, "the damaged entry alone is rendered: {again}");
    check_export(&env.path("out.mp4"));
}

#[test]
fn the_size_limit_holds_and_cache_commands_show_and_clear() {
    let env = env();
    env.write_file(&format!("{}/settings.toml", env.config_dir().display()), "cache_size = \"1\"\n");
    let report = export(&env, &timeline("Hello"), &[]);
    check_export(&env.path("out.mp4"));
    assert!(counts(&report).0 > 3);
    // Everything rendered was kept, then pruned to the 1-byte limit.
    assert_eq!(entries(&env), Vec::<PathBuf>::new());
    let show = env.reel(&["cache", "--json"]).ok().json();
    assert_eq!((show["entries"].as_u64(), show["limit"].as_u64()), (Some(0), Some(1)));

    // With room, `reel cache` lists the entries and `clear` removes them.
    std::fs::remove_file(env.config_dir().join("settings.toml")).unwrap();
    export(&env, &timeline("Hello"), &[]);
    let show = env.reel(&["cache", "--json"]).ok().json();
    assert!(show["entries"].as_u64().unwrap() > 3 && show["bytes"].as_u64().unwrap() > 1000, "{show}");
    env.reel(&["cache", "show"]).ok();
    let cleared = env.reel(&["cache", "clear", "--json"]).ok().json();
    assert_eq!(cleared["entries"], 0);
    assert_eq!(entries(&env), Vec::<PathBuf>::new());

    // --no-cache neither reads nor fills it.
    let report = export(&env, &timeline("Hello"), &["--no-cache", "--strategy", "segments"]);
    assert_eq!(report["segments"]["cache"], false);
    assert_eq!(entries(&env), Vec::<PathBuf>::new());
}

#[test]
fn two_exports_sharing_the_cache_at_once_are_both_right() {
    let env = env();
    env.timeline(&timeline("Hello"));
    env.write("other.json", timeline("Other"));
    let spawn = |timeline: &str, out: &str| {
        env.std_command()
            .args(["export", timeline, "-o", out, "--progress", "none", "--jobs", "2"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
    };
    let (one, two) = (spawn("timeline.json", "one.mp4"), spawn("other.json", "two.mp4"));
    for child in [one, two] {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    check_export(&env.path("one.mp4"));
    check_export(&env.path("two.mp4"));
    // The captions differ, everything else is shared: a third export renders nothing.
    let third = export(&env, &timeline("Other"), &[]);
    assert_eq!(counts(&third).0, 0, "{third}");
}

#[cfg(unix)]
#[test]
fn a_failing_segment_fails_the_export_with_a_sentence_and_stops_the_others() {
    use std::os::unix::fs::PermissionsExt;
    let env = env();
    // An ffmpeg that fails in the folder of segment 2 and runs the real one elsewhere.
    let real = reel_testkit::ffmpeg_path();
    let script = format!(
        "#!/bin/sh\ncase \"$PWD\" in\n  */seg00002) echo '[libx264 @ 0x1] the disk caught fire' >&2; exit 1 ;;\nesac\nexec '{}' \"$@\"\n",
        real.display()
    );
    let fake = env.write("ffmpeg", script);
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();
    env.write("out.mp4", b"the previous export");
    env.timeline(&timeline("Hello"));
    let run = env
        .reel(&[
            "--ffmpeg",
            fake.to_str().unwrap(),
            "--ffprobe",
            reel_testkit::ffprobe_path().to_str().unwrap(),
            "export",
            "timeline.json",
            "-o",
            "out.mp4",
            "--overwrite",
            "--strategy",
            "segments",
            "--jobs",
            "2",
            "--progress",
            "none",
        ])
        .code(1);
    run.stderr_has(&["ffmpeg failed in job seg00002 (exit code 1)", "the disk caught fire"]);
    assert_eq!(std::fs::read(env.path("out.mp4")).unwrap(), b"the previous export");
    assert!(env.leftovers().is_empty(), "{:?}", env.leftovers());
    assert_eq!(common::processes_in(env.dir.path()), Vec::<String>::new());
}

#[test]
fn ten_thousand_clips_export_in_bounded_memory() {
    // One frame each from a 30 fps source at 160x90: 333 s of output, as segments of at
    // most 32 clips (one pass could not even be started with 10,000 inputs).
    let env = Env::new();
    env.copy_media("a.mp4", &fixture(Fixture::Small30));
    let clips: Vec<String> = (0..10_000)
        .map(|i| {
            let frame = f64::from((i * 7) % 170);
            format!(r#"{{"source":"a.mp4","in":{},"out":{}}}"#, frame / 30.0, (frame + 1.0) / 30.0)
        })
        .collect();
    let json = format!(r#"{{"reel":1,"output":{{"width":160,"height":90,"fps":30,"preset":"draft"}},"video":[{}]}}"#, clips.join(","));
    let report = env.export(&json, &["--no-cache"]);
    assert_eq!(report["strategy"], "segments", "{report}");
    let out = env.path("out.mp4");
    let items: Vec<Item> = (0..10_000)
        .map(|i| {
            let frame = f64::from((i * 7) % 170);
            Item::Clip { source: 1, fps: 30.0, in_s: frame / 30.0, out_s: (frame + 1.0) / 30.0, audio: true }
        })
        .collect();
    assert_frames(&out, None, &expected_frames(&items, 30.0));
    assert_clean_cfr(&out, 30.0);
    // reel's own memory stays small whatever the timeline's length (its plan and the
    // jobs' state); ffmpeg's is per segment.
    let rss = report["resources"]["reel_peak_rss"].as_u64().unwrap();
    assert!(rss < 150_000_000, "reel's peak RSS {rss} bytes for 10,000 clips");
}
