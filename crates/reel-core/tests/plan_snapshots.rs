//! Snapshots of the plans for representative timelines: the plan is data, so what reel
//! will run is reviewed as a diff. Media facts are written by hand (no I/O in the core).

mod common;

use common::{media, mp4, plan_of, render};
use reel_core::capabilities::{Capabilities, EncoderStatus};
use reel_core::plan::{plan, Strategy};
use reel_core::timeline::parse;

#[test]
fn same_format_keyframe_cuts_copy() {
    let p = plan_of(
        r##"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
        "video":[{"source":"a.mp4","in":2,"out":5},{"source":"b.mp4","in":1,"out":3}]}"##,
    );
    assert_eq!(p.strategy, Strategy::Copy);
    assert!((p.duration - 5.0).abs() < 1e-9);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn cut_off_keyframe_refuses_copy_and_says_why() {
    let p = plan_of(
        r##"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
        "video":[{"source":"a.mp4","in":3.37,"out":5}]}"##,
    );
    assert_eq!(p.strategy, Strategy::SinglePass);
    let rejected = &p.decisions[0].reasons;
    assert!(rejected.iter().any(|r| r.contains("video[0].in 3.37 s is not on a keyframe (previous 3.0 s)")), "{rejected:?}");
    let p = plan_of(
        r##"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
        "video":[{"source":"a.mp4","in":3,"out":4.5}]}"##,
    );
    assert!(p.decisions[0].reasons.iter().any(|r| r.contains("video[0].out 4.5 s is not on a keyframe (next 5.0 s)")), "{:?}", p.decisions);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn frame_accurate_false_copies_from_previous_keyframe() {
    let p = plan_of(
        r##"{"reel":1,"output":{"width":"source","height":"source","fps":"source","frame_accurate":false},
        "video":[{"source":"a.mp4","in":3.37,"out":5.5}]}"##,
    );
    assert_eq!(p.strategy, Strategy::Copy);
    assert!((p.duration - 3.0).abs() < 1e-9, "plays from the keyframe at 3 s to the one at 6 s: {}", p.duration);
    assert!(p.warnings.iter().any(|w| w.contains("video[0] plays 3.0..6.0 s instead of 3.37..5.5 s")), "{:?}", p.warnings);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn default_output_is_1080p60_single_pass() {
    let p = plan_of(r##"{"reel":1,"video":[{"source":"a.mp4","in":2,"out":5}]}"##);
    assert_eq!(p.strategy, Strategy::SinglePass);
    assert_eq!((p.output.width, p.output.height, p.output.fps.to_string()), (1920, 1080, "60".to_owned()));
    assert!(p.decisions[0].reasons.iter().any(|r| r.contains("runs at 30.0 fps, the output at 60.0 fps")));
    assert_eq!(p.frames, 180);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn mixed_formats_gap_and_muted_clip() {
    let p = plan_of(
        r##"{"reel":1,"video":[
        {"source":"hd720.mp4","in":0.5,"out":2},
        {"gap":1.25,"color":"#102030"},
        {"source":"portrait.mp4","out":1.5},
        {"source":"a.mp4","in":"00:00:01.000","out":3,"audio":false},
        {"source":"b.mp4","in":1,"out":2,"volume":0.5}]}"##,
    );
    assert_eq!(p.strategy, Strategy::SinglePass);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn overlays_and_audio_track() {
    let p = plan_of(
        r##"{"reel":1,"output":{"width":1280,"height":720,"fps":30},
        "video":[{"source":"a.mp4","in":0,"out":10}],
        "overlays":[
          {"image":"logo.png","start":1,"end":3,"x":40,"y":40,"width":100},
          {"text":"It's 100% \"quoted\", [really]; ok","start":2.5,"end":4,"x":"center","y":600,"size":40,"color":"#ffcc00","box":true},
          {"video":"b.mp4","in":2,"start":5,"end":7,"x":900,"y":40,"width":320,"opacity":0.8}],
        "audio":[{"source":"music.mp3","in":10,"out":30,"start":1.5,"volume":0.3}]}"##,
    );
    insta::assert_snapshot!(render(&p));
}

