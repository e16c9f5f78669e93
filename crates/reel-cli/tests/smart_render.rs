//! Smart render (issue 9): every GOP that needs no new pixels copied, only the frames around
//! cuts and under overlays re-encoded, proved frame by frame on real ffmpeg output.
//!
//! Sources are the testkit's GOP-controlled clips: 320x180 at 30 fps, H.264 (or HEVC) with
//! B-frames and closed GOPs of 15 frames (a keyframe every half second), every frame's
//! identity in its picture. Each export is checked for: every frame's identity (the timing
//! rule, computed independently), audio beeps on the same clock, uniform packet timestamps
//! and durations (constant frame rate kept at every seam, not only the right count),
//! a clean decode in ffmpeg, copied frames bit-identical to the source's packets, and a
//! playback to the end in headless Chromium with every frame presented and read back from
//! a canvas (browsers are stricter than ffmpeg about parameter sets).

mod common;

use common::{assert_beeps, assert_clean_cfr, assert_frames, assert_streaming_mp4, expected_beeps, expected_frames, Env, Item};
use reel_testkit::{fixture, Fixture};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const FPS: f64 = 30.0;

const SOURCE_FORMAT: &str = r#""output":{"width":"source","height":"source","fps":"source"}"#;

/// One video packet: timestamps in the stream's time base, and a digest of its bytes.
#[derive(Debug)]
struct Packet {
    pts: i64,
    dts: i64,
    duration: i64,
    key: bool,
    hash: String,
}

/// The video packets of a file in file (decode) order, and the ticks per second.
fn packets(path: &Path) -> (Vec<Packet>, i64) {
    let out = Command::new(reel_testkit::ffprobe_path())
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "stream=time_base:packet=pts,dts,duration,flags,data_hash"])
        .args(["-show_data_hash", "MD5", "-of", "json"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    let v: Value = serde_json::from_slice(&out.stdout).expect("ffprobe JSON");
    let tb = v["streams"][0]["time_base"].as_str().expect("a time base");
    let ticks: i64 = tb.strip_prefix("1/").and_then(|d| d.parse().ok()).unwrap_or_else(|| panic!("time base {tb}"));
    let list = v["packets"].as_array().expect("packets").iter().map(|p| Packet {
        pts: p["pts"].as_i64().expect("pts"),
        dts: p["dts"].as_i64().expect("dts"),
        duration: p["duration"].as_i64().unwrap_or(0),
        key: p["flags"].as_str().is_some_and(|f| f.starts_with('K')),
        hash: p["data_hash"].as_str().unwrap_or_default().to_owned(),
    });
    (list.collect(), ticks)
}

/// Asserts the video's packets lie on a constant-rate grid: `frames` of them, presentation
/// times 0, 1, 2, … frames apart exactly, each lasting one frame, decode times strictly
/// increasing and never after presentation, the first a keyframe.
fn assert_uniform_packets(path: &Path, frames: usize) {
    let (list, ticks) = packets(path);
    assert_eq!(list.len(), frames, "packets in {}", path.display());
    let tick = ticks as f64 / FPS;
    assert!((tick - tick.round()).abs() < 1e-9, "a frame is not a whole number of ticks of 1/{ticks}");
    let tick = tick.round() as i64;
    let mut pts: Vec<i64> = list.iter().map(|p| p.pts).collect();
    pts.sort_unstable();
    let off: Vec<String> =
        pts.iter().enumerate().filter(|(k, p)| **p != *k as i64 * tick).take(5).map(|(k, p)| format!("frame {k} at tick {p}")).collect();
    assert!(off.is_empty(), "presentation times off the 1/{FPS} s grid ({tick} ticks a frame): {}", off.join("; "));
    let uneven: Vec<String> = list
        .iter()
        .enumerate()
        .filter(|(_, p)| p.duration != tick)
        .take(5)
        .map(|(k, p)| format!("packet {k} lasts {}", p.duration))
        .collect();
    assert!(uneven.is_empty(), "packet durations not {tick}: {}", uneven.join("; "));
    for (k, w) in list.windows(2).enumerate() {
        assert!(w[1].dts > w[0].dts, "decode times not increasing at packet {}: {} then {}", k + 1, w[0].dts, w[1].dts);
    }
    assert!(list.iter().all(|p| p.dts <= p.pts), "a packet decodes after it is shown");
    assert!(list[0].key, "the first packet is not a keyframe");
}

/// The export's plan, as `reel plan --json` gives it for the timeline in `env`.
fn plan_json(env: &Env) -> Value {
    env.reel(&["plan", "timeline.json", "--json"]).ok().json()
}

/// Asserts every frame of every copied stretch of `plan` is bit-identical to the source
/// packet it was copied from (matched by presentation time), and starts on a keyframe.
/// Returns how many frames were compared.
fn assert_copied_stretches_identical(out: &Path, plan: &Value) -> usize {
    let (made, ticks) = packets(out);
    let frame_of = |pts: i64, ticks: i64| (pts as f64 * FPS / ticks as f64).round() as i64;
    let made: BTreeMap<i64, &Packet> = made.iter().map(|p| (frame_of(p.pts, ticks), p)).collect();
    let mut sources: BTreeMap<String, BTreeMap<i64, Packet>> = BTreeMap::new();
    let mut compared = 0;
    for stretch in plan["stretches"].as_array().expect("stretches").iter().filter(|s| s["how"] == "copy") {
        let job = plan["jobs"].as_array().unwrap().iter().find(|j| j["id"] == stretch["job"]).expect("the stretch's job");
        let input = &job["command"]["inputs"][0];
        let source = input["path"].as_str().unwrap().to_owned();
        let from = (input["seek"].as_f64().unwrap_or(0.0) * FPS).round() as i64;
        let by_frame = sources.entry(source.clone()).or_insert_with(|| {
            let (list, ticks) = packets(Path::new(&source));
            list.into_iter().map(|p| (frame_of(p.pts, ticks), p)).collect()
        });
        let (first, frames) = (stretch["first_frame"].as_i64().unwrap(), stretch["frames"].as_i64().unwrap());
        assert!(made[&first].key && by_frame[&from].key, "copied stretch at frame {first} does not start on a keyframe");
        for i in 0..frames {
            assert_eq!(
                made[&(first + i)].hash,
                by_frame[&(from + i)].hash,
                "output frame {} is not source frame {} of {source} byte for byte",
                first + i,
                from + i
            );
            compared += 1;
        }
    }
    compared
}

/// The Node script that plays files in headless Chromium, its packages installed.
fn chromium_player() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/chromium");
    if !dir.join("node_modules/playwright-core").exists() {
        let out = Command::new("npm").args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]).current_dir(&dir).output();
        let out = out.expect("npm runs (scripts/setup.sh --test installs Node and npm)");
        assert!(out.status.success(), "npm ci in {} failed: {}", dir.display(), String::from_utf8_lossy(&out.stderr));
    }
    dir.join("play.mjs")
}

