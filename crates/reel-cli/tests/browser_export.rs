//! The browser fallback (packages/reel-web) in headless Chromium with the real ffmpeg.wasm,
//! held to the same expectations as the native export of the same timeline: every output
//! frame is the source frame timeline v1 says, the overlay on exactly its frames, the beeps
//! in sync, the duration exact, moov first.
//!
//! Needs `bash scripts/build-web.sh` (the planner's wasm build and the npm packages) and
//! Debian's Chromium; `bash scripts/test.sh` does both before `cargo test`.

mod common;

use common::{assert_beeps, assert_frames, assert_streaming_mp4, expected_beeps, expected_frames, Env, Item};
use reel_testkit::{fixture, Fixture};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Two clips cut off keyframes (the sources have one every second) and an image overlay,
/// at the sources' 320x180 and 30 fps.
const TIMELINE: &str = r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},
  "video":[{"source":"a.mp4","in":0.5,"out":2.37},{"source":"b.mp4","in":1.2,"out":3}],
  "overlays":[{"image":"white.png","start":0.5,"end":1.5,"x":0,"y":0}]}"#;

const ITEMS: [Item; 2] = [
    Item::Clip { source: 1, fps: 30.0, in_s: 0.5, out_s: 2.37, audio: true },
    Item::Clip { source: 2, fps: 30.0, in_s: 1.2, out_s: 3.0, audio: true },
];

/// Cuts on keyframes at the sources' own format: the copy strategy, in the browser too.
const COPY_TIMELINE: &str = r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
  "video":[{"source":"a.mp4","in":1,"out":3},{"source":"b.mp4","in":2,"out":4}]}"#;

const COPY_ITEMS: [Item; 2] = [
    Item::Clip { source: 1, fps: 30.0, in_s: 1.0, out_s: 3.0, audio: true },
    Item::Clip { source: 2, fps: 30.0, in_s: 2.0, out_s: 4.0, audio: true },
];

fn web_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packages/reel-web")
}

/// A folder with the test media, served to the page at /media/.
fn media_env() -> Env {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.media("b.mp4", &fixture(Fixture::Small30B));
    env.media("white.png", &reel_testkit::still_image("white", 32, 18, "white"));
    env
}

/// A run of the page's export: the timeline, the files it names, where the MP4 goes.
fn run(name: &str, isolation: bool, timeline: &str) -> Value {
    json!({"name": name, "isolation": isolation, "timeline": timeline, "files": ["a.mp4", "b.mp4", "white.png"], "output": format!("{name}.mp4")})
}

