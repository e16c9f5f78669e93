//! The browser adapter, natively: what ffprobe printed goes in as text (as the runner hands
//! it over), steps come out. The same planner as the native export decides; these tests
//! check what the adapter changes for ffmpeg.wasm (see `reel_wasm::adapter`). The browser
//! runs themselves are in crates/reel-cli/tests/browser_export.rs.

use reel_wasm::adapter::{plan, sources, Options, Probed, Request, WebPlan};
use std::collections::BTreeMap;

/// What ffprobe prints for an H.264/AAC MP4 of 320x180 at 30 fps, 6 s.
fn mp4_json(id: u32) -> String {
    format!(
        r#"{{"streams":[{{"index":0,"id":"0x1","codec_name":"h264","profile":"High","codec_type":"video","width":320,"height":180,
        "sample_aspect_ratio":"1:1","pix_fmt":"yuv420p","r_frame_rate":"30/1","avg_frame_rate":"30/1","time_base":"1/15360","duration":"6.000000","nb_frames":"180"}},
        {{"index":1,"id":"0x2","codec_name":"aac","codec_type":"audio","sample_rate":"48000","channels":2,"time_base":"1/48000","duration":"6.000000"}}],
        "format":{{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","start_time":"0.000000","duration":"6.000000","size":"{id}"}}}}"#
    )
}

/// Its keyframe listing: one a second, decoded two frames before shown.
fn keyframes_csv() -> String {
    let mut csv = String::new();
    for k in 0..6 {
        csv.push_str(&format!("0,{k}.000000,{:.6},K_\n0,{k}.033333,{k}.000000,__\n", f64::from(k) - 2.0 / 30.0));
    }
    csv
}

const PNG_JSON: &str = r#"{"streams":[{"index":0,"codec_name":"png","codec_type":"video","width":32,"height":18,"pix_fmt":"rgba","nb_frames":"1"}],"format":{"format_name":"png_pipe"}}"#;

fn probes() -> BTreeMap<String, Probed> {
    let media = |json: String, csv: Option<String>| Probed { streams: Some(json), keyframes: csv, ..Probed::default() };
    BTreeMap::from([
        ("/input/a.mp4".to_owned(), media(mp4_json(1), Some(keyframes_csv()))),
        ("/input/media/b.mp4".to_owned(), media(mp4_json(2), Some(keyframes_csv()))),
        ("/input/logo.png".to_owned(), media(PNG_JSON.to_owned(), None)),
    ])
}

fn plan_of(timeline: &str, options: Options) -> WebPlan {
    let request = Request { timeline: timeline.to_owned(), base_dir: "/input".to_owned(), probes: probes(), options };
    plan(&request).unwrap_or_else(|e| panic!("refused: {}", e.message))
}

fn has(args: &[String], pair: [&str; 2]) -> bool {
    args.windows(2).any(|w| w[0] == pair[0] && w[1] == pair[1])
}

#[test]
fn sources_are_resolved_in_the_mount_with_the_probe_arguments() {
    let timeline = r#"{"reel":1,"video":[{"source":"a.mp4"},{"source":"./media/b.mp4"},{"source":"a.mp4","in":1}],
        "overlays":[{"image":"logo.png","start":0,"end":1}]}"#;
    let found = sources(timeline, "/input").expect("valid");
    let names: Vec<(&str, &str, bool)> = found.iter().map(|s| (s.path.as_str(), s.written.as_str(), s.image)).collect();
    assert_eq!(
        names,
        [("/input/a.mp4", "a.mp4", false), ("/input/media/b.mp4", "./media/b.mp4", false), ("/input/logo.png", "logo.png", true)]
    );
    assert_eq!(found[0].used_at, ["video[0].source", "video[2].source"]);
    assert_eq!(found[0].probe_args, reel_core::args::ffprobe_args("/input/a.mp4"));
    assert_eq!(found[0].keyframe_args.as_deref(), Some(&reel_core::args::ffprobe_keyframe_args("/input/a.mp4")[..]));
    assert_eq!(found[2].probe_args, reel_core::args::ffprobe_image_args("/input/logo.png"));
    assert!(found[2].keyframe_args.is_none());
}

