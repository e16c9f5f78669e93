//! Exports checked frame by frame: every output frame is the source frame timeline v1
//! says, audio beeps land on the same clock, durations are exact, moov comes first.
//!
//! Every encoding case runs twice, as one pass and as segments (closed-GOP segments
//! rendered apart and joined by copy): both must show exactly the same frames, at a
//! constant rate, and decode without a single error.

mod common;

use common::{assert_beeps, assert_clean_cfr, assert_frames, assert_streaming_mp4, expected_beeps, expected_frames, Env, Item};
use reel_testkit::{fit_rect, fixture, Fixture};

#[test]
fn copy_path_same_format_keyframe_cuts() {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.media("b.mp4", &fixture(Fixture::Small30B));
    let report = env.export(
        r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
            "video":[{"source":"a.mp4","in":1,"out":3},{"source":"b.mp4","in":2,"out":4},{"source":"a.mp4","in":4}]}"#,
        &[],
    );
    assert_eq!(report["strategy"], "copy");
    assert_eq!(report["encoder"], "copy");
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 1.0, out_s: 3.0, audio: true },
        Item::Clip { source: 2, fps: 30.0, in_s: 2.0, out_s: 4.0, audio: true },
        Item::Clip { source: 1, fps: 30.0, in_s: 4.0, out_s: 6.0, audio: true },
    ];
    let out = env.path("out.mp4");
    assert_frames(&out, None, &expected_frames(&items, 30.0));
    assert_beeps(&out, &expected_beeps(&items), 1.0 / 30.0);
    assert_streaming_mp4(&out, 6.0, 1.0 / 30.0);
    assert_clean_cfr(&out, 30.0);
}

/// The concat list ends each copied piece at its end keyframe's decode time, which ffprobe
/// prints rounded to the microsecond. Where x264's B-frame delay makes that time round up
/// (22/24 s at 24 fps with x264's defaults, 29/30 s at 30 fps with one B-frame), the keyframe
/// and the B-frames before it leaked into the piece: 92 frames for 90, and "Non-monotonous
/// DTS". Every piece here ends on such a keyframe.
#[test]
fn copy_path_ends_pieces_on_keyframes_whose_decode_time_rounds_up() {
    for (id, fps, params) in [(60u8, 24u32, ""), (61, 30, "bframes=1")] {
        let env = Env::new();
        let spec = reel_testkit::ClipSpec { x264_params: params, ..reel_testkit::ClipSpec::new(id, 320, 180, fps, 5.0) };
        env.media("a.mp4", &reel_testkit::clip(&spec));
        let report = env.export(
            r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
                "video":[{"source":"a.mp4","in":1,"out":3},{"source":"a.mp4","in":4,"out":5},{"source":"a.mp4","in":0,"out":1}]}"#,
            &[],
        );
        assert_eq!(report["strategy"], "copy", "{fps} fps {params}");
        let f = f64::from(fps);
        let items = [
            Item::Clip { source: id, fps: f, in_s: 1.0, out_s: 3.0, audio: true },
            Item::Clip { source: id, fps: f, in_s: 4.0, out_s: 5.0, audio: true },
            Item::Clip { source: id, fps: f, in_s: 0.0, out_s: 1.0, audio: true },
        ];
        let out = env.path("out.mp4");
        assert_frames(&out, None, &expected_frames(&items, f));
        assert_beeps(&out, &expected_beeps(&items), 1.0 / f);
        assert_streaming_mp4(&out, 4.0, 1.0 / f);
        assert_clean_cfr(&out, f);
    }
}

