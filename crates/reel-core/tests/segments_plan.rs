//! The segments strategy as data: where the output is cut, what each segment renders, and
//! the cache keys that decide what an incremental re-export renders again.

mod common;

use common::{media, render};
use reel_core::capabilities::Capabilities;
use reel_core::plan::{plan_with, How, JobKind, Plan, PlanOptions, Strategy};
use reel_core::timeline::parse;
use std::collections::{BTreeMap, BTreeSet};

fn plan_segments(json: &str, cache: &BTreeSet<String>) -> Plan {
    let timeline = parse(json, "/media").expect("valid timeline");
    let options = PlanOptions { cores: 2, cache: Some(cache), ..PlanOptions::default() };
    plan_with(&timeline, &media(), &timeline.output, &Capabilities::software_only(), &options).expect("plan")
}

/// Segment id → (first frame, frames, cache key).
fn segments(p: &Plan) -> Vec<(u64, u64, String)> {
    p.stretches
        .iter()
        .map(|s| (s.first_frame, s.frames, p.job(&s.job).and_then(|j| j.cache_key.clone()).expect("a segment has a key")))
        .collect()
}

const BASE: &str = r#"{"reel":1,"output":{"width":640,"height":360,"fps":30},
    "video":[{"source":"a.mp4","in":2,"out":11},{"gap":1},{"source":"b.mp4","in":0.5,"out":6.5}],
    "overlays":[{"text":"Title","start":1,"end":3},{"image":"logo.png","start":9,"end":12,"x":10,"y":10}],
    "audio":[{"source":"music.mp3","start":0}]}"#;

#[test]
fn cut_where_things_start_and_end_and_every_four_seconds_inside_items() {
    let p = plan_segments(BASE, &BTreeSet::new());
    assert_eq!(p.strategy, Strategy::Segments, "{}", p.explanation());
    let cuts: Vec<(u64, u64)> = segments(&p).iter().map(|(a, n, _)| (*a, *n)).collect();
    // a.mp4 0..270 (chunks from its first frame: 120, 240; overlays at 30, 90, 270 (and
    // 360, the end of the logo), the gap 270..300, b.mp4 300..480 (chunk at 420).
    assert_eq!(
        cuts,
        [(0, 30), (30, 60), (90, 30), (120, 120), (240, 30), (270, 30), (300, 60), (360, 60), (420, 60)],
        "{}",
        p.explanation()
    );
    assert_eq!(p.stretches.iter().map(|s| s.how).collect::<BTreeSet<_>>(), BTreeSet::from([How::Render]));
    // The audio is one job beside the segments; the join waits for all of them.
    let audio: Vec<&str> = p.jobs.iter().filter(|j| j.kind == JobKind::Audio).map(|j| j.id.as_str()).collect();
    assert_eq!(audio, ["audio"]);
    let join = p.job(&p.final_job).unwrap();
    assert_eq!(join.depends_on.len(), 10);
    assert_eq!(p.validate(), Ok(()));
    insta::assert_snapshot!(render(&p));
}

#[test]
fn a_segment_shows_the_frames_the_whole_timeline_shows_there() {
    let p = plan_segments(BASE, &BTreeSet::new());
    // Segment 120..240 lies inside a.mp4 (in 2 s, placed at 0): it starts on source
    // time 2 + 120/30 = 6 s, and only the frames 120.. are read.
    let seg = p.jobs.iter().find(|j| j.frames == 120).expect("the 4 s chunk");
    let input = &seg.command.inputs[0];
    assert_eq!(input.path, "/media/a.mp4");
    assert_eq!(input.seek, Some(6.0), "seeks to the keyframe at 6 s");
    let graph = seg.command.to_args().join(" ");
    assert!(graph.contains("trim=end_frame=120"), "{graph}");
    assert!(graph.contains("-frames:v 120") && graph.contains("stitchable=1") && graph.contains("+cgop"), "{graph}");
    assert!(graph.contains("-an"), "video only: {graph}");
    // The text overlay's segment 30..90 draws it from its own first frame to its last.
    let titled = p.jobs.iter().find(|j| j.files.iter().any(|f| f.contents == "Title") && j.frames == 60).expect("title segment");
    let args = titled.command.to_args().join(" ");
    assert!(args.contains(r"gte(t\,-0.016667)*lt(t\,1.983333)"), "the whole segment: {args}");
}