/// The frame identities an export should show, as [`expected_frames`] gives them.
type Expected = [Option<(u8, u32)>];

/// Plays each file to its end in headless Chromium and asserts it presented every frame,
/// each showing the expected source frame (read from a canvas), without a media error.
fn assert_plays_in_chromium(cases: &[(&Path, &Expected)]) {
    let spec = tempfile::NamedTempFile::new().expect("temp file");
    let files: Vec<Value> = cases.iter().map(|(p, e)| serde_json::json!({"path": p, "frames": e.len()})).collect();
    std::fs::write(spec.path(), serde_json::json!({ "files": files }).to_string()).expect("write spec");
    let out = Command::new("node").arg(chromium_player()).arg(spec.path()).output().expect("run node");
    assert!(out.status.success(), "playing in Chromium failed: {}", String::from_utf8_lossy(&out.stderr));
    let report: Value = serde_json::from_slice(&out.stdout).expect("the player's JSON");
    for ((path, expected), got) in cases.iter().zip(report["results"].as_array().expect("results")) {
        let name = path.display();
        assert!(got["error"].is_null(), "Chromium ({}) reported a media error on {name}: {}", report["chromium"], got["error"]);
        let (duration, ended) = (got["duration"].as_f64().unwrap(), got["currentTime"].as_f64().unwrap());
        let n = expected.len();
        assert!((duration - n as f64 / FPS).abs() < 0.5 / FPS, "{name}: Chromium's duration {duration} s, {n} frames expected");
        assert!((ended - duration).abs() < 1e-3, "{name}: playback ended at {ended} s of {duration} s");
        assert_eq!(got["presented"].as_u64(), Some(n as u64), "{name}: frames presented (requestVideoFrameCallback)");
        let mut seen = vec![false; n];
        for f in got["frames"].as_array().unwrap() {
            let k = (f["t"].as_f64().unwrap() * FPS).round() as usize;
            let id = f["id"].as_array().map(|a| (a[0].as_u64().unwrap() as u8, a[1].as_u64().unwrap() as u32));
            assert!(k < n, "{name}: a frame at {} s, past the end", f["t"]);
            assert_eq!(id, expected[k], "{name}: Chromium showed the wrong picture at frame {k}");
            seen[k] = true;
        }
        let missed: Vec<usize> = seen.iter().enumerate().filter(|(_, s)| !**s).map(|(k, _)| k).collect();
        assert!(missed.is_empty(), "{name}: Chromium presented no callback for frames {missed:?}");
    }
}