fn off_keyframe_cuts_gap_and_silent_clip_into_60fps_as(strategy: &str) {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.media("b.mp4", &fixture(Fixture::Small30B));
    env.media("silent.mp4", &fixture(Fixture::NoAudio));
    let report = env.export(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":60},
            "video":[{"source":"a.mp4","in":3.37,"out":4.6},{"gap":0.25},{"source":"silent.mp4","in":0.5,"out":1.5},
                     {"source":"b.mp4","in":"00:00:01.900","out":3.05}]}"#,
        &["--strategy", strategy],
    );
    assert_eq!(report["strategy"], strategy);
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 3.37, out_s: 4.6, audio: true },
        Item::Gap(0.25),
        Item::Clip { source: 13, fps: 30.0, in_s: 0.5, out_s: 1.5, audio: false },
        Item::Clip { source: 2, fps: 30.0, in_s: 1.9, out_s: 3.05, audio: true },
    ];
    let out = env.path("out.mp4");
    let expected = expected_frames(&items, 60.0);
    assert_eq!(expected[0], Some((1, 101)), "in 3.37 s starts on frame 101, the one on screen");
    assert_frames(&out, None, &expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / 60.0);
    assert_streaming_mp4(&out, expected.len() as f64 / 60.0, 1.0 / 60.0);
    assert_clean_cfr(&out, 60.0);
}

fn mixed_resolutions_rates_and_portrait_into_1080p60_as(strategy: &str) {
    let env = Env::new();
    env.media("hd.mp4", &fixture(Fixture::Hd1080p30));
    env.media("p60.mp4", &fixture(Fixture::Hd720p60));
    env.media("portrait.mp4", &fixture(Fixture::Portrait1080x1920));
    env.media("mono.mp4", &fixture(Fixture::Mono44k));
    env.export(
        r#"{"reel":1,"output":{"preset":"draft"},
            "video":[{"source":"p60.mp4","in":0.51,"out":1.5},{"source":"hd.mp4","in":1,"out":2},
                     {"source":"portrait.mp4","in":0.2,"out":1},{"source":"mono.mp4","in":1.1,"out":2.2}]}"#,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let items = [
        Item::Clip { source: 11, fps: 60.0, in_s: 0.51, out_s: 1.5, audio: true },
        Item::Clip { source: 10, fps: 30.0, in_s: 1.0, out_s: 2.0, audio: true },
        Item::Clip { source: 12, fps: 30.0, in_s: 0.2, out_s: 1.0, audio: false },
        Item::Clip { source: 14, fps: 25.0, in_s: 1.1, out_s: 2.2, audio: true },
    ];
    let expected = expected_frames(&items, 60.0);
    // Landscape clips fill the frame; the portrait one is pillarboxed.
    let portrait = fit_rect(1080, 1920, 1920, 1080);
    let ids = reel_testkit::read_frame_ids(&out, None);
    let pids = reel_testkit::read_frame_ids(&out, Some(portrait));
    let got: Vec<Option<(u8, u32)>> = ids.iter().zip(&pids).map(|(a, b)| a.or(*b).map(|f| (f.source, f.frame))).collect();
    assert_eq!(got, expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / 60.0);
    let probe = reel_testkit::probe(&out);
    assert_eq!((probe["streams"][0]["width"].as_u64(), probe["streams"][0]["height"].as_u64()), (Some(1920), Some(1080)));
    assert_eq!(probe["streams"][0]["r_frame_rate"], "60/1");
    assert_clean_cfr(&out, 60.0);
}

fn overlays_appear_on_exact_frames_as(strategy: &str) {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.media("b.mp4", &fixture(Fixture::Small30B));
    env.media("white.png", &reel_testkit::still_image("white", 32, 18, "white"));
    env.export(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},
            "video":[{"source":"a.mp4","in":0,"out":4}],
            "overlays":[
              {"image":"white.png","start":0.5,"end":1,"x":0,"y":0},
              {"text":"MMMM","start":1,"end":2.5,"x":200,"y":5,"size":40,"color":"black"},
              {"video":"b.mp4","in":1,"start":2.2,"end":3.1,"x":100,"y":0,"width":64}]}"#,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let on = |lumas: Vec<f64>, differs: &dyn Fn(f64) -> bool| -> Vec<usize> {
        lumas.iter().enumerate().filter(|(_, l)| differs(**l)).map(|(k, _)| k).collect()
    };
    let image = on(reel_testkit::region_luma(&out, (0.0, 0.0, 0.09, 0.09)), &|l| l > 200.0);
    assert_eq!(image, (15..30).collect::<Vec<_>>(), "image on frames with 0.5 <= t < 1.0");
    let text = on(reel_testkit::region_luma(&out, (0.625, 0.03, 0.3, 0.2)), &|l| l < 110.0);
    assert_eq!(text, (30..75).collect::<Vec<_>>(), "text on frames with 1.0 <= t < 2.5");
    let video = on(reel_testkit::region_luma(&out, (0.32, 0.1, 0.18, 0.08)), &|l| (l - 128.0).abs() > 20.0);
    assert_eq!(video, (66..93).collect::<Vec<_>>(), "video overlay on frames with 2.2 <= t < 3.1");
    // The main picture's code (bottom half) is untouched by the overlays, frame exact.
    let items = [Item::Clip { source: 1, fps: 30.0, in_s: 0.0, out_s: 4.0, audio: true }];
    assert_frames(&out, None, &expected_frames(&items, 30.0));
    assert_clean_cfr(&out, 30.0);
}