#[test]
fn keys_cover_what_changes_the_pixels_and_nothing_else() {
    let base = segments(&plan_segments(BASE, &BTreeSet::new()));
    let keys = |json: &str| segments(&plan_segments(json, &BTreeSet::new()));
    let changed = |other: &[(u64, u64, String)]| -> BTreeSet<(u64, u64)> {
        let before: BTreeMap<(u64, u64), &String> = base.iter().map(|(a, n, k)| ((*a, *n), k)).collect();
        other.iter().filter(|(a, n, k)| before.get(&(*a, *n)) != Some(&k)).map(|(a, n, _)| (*a, *n)).collect()
    };
    // The same timeline, planned again: the same keys.
    assert_eq!(keys(BASE), base);
    // New text in the title: only the segments the title covers.
    let retitled = keys(&BASE.replace("\"Title\"", "\"A new title\""));
    assert_eq!(changed(&retitled), BTreeSet::from([(30, 60)]));
    // Audio changes no picture.
    assert!(changed(&keys(&BASE.replace("\"start\":0}]", "\"start\":2,\"volume\":0.5}]"))).is_empty());
    // A different preset or size: every segment.
    assert_eq!(changed(&keys(&BASE.replace("\"fps\":30}", "\"fps\":30,\"preset\":\"production\"}"))).len(), base.len());
    assert_eq!(changed(&keys(&BASE.replace("\"width\":640,\"height\":360", "\"width\":320,\"height\":180"))).len(), base.len());
}

#[test]
fn moving_a_clip_keeps_the_keys_of_its_segments() {
    // b.mp4 moved 1 s later (a longer gap): its segments keep their keys under new frames.
    // (The logo ends in the gap here, so nothing is drawn over b.mp4 either way.)
    let unmoved = BASE.replace("\"end\":12", "\"end\":10");
    let before = plan_segments(&unmoved, &BTreeSet::new());
    let after = plan_segments(&unmoved.replace("{\"gap\":1}", "{\"gap\":2}"), &BTreeSet::new());
    let b_keys =
        |p: &Plan, from: u64| -> Vec<String> { segments(p).into_iter().filter(|(a, _, _)| *a >= from).map(|(_, _, k)| k).collect() };
    assert_eq!(b_keys(&before, 300), b_keys(&after, 330), "b.mp4's segments, moved by 30 frames");
}

#[test]
fn cached_segments_are_not_rendered_and_make_segments_worth_it_alone() {
    let first = plan_segments(BASE, &BTreeSet::new());
    let keys: BTreeSet<String> = segments(&first).into_iter().map(|(_, _, k)| k).skip(2).collect();
    // No cache and one core: one pass is as good...
    let timeline = parse(BASE, "/media").unwrap();
    let off = plan_with(
        &timeline,
        &media(),
        &timeline.output,
        &Capabilities::software_only(),
        &PlanOptions { cores: 1, ..PlanOptions::default() },
    )
    .unwrap();
    assert_eq!(off.strategy, Strategy::SinglePass, "{}", off.explanation());
    // ...but with cached segments, segments win, and say which are cached.
    let p = plan_segments(BASE, &keys);
    assert_eq!(p.strategy, Strategy::Segments);
    let cached = p.stretches.iter().filter(|s| s.how == How::Cached).count();
    assert_eq!(cached, keys.len());
    assert!(p.explanation().contains(&format!("{cached} of 9 segments are in the cache")), "{}", p.explanation());
    assert!(p.explanation().contains("cached by seg00002: its cache entry matches"), "{}", p.explanation());
}

#[test]
fn forced_strategies_and_why_not() {
    let timeline = parse(BASE, "/media").unwrap();
    let forced = |strategy| {
        let options = PlanOptions { strategy: Some(strategy), cores: 1, ..PlanOptions::default() };
        plan_with(&timeline, &media(), &timeline.output, &Capabilities::software_only(), &options)
    };
    assert_eq!(forced(Strategy::Segments).unwrap().strategy, Strategy::Segments);
    assert_eq!(forced(Strategy::SinglePass).unwrap().strategy, Strategy::SinglePass);
    let copy = forced(Strategy::Copy).unwrap_err().to_string();
    assert!(copy.starts_with("strategy copy cannot make this export: the timeline has 2 overlay(s)"), "{copy}");
}