/// Stretches of the plan as `(how, frames)`, in output order.
fn stretches(plan: &Value) -> Vec<(String, u64)> {
    plan["stretches"].as_array().unwrap().iter().map(|s| (s["how"].as_str().unwrap().to_owned(), s["frames"].as_u64().unwrap())).collect()
}

#[test]
fn cuts_on_just_after_just_before_and_inside_gops_of_every_clip() {
    // GOPs of 15 frames: keyframes at 0, 0.5, 1.0, … s. Each clip cuts in and out at a
    // different place: on a keyframe, one frame after one, one frame before one, mid-GOP,
    // and the source's end.
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Gop15));
    env.media("b.mp4", &fixture(Fixture::Gop15B));
    let json = format!(
        r#"{{"reel":1,{SOURCE_FORMAT},
            "video":[{{"source":"a.mp4","in":1.0,"out":2.5333333}},{{"source":"b.mp4","in":0.5333333,"out":2.4666667}},
                     {{"source":"a.mp4","in":1.4666667,"out":3.25}},{{"source":"b.mp4","in":0.25}}]}}"#
    );
    env.timeline(&json);
    let plan = plan_json(&env);
    assert_eq!(plan["strategy"], "smart", "{}", env.reel(&["plan", "timeline.json", "--explain"]).stdout());
    // Copied: a 30..75, b 30..60, a 45..90, b 15..90 (to its end); the rest re-encoded,
    // the frames between two copied stretches as one part.
    let expected_stretches = [("copy", 45), ("render", 15), ("copy", 30), ("render", 15), ("copy", 45), ("render", 15), ("copy", 75)];
    assert_eq!(stretches(&plan), expected_stretches.map(|(h, n)| (h.to_owned(), n)));
    let explain = env.reel(&["plan", "timeline.json", "--explain"]).ok().stdout();
    for line in [
        "frames 0..45 (0..1.5 s, 45 frames): copied by copy0000: video[0] (a.mp4): whole GOPs, source frames 30..75, stream-copied",
        "frames 45..60 (1.5..2 s, 15 frames): rendered by enc0001: video[0] (a.mp4): from its keyframe at 2.5 s to out 2.533 s; video[1] (b.mp4): from in 0.533 s to its keyframe at 1.0 s",
        "frames 165..240 (5.5..8 s, 75 frames): copied by copy0006: video[3] (b.mp4): whole GOPs, source frames 15..90, stream-copied",
    ] {
        assert!(explain.contains(line), "plan --explain lacks {line:?}:\n{explain}");
    }

    let report = env.export(&json, &[]);
    assert_eq!(report["strategy"], "smart");
    assert_eq!(report["encoder"], "libx264");
    let frames = &report["frames"];
    assert_eq!((frames["total"].as_u64(), frames["copied"].as_u64()), (Some(240), Some(195)), "{frames}");
    let items = [
        Item::Clip { source: 50, fps: FPS, in_s: 1.0, out_s: 2.533_333_3, audio: true },
        Item::Clip { source: 51, fps: FPS, in_s: 0.533_333_3, out_s: 2.466_666_7, audio: true },
        Item::Clip { source: 50, fps: FPS, in_s: 1.466_666_7, out_s: 3.25, audio: true },
        Item::Clip { source: 51, fps: FPS, in_s: 0.25, out_s: 3.0, audio: true },
    ];
    let out = env.path("out.mp4");
    let expected = expected_frames(&items, FPS);
    assert_eq!(expected.len(), 240);
    assert_eq!((expected[0], expected[46], expected[104], expected[158]), (Some((50, 30)), Some((51, 16)), Some((50, 44)), Some((51, 8))));
    assert_frames(&out, None, &expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / FPS);
    assert_streaming_mp4(&out, 8.0, 1.0 / FPS);
    assert_clean_cfr(&out, FPS);
    assert_uniform_packets(&out, 240);
    assert_eq!(assert_copied_stretches_identical(&out, &plan), 195);
    assert_plays_in_chromium(&[(&out, &expected)]);
}