#[test]
fn structural_problems_and_text_overlays_are_refused_with_json_paths() {
    let e = sources(r#"{"reel":1,"video":[{"source":"a.mp4","in":3,"out":2}]}"#, "/input").unwrap_err();
    assert_eq!(e.problems[0].path, "video[0].out");
    assert!(e.message.starts_with("the timeline has 1 problem"), "{}", e.message);
    let e = sources(r#"{"reel":1,"video":[{"source":"a.mp4"}],"overlays":[{"text":"Hi","start":0,"end":1}]}"#, "/input").unwrap_err();
    assert_eq!(e.problems[0].path, "overlays[0].text");
    assert!(e.problems[0].message.contains("without fontconfig"), "{}", e.problems[0].message);
}

#[test]
fn media_problems_come_from_the_probes_as_natively() {
    let mut request = Request {
        timeline: r#"{"reel":1,"video":[{"source":"a.mp4","out":9}]}"#.to_owned(),
        base_dir: "/input".to_owned(),
        probes: probes(),
        options: Options::default(),
    };
    let e = plan(&request).unwrap_err();
    let lines: Vec<String> = e.problems.iter().map(ToString::to_string).collect();
    assert_eq!(lines, ["video[0].out: 9.0 s is past the end of a.mp4 (6.0 s)"]);
    // ffprobe's complaint, when it printed nothing usable, is the reason.
    request.timeline = r#"{"reel":1,"video":[{"source":"a.mp4"}]}"#.to_owned();
    request.probes.insert(
        "/input/a.mp4".to_owned(),
        Probed {
            streams: Some("{\n}".to_owned()),
            stderr: Some("file:/input/a.mp4: Invalid data found when processing input".to_owned()),
            ..Probed::default()
        },
    );
    let e = plan(&request).unwrap_err();
    assert_eq!(e.problems[0].path, "video[0].source");
    assert!(
        e.problems[0].message.contains("is not a media file ffmpeg can read (ffprobe: file:/input/a.mp4: Invalid data"),
        "{}",
        e.problems[0].message
    );
}

#[test]
fn single_pass_with_the_seed_wasm_settings_and_no_dash_n() {
    let p = plan_of(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":30},"video":[{"source":"a.mp4","in":0.5,"out":2}],
            "overlays":[{"image":"logo.png","start":0,"end":1}]}"#,
        Options { encoder_threads: Some(2), ..Options::default() },
    );
    assert_eq!(p.strategy.as_str(), "single_pass");
    assert_eq!((p.output.encoder.as_str(), p.output.preset.as_str()), ("libx264", "draft"));
    let step = &p.steps[0];
    for pair in [["-preset", "ultrafast"], ["-crf", "23"], ["-threads", "2"], ["-i", "file:/input/a.mp4"], ["-i", "file:/input/logo.png"]] {
        assert!(has(&step.args, pair), "{pair:?} in {:?}", step.args);
    }
    assert!(!step.args.contains(&"-n".to_owned()), "ffmpeg.wasm adds -y, and -y with -n fails");
    assert_eq!(step.args.last().map(String::as_str), Some("file:/output.mp4"));
    assert_eq!((step.output.as_str(), p.output_path.as_str()), ("/output.mp4", "/output.mp4"));
    assert_eq!(step.inputs, ["/input/a.mp4", "/input/logo.png"]);
    assert!(step.mount.is_none());
}

#[test]
fn a_timeline_preset_is_kept_and_hardware_encoders_become_software() {
    let p = plan_of(
        r#"{"reel":1,"output":{"width":320,"height":180,"fps":30,"preset":"production","encoder":"h264_nvenc"},"video":[{"source":"a.mp4","in":0.5}]}"#,
        Options::default(),
    );
    assert_eq!((p.output.encoder.as_str(), p.output.preset.as_str()), ("libx264", "production"));
    assert!(has(&p.steps[0].args, ["-crf", "19"]), "production's own quality: {:?}", p.steps[0].args);
    assert!(p.warnings.iter().any(|w| w.contains("\"h264_nvenc\" is not available in the browser")), "{:?}", p.warnings);
    assert!(!p.steps[0].args.contains(&"-threads".to_owned()), "no thread count unless the runner asks");
}

#[test]
fn copy_mounts_the_concat_list_beside_the_files_it_names() {
    let p = plan_of(
        r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source"},
            "video":[{"source":"a.mp4","in":1,"out":3},{"source":"media/b.mp4","in":2,"out":4},{"source":"a.mp4","in":4}]}"#,
        Options::default(),
    );
    assert_eq!(p.strategy.as_str(), "copy");
    let step = &p.steps[0];
    let mount = step.mount.as_ref().expect("a link mount");
    assert_eq!(mount.dir, "/reel-links");
    let links: Vec<(&str, &str)> = mount.links.iter().map(|l| (l.name.as_str(), l.target.as_str())).collect();
    assert_eq!(links, [("source0.mp4", "/input/a.mp4"), ("source1.mp4", "/input/media/b.mp4")]);
    assert_eq!(mount.files.len(), 1);
    assert_eq!(mount.files[0].path, "list.ffconcat");
    assert!(mount.files[0].contents.contains("file source1.mp4\ninpoint 2"), "{}", mount.files[0].contents);
    assert!(has(&step.args, ["-i", "file:/reel-links/list.ffconcat"]), "{:?}", step.args);
    assert!(step.files.iter().all(|f| f.path.starts_with('/') && f.path != "list.ffconcat"), "{:?}", step.files);
    assert_eq!(step.inputs, ["/input/a.mp4", "/input/media/b.mp4"]);
    assert!(has(&step.args, ["-c:v", "copy"]));
}