/// Runs the exports in one headless Chromium (test/browser/drive.mjs); the report per run.
fn drive(env: &Env, runs: &[Value]) -> Vec<Value> {
    let web = web_dir();
    for needed in ["pkg/reel_wasm.js", "node_modules/@ffmpeg/core-mt/dist/esm/ffmpeg-core.wasm", "node_modules/playwright-core"] {
        assert!(
            web.join(needed).exists(),
            "{} is missing: run `bash scripts/build-web.sh` (scripts/test.sh does) before these tests",
            web.join(needed).display()
        );
    }
    let spec = json!({"media": env.dir.path(), "results": env.path("results"), "runs": runs});
    let spec_path = env.write("spec.json", spec.to_string());
    let out = Command::new("node").arg(web.join("test/browser/drive.mjs")).arg(&spec_path).current_dir(&web).output().expect("run node");
    assert!(out.status.success(), "the browser driver failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("the driver prints JSON");
    report["runs"].as_array().expect("runs").clone()
}

/// The checks every export of [`TIMELINE`] must pass, native or in the browser.
fn assert_timeline_output(path: &Path) {
    let expected = expected_frames(&ITEMS, 30.0);
    assert_eq!(expected.len(), 111);
    assert_eq!(expected[0], Some((1, 15)), "in 0.5 s is frame 15, not on a keyframe");
    assert_frames(path, None, &expected);
    let lit: Vec<usize> =
        reel_testkit::region_luma(path, (0.0, 0.0, 0.09, 0.09)).iter().enumerate().filter(|(_, l)| **l > 200.0).map(|(k, _)| k).collect();
    assert_eq!(lit, (15..45).collect::<Vec<_>>(), "the overlay on the frames with 0.5 <= t < 1.5");
    assert_beeps(path, &expected_beeps(&ITEMS), 1.0 / 30.0);
    assert_streaming_mp4(path, 3.7, 1.0 / 30.0);
}

#[track_caller]
fn assert_ok(run: &Value) {
    assert_eq!(run["ok"], true, "the export in the browser failed: {run:#}");
}

#[test]
fn browser_exports_give_the_frames_of_the_native_export() {
    let env = media_env();
    // The native export of the same timeline, against the same expectations.
    let native = env.export(TIMELINE, &[]);
    assert_eq!(native["strategy"], "single_pass");
    assert_timeline_output(&env.path("out.mp4"));

    let runs = drive(&env, &[run("isolated", true, TIMELINE), run("plain", false, TIMELINE), run("copy", true, COPY_TIMELINE)]);

    // With the isolation headers: crossOriginIsolated, and the multi-threaded core.
    let isolated = &runs[0];
    assert_ok(isolated);
    assert_eq!(isolated["isolated"], true);
    assert_eq!(isolated["core"]["core"], "mt", "{:#}", isolated["core"]);
    assert_eq!(isolated["core"]["fallbackFrom"], Value::Null);
    assert_eq!(isolated["strategy"], "single_pass");
    // The seed's wasm settings: ultrafast at CRF 23, software only.
    let args: Vec<&str> = isolated["steps"][0]["args"].as_array().unwrap().iter().map(|a| a.as_str().unwrap()).collect();
    for pair in [["-c:v", "libx264"], ["-preset", "ultrafast"], ["-crf", "23"]] {
        assert!(args.windows(2).any(|w| w == pair), "{pair:?} in {args:?}");
    }
    assert!((isolated["percent"].as_f64().unwrap() - 100.0).abs() < 1e-6, "progress reached 100 %: {}", isolated["percent"]);
    let stages: Vec<&str> = isolated["events"].as_array().unwrap().iter().filter_map(|e| e["data"]["stage"].as_str()).collect();
    assert_eq!(stages, ["load", "probe", "plan", "encode", "verify"]);
    assert_timeline_output(&env.path("results/isolated.mp4"));

    // Without them: no SharedArrayBuffer, the single-thread core, and the reason said.
    let plain = &runs[1];
    assert_ok(plain);
    assert_eq!(plain["isolated"], false);
    assert_eq!(plain["core"]["core"], "st");
    assert!(plain["core"]["reason"].as_str().unwrap().contains("not cross-origin isolated"), "{:#}", plain["core"]);
    assert_timeline_output(&env.path("results/plain.mp4"));

    // Keyframe cuts at the source's format: stream copy in the browser as natively.
    let copy = &runs[2];
    assert_ok(copy);
    assert_eq!(copy["strategy"], "copy");
    assert!(copy["steps"][0]["mount"]["links"].as_array().is_some_and(|l| l.len() == 2), "{:#}", copy["steps"][0]);
    let out = env.path("results/copy.mp4");
    assert_frames(&out, None, &expected_frames(&COPY_ITEMS, 30.0));
    assert_beeps(&out, &expected_beeps(&COPY_ITEMS), 1.0 / 30.0);
    assert_streaming_mp4(&out, 4.0, 1.0 / 30.0);
}

#[test]
fn a_failing_multi_threaded_core_falls_back_to_the_single_thread_core() {
    let env = media_env();
    // At load: core-mt's wasm is not where the runner is told it is.
    let mut broken = run("broken", true, TIMELINE);
    broken["breakMt"] = json!(true);
    // Mid-export: x264 left to choose its own thread count at the preview preset (veryfast,
    // with lookahead), which crashes @ffmpeg/core-mt 0.12.10 ("function signature
    // mismatch") from 640x360 up.
    let bigger = TIMELINE.replace(r#""width":320,"height":180"#, r#""width":640,"height":360,"preset":"preview""#);
    let mut crashing = run("crashing", true, &bigger);
    crashing["mtThreads"] = json!("auto");
    let runs = drive(&env, &[broken, crashing]);

    for r in &runs {
        assert_ok(r);
        assert_eq!(r["core"]["core"], "st", "{:#}", r["core"]);
        assert!(r["core"]["reason"].as_str().unwrap().contains("the multi-threaded core failed"), "{:#}", r["core"]);
        let said: Vec<&Value> = r["events"].as_array().unwrap().iter().filter(|e| e["type"] == "core").collect();
        assert_eq!((said[0]["data"]["core"].as_str(), said[1]["data"]["fallback"].as_bool()), (Some("mt"), Some(true)), "{said:?}");
    }
    assert!(runs[0]["core"]["fallbackFrom"]["error"].as_str().unwrap().contains("could not be loaded"), "{:#}", runs[0]["core"]);
    assert!(runs[1]["core"]["fallbackFrom"]["error"].as_str().unwrap().contains("failed in export"), "{:#}", runs[1]["core"]);
    assert_timeline_output(&env.path("results/broken.mp4"));
    // The 640x360 export: the same frames, scaled.
    let out = env.path("results/crashing.mp4");
    assert_frames(&out, None, &expected_frames(&ITEMS, 30.0));
    assert_streaming_mp4(&out, 3.7, 1.0 / 30.0);
}

#[test]
fn cancel_stops_the_export_and_returns_nothing() {
    let env = media_env();
    // 18 s at 960x540: long enough that progress arrives well before the end (at 320x180
    // the whole export can finish before ffmpeg's first half-second progress report).
    let long =
        r#"{"reel":1,"output":{"width":960,"height":540,"fps":30},"video":[{"source":"a.mp4"},{"source":"b.mp4"},{"source":"a.mp4"}]}"#;
    let mut cancelled = run("cancelled", true, long);
    cancelled["cancelAtPercent"] = json!(5);
    let after = run("after", false, TIMELINE);
    let runs = drive(&env, &[cancelled, after]);
    let r = &runs[0];
    assert_eq!((r["ok"].as_bool(), r["kind"].as_str()), (Some(false), Some("cancelled")), "{r:#}");
    assert!(r["message"].as_str().unwrap().contains("cancelled; ffmpeg.wasm was stopped"), "{r:#}");
    let percent = r["percent"].as_f64().unwrap();
    assert!((5.0..100.0).contains(&percent), "cancelled mid-run, at {percent} %");
    assert!(!env.path("results/cancelled.mp4").exists(), "a cancelled export returns no file");
    // The page can export again afterwards.
    assert_ok(&runs[1]);
    assert_timeline_output(&env.path("results/after.mp4"));
}

#[test]
fn invalid_timelines_are_refused_in_the_browser_with_json_paths() {
    let env = media_env();
    let text_only = r#"{"reel":1,"video":[{"source":"a.mp4","out":9}],"overlays":[{"text":"Hi","start":0,"end":1}]}"#;
    let past_end = r#"{"reel":1,"video":[{"source":"a.mp4","out":9},{"source":"nowhere.mp4"}]}"#;
    let mut unknown = run("unknown", false, r#"{"reel":1,"video":[{"source":"a.mp4","reverse":true}]}"#);
    unknown["files"] = json!(["a.mp4"]);
    let runs = drive(&env, &[run("text", false, text_only), run("past", false, past_end), unknown]);
    let problems = |r: &Value| -> Vec<String> {
        assert_eq!((r["ok"].as_bool(), r["kind"].as_str()), (Some(false), Some("invalid")), "{r:#}");
        r["problems"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}: {}", p["path"].as_str().unwrap(), p["message"].as_str().unwrap()))
            .collect()
    };
    let text = problems(&runs[0]);
    assert!(text[0].starts_with("overlays[0].text: text overlays cannot be drawn in the browser"), "{text:?}");
    let past = problems(&runs[1]);
    assert_eq!(past.len(), 1, "{past:?}");
    assert!(past[0].starts_with("video[1].source: nowhere.mp4 was not given to the exporter"), "{past:?}");
    let unknown = problems(&runs[2]);
    assert!(unknown[0].contains("unknown field `reverse`"), "{unknown:?}");
    // With every file there, the media checks speak: out past the source's end.
    let mut fixed = run("fixed", false, r#"{"reel":1,"video":[{"source":"a.mp4","out":9}]}"#);
    fixed["files"] = json!(["a.mp4"]);
    let runs = drive(&env, &[fixed]);
    assert_eq!(problems(&runs[0]), ["video[0].out: 9.0 s is past the end of a.mp4 (6.0 s)"]);
}
