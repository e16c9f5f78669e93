//! The smart strategy as data: which stretches are copied and which re-encoded, the copy
//! jobs' packet counts, the re-encoded parts' encoder settings, and every refusal with its
//! reason.

mod common;

use common::{caps, mp4, render};
use reel_core::capabilities::Capabilities;
use reel_core::media::MediaInfo;
use reel_core::plan::{plan_with, How, JobKind, Plan, PlanOptions, Strategy};
use reel_core::timeline::parse;
use reel_core::validate::MediaMap;

/// What x264 wrote into a source made with `-preset veryfast -crf 20 -g 30`.
const X264: &str = "x264 - core 164 r3095 baee400 - H.264/MPEG-4 AVC codec - Copyleft 2003-2022 - http://www.videolan.org/x264.html - options: cabac=1 ref=1 deblock=1:0:0 analyse=0x3:0x113 me=hex subme=2 psy=1 psy_rd=1.00:0.00 mixed_ref=0 me_range=16 chroma_me=1 trellis=0 8x8dct=1 cqm=0 deadzone=21,11 fast_pskip=1 chroma_qp_offset=0 threads=3 lookahead_threads=1 sliced_threads=0 nr=0 decimate=1 interlaced=0 bluray_compat=0 constrained_intra=0 bframes=3 b_pyramid=2 b_adapt=1 b_bias=0 direct=1 weightb=1 open_gop=0 weightp=1 keyint=30 keyint_min=16 scenecut=0 intra_refresh=0 rc_lookahead=10 rc=crf mbtree=1 crf=20.0 qcomp=0.60 qpmin=0 qpmax=69 qpstep=4 ip_ratio=1.40 aq=1:1.00";

/// x264's SPS for 320x180 High (26 bytes) and the first 4 bytes of its PPS.
const SPS: &str = "6764000dacd941419f9f0110000003001000000303c0f1429960";
const PPS: &str = "68ef86f2";

/// An avcC with one SPS and one PPS (the PPS's last byte varies with `variant`).
fn avcc(variant: u8) -> String {
    format!("0164000dffe1001a{SPS}010005{PPS}{variant:02x}fdf8f800")
}

/// A 1920x1080 30 fps x264 source with a keyframe every second, as the probe reports it.
fn x264_source(duration: f64) -> MediaInfo {
    let mut m = mp4(1920, 1080, 30, duration, Some((48_000, 2)));
    let v = &mut m.streams[0];
    v.encoder_settings = Some(X264.to_owned());
    v.extradata = Some(avcc(0xc0));
    v.field_order = Some("progressive".to_owned());
    v.nb_frames = Some((duration * 30.0) as u64);
    m
}

fn media() -> MediaMap {
    let mut m = common::media();
    m.insert("/media/a.mp4".into(), Ok(x264_source(20.0)));
    m.insert("/media/b.mp4".into(), Ok(x264_source(20.0)));
    // Same format, other parameter sets (another CRF, say).
    let mut other = x264_source(20.0);
    other.streams[0].extradata = Some(avcc(0xc4));
    m.insert("/media/other.mp4".into(), Ok(other));
    // Made by an encoder that writes no settings.
    let mut camera = x264_source(20.0);
    camera.streams[0].encoder_settings = None;
    m.insert("/media/camera.mp4".into(), Ok(camera));
    let mut open = x264_source(20.0);
    open.streams[0].encoder_settings = Some(X264.replace("open_gop=0", "open_gop=1"));
    m.insert("/media/open.mp4".into(), Ok(open));
    m
}

fn plan_of(json: &str, caps: &Capabilities, options: &PlanOptions<'_>) -> Plan {
    let timeline = parse(json, "/media").expect("valid timeline");
    plan_with(&timeline, &media(), &timeline.output, caps, options).expect("plan")
}

fn smart(json: &str) -> Plan {
    plan_of(json, &Capabilities::software_only(), &PlanOptions::default())
}

/// (how, first frame, frames) of every stretch.
fn stretches(p: &Plan) -> Vec<(How, u64, u64)> {
    p.stretches.iter().map(|s| (s.how, s.first_frame, s.frames)).collect()
}

const SOURCE: &str = r#""output":{"width":"source","height":"source","fps":"source"}"#;

