//! Inputs reel must refuse, each with the sentence a user sees (asserted, and the whole
//! rendered error snapshotted with temporary paths redacted): missing, wrong-kind and
//! broken files, timeline mistakes, and files that try to make ffmpeg open something else
//! (an `.mp4` that is an HLS playlist, protocol-looking and pattern-looking names).

mod common;

use common::Env;
use reel_testkit::{fixture, still_image, Fixture};
use reel_wire::exit;
use std::time::{Duration, Instant};

/// An `Env` with the 6-second 30 fps test clip at `media/a.mp4`.
fn with_clip() -> Env {
    let env = Env::new();
    env.link_media("media/a.mp4", &fixture(Fixture::Small30));
    env
}

/// Runs `reel check timeline.json` on `json`, expects exit 3 and every one of `parts` in
/// stderr, and returns stderr (redacted) for the snapshot.
#[track_caller]
fn refused(env: &Env, json: &str, parts: &[&str]) -> String {
    env.write_timeline(json);
    let run = env.reel(&["check", "timeline.json"]).code(exit::INVALID_INPUT);
    assert_eq!(run.stdout(), "", "nothing on stdout when refused");
    let run = run.stderr_has(parts);
    let err = run.stderr();
    assert!(err.starts_with("error: "), "{err}");
    err
}

#[test]
fn missing_source_file() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4"},{"source":"media/missing.mp4"}]}"#,
        &["video[1].source: media/missing.mp4 does not exist; check the name and folder"],
    );
    insta::assert_snapshot!("missing_source_file", err);
    // `reel probe` says the same about the file itself.
    let run = env.reel(&["probe", "media/missing.mp4"]).code(exit::INVALID_INPUT);
    insta::assert_snapshot!("probe_missing_file", run.stderr());
}

#[test]
fn folder_instead_of_a_file() {
    let env = with_clip();
    env.mkdir("media/folder.mp4");
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/folder.mp4"}]}"#,
        &["video[0].source: media/folder.mp4 is a folder, not a media file"],
    );
    insta::assert_snapshot!("folder_instead_of_a_file", err);
    env.reel(&["probe", "media"]).code(exit::INVALID_INPUT).stderr_has(&["error: media is a folder, not a media file"]);
}

#[test]
fn text_file_named_mp4() {
    let env = with_clip();
    env.write("media/notes.mp4", "This is not a video.\n");
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/notes.mp4"}]}"#,
        &[
            "video[0].source: media/notes.mp4 is not a media file ffmpeg can read (ffprobe: ",
            "check that it is a complete video, audio or image file",
        ],
    );
    insta::assert_snapshot!("text_file_named_mp4", err);
}

#[test]
fn truncated_mp4() {
    let env = with_clip();
    let whole = std::fs::read(fixture(Fixture::Small30)).expect("read clip");
    env.write("media/cut.mp4", &whole[..3 * 1024]);
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/cut.mp4","out":2}]}"#,
        &["video[0].source: media/cut.mp4 is not a media file ffmpeg can read"],
    );
    insta::assert_snapshot!("truncated_mp4", err);
}

#[test]
fn unknown_field() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4","reverse":true}]}"#,
        &["video[0].reverse: unknown field `reverse`, expected one of `source`"],
    );
    insta::assert_snapshot!("unknown_field", err);
}

#[test]
fn out_past_the_end() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4","in":2,"out":25}]}"#,
        &["video[0].out: 25.0 s is past the end of media/a.mp4 (6.0 s)"],
    );
    insta::assert_snapshot!("out_past_the_end", err);
}

#[test]
fn negative_time() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4","in":-2,"out":3}]}"#,
        &["video[0].in: -2 s is negative; times start at 0"],
    );
    insta::assert_snapshot!("negative_time", err);
}

#[test]
fn invalid_time_string() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4","in":"1:2:3:4"}]}"#,
        &["video[0].in: invalid time \"1:2:3:4\": too many ':' separated parts; write seconds (12.5) or \"HH:MM:SS.mmm\""],
    );
    insta::assert_snapshot!("invalid_time_string", err);
}

#[test]
fn every_media_problem_at_once_with_every_json_path() {
    let env = with_clip();
    env.write("media/notes.mp4", "This is not a video.\n");
    let err = refused(
        &env,
        r#"{"reel":1,
            "video":[{"source":"media/a.mp4","out":9},{"source":"media/gone.mp4"},{"gap":1},{"source":"media/notes.mp4"},{"source":"media/gone.mp4","in":1}],
            "overlays":[{"video":"media/gone.mp4","start":0,"end":1}],
            "audio":[{"source":"media/a.mp4","in":7}]}"#,
        &[
            "the timeline timeline.json has 6 problems:",
            "video[1].source: media/gone.mp4 does not exist",
            "video[4].source: media/gone.mp4 does not exist",
            "overlays[0].video: media/gone.mp4 does not exist",
            "video[3].source: media/notes.mp4 is not a media file",
            "video[0].out: 9.0 s is past the end of media/a.mp4 (6.0 s)",
            "audio[0].in: 7.0 s is at or past the end of media/a.mp4 (6.0 s)",
        ],
    );
    insta::assert_snapshot!("every_media_problem_at_once", err);
}