#[test]
fn overlay_over_part_of_a_source_format_timeline_copies_everything_else() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Gop15));
    env.media("white.png", &reel_testkit::still_image("white", 32, 18, "white"));
    let json = format!(
        r#"{{"reel":1,{SOURCE_FORMAT},"video":[{{"source":"a.mp4"}}],
            "overlays":[{{"image":"white.png","start":1.2,"end":2.1,"x":0,"y":0}}]}}"#
    );
    env.timeline(&json);
    let plan = plan_json(&env);
    // The overlay draws on frames 36..63; the GOPs it touches (30..75) are re-encoded.
    assert_eq!(
        stretches(&plan),
        [("copy".to_owned(), 30), ("render".to_owned(), 45), ("copy".to_owned(), 45)],
        "{}",
        env.reel(&["plan", "timeline.json", "--explain"]).stdout()
    );
    let explain = env.reel(&["plan", "timeline.json", "--explain"]).ok().stdout();
    assert!(explain.contains("overlays[0] draw(s) on them"), "{explain}");
    let report = env.export(&json, &[]);
    assert_eq!(report["strategy"], "smart");
    assert!((report["frames"]["copied_share"].as_f64().unwrap() - 75.0 / 120.0).abs() < 1e-9, "{}", report["frames"]);
    let out = env.path("out.mp4");
    let lit: Vec<usize> =
        reel_testkit::region_luma(&out, (0.0, 0.0, 0.09, 0.09)).iter().enumerate().filter(|(_, l)| **l > 200.0).map(|(k, _)| k).collect();
    assert_eq!(lit, (36..63).collect::<Vec<_>>(), "the image on frames with 1.2 <= t < 2.1");
    let items = [Item::Clip { source: 50, fps: FPS, in_s: 0.0, out_s: 4.0, audio: true }];
    let expected = expected_frames(&items, FPS);
    assert_frames(&out, None, &expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / FPS);
    assert_clean_cfr(&out, FPS);
    assert_uniform_packets(&out, 120);
    assert_eq!(assert_copied_stretches_identical(&out, &plan), 75);
    assert_plays_in_chromium(&[(&out, &expected)]);
}

#[test]
fn hevc_source_is_smart_rendered_to_hevc() {
    let env = Env::new();
    env.media("h.mp4", &fixture(Fixture::Hevc15));
    let json = r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source","video_codec":"hevc"},
                   "video":[{"source":"h.mp4","in":0.4,"out":2.6}]}"#;
    env.timeline(json);
    let plan = plan_json(&env);
    assert_eq!(plan["strategy"], "smart", "{}", env.reel(&["plan", "timeline.json", "--explain"]).stdout());
    // Frames 12..78: re-encoded 12..15, copied 15..75, re-encoded 75..78.
    assert_eq!(stretches(&plan), [("render".to_owned(), 3), ("copy".to_owned(), 60), ("render".to_owned(), 3)]);
    // The engine checked every re-encoded part's VPS/SPS/PPS against the source's; a
    // mismatch would have made it export again without smart rendering.
    let report = env.export(json, &[]);
    assert_eq!((report["strategy"].as_str(), report["encoder"].as_str()), (Some("smart"), Some("libx265")));
    let out = env.path("out.mp4");
    let probe = reel_testkit::probe(&out);
    assert_eq!(
        (probe["streams"][0]["codec_name"].as_str(), probe["streams"][0]["codec_tag_string"].as_str()),
        (Some("hevc"), Some("hvc1"))
    );
    let items = [Item::Clip { source: 53, fps: FPS, in_s: 0.4, out_s: 2.6, audio: true }];
    let expected = expected_frames(&items, FPS);
    assert_frames(&out, None, &expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / FPS);
    assert_clean_cfr(&out, FPS);
    assert_uniform_packets(&out, expected.len());
    assert_eq!(assert_copied_stretches_identical(&out, &plan), 60);
}