#[test]
fn cuts_off_keyframes_copy_the_whole_gops_between_them() {
    let p = smart(&format!(
        r#"{{"reel":1,{SOURCE},"video":[{{"source":"a.mp4","in":2.4,"out":6.5}},{{"source":"b.mp4","in":10,"out":12.2}}]}}"#
    ));
    assert_eq!(p.strategy, Strategy::Smart, "{}", p.explanation());
    // a: source frames 72..195, keyframes every 30: re-encode 72..90, copy 90..180, re-encode
    // 180..195; b: copy 300..360, re-encode 360..366.
    assert_eq!(
        stretches(&p),
        [(How::Render, 0, 18), (How::Copy, 18, 90), (How::Render, 108, 15), (How::Copy, 123, 60), (How::Render, 183, 6)],
        "{}",
        p.explanation()
    );
    // A copy job takes packets by count from its keyframe, in the parts' time scale.
    let copy = p.job(&p.stretches[1].job).unwrap();
    assert_eq!(copy.kind, JobKind::Copy);
    let args = copy.command.to_args().join(" ");
    assert!(
        args.contains("-ss 3 -i file:/media/a.mp4 -map 0:0 -c copy -frames:v 90 -map_metadata -1 -video_track_timescale 15360 -f mp4"),
        "{args}"
    );
    // A re-encoded part: the single pass's filters, x264 with the source's settings, and the
    // parameter sets it must reproduce.
    let enc = p.job(&p.stretches[0].job).unwrap();
    assert_eq!(enc.kind, JobKind::Render);
    let args = enc.command.to_args().join(" ");
    assert!(args.contains("-c:v libx264 -preset veryfast -x264-params cabac=1:ref=1:deblock=0,0:"), "{args}");
    assert!(args.contains(":crf=20.0:") && args.contains("-frames:v 18 -video_track_timescale 15360"), "{args}");
    assert_eq!(enc.parameter_sets.as_deref(), Some(format!("{SPS},{PPS}c0").as_str()));
    assert!(enc.cache_key.is_some() && copy.cache_key.is_none());
    // The join reads its parts as they are (no Annex B conversion) and the audio once.
    let join = p.job(&p.final_job).unwrap();
    let args = join.command.to_args().join(" ");
    assert!(args.contains("-f concat -safe 1 -auto_convert 0"), "{args}");
    assert_eq!(p.jobs.iter().filter(|j| j.kind == JobKind::Audio).count(), 1);
    assert_eq!((p.output.encoder.as_str(), p.output.preset.as_str()), ("libx264", "source"));
    assert_eq!(p.validate(), Ok(()));
    insta::assert_snapshot!(render(&p));
}

#[test]
fn overlays_are_re_encoded_with_the_gops_they_touch() {
    let p = smart(&format!(
        r#"{{"reel":1,{SOURCE},"video":[{{"source":"a.mp4","in":0,"out":10}}],
            "overlays":[{{"text":"A","start":2.5,"end":4}},{{"text":"B","start":3.5,"end":5.2}}]}}"#
    ));
    assert_eq!(p.strategy, Strategy::Smart, "{}", p.explanation());
    // Overlays on 75..156 (one stretch for both); the GOPs around: 60..180.
    assert_eq!(stretches(&p), [(How::Copy, 0, 60), (How::Render, 60, 120), (How::Copy, 180, 120)]);
    assert!(p.stretches[1].why.contains("overlays[0], overlays[1] draw(s) on them"), "{}", p.stretches[1].why);
}

#[test]
fn a_clip_that_cannot_be_copied_is_re_encoded_with_the_reference_settings_and_says_why() {
    for (name, why) in [
        ("other.mp4", "its parameter sets differ from video[0]'s (a.mp4), and the output can carry only one set"),
        ("camera.mp4", "its encoder's settings are unknown"),
        ("open.mp4", "it has open GOPs"),
        ("hd720.mp4", "it is 1280x720, the output 1920x1080"),
    ] {
        let p = smart(&format!(
            r#"{{"reel":1,{SOURCE},"video":[{{"source":"a.mp4","in":0,"out":10}},{{"source":"{name}","in":1.5,"out":3.5}}]}}"#
        ));
        assert_eq!(p.strategy, Strategy::Smart, "{name}: {}", p.explanation());
        assert_eq!(stretches(&p), [(How::Copy, 0, 300), (How::Render, 300, 60)], "{name}");
        let rendered = &p.stretches[1];
        assert!(rendered.why.contains(&format!("video[1] ({name}): {why}")), "{name}: {}", rendered.why);
        assert!(p.job(&rendered.job).unwrap().command.to_args().join(" ").contains("crf=20.0"), "{name}");
    }
}

