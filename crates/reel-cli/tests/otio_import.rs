//! OpenTimelineIO import, end to end: `.otio` files written by the real producer (the
//! `opentimelineio` package from PyPI, driven by tests/otio/make_otio.py) are imported with
//! `reel import` and exported with `reel export FILE.otio`, and the exports are checked
//! frame by frame and beep by beep against timeline v1's timing rule.
//!
//! Python with opentimelineio comes from `target/otio-venv` (scripts/test.sh installs it)
//! or `REEL_OTIO_PYTHON`.

#![allow(clippy::float_cmp)] // times read back from the imported JSON must be exact

mod common;

use common::{assert_beeps, assert_frames, assert_streaming_mp4, expected_frames, Env, Item};
use reel_testkit::{fixture, ClipSpec, Fixture};
use reel_wire::exit;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const NTSC: f64 = 30000.0 / 1001.0;

/// The NTSC source: 320x180 at 30000/1001 fps, 6 s, id 3.
fn ntsc_spec() -> ClipSpec {
    ClipSpec { fps: (30000, 1001), ..ClipSpec::new(3, 320, 180, 30, 6.0) }
}

fn python() -> PathBuf {
    if let Some(p) = std::env::var_os("REEL_OTIO_PYTHON") {
        return PathBuf::from(p);
    }
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"), PathBuf::from);
    let venv = target.join("otio-venv/bin/python");
    assert!(
        venv.exists(),
        "the OTIO tests need Python with the opentimelineio package, looked for {}: run `bash scripts/test.sh` once (it installs opentimelineio into target/otio-venv), or set REEL_OTIO_PYTHON to a python that has it",
        venv.display()
    );
    venv
}

/// The folder with the media (A's name has a space, so its URL is percent-encoded) and
/// the .otio files the script wrote, made once per test process.
fn otio_dir() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = tempfile::tempdir().expect("tempdir");
        let media = dir.path().join("media");
        std::fs::create_dir_all(&media).expect("mkdir");
        for (name, source) in [
            ("clip A.mp4", fixture(Fixture::Small30)),
            ("b.mp4", fixture(Fixture::Small30B)),
            ("ntsc.mp4", reel_testkit::clip(&ntsc_spec())),
        ] {
            std::os::unix::fs::symlink(source, media.join(name)).expect("symlink");
        }
        let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/otio/make_otio.py");
        let out = std::process::Command::new(python())
            .arg(&script)
            .arg(dir.path())
            .args([media.join("clip A.mp4"), media.join("b.mp4"), media.join("ntsc.mp4")])
            .output()
            .expect("run python");
        assert!(out.status.success(), "make_otio.py failed: {}", String::from_utf8_lossy(&out.stderr));
        dir
    })
    .path()
}

fn otio(name: &str) -> String {
    otio_dir().join(name).display().to_string()
}

/// `reel import FILE` printed on stdout, parsed.
fn import(env: &Env, name: &str) -> Value {
    env.reel(&["import", &otio(name)]).ok().json()
}

/// Exports an .otio file at 320x180 (the sources' size, so an overlay at its own size
/// covers the frame) and returns the report.
fn export(env: &Env, name: &str) -> Value {
    env.reel(&["export", &otio(name), "-o", "out.mp4", "--json", "--progress", "none", "--width", "320", "--height", "180"]).ok().json()
}

fn seconds(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("{v} is not a number of seconds"))
}