fn audio_track_is_mixed_at_its_start_as(strategy: &str) {
    let env = Env::new();
    env.media("silent.mp4", &fixture(Fixture::NoAudio));
    env.media("music.mp4", &fixture(Fixture::Small30));
    env.export(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},
            "video":[{"source":"silent.mp4","in":0,"out":3}],
            "audio":[{"source":"music.mp4","in":0.5,"out":3,"start":0.75}]}"#,
        &["--strategy", strategy],
    );
    // Beeps at music seconds 1 and 2 → output 0.75 + (1 - 0.5), 0.75 + (2 - 0.5).
    assert_beeps(&env.path("out.mp4"), &[1.25, 2.25], 1.0 / 30.0);
}

fn five_hundred_clips_as(strategy: &str) {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.media("b.mp4", &fixture(Fixture::Small30B));
    let mut items = Vec::new();
    let mut json = Vec::new();
    for i in 0..500 {
        let (name, id) = if i % 2 == 0 { ("a.mp4", 1) } else { ("b.mp4", 2) };
        let in_s = f64::from(i % 50) * 0.1 + 0.05;
        json.push(format!(r#"{{"source":"{name}","in":{in_s},"out":{}}}"#, in_s + 0.1));
        items.push(Item::Clip { source: id, fps: 30.0, in_s, out_s: in_s + 0.1, audio: true });
    }
    env.export(
        &format!(r#"{{"reel":1,"output":{{"width":160,"height":90,"fps":30,"preset":"draft"}},"video":[{}]}}"#, json.join(",")),
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let expected = expected_frames(&items, 30.0);
    assert_eq!(expected.len(), 1500);
    assert_frames(&out, None, &expected);
    assert_streaming_mp4(&out, 50.0, 1.0 / 30.0);
    assert_clean_cfr(&out, 30.0);
}

fn variable_frame_rate_source_shows_the_frame_on_screen_as(strategy: &str) {
    let env = Env::new();
    let vfr = fixture(Fixture::Vfr);
    env.media("vfr.mp4", &vfr);
    env.export(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"vfr.mp4","in":0.43,"out":2.5}]}"#,
        &["--strategy", strategy],
    );
    // The source's real frame times decide which frame is on screen at each output time.
    let times = reel_testkit::frame_times(&vfr);
    // 2.07 s at 30 fps: frames 0..=62 (the last starts at 2.0667 s).
    let expected: Vec<Option<(u8, u32)>> = (0..63)
        .map(|k| {
            let t = 0.43 + f64::from(k) / 30.0;
            let on_screen = times.iter().rposition(|p| *p <= t + 1e-6).expect("a frame at or before t");
            Some((15, on_screen as u32))
        })
        .collect();
    assert_frames(&env.path("out.mp4"), None, &expected);
    assert_clean_cfr(&env.path("out.mp4"), 30.0);
}

fn odd_sized_source_at_source_size_is_made_even_as(strategy: &str) {
    let env = Env::new();
    env.media("odd.mp4", &fixture(Fixture::OddSize));
    env.timeline(r#"{"reel":1,"output":{"width":"source","height":"source","fps":30},"video":[{"source":"odd.mp4","in":0.5,"out":1.5}]}"#);
    let out = env.run(&["export", "timeline.json", "-o", "out.mp4", "--json", "--progress", "none", "--strategy", strategy]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("output size 321x181 is odd; H.264/HEVC in yuv420p needs even sizes, so the output is 320x180"));
    let items = [Item::Clip { source: 17, fps: 30.0, in_s: 0.5, out_s: 1.5, audio: true }];
    assert_frames(&env.path("out.mp4"), None, &expected_frames(&items, 30.0));
}

fn in_points_on_or_just_after_a_keyframe_seek_to_it_and_stay_exact_as(strategy: &str) {
    // Small30 has a keyframe every second. 2.0 is on one, 3.04 just after one (the frame on
    // screen is 3.0333 s: frame 91): both are read from their keyframe, nothing before it decoded.
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    let json = r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","in":2,"out":3.5},{"source":"a.mp4","in":3.04,"out":4.6}]}"#;
    env.timeline(json);
    let plan = env.reel(&["plan", "timeline.json", "--json", "--strategy", "single_pass"]).ok().json();
    let seeks: Vec<f64> = plan["jobs"][0]["command"]["inputs"].as_array().unwrap().iter().map(|i| i["seek"].as_f64().unwrap()).collect();
    assert_eq!(seeks, [2.0, 3.0], "seek points");
    env.export(json, &["--strategy", strategy]);
    let items = [
        Item::Clip { source: 1, fps: 30.0, in_s: 2.0, out_s: 3.5, audio: true },
        Item::Clip { source: 1, fps: 30.0, in_s: 3.04, out_s: 4.6, audio: true },
    ];
    let out = env.path("out.mp4");
    let expected = expected_frames(&items, 30.0);
    assert_eq!((expected[0], expected[45]), (Some((1, 60)), Some((1, 91))));
    assert_frames(&out, None, &expected);
    assert_beeps(&out, &expected_beeps(&items), 1.0 / 30.0);
}

// Each case as one pass and as segments.

#[test]
fn off_keyframe_cuts_gap_and_silent_clip_into_60fps() {
    off_keyframe_cuts_gap_and_silent_clip_into_60fps_as("single_pass");
}

#[test]
fn off_keyframe_cuts_gap_and_silent_clip_into_60fps_in_segments() {
    off_keyframe_cuts_gap_and_silent_clip_into_60fps_as("segments");
}

#[test]
fn mixed_resolutions_rates_and_portrait_into_1080p60() {
    mixed_resolutions_rates_and_portrait_into_1080p60_as("single_pass");
}

#[test]
fn mixed_resolutions_rates_and_portrait_into_1080p60_in_segments() {
    mixed_resolutions_rates_and_portrait_into_1080p60_as("segments");
}

#[test]
fn overlays_appear_on_exact_frames() {
    overlays_appear_on_exact_frames_as("single_pass");
}

#[test]
fn overlays_appear_on_exact_frames_in_segments() {
    overlays_appear_on_exact_frames_as("segments");
}

#[test]
fn audio_track_is_mixed_at_its_start() {
    audio_track_is_mixed_at_its_start_as("single_pass");
}

#[test]
fn audio_track_is_mixed_at_its_start_in_segments() {
    audio_track_is_mixed_at_its_start_as("segments");
}

#[test]
fn five_hundred_clips() {
    five_hundred_clips_as("single_pass");
}

#[test]
fn five_hundred_clips_in_segments() {
    five_hundred_clips_as("segments");
}

#[test]
fn variable_frame_rate_source_shows_the_frame_on_screen() {
    variable_frame_rate_source_shows_the_frame_on_screen_as("single_pass");
}

#[test]
fn variable_frame_rate_source_shows_the_frame_on_screen_in_segments() {
    variable_frame_rate_source_shows_the_frame_on_screen_as("segments");
}

#[test]
fn odd_sized_source_at_source_size_is_made_even() {
    odd_sized_source_at_source_size_is_made_even_as("single_pass");
}

#[test]
fn odd_sized_source_at_source_size_is_made_even_in_segments() {
    odd_sized_source_at_source_size_is_made_even_as("segments");
}

#[test]
fn in_points_on_or_just_after_a_keyframe_seek_to_it_and_stay_exact() {
    in_points_on_or_just_after_a_keyframe_seek_to_it_and_stay_exact_as("single_pass");
}

#[test]
fn in_points_on_or_just_after_a_keyframe_seek_to_it_and_stay_exact_in_segments() {
    in_points_on_or_just_after_a_keyframe_seek_to_it_and_stay_exact_as("segments");
}