#[test]
fn refusals_name_their_reason() {
    let reasons = |json: &str, caps: &Capabilities| {
        let p = plan_of(json, caps, &PlanOptions::default());
        assert_ne!(p.strategy, Strategy::Smart, "{}", p.explanation());
        p.decisions.iter().find(|d| d.strategy == Strategy::Smart).unwrap().reasons.join("; ")
    };
    let sw = Capabilities::software_only();
    let cut = |output: &str, clips: &str| format!(r#"{{"reel":1,"output":{output},"video":[{clips}]}}"#);
    let a = r#"{"source":"a.mp4","in":2.4,"out":6.5}"#;
    assert!(
        reasons(&cut(r#"{"width":1280,"height":720,"fps":30}"#, a), &sw).contains("video[0] (a.mp4): it is 1920x1080, the output 1280x720")
    );
    assert!(
        reasons(&cut(r#"{"width":"source","height":"source","fps":60}"#, a), &sw).contains("it runs at 30.0 fps, the output at 60.0 fps")
    );
    assert!(reasons(&cut(r#"{"width":"source","height":"source","fps":"source","video_codec":"hevc"}"#, a), &sw)
        .contains("it is h264, the output hevc"));
    assert!(reasons(&cut(r#"{"width":"source","height":"source","fps":"source"}"#, r#"{"source":"camera.mp4","in":2.4,"out":6.5}"#), &sw)
        .contains("video[0] (camera.mp4): its encoder's settings are unknown"));
    assert!(reasons(
        &cut(r#"{"width":"source","height":"source","fps":"source","encoder":"h264_nvenc"}"#, a),
        &caps(&["h264_nvenc"], &["h264_nvenc"])
    )
    .contains("encoder h264_nvenc was asked for"));
    assert!(reasons(&cut(r#"{"width":"source","height":"source","fps":"source","preset":"draft","draft_downscale":true}"#, a), &sw)
        .contains("draft_downscale renders at half size"));
    // Too little to copy: a 0.8 s cut inside one GOP.
    assert!(reasons(&cut(r#"{"width":"source","height":"source","fps":"source"}"#, r#"{"source":"a.mp4","in":2.1,"out":2.9}"#), &sw)
        .contains("only 0 of 24 frames (0 %) could be copied"));
    // The engine found that the re-encoded frames do not match: planned again without.
    let json = cut(r#"{"width":"source","height":"source","fps":"source"}"#, a);
    let timeline = parse(&json, "/media").unwrap();
    let options = PlanOptions { smart_refused: Some("enc0000 did not reproduce the SPS"), ..PlanOptions::default() };
    let p = plan_with(&timeline, &media(), &timeline.output, &sw, &options).unwrap();
    assert_eq!(p.strategy, Strategy::SinglePass);
    assert_eq!(p.decisions[1].reasons, ["enc0000 did not reproduce the SPS"]);
}

#[test]
fn keyframe_cuts_still_copy_and_a_forced_smart_render_copies_what_it_can() {
    let on_keyframes = format!(r#"{{"reel":1,{SOURCE},"video":[{{"source":"a.mp4","in":2,"out":6}}]}}"#);
    assert_eq!(smart(&on_keyframes).strategy, Strategy::Copy);
    let inside_a_gop = format!(r#"{{"reel":1,{SOURCE},"video":[{{"source":"a.mp4","in":2.1,"out":2.9}}]}}"#);
    let forced =
        plan_of(&inside_a_gop, &Capabilities::software_only(), &PlanOptions { strategy: Some(Strategy::Smart), ..PlanOptions::default() });
    assert_eq!(forced.strategy, Strategy::Smart);
    assert_eq!(stretches(&forced), [(How::Render, 0, 24)]);
}

#[test]
fn fades_transitions_and_speed_changes_are_re_encoded_with_the_gops_they_touch() {
    let p = smart(&format!(
        r#"{{"reel":1,{SOURCE},"video":[{{"source":"a.mp4","in":0,"out":10,"fade_in":0.5}},{{"transition":"crossfade","duration":1}},
            {{"source":"b.mp4","in":5,"out":15}},{{"source":"a.mp4","in":0,"out":4,"speed":2}}]}}"#
    ));
    assert_eq!(p.strategy, Strategy::Smart, "{}", p.explanation());
    // a: the fade on 0..15 (its GOP 0..30 re-encoded), copy 30..270; the crossfade over
    // 270..300 and b's first GOP (b from 6 s: its keyframe 6.0 is frame 300 of the output,
    // so b's GOPs copy from there); a at speed 2 re-encoded whole (560..620).
    assert_eq!(
        stretches(&p),
        [(How::Render, 0, 30), (How::Copy, 30, 240), (How::Render, 270, 30), (How::Copy, 300, 270), (How::Render, 570, 60)],
        "{}",
        p.explanation()
    );
    let whys: Vec<&str> = p.stretches.iter().map(|s| s.why.as_str()).collect();
    assert!(whys[0].contains("video[0].fade_in draw(s) on them"), "{whys:?}");
    assert!(whys[2].contains("video[1] is a crossfade between two clips"), "{whys:?}");
    assert!(whys[4].contains("video[3] (speed 2) draw(s) on them"), "{whys:?}");
}