#[test]
fn clips_and_gap_export_frame_accurately_with_their_sound() {
    let env = Env::new();
    let t = import(&env, "basic.otio");
    assert_eq!(t["output"]["fps"], "30");
    let video = t["video"].as_array().expect("video");
    assert_eq!(video.len(), 3, "{t}");
    assert!(video[0]["source"].as_str().unwrap().ends_with("media/clip A.mp4"), "the file URL is decoded: {}", video[0]["source"]);
    assert_eq!((seconds(&video[0]["in"]), seconds(&video[0]["out"])), (0.5, 2.0));
    assert_eq!(seconds(&video[1]["gap"]), 0.5);
    assert!(video[0].get("audio").is_none(), "without audio tracks the clips keep their sound");

    let report = export(&env, "basic.otio");
    assert_eq!(report["fps"], "30");
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 0.5, out_s: 2.0, audio: true },
        Item::Gap(0.5),
        Item::Clip { source: 2, fps: 30.0, in_s: 1.0, out_s: 3.0, audio: true },
    ];
    let out = env.path("out.mp4");
    assert_frames(&out, None, &expected_frames(&items, 30.0));
    assert_beeps(&out, &common::expected_beeps(&items), 1.0 / 30.0);
    assert_streaming_mp4(&out, 4.0, 1.0 / 30.0);
}

#[test]
fn ntsc_rate_stays_30000_1001_and_times_are_exact() {
    let env = Env::new();
    let t = import(&env, "ntsc.otio");
    assert_eq!(t["output"]["fps"], "30000/1001");
    // The media's timecode starts at 01:00:00;00: the clip's frame 100 is 100 frames in.
    let (in_s, out_s, gap): (f64, f64, f64) = (100.0 * 1001.0 / 30000.0, 150.0 * 1001.0 / 30000.0, 30.0 * 1001.0 / 30000.0);
    assert_eq!(seconds(&t["video"][0]["in"]).to_bits(), in_s.to_bits(), "in is the double nearest 100 x 1001 / 30000");
    assert_eq!(seconds(&t["video"][0]["out"]).to_bits(), out_s.to_bits());
    assert_eq!(seconds(&t["video"][1]["gap"]).to_bits(), gap.to_bits());

    let report = export(&env, "ntsc.otio");
    assert_eq!(report["fps"], "30000/1001");
    let items = [Item::Clip { source: 3, fps: NTSC, in_s, out_s, audio: true }, Item::Gap(gap)];
    let expected = expected_frames(&items, NTSC);
    assert_eq!(expected.len(), 80);
    assert_eq!(expected[0], Some((3, 100)));
    let out = env.path("out.mp4");
    assert_frames(&out, None, &expected);
    assert_streaming_mp4(&out, 80.0 / NTSC, 1.0 / NTSC);
}

#[test]
fn nested_stack_is_flattened_and_an_upper_track_is_an_overlay() {
    let env = Env::new();
    let t = import(&env, "nested.otio");
    assert_eq!(t["video"].as_array().map(Vec::len), Some(4), "{t}");
    assert_eq!(t["overlays"].as_array().map(Vec::len), Some(1), "{t}");
    export(&env, "nested.otio");
    // A 0-1 s, the compound's frames 15-45 (B 0.5-1.0 s, then A 2.0-2.5 s), B 3-4 s ...
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 0.0, out_s: 1.0, audio: true },
        Item::Clip { source: 2, fps: 30.0, in_s: 0.5, out_s: 1.0, audio: true },
        Item::Clip { source: 1, fps: 30.0, in_s: 2.0, out_s: 2.5, audio: true },
        Item::Clip { source: 2, fps: 30.0, in_s: 3.0, out_s: 4.0, audio: true },
    ];
    let mut expected = expected_frames(&items, 30.0);
    // ... and over 1.0-1.5 s, B from its start, covering the whole 320x180 frame.
    for (k, frame) in expected.iter_mut().enumerate().take(45).skip(30) {
        *frame = Some((2, k as u32 - 30));
    }
    let out = env.path("out.mp4");
    assert_frames(&out, None, &expected);
    assert_streaming_mp4(&out, 3.0, 1.0 / 30.0);
}