#[test]
fn a_source_reel_cannot_match_is_re_encoded_and_said_so() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Gop15));
    env.media("open.mp4", &fixture(Fixture::OpenGop15));
    // Alone, the open-GOP source cannot be smart-rendered at all.
    env.timeline(&format!(r#"{{"reel":1,{SOURCE_FORMAT},"video":[{{"source":"open.mp4","in":0.4,"out":3.1}}]}}"#));
    let alone = env.reel(&["plan", "timeline.json", "--explain"]).ok().stdout();
    assert!(alone.starts_with("strategy: single_pass"), "{alone}");
    assert!(alone.contains("rejected smart:\n  - video[0] (open.mp4): it has open GOPs"), "{alone}");
    // Beside a source that matches: its frames are re-encoded, the other's copied.
    let json = format!(
        r#"{{"reel":1,{SOURCE_FORMAT},"video":[{{"source":"a.mp4","in":0.4,"out":2.6}},{{"source":"open.mp4","in":0.5,"out":2.0}}]}}"#
    );
    env.timeline(&json);
    let explain = env.reel(&["plan", "timeline.json", "--explain"]).ok().stdout();
    assert!(explain.starts_with("strategy: smart"), "{explain}");
    assert!(
        explain.contains("frames 63..111 (2.1..3.7 s, 48 frames): rendered by enc0002: video[0] (a.mp4): from its keyframe at 2.5 s to out 2.6 s; video[1] (open.mp4): it has open GOPs"),
        "{explain}"
    );
    let report = env.export(&json, &[]);
    assert_eq!(report["strategy"], "smart");
    assert_eq!((report["frames"]["copied"].as_u64(), report["frames"]["rendered"].as_u64()), (Some(60), Some(51)));
    let items = [
        Item::Clip { source: 50, fps: FPS, in_s: 0.4, out_s: 2.6, audio: true },
        Item::Clip { source: 52, fps: FPS, in_s: 0.5, out_s: 2.0, audio: true },
    ];
    let out = env.path("out.mp4");
    let expected = expected_frames(&items, FPS);
    assert_frames(&out, None, &expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / FPS);
    assert_clean_cfr(&out, FPS);
    assert_uniform_packets(&out, expected.len());
    assert_eq!(assert_copied_stretches_identical(&out, &plan_json(&env)), 60);
}

#[test]
fn parameter_sets_reel_cannot_reproduce_make_the_export_fall_back() {
    // The source's SPS states a video format that x264's settings message does not record:
    // the plan cannot know, the engine finds out on the first re-encoded part, and the
    // export is made again without smart rendering.
    let env = Env::new();
    env.media("pal.mp4", &fixture(Fixture::VideoFormat15));
    let json = format!(r#"{{"reel":1,{SOURCE_FORMAT},"video":[{{"source":"pal.mp4","in":0.4,"out":2.6}}]}}"#);
    env.timeline(&json);
    assert_eq!(plan_json(&env)["strategy"], "smart");
    let run = env.reel(&["export", "timeline.json", "-o", "out.mp4", "--json", "--progress", "none"]).ok();
    // Which re-encoded part is checked first depends on which finishes first (two run at
    // once on two cores).
    let said = run.stderr();
    let part = said.split("smart render abandoned: an earlier attempt's re-encoded part (").nth(1).and_then(|rest| rest.split(')').next());
    assert!(part.is_some_and(|p| p.starts_with("enc")), "{said}");
    assert!(
        said.contains(") did not reproduce the source's parameter sets: its SPS differs from the source's; exporting again without it"),
        "{said}"
    );
    let report = run.json();
    assert_eq!(report["strategy"], "single_pass");
    assert_eq!(report["frames"]["copied"], 0);
    let items = [Item::Clip { source: 54, fps: FPS, in_s: 0.4, out_s: 2.6, audio: true }];
    let out = env.path("out.mp4");
    assert_frames(&out, None, &expected_frames(&items, FPS));
    assert_clean_cfr(&out, FPS);
    assert!(env.leftovers().is_empty(), "work folders left: {:?}", env.leftovers());
    let logged = env.logged();
    assert_eq!(logged.last().map(|e| e.strategy.clone()), Some(Some("single_pass".to_owned())));
}

#[test]
fn a_clip_at_another_speed_is_re_encoded_beside_copied_gops() {
    // Timeline 1.1: a speed change draws new frames, so that clip is re-encoded whole while
    // the GOPs of the plain clip before it are copied.
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Gop15));
    env.media("b.mp4", &fixture(Fixture::Gop15B));
    let json = format!(
        r#"{{"reel":1,{SOURCE_FORMAT},"video":[{{"source":"a.mp4","in":0.4,"out":2.6}},{{"source":"b.mp4","in":0,"out":2,"speed":2}}]}}"#
    );
    env.timeline(&json);
    let plan = plan_json(&env);
    assert_eq!(stretches(&plan), [("render".to_owned(), 3), ("copy".to_owned(), 60), ("render".to_owned(), 33)]);
    let report = env.export(&json, &[]);
    assert_eq!(report["strategy"], "smart");
    // a shows its frames 12..78; b at twice the speed shows every other frame from 0.
    let mut expected = expected_frames(&[Item::Clip { source: 50, fps: FPS, in_s: 0.4, out_s: 2.6, audio: true }], FPS);
    expected.extend((0..30).map(|k| Some((51, 2 * k))));
    let out = env.path("out.mp4");
    assert_frames(&out, None, &expected);
    assert_clean_cfr(&out, FPS);
    assert_uniform_packets(&out, expected.len());
    assert_eq!(assert_copied_stretches_identical(&out, &plan), 60);
}