#[test]
fn structural_problems_need_no_ffmpeg_and_probe_nothing() {
    // No ffmpeg anywhere: structural problems are still found, and reported first.
    let env = Env::new().with_env("PATH", "");
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/none.mp4","in":5,"out":2},{"gap":0}],"overlays":[{"text":"hi","start":3,"end":3}]}"#,
        &[
            "video[0].out: 2 s is not after in (5 s)",
            "video[1].gap: 0 s: a gap must be longer than 0 s",
            "overlays[0].end: 3 s is not after start (3 s)",
        ],
    );
    assert!(!err.contains("none.mp4 does not exist"), "no probing after structural problems:\n{err}");
    insta::assert_snapshot!("structural_problems", err);
}

#[test]
fn timeline_file_problems() {
    let env = Env::new();
    env.reel(&["check", "nowhere.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["error: the timeline nowhere.json does not exist; check the path"]);
    env.mkdir("folder.json");
    env.reel(&["check", "folder.json"]).code(exit::INVALID_INPUT).stderr_has(&["error: the timeline folder.json is a folder"]);
    env.write("latin1.json", b"{\"reel\":1,\"video\":[{\"source\":\"caf\xe9.mp4\"}]}");
    let run = env
        .reel(&["check", "latin1.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["is not UTF-8 text (invalid byte at offset 33); save it as UTF-8 JSON"]);
    insta::assert_snapshot!("timeline_not_utf8", run.stderr());
    env.write("v2.json", r#"{"reel":2,"video":[]}"#);
    env.reel(&["check", "v2.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["reel: version 2 is not supported; this reel reads timeline version 1"]);
    env.write("broken.json", r#"{"reel":1,"video":["#);
    env.reel(&["check", "broken.json"]).code(exit::INVALID_INPUT).stderr_has(&["not valid JSON"]);
    env.write("empty.json", r#"{"reel":1,"video":[]}"#);
    env.reel(&["check", "empty.json"])
        .code(exit::INVALID_INPUT)
        .stderr_has(&["video: is empty: the main track needs at least one clip or gap"]);
}

#[test]
fn check_json_lists_the_problems_on_stdout() {
    let env = with_clip();
    env.write_timeline(r#"{"reel":1,"video":[{"source":"media/a.mp4","out":25},{"source":"media/b.mp4"}]}"#);
    let run = env.reel(&["check", "timeline.json", "--json"]).code(exit::INVALID_INPUT);
    let report = run.json();
    assert_eq!(report["ok"], false);
    let problems: Vec<(&str, &str)> =
        report["problems"].as_array().unwrap().iter().map(|p| (p["path"].as_str().unwrap(), p["message"].as_str().unwrap())).collect();
    assert_eq!(problems.len(), 2, "{problems:?}");
    assert_eq!(problems[0].0, "video[1].source");
    assert!(problems[0].1.starts_with("media/b.mp4 does not exist"));
    assert_eq!(problems[1], ("video[0].out", "25.0 s is past the end of media/a.mp4 (6.0 s)"));
}

/// An `.mp4` that is really an HLS playlist whose segment is a named pipe: opening the
/// segment would block, so a quick, clear refusal proves it was never opened.
#[test]
fn hls_playlist_named_mp4_is_refused_not_opened() {
    let env = with_clip();
    env.write("media/playlist.mp4", "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:6\n#EXTINF:6.0,\nsegment.ts\n#EXT-X-ENDLIST\n");
    let status = std::process::Command::new("mkfifo").arg(env.path("media/segment.ts")).status().expect("mkfifo");
    assert!(status.success());
    env.write_timeline(r#"{"reel":1,"video":[{"source":"media/playlist.mp4"}]}"#);
    let started = Instant::now();
    let mut cmd = env.command();
    let out = cmd.timeout(Duration::from_secs(30)).args(["check", "timeline.json"]).output().expect("run reel");
    assert!(started.elapsed() < Duration::from_secs(30), "reel hung: it opened the playlist's segment");
    assert_eq!(out.status.code(), Some(exit::INVALID_INPUT));
    let err = env.stderr(&out);
    assert!(
        err.contains("video[0].source: media/playlist.mp4 is an HLS playlist (format hls), which would make ffmpeg open other files"),
        "{err}"
    );
    insta::assert_snapshot!("hls_playlist_named_mp4", err);

    let run = env.reel(&["probe", "media/playlist.mp4"]).code(exit::INVALID_INPUT);
    run.stderr_has(&["error: media/playlist.mp4 is an HLS playlist (format hls)"]);
}

/// `concat:x.mp4` is a file name, never ffmpeg's concat protocol (which would open x.mp4).
#[test]
fn protocol_looking_name_is_a_plain_file() {
    let env = Env::new();
    env.link_media("concat:x.mp4", &fixture(Fixture::Small30));
    env.link_media("x.mp4", &fixture(Fixture::NoAudio));
    let info = env.reel(&["probe", "concat:x.mp4", "--json"]).ok().json();
    assert!((info["duration"].as_f64().unwrap() - 6.0).abs() < 0.05, "the 6 s file itself, not x.mp4 (4 s): {info}");
    assert_eq!(info["streams"].as_array().unwrap().len(), 2, "the file with audio, not x.mp4");
    env.write_timeline(r#"{"reel":1,"video":[{"source":"concat:x.mp4","in":1}]}"#);
    assert_eq!(env.reel(&["check", "timeline.json"]).ok().stdout(), "ok: 1 clip, duration 5.0 s\n");

    // Only y.mp4 exists: `concat:y.mp4` does not, whatever the protocol would open.
    env.link_media("y.mp4", &fixture(Fixture::Small30));
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"concat:y.mp4"},{"source":"file:y.mp4"}]}"#,
        &["video[0].source: concat:y.mp4 does not exist", "video[1].source: file:y.mp4 does not exist"],
    );
    insta::assert_snapshot!("protocol_looking_names", err);
}

/// `a%d.png` is one file, never an image-sequence pattern (which would read a1.png, ...).
#[test]
fn pattern_looking_image_name_is_a_plain_file() {
    let env = with_clip();
    env.link_media("a%d.png", &still_image("white", 32, 18, "white"));
    env.link_media("a1.png", &still_image("red", 64, 36, "red"));
    let info = env.reel(&["probe", "a%d.png", "--json"]).ok().json();
    assert_eq!((info["streams"][0]["width"].as_u64(), info["streams"][0]["height"].as_u64()), (Some(32), Some(18)), "{info}");
    env.write_timeline(r#"{"reel":1,"video":[{"source":"media/a.mp4","out":2}],"overlays":[{"image":"a%d.png","start":0,"end":1}]}"#);
    assert_eq!(env.reel(&["check", "timeline.json"]).ok().stdout(), "ok: 1 clip, duration 2.0 s\n");

    env.link_media("b1.png", &still_image("red", 64, 36, "red"));
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4","out":2}],"overlays":[{"image":"b%d.png","start":0,"end":1}]}"#,
        &["overlays[0].image: b%d.png does not exist"],
    );
    insta::assert_snapshot!("pattern_looking_image_name", err);
}

#[test]
fn probe_refuses_what_is_not_media() {
    let env = Env::new();
    env.write("notes.mp4", "This is not a video.\n");
    let run = env.reel(&["probe", "notes.mp4"]).code(exit::INVALID_INPUT);
    assert_eq!(run.stdout(), "");
    insta::assert_snapshot!("probe_text_file", run.stderr());
    env.write("empty.mp4", "");
    env.reel(&["probe", "empty.mp4"]).code(exit::INVALID_INPUT).stderr_has(&["error: empty.mp4 is not a media file ffmpeg can read"]);
}

// Timeline 1.1: every rule is a sentence at its JSON path.

#[test]
fn timeline_1_1_placement_and_range_rules() {
    let env = with_clip();
    let err = refused(
        &env,
        r##"{"reel":1,"video":[
              {"transition":"crossfade","duration":0.5},
              {"source":"media/a.mp4","in":0,"out":2,"speed":5},
              {"gap":1,"fade_in":1},
              {"transition":"dip","duration":0.5},
              {"source":"media/a.mp4","in":0,"out":2,"speed":0.1,"duration":1},
              {"transition":"crossfade"},
              {"transition":"dip","duration":0},
              {"source":"media/a.mp4","in":2,"out":3,"fade_out":-1},
              {"transition":"dip","duration":1,"in":2}],
            "overlays":[{"text":"hi","start":0,"end":1,"box":{"color":"#ff000","padding":2000},"outline":{"color":"nope!","width":0}},
                        {"image":"media/a.png","start":0,"end":1,"align":"center","outline":{}}]}"##,
        &[
            "video[0].transition: is first on the main track; a transition goes between two clips",
            "video[1].speed: 5 is outside 0.25..4",
            "video[2].fade_in: applies to clips, not gaps",
            "video[3].transition: follows a gap (video[2]); a transition goes between two clips",
            "video[4].speed: 0.1 is outside 0.25..4",
            "video[4].duration: applies to transitions, not clips",
            "video[5].duration: missing: a transition needs \"duration\" (seconds the clips overlap)",
            "video[5].transition: is followed by another transition (video[6]); a transition goes between two clips",
            "video[6].duration: 0 s: a transition must last longer than 0 s",
            "video[6].transition: follows another transition (video[5]); a transition goes between two clips",
            "video[7].fade_out: -1 s is negative; times start at 0",
            "video[8].in: applies to clips, not transitions",
            "video[8].transition: is last on the main track; a transition goes between two clips",
            "overlays[0].box.color: \"#ff000\" is not a colour name, #rrggbb or #rrggbbaa",
            "overlays[0].box.padding: 2000 is outside 0..1000 pixels",
            "overlays[0].outline.color: \"nope!\" is not a colour name, #rrggbb or #rrggbbaa",
            "overlays[0].outline.width: 0 is outside 1..100 pixels",
            "overlays[1].outline: applies to text overlays only",
            "overlays[1].align: applies to text overlays only",
        ],
    );
    insta::assert_snapshot!("timeline_1_1_placement_and_range_rules", err);
}

#[test]
fn timeline_1_1_length_rules() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[
              {"source":"media/a.mp4","in":0,"out":1,"fade_in":0.8,"fade_out":0.5},
              {"transition":"crossfade","duration":1.5},
              {"source":"media/a.mp4","in":1,"out":3,"fade_in":3,"speed":2},
              {"transition":"dip","duration":0.6},
              {"source":"media/a.mp4","in":0,"out":2},
              {"transition":"crossfade","duration":1.5},
              {"source":"media/a.mp4","in":3,"out":5}],
            "overlays":[{"text":"hi","start":0,"end":1,"fade_in":0.7,"fade_out":0.7}],
            "audio":[{"source":"media/a.mp4","in":0,"out":1,"fade_out":2}]}"#,
        &[
            "video[0].fade_out: fade_in 0.8 s and fade_out 0.5 s together are longer than the clip (1.0 s)",
            "video[1].duration: 1.5 s is longer than video[0] (1.0 s); a transition cannot last longer than a clip it joins",
            "video[2].fade_in: 3.0 s is longer than the clip (1.0 s)",
            "video[1].duration: 1.5 s is longer than video[2] (1.0 s)",
            "video[4]: the transitions before and after it (0.6 s + 1.5 s) are longer than the clip (2.0 s), so they would overlap; shorten one",
            "overlays[0].fade_out: fade_in 0.7 s and fade_out 0.7 s together are longer than the overlay (1.0 s)",
            "audio[0].fade_out: 2.0 s is longer than the audio item (1.0 s)",
        ],
    );
    insta::assert_snapshot!("timeline_1_1_length_rules", err);
}

#[test]
fn timeline_1_1_lengths_from_the_source() {
    // Without "out" the clip runs to the source's end (6 s): the rules use that length.
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4","in":4,"fade_out":2.5},{"transition":"crossfade","duration":2.5},
                             {"source":"media/a.mp4","in":5.5,"speed":0.5}],
            "audio":[{"source":"media/a.mp4","in":5,"fade_in":1.5}]}"#,
        &[
            "video[0].fade_out: 2.5 s is longer than the clip (2.0 s)",
            "video[1].duration: 2.5 s is longer than video[0] (2.0 s)",
            "audio[0].fade_in: 1.5 s is longer than the audio item",
        ],
    );
    insta::assert_snapshot!("timeline_1_1_lengths_from_the_source", err);
}

#[test]
fn timeline_1_1_wrong_types_name_the_field() {
    let env = with_clip();
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4"}],"overlays":[{"text":"hi","start":0,"end":1,"box":{"colour":"red"}}]}"#,
        &["overlays[0].box", "unknown field `colour`, expected `color` or `padding`"],
    );
    insta::assert_snapshot!("timeline_1_1_box_unknown_field", err);
    let err = refused(
        &env,
        r#"{"reel":1,"video":[{"source":"media/a.mp4"},{"transition":"wipe","duration":1},{"source":"media/a.mp4"}]}"#,
        &["video[1].transition", "unknown variant `wipe`, expected `crossfade` or `dip`"],
    );
    insta::assert_snapshot!("timeline_1_1_unknown_transition", err);
}