#[test]
fn an_audio_track_replaces_the_clips_own_sound() {
    let env = Env::new();
    let t = import(&env, "sound.otio");
    assert_eq!(t["video"][0]["audio"], false, "{t}");
    assert_eq!(t["audio"][0]["start"], 0.5);
    export(&env, "sound.otio");
    let out = env.path("out.mp4");
    // B's beeps at its seconds 1 and 2, placed from 0.5 s; none of A's own.
    assert_beeps(&out, &[0.5, 1.5], 1.0 / 30.0);
    let items = [Item::Clip { source: 1, fps: 30.0, in_s: 0.0, out_s: 2.0, audio: false }, Item::Gap(0.5)];
    assert_frames(&out, None, &expected_frames(&items, 30.0));
    assert_streaming_mp4(&out, 2.5, 1.0 / 30.0);
}

#[test]
fn what_reel_cannot_render_is_a_warning_at_its_otio_path() {
    let env = Env::new();
    let run = env.reel(&["import", &otio("unrendered.otio")]).ok().stderr_has(&[
        "tracks[0].children[1] (Transition \"Dissolve\"): needs 0.167 s of ",
        "b.mp4 before the clip's start, which its media does not have; the clips cut at that point instead",
        "tracks[0].children[0].effects[0] (FreezeFrame \"hold\"): a freeze frame is not rendered",
        "tracks[0].children[0].markers[0] (Marker \"check this\")",
    ]);
    assert_eq!(run.json()["video"].as_array().map(Vec::len), Some(2));

    // Exporting it directly gives the same warnings as events, and the two clips cut.
    let run =
        env.reel(&["export", &otio("unrendered.otio"), "-o", "out.mp4", "--progress", "jsonl", "--width", "320", "--height", "180"]).ok();
    let events: Vec<Value> = run.stdout().lines().map(|l| serde_json::from_str(l).expect("event")).collect();
    let warnings: Vec<&str> = events.iter().filter(|e| e["type"] == "warning").filter_map(|e| e["data"]["message"].as_str()).collect();
    assert_eq!(warnings.len(), 3, "{warnings:?}");
    assert!(warnings.iter().all(|w| w.contains("unrendered.otio: tracks[0].children[")), "{warnings:?}");
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 0.0, out_s: 1.0, audio: true },
        Item::Clip { source: 2, fps: 30.0, in_s: 0.0, out_s: 1.0, audio: true },
    ];
    assert_frames(&env.path("out.mp4"), None, &expected_frames(&items, 30.0));
}

#[test]
fn dissolves_and_speed_become_timeline_1_1() {
    let env = Env::new();
    let run = env.reel(&["import", &otio("effects.otio")]).ok();
    assert_eq!(run.stderr(), "", "nothing left out");
    let json = run.json();
    let video = json["video"].as_array().expect("video");
    let media = |i: usize| video[i]["source"].as_str().map(|s| Path::new(s).file_name().unwrap().to_string_lossy().into_owned());
    // A at twice its speed runs 0.2 s (0.4 s of its media) longer into the dissolve, B starts
    // 0.2 s earlier in its media; the dissolve to the gap is B's fade out.
    assert_eq!(media(0).as_deref(), Some("clip A.mp4"));
    assert_eq!((seconds(&video[0]["in"]), seconds(&video[0]["out"]), seconds(&video[0]["speed"])), (0.5, 2.9, 2.0));
    assert_eq!(video[1], serde_json::json!({"transition": "crossfade", "duration": 0.4}));
    assert_eq!(media(2).as_deref(), Some("b.mp4"));
    assert!((seconds(&video[2]["in"]) - 0.8).abs() < 1e-9 && (seconds(&video[2]["out"]) - 3.2).abs() < 1e-9, "{:?}", video[2]);
    assert_eq!(seconds(&video[2]["fade_out"]), 0.4);
    assert!((seconds(&video[3]["gap"]) - 0.3).abs() < 1e-9);

    // Exported: 3.5 s as in the editor; A at 0.5 + 2t until the dissolve at 0.8 s, B at its
    // own time from 1.2 s, fading to black over [2.8, 3.2), then black.
    export(&env, "effects.otio");
    let out = env.path("out.mp4");
    assert_streaming_mp4(&out, 3.5, 1.0 / 30.0);
    let ids: Vec<Option<(u8, u32)>> =
        reel_testkit::read_frame_ids(&out, None).into_iter().map(|f| f.map(|f| (f.source, f.frame))).collect();
    assert_eq!(ids.len(), 105);
    for (k, id) in ids.iter().enumerate().take(24) {
        assert_eq!(*id, Some((1, 15 + 2 * k as u32)), "frame {k}: A at double speed");
    }
    for (k, id) in ids.iter().enumerate().take(84).skip(36) {
        // B starts at 0.8 s at its 0.8 s.
        assert_eq!(*id, Some((2, k as u32)), "frame {k}: B");
    }
    assert!(ids[96..].iter().all(Option::is_none), "black at the end: {:?}", &ids[96..]);
}