#[test]
fn overlay_past_end_is_cut_with_warning() {
    let p = plan_of(
        r##"{"reel":1,"video":[{"source":"a.mp4","out":2}],
        "overlays":[{"text":"late","start":1,"end":5},{"text":"never","start":3,"end":4}]}"##,
    );
    assert!(
        p.warnings.iter().any(|w| w.contains("overlays[0] ends at 5 s, past the end of the export (2 s); it is cut there")),
        "{:?}",
        p.warnings
    );
    assert!(p.warnings.iter().any(|w| w.contains("overlays[1] starts at 3 s, after the export ends")));
    insta::assert_snapshot!(render(&p));
}

#[test]
fn many_clips_use_a_filter_script() {
    let items: Vec<String> = (0..500)
        .map(|i| {
            format!(
                r##"{{"source":"{}.mp4","in":{},"out":{}}}"##,
                if i % 2 == 0 { "a" } else { "b" },
                f64::from(i % 10) * 0.5 + 0.1,
                f64::from(i % 10) * 0.5 + 0.6
            )
        })
        .collect();
    let p = plan_of(&format!(r##"{{"reel":1,"video":[{}]}}"##, items.join(",")));
    let args = p.jobs[0].command.to_args();
    assert!(args.iter().any(|a| a == "-filter_complex_script"));
    assert!(args.iter().all(|a| a.len() < 32_000), "no argument near the OS limits");
    assert!(p.jobs[0].files.iter().any(|f| f.name == "graph.txt" && f.contents.contains("concat=n=500:v=1:a=0")));
    assert_eq!(p.frames, 500 * 30, "500 half-second clips at 60 fps");
    // The command with its first two inputs, then the script's first and last lines; long
    // lines shortened.
    let short = |line: &str| {
        let shown: String = line.chars().take(150).collect();
        if shown.len() < line.len() {
            format!("{shown} … ({} chars)", line.len())
        } else {
            shown
        }
    };
    let second_input = args.iter().enumerate().filter(|(_, a)| *a == "-i").nth(1).map(|(k, _)| k + 2).expect("inputs");
    let script_flag = args.iter().position(|a| a == "-filter_complex_script").expect("script flag");
    let mut head: Vec<String> = args[..second_input].iter().map(|a| short(a)).collect();
    head.push(format!("… {} more inputs", p.jobs[0].command.inputs.len() - 2));
    head.extend(args[script_flag..].iter().map(|a| short(a)));
    let script = &p.jobs[0].files.iter().find(|f| f.name == "graph.txt").expect("script").contents;
    let lines: Vec<&str> = script.lines().collect();
    head.push(format!("graph.txt: {} lines", lines.len()));
    head.extend(lines[..4].iter().map(|l| format!("  {}", short(l))));
    head.push("  …".to_owned());
    head.extend(lines[lines.len() - 5..].iter().map(|l| format!("  {}", short(l))));
    insta::assert_snapshot!(head.join("\n"));
}

#[test]
fn hardware_encoder_gets_software_fallback() {
    let timeline = parse(r##"{"reel":1,"output":{"encoder":"h264_nvenc"},"video":[{"source":"a.mp4","out":2}]}"##, "/media").unwrap();
    let mut caps = Capabilities::software_only();
    caps.encoders.push(EncoderStatus {
        name: "h264_nvenc".into(),
        listed: true,
        usable: false,
        reason: Some("Cannot load libcuda.so.1".into()),
    });
    let p = plan(&timeline, &media(), &timeline.output, &caps).unwrap();
    assert_eq!(p.output.encoder, "h264_nvenc");
    let fallback = p.jobs[0].software_fallback.as_ref().expect("fallback");
    assert!(fallback.to_args().windows(2).any(|w| w[0] == "-c:v" && w[1] == "libx264"));
    insta::assert_snapshot!(render(&p));
}

#[test]
fn unknown_encoder_lists_usable_ones() {
    let timeline = parse(r##"{"reel":1,"output":{"encoder":"h264_magic"},"video":[{"source":"a.mp4","out":2}]}"##, "/media").unwrap();
    let err = plan(&timeline, &media(), &timeline.output, &Capabilities::software_only()).unwrap_err();
    assert_eq!(
        err.to_string(),
        "encoder \"h264_magic\" cannot be used: reel does not know this encoder. Usable encoders here: libx264, libx265. Set output.encoder (or --encoder) to one of them, or \"auto\""
    );
}

#[test]
fn hevc_output_is_tagged_hvc1() {
    let p = plan_of(r##"{"reel":1,"output":{"video_codec":"hevc","preset":"production"},"video":[{"source":"a.mp4","out":2}]}"##);
    let args = p.jobs[0].command.to_args();
    assert!(args.windows(2).any(|w| w[0] == "-c:v" && w[1] == "libx265"));
    assert!(args.windows(2).any(|w| w[0] == "-tag:v" && w[1] == "hvc1"));
    insta::assert_snapshot!(render(&p));
}

#[test]
fn planning_is_deterministic() {
    let json = r##"{"reel":1,"video":[{"source":"a.mp4","in":1.1,"out":3}],"overlays":[{"text":"x","start":0,"end":1}]}"##;
    assert_eq!(plan_of(json), plan_of(json));
}

#[test]
fn draft_downscale_renders_drafts_at_half_size_only_when_allowed() {
    let full = plan_of(r##"{"reel":1,"output":{"preset":"draft"},"video":[{"source":"a.mp4","in":0.5,"out":2}]}"##);
    assert_eq!((full.output.width, full.output.height), (1920, 1080));
    let half = plan_of(r##"{"reel":1,"output":{"preset":"draft","draft_downscale":true},"video":[{"source":"a.mp4","in":0.5,"out":2}]}"##);
    assert_eq!((half.output.width, half.output.height), (960, 540));
    assert!(half.warnings.iter().any(|w| w.contains("draft renders at 960x540")), "{:?}", half.warnings);
    assert!(half.jobs[0].command.to_args().iter().any(|a| a.contains("scale=960:540")));
    // Other presets ignore it.
    let preview =
        plan_of(r##"{"reel":1,"output":{"preset":"preview","draft_downscale":true},"video":[{"source":"a.mp4","in":0.5,"out":2}]}"##);
    assert_eq!((preview.output.width, preview.output.height), (1920, 1080));
}

#[test]
fn hardware_threshold_decides_when_auto_uses_hardware() {
    let mut caps = Capabilities::software_only();
    caps.encoders.push(EncoderStatus { name: "h264_nvenc".into(), listed: true, usable: true, reason: None });
    // 1080p for 2 s is 4.1 Mpixel-seconds: under the default 20.7, over a threshold of 4.
    let encoder_for = |json: &str| {
        let timeline = parse(json, "/media").unwrap();
        plan(&timeline, &media(), &timeline.output, &caps).unwrap().output.encoder
    };
    assert_eq!(encoder_for(r##"{"reel":1,"video":[{"source":"a.mp4","out":2}]}"##), "libx264");
    assert_eq!(encoder_for(r##"{"reel":1,"output":{"hardware_threshold":4},"video":[{"source":"a.mp4","out":2}]}"##), "h264_nvenc");
    assert_eq!(encoder_for(r##"{"reel":1,"output":{"hardware_threshold":0},"video":[{"source":"a.mp4","out":0.1}]}"##), "h264_nvenc");
}

#[test]
fn auto_preset_says_when_it_picks_draft() {
    let mut m = media();
    m.insert("/media/uhd.mp4".into(), Ok(mp4(3840, 2160, 30, 120.0, Some((48_000, 2)))));
    let timeline =
        parse(r##"{"reel":1,"output":{"width":3840,"height":2160},"video":[{"source":"uhd.mp4","in":0.5}]}"##, "/media").unwrap();
    let p = plan(&timeline, &m, &timeline.output, &Capabilities::software_only()).unwrap();
    assert_eq!(p.output.preset, "draft");
    assert!(p.warnings.iter().any(|w| w.starts_with("preset auto chose draft") && w.contains("3840x2160 over 120 s")), "{:?}", p.warnings);
    let short =
        parse(r##"{"reel":1,"output":{"width":3840,"height":2160},"video":[{"source":"uhd.mp4","in":0.5,"out":30}]}"##, "/media").unwrap();
    let p = plan(&short, &m, &short.output, &Capabilities::software_only()).unwrap();
    assert_eq!(p.output.preset, "preview");
    assert!(!p.warnings.iter().any(|w| w.contains("preset auto")));
}

#[test]
fn rotated_source_is_fitted_by_its_displayed_size() {
    // Coded 1920x1080 with a quarter-turn display matrix: shown 1080x1920, so it is
    // pillarboxed in a landscape output (ffmpeg turns it upright while decoding), and its
    // displayed size is the "source" size. Copy is refused only because it is rotated.
    let p = plan_of(r##"{"reel":1,"output":{"width":1920,"height":1080,"fps":30},"video":[{"source":"phone.mp4","in":1,"out":3}]}"##);
    let graph = &p.jobs[0].command.to_args();
    assert!(
        graph.iter().any(|a| a.contains("scale=1920:1080:force_original_aspect_ratio=decrease:force_divisible_by=2,pad=1920:1080:")),
        "{graph:?}"
    );
    insta::assert_snapshot!(render(&p));
    let p = plan_of(
        r##"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},"video":[{"source":"phone.mp4","in":1,"out":3}]}"##,
    );
    assert_eq!((p.output.width, p.output.height, p.strategy), (1080, 1920, Strategy::SinglePass));
    assert_eq!(p.decisions[0].reasons, ["video[0] (phone.mp4) is rotated 270°; it must be turned upright"]);
}

#[test]
fn audio_tracks_mixed_with_volume_over_a_silent_track() {
    // The main track has no sound (a source without audio, a gap); two tracks are mixed
    // over it with their volumes, one from an audio-only file; a third starts after the end.
    let p = plan_of(
        r##"{"reel":1,"output":{"width":1280,"height":720,"fps":30},
        "video":[{"source":"portrait.mp4","in":0,"out":2},{"gap":1}],
        "audio":[{"source":"music.mp3","in":2,"out":4,"start":0.5,"volume":0.5},
                 {"source":"a.mp4","in":3,"start":1,"volume":1.5},
                 {"source":"music.mp3","start":3.5}]}"##,
    );
    assert!(
        p.warnings.iter().any(|w| w.contains("audio[2] starts at 3.5 s, after the export ends (3 s); it is not heard")),
        "{:?}",
        p.warnings
    );
    let graph = p.jobs[0].command.to_args().join(" ");
    assert!(graph.contains("amix=inputs=3:duration=first:dropout_transition=0:normalize=0"), "{graph}");
    insta::assert_snapshot!(render(&p));
}

#[test]
fn text_with_quotes_commas_colons_percent_and_expansions_goes_through_a_file() {
    // drawtext parses text= twice (filter escaping, then %{…} expansion); the text is
    // written verbatim to a file read with expansion=none instead.
    let text = r#"He said: "it's 50% off, a,b; c=d" %{pts} %{localtime\:%X} \n [x] {y}"#;
    let json = format!(
        r##"{{"reel":1,"output":{{"width":640,"height":360,"fps":30}},"video":[{{"source":"a.mp4","out":2}}],
        "overlays":[{{"text":{},"start":0.5,"end":1.5,"x":"center","y":"center","size":32}}]}}"##,
        serde_json::to_string(text).unwrap()
    );
    let p = plan_of(&json);
    let file = p.jobs[0].files.iter().find(|f| f.name == "text0.txt").expect("text file");
    assert_eq!(file.contents, text);
    let graph = p.jobs[0].command.to_args().join(" ");
    assert!(graph.contains(r"drawtext=textfile=\'text0.txt\':expansion=none:"), "{graph}");
    assert!(!graph.contains("50%"), "the text itself is not in the graph: {graph}");
    insta::assert_snapshot!(render(&p));
}

#[test]
fn ntsc_rate_30000_1001() {
    // 2 s at 30000/1001 fps: frames k with k·1001/30000 < 2, so 60 frames (59.94 fps · 2 s
    // = 59.94, rounded up), lasting 60·1001/30000 = 2.002 s.
    let p = plan_of(r##"{"reel":1,"output":{"width":1920,"height":1080,"fps":"30000/1001"},"video":[{"source":"a.mp4","in":1,"out":3}]}"##);
    assert_eq!((p.frames, p.output.fps.to_string()), (60, "30000/1001".to_owned()));
    assert!((p.duration - 2.002).abs() < 1e-9, "{}", p.duration);
    insta::assert_snapshot!(render(&p));
}

#[test]
fn timeline_1_1_effects_refuse_copy_and_say_why() {
    // Keyframe cuts of same-format sources, which copy would take, with 1.1 effects.
    let p = plan_of(
        r##"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
        "video":[{"source":"a.mp4","in":2,"out":5,"fade_in":0.5},{"transition":"crossfade","duration":1},
                 {"source":"b.mp4","in":1,"out":3,"speed":2},{"source":"a.mp4","in":6,"out":8,"fade_out":1}]}"##,
    );
    assert_eq!(p.strategy, Strategy::SinglePass);
    let explained = p.explanation();
    for reason in [
        "video[0].fade_in (0.5 s) must be rendered",
        "video[1] is a crossfade transition, which must be rendered",
        "video[2] (b.mp4) plays at speed 2, which must be rendered",
        "video[3].fade_out (1.0 s) must be rendered",
    ] {
        assert!(explained.contains(reason), "{reason:?} in:\n{explained}");
    }
    // 3 s + 1 s at twice the speed + 2 s, less the 1 s overlap.
    assert!((p.duration - 5.0).abs() < 1e-9, "{}", p.duration);
}

#[test]
fn timeline_1_1_crossfade_dip_fades_speed_and_styled_text() {
    let p = plan_of(
        r##"{"reel":1,"output":{"width":640,"height":360,"fps":30},
        "video":[{"source":"a.mp4","in":1,"out":3.01,"fade_in":0.5},{"transition":"crossfade","duration":0.5},
                 {"source":"b.mp4","in":2,"out":6,"speed":2},{"transition":"dip","duration":0.6},
                 {"source":"hd720.mp4","in":0,"out":2,"speed":0.5,"fade_out":1}],
        "overlays":[{"text":"Line one\nand two","start":0.5,"end":3,"x":"center","y":300,"size":32,
                     "box":{"color":"#101010cc","padding":8},"outline":{"color":"white","width":2},"fade_in":0.4},
                    {"image":"logo.png","start":1,"end":2,"fade_out":0.5}],
        "audio":[{"source":"music.mp3","start":0,"fade_in":1,"fade_out":2,"out":5}]}"##,
    );
    assert_eq!(p.strategy, Strategy::SinglePass);
    // 2.01 + 2 - 0.5 + 4 - 0.6 s.
    assert!((p.duration - 6.933_333_333_333_334).abs() < 1e-9, "{}", p.duration);
    // Without measured widths the aligned text is drawn left-aligned, and says so (it has
    // no `align` here, so nothing is said).
    assert!(!p.warnings.iter().any(|w| w.contains("align")), "{:?}", p.warnings);
    insta::assert_snapshot!(render(&p));
}