#[test]
fn many_short_clips_are_merged_into_segments_of_bounded_size() {
    let clips: Vec<String> =
        (0..1000).map(|i| format!(r#"{{"source":"a.mp4","in":{},"out":{}}}"#, f64::from(i % 10), f64::from(i % 10) + 0.1)).collect();
    let json = format!(r#"{{"reel":1,"output":{{"width":160,"height":90,"fps":30}},"video":[{}]}}"#, clips.join(","));
    let p = plan_segments(&json, &BTreeSet::new());
    assert_eq!(p.frames, 3000);
    let renders: Vec<_> = p.jobs.iter().filter(|j| j.kind == JobKind::Render).collect();
    assert!(renders.iter().all(|j| j.command.inputs.len() <= 32), "at most 32 clips per segment");
    assert_eq!(renders.iter().map(|j| j.frames).sum::<u64>(), 3000);
    assert!(renders.len() < 120, "{} segments for 1000 clips of 3 frames", renders.len());
    // 1000 clips' audio: pieces of 200 clips joined by the audio job.
    let pieces = p.jobs.iter().filter(|j| j.id.starts_with("audio-piece")).count();
    assert_eq!(pieces, 5);
    assert!(p.job("audio").unwrap().depends_on.len() == 5);
}

const EFFECTS: &str = r#"{"reel":1,"output":{"width":640,"height":360,"fps":30},
    "video":[{"source":"a.mp4","in":0,"out":10},{"source":"b.mp4","in":0,"out":10}]}"#;

/// The segments whose key differs from `base`'s at the same frames, and those `base` does
/// not have at all.
fn differing(base: &[(u64, u64, String)], other: &[(u64, u64, String)]) -> BTreeSet<(u64, u64)> {
    let before: BTreeMap<(u64, u64), &String> = base.iter().map(|(a, n, k)| ((*a, *n), k)).collect();
    other.iter().filter(|(a, n, k)| before.get(&(*a, *n)) != Some(&k)).map(|(a, n, _)| (*a, *n)).collect()
}

#[test]
fn a_fade_is_its_own_segment_and_leaves_the_others_cached() {
    let base = segments(&plan_segments(EFFECTS, &BTreeSet::new()));
    assert_eq!(
        base.iter().map(|(a, n, _)| (*a, *n)).collect::<Vec<_>>(),
        [(0, 120), (120, 120), (240, 60), (300, 120), (420, 120), (540, 60)]
    );
    // A 0.5 s fade out at the end of a.mp4 (frames 285..300): one new segment holds exactly
    // those frames, the chunk it was cut from is shorter, every other segment is unchanged.
    let faded = segments(&plan_segments(
        &EFFECTS.replace(r#""out":10},{"source":"b"#, r#""out":10,"fade_out":0.5},{"source":"b"#),
        &BTreeSet::new(),
    ));
    assert_eq!(differing(&base, &faded), BTreeSet::from([(240, 45), (285, 15)]));
    // A fade shorter than the merge length is not merged into its neighbours.
    let short = segments(&plan_segments(
        &EFFECTS.replace(r#""in":0,"out":10},{"source":"b"#, r#""in":0,"out":10,"fade_in":0.2},{"source":"b"#),
        &BTreeSet::new(),
    ));
    assert_eq!(differing(&base, &short), BTreeSet::from([(0, 6), (6, 114)]));
}

#[test]
fn a_transition_is_cut_out_and_a_segment_inside_it_keeps_its_weights() {
    // A 5 s crossfade is longer than a 4 s chunk: the overlap (frames 150..300) is its own
    // stretch, cut inside; each part blends with the whole transition's weights.
    let json = EFFECTS.replace(r#"{"source":"b.mp4""#, r#"{"transition":"crossfade","duration":5},{"source":"b.mp4""#);
    let p = plan_segments(&json, &BTreeSet::new());
    let cuts: Vec<(u64, u64)> = segments(&p).iter().map(|(a, n, _)| (*a, *n)).collect();
    assert_eq!(cuts, [(0, 120), (120, 30), (150, 120), (270, 30), (300, 120), (420, 30)], "{}", p.explanation());
    assert!((p.duration - 15.0).abs() < 1e-9);
    let job = |first: u64| p.job(&p.stretches.iter().find(|s| s.first_frame == first).unwrap().job).unwrap().command.to_args().join(" ");
    // The part from frame 150 starts the blend (w from 0 over 5 s), the part from frame 270
    // starts 4 s into it; both read a.mp4 and b.mp4 at the times the whole timeline does.
    let first = job(150);
    assert!(first.contains(r"clip((T-0)/5\,0\,1)"), "{first}");
    assert!(first.contains("-ss 5 -t 4 -i file:/media/a.mp4") && first.contains("-t 4 -i file:/media/b.mp4"), "{first}");
    let later = job(270);
    assert!(later.contains(r"clip((T+4)/5\,0\,1)"), "w = (t + 4) / 5 from the part's start: {later}");
    assert!(later.contains("-ss 9 -t 1 -i file:/media/a.mp4") && later.contains("-ss 4 -t 1 -i file:/media/b.mp4"), "{later}");
    // Outside the transition, nothing blends.
    assert!(!job(0).contains("maskedmerge") && !job(300).contains("maskedmerge"));
}

#[test]
fn a_speed_change_touches_only_its_clip() {
    let base = segments(&plan_segments(EFFECTS, &BTreeSet::new()));
    let fast = segments(&plan_segments(&EFFECTS.replace(r#""in":0,"out":10}]"#, r#""in":0,"out":10,"speed":2}]"#), &BTreeSet::new()));
    // b.mp4 now lasts 5 s (frames 300..450): its segments change, a.mp4's do not.
    let changed = differing(&base, &fast);
    assert!(changed.iter().all(|(a, _)| *a >= 300), "{changed:?}");
    assert_eq!(fast.iter().filter(|(a, _, _)| *a >= 300).map(|(a, n, _)| (*a, *n)).collect::<Vec<_>>(), [(300, 120), (420, 30)]);
}

#[test]
fn the_layout_names_the_frames_each_effect_touches() {
    // What another strategy (a smart render) must re-encode rather than copy.
    let json = r#"{"reel":1,"output":{"width":640,"height":360,"fps":30},
        "video":[{"source":"a.mp4","in":0,"out":4,"fade_in":0.5},{"transition":"dip","duration":1},
                 {"source":"b.mp4","in":0,"out":4,"speed":2}],
        "overlays":[{"text":"hi","start":0,"end":1,"fade_out":0.2}]}"#;
    let timeline = parse(json, "/media").unwrap();
    let layout = reel_core::plan::Layout::new(&timeline, &media(), &timeline.output).unwrap();
    let effects: Vec<(u64, u64, String)> = layout.effects(&timeline).into_iter().map(|e| (e.first, e.end, e.what)).collect();
    let effects: Vec<(u64, u64, &str)> = effects.iter().map(|(a, b, w)| (*a, *b, w.as_str())).collect();
    assert_eq!(
        effects,
        [(0, 15, "video[0].fade_in"), (90, 120, "video[1] (dip)"), (90, 150, "video[2] (speed 2)"), (24, 30, "overlays[0].fade_out")]
    );
}

#[test]
fn jobs_come_from_the_cores_unless_given() {
    let timeline = parse(BASE, "/media").unwrap();
    let with = |cores, jobs| {
        let options = PlanOptions { strategy: Some(Strategy::Segments), cores, jobs, ..PlanOptions::default() };
        plan_with(&timeline, &media(), &timeline.output, &Capabilities::software_only(), &options).unwrap().parallel
    };
    // 640x360: one x264 keeps about 2 cores busy.
    assert_eq!(with(2, None), 1);
    assert_eq!(with(8, None), 4);
    assert_eq!(with(2, Some(3)), 3);
    // With the cache off, one encode at a time is no reason for segments.
    let options = PlanOptions { cores: 2, ..PlanOptions::default() };
    let auto = plan_with(&timeline, &media(), &timeline.output, &Capabilities::software_only(), &options).unwrap();
    assert_eq!(auto.strategy, Strategy::SinglePass, "{}", auto.explanation());
}