#[test]
fn a_missing_media_reference_is_a_clear_error() {
    let env = Env::new();
    env.reel(&["import", &otio("missing.otio")]).code(exit::INVALID_INPUT).stderr_has(&[
        "tracks[0].children[1] (Clip \"Interview\"): has a missing media reference (it was \"A001_C002.mov\")",
        "Relink the media in the editor",
    ]);
    let run = env.reel(&["export", &otio("missing.otio"), "-o", "out.mp4", "--progress", "jsonl"]).code(exit::INVALID_INPUT);
    let last: Value = serde_json::from_str(run.stdout().lines().last().expect("events")).expect("event");
    assert_eq!(last["type"], "error");
    assert_eq!(last["data"]["problems"][0]["path"], "tracks[0].children[1] (Clip \"Interview\")");
    assert!(!env.path("out.mp4").exists());
}

#[test]
fn import_writes_a_timeline_that_exports_the_same() {
    let env = Env::new();
    // Relative media URLs (as some editors write them) stay relative beside the .otio file
    // and become absolute elsewhere.
    let text = std::fs::read_to_string(otio_dir().join("basic.otio")).expect("read");
    let media_url = format!("file://{}/", otio_dir().join("media").display());
    env.write("project/edit.otio", text.replace(&media_url, "media/"));
    env.media("project/media/clip A.mp4", &fixture(Fixture::Small30));
    env.media("project/media/b.mp4", &fixture(Fixture::Small30B));
    env.reel(&["import", "project/edit.otio", "-o", "project/edit.json"]).ok();
    let beside: Value = serde_json::from_str(&std::fs::read_to_string(env.path("project/edit.json")).expect("written")).expect("JSON");
    assert_eq!(beside["video"][2]["source"], "media/b.mp4");
    env.reel(&["import", "project/edit.otio", "-o", "edit.json"]).ok();
    let elsewhere: Value = serde_json::from_str(&std::fs::read_to_string(env.path("edit.json")).expect("written")).expect("JSON");
    let absolute = elsewhere["video"][2]["source"].as_str().expect("source");
    assert!(Path::new(absolute).is_absolute() && absolute.ends_with("project/media/b.mp4"), "{absolute}");

    // An existing file is kept unless --overwrite.
    env.reel(&["import", "project/edit.otio", "-o", "edit.json"]).code(exit::DESTINATION).stderr_has(&["already exists"]);
    env.reel(&["import", "project/edit.otio", "-o", "edit.json", "--overwrite"]).ok();
    env.reel(&["import", "timeline.json"]).code(exit::USAGE).stderr_has(&["is not a .otio file"]);

    // The written timeline exports to what the .otio file does.
    env.reel(&["export", "edit.json", "-o", "out.mp4", "--progress", "none", "--width", "320", "--height", "180"]).ok();
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 0.5, out_s: 2.0, audio: true },
        Item::Gap(0.5),
        Item::Clip { source: 2, fps: 30.0, in_s: 1.0, out_s: 3.0, audio: true },
    ];
    assert_frames(&env.path("out.mp4"), None, &expected_frames(&items, 30.0));
}
