//! A source whose display matrix turns it a quarter turn (a phone video held upright),
//! through the real binary: `reel probe` reports the rotation and the size it is shown at,
//! an export fits it by its displayed size and shows it upright, and stream copy is
//! refused for it because copied frames would keep the coded orientation.

mod common;

use common::{assert_beeps, assert_frames, expected_beeps, expected_frames, Env, Item};
use reel_testkit::{fit_rect, fixture, region_luma, Fixture};

/// The rotated fixture's id, as its frames carry it.
const ROTATED: u8 = 18;

fn with_rotated() -> Env {
    let env = Env::new();
    env.media("rot.mp4", &fixture(Fixture::Rotated90));
    env
}

#[test]
fn probe_reports_rotation_and_display_size() {
    let env = with_rotated();
    let run = env.reel(&["probe", "rot.mp4"]).ok();
    // Coded 320x180, turned 90° clockwise: 270° counter-clockwise, reel's convention.
    assert!(run.stdout().contains("320x180 SAR 1:1, rotation 270° counter-clockwise (shown as 180x320)"), "{}", run.stdout());
    let json = env.reel(&["probe", "rot.mp4", "--json"]).ok().json();
    let video = &json["streams"][0];
    assert_eq!((video["width"].as_u64(), video["height"].as_u64(), video["rotation"].as_i64()), (Some(320), Some(180), Some(270)));
}

#[test]
fn export_into_landscape_is_upright_and_pillarboxed() {
    let env = with_rotated();
    let report =
        env.export(r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"rot.mp4","in":0.5,"out":2.5}]}"#, &[]);
    assert_eq!(report["strategy"], "single_pass");
    let out = env.path("out.mp4");
    let probe = reel_testkit::probe(&out);
    assert_eq!((probe["streams"][0]["width"].as_u64(), probe["streams"][0]["height"].as_u64()), (Some(320), Some(180)));
    assert_eq!(reel_testkit::display_rotation(&out), None, "the output is upright itself");
    // Shown 180x320, fitted into 320x180: 101x180 in the middle, the identity read upright
    // there on every frame.
    let items = [Item::Clip { source: ROTATED, fps: 30.0, in_s: 0.5, out_s: 2.5, audio: true }];
    let content = fit_rect(180, 320, 320, 180);
    assert_frames(&out, Some(content), &expected_frames(&items, 30.0));
    // Black bars left and right, the picture's grey top half between them, on every frame.
    let bar = content.0 * 0.8;
    for (name, rect, wanted) in [
        ("left bar", (0.0, 0.0, bar, 1.0), 0.0..30.0),
        ("right bar", (1.0 - bar, 0.0, bar, 1.0), 0.0..30.0),
        ("picture's top half", (content.0 + 0.1 * content.2, 0.05, 0.8 * content.2, 0.4), 110.0..146.0),
    ] {
        let lumas = region_luma(&out, rect);
        assert_eq!(lumas.len(), 60);
        assert!(lumas.iter().all(|l| wanted.contains(l)), "{name}: {lumas:?}");
    }
    assert_beeps(&out, &expected_beeps(&items), 1.0 / 30.0);
}

#[test]
fn source_size_output_is_the_displayed_portrait_size() {
    let env = with_rotated();
    let report = env.export(
        r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},"video":[{"source":"rot.mp4","in":1,"out":2}]}"#,
        &[],
    );
    assert_eq!((report["width"].as_u64(), report["height"].as_u64()), (Some(180), Some(320)));
    let out = env.path("out.mp4");
    let items = [Item::Clip { source: ROTATED, fps: 30.0, in_s: 1.0, out_s: 2.0, audio: true }];
    assert_frames(&out, None, &expected_frames(&items, 30.0));
}

#[test]
fn copy_is_refused_because_it_is_rotated() {
    let env = with_rotated();
    // Everything else allows copy: source size and rate, cut on keyframes, nothing drawn.
    env.timeline(
        r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},"video":[{"source":"rot.mp4","in":1,"out":2}]}"#,
    );
    let run = env.reel(&["plan", "timeline.json", "--explain"]).ok();
    let text = run.stdout();
    assert!(text.starts_with("strategy: single_pass"), "{text}");
    let rejected: Vec<&str> = text.lines().skip_while(|l| *l != "rejected copy:").skip(1).take_while(|l| l.starts_with("  - ")).collect();
    assert_eq!(rejected, ["  - video[0] (rot.mp4) is rotated 270°; it must be turned upright"], "{text}");
    // The same timeline with the upright clip is copied: the rotation is the only reason.
    env.media("flat.mp4", &fixture(Fixture::Small30));
    env.timeline(
        r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},"video":[{"source":"flat.mp4","in":1,"out":2}]}"#,
    );
    let run = env.reel(&["plan", "timeline.json", "--explain"]).ok();
    assert!(run.stdout().starts_with("strategy: copy"), "{}", run.stdout());
}
