//! The video encoder reel picks and the ffmpeg arguments it gives each encoder family, at
//! each preset and with a quality override, on fake machines where the hardware encoders
//! passed (or failed) their test encodes. Reviewed as snapshots; each family's options
//! were checked against `ffmpeg -h encoder=NAME` (NVENC, QSV, VA-API on ffmpeg 5.1) and
//! ffmpeg's sources (AMF, VideoToolbox, which this machine's ffmpeg does not build).

mod common;

use common::{all_usable, caps, media, plan_with, render, HARDWARE};
use reel_core::capabilities::Capabilities;
use reel_core::plan::{encoder_args, select_encoder, EncoderChoice, Layout};
use reel_core::timeline::parse;

/// The encoder chosen for `seconds` of a main track (a gap: only the output grid matters
/// here) with the output settings `output` (a JSON object's fields).
fn choose(output: &str, seconds: f64, caps: &Capabilities) -> EncoderChoice {
    let json = format!(r#"{{"reel":1,"output":{{{output}}},"video":[{{"gap":{seconds}}}]}}"#);
    let timeline = parse(&json, "/media").expect("valid timeline");
    let layout = Layout::new(&timeline, &media(), &timeline.output).expect("layout");
    select_encoder(&timeline.output, &layout, caps).expect("an encoder")
}

/// Every preset, then a quality override, for each encoder: what it is given.
fn family(encoders: &[&str]) -> String {
    let mut out = String::new();
    for enc in encoders {
        let codec = if enc.starts_with("hevc") || *enc == "libx265" { "hevc" } else { "h264" };
        for (preset, quality) in [("draft", None), ("preview", None), ("production", None), ("production", Some(30))] {
            let q = quality.map_or(String::new(), |q| format!(r#","quality":{q}"#));
            let c = choose(
                &format!(r#""width":320,"height":180,"video_codec":"{codec}","encoder":"{enc}","preset":"{preset}"{q}"#),
                2.0,
                &all_usable(),
            );
            assert_eq!((c.encoder.as_str(), c.preset.as_str()), (*enc, preset));
            if let Some(q) = quality {
                assert_eq!(c.quality, q, "the override is used as given");
            }
            let args = encoder_args(&c);
            assert_eq!(args.output[..2], ["-c:v".to_owned(), (*enc).to_owned()]);
            let hvc1 = args.output.windows(2).any(|w| w[0] == "-tag:v" && w[1] == "hvc1");
            assert_eq!(hvc1, codec == "hevc", "HEVC, and only HEVC, is tagged hvc1");
            let label = if quality.is_some() { "override" } else { "default" };
            out.push_str(&format!("{enc} {preset}, quality {} ({label})\n", c.quality));
            if !args.global.is_empty() {
                out.push_str(&format!("  before inputs: {}\n", args.global.join(" ")));
            }
            out.push_str(&format!("  filter tail:   {}\n  output:        {}\n", args.filter_tail, args.output.join(" ")));
        }
    }
    out
}

#[test]
fn each_family_at_each_preset_and_with_a_quality_override() {
    let families: [(&str, &[&str]); 7] = [
        ("libx264_args", &["libx264"]),
        ("libx265_args", &["libx265"]),
        ("nvenc_args", &["h264_nvenc", "hevc_nvenc"]),
        ("qsv_args", &["h264_qsv", "hevc_qsv"]),
        ("amf_args", &["h264_amf", "hevc_amf"]),
        ("vaapi_args", &["h264_vaapi", "hevc_vaapi"]),
        ("videotoolbox_args", &["h264_videotoolbox", "hevc_videotoolbox"]),
    ];
    for (name, encoders) in families {
        insta::assert_snapshot!(name, family(encoders));
    }
}

#[test]
fn vaapi_plan_opens_the_device_uploads_frames_and_falls_back_without_them() {
    // The whole command: the device before the inputs, the upload at the end of the graph,
    // and a software fallback with neither.
    let p = plan_with(
        r##"{"reel":1,"output":{"width":1280,"height":720,"fps":30,"encoder":"h264_vaapi"},"video":[{"source":"a.mp4","in":1,"out":3}]}"##,
        &all_usable(),
    );
    let args = p.jobs[0].command.to_args();
    assert!(args.windows(2).any(|w| w[0] == "-vaapi_device" && w[1] == "/dev/dri/renderD128"));
    assert!(args.iter().any(|a| a.ends_with("[base]format=nv12,hwupload[vout]")), "{args:?}");
    let fallback = p.jobs[0].software_fallback.as_ref().expect("fallback").to_args();
    assert!(!fallback.iter().any(|a| a.contains("vaapi") || a.contains("hwupload")), "{fallback:?}");
    insta::assert_snapshot!(render(&p));
}

#[test]
fn software_fallback_keeps_the_quality_override() {
    // `--quality 30` with a hardware encoder: if it fails, libx264 runs at CRF 30 too, not
    // at the preset's default.
    for (enc, codec, software) in [("h264_nvenc", "h264", "libx264"), ("hevc_qsv", "hevc", "libx265")] {
        let json = format!(
            r##"{{"reel":1,"output":{{"width":1280,"height":720,"fps":30,"video_codec":"{codec}","encoder":"{enc}","quality":30}},"video":[{{"source":"a.mp4","in":1,"out":3}}]}}"##
        );
        let p = plan_with(&json, &all_usable());
        let fallback = p.jobs[0].software_fallback.as_ref().expect("fallback").to_args();
        let crf = fallback.windows(2).find(|w| w[0] == "-crf").map(|w| w[1].as_str());
        assert!(fallback.windows(2).any(|w| w[0] == "-c:v" && w[1] == software), "{fallback:?}");
        assert_eq!(crf, Some("30"), "{enc}: {fallback:?}");
    }
    // Without an override the fallback uses its own default (libx265's scale differs).
    let p = plan_with(
        r##"{"reel":1,"output":{"video_codec":"hevc","encoder":"hevc_nvenc","preset":"preview"},"video":[{"source":"a.mp4","out":2}]}"##,
        &all_usable(),
    );
    let fallback = p.jobs[0].software_fallback.as_ref().expect("fallback").to_args();
    assert!(fallback.windows(2).any(|w| w[0] == "-crf" && w[1] == "27"), "{fallback:?}");
}

/// One `auto` decision: the situation, then what was picked and why.
struct Case {
    what: &'static str,
    output: &'static str,
    seconds: f64,
    caps: Capabilities,
    expected: &'static str,
}

#[test]
fn auto_picks_by_capabilities_and_export_size() {
    let full_hd = r#""width":1920,"height":1080"#;
    let h264_hw: Vec<&str> = HARDWARE.iter().copied().filter(|e| e.starts_with("h264")).collect();
    let cases = [
        Case {
            what: "NVENC usable, 1080p for 10 s (the threshold)",
            output: full_hd,
            seconds: 10.0,
            caps: caps(&["h264_nvenc"], &["h264_nvenc"]),
            expected: "h264_nvenc",
        },
        Case {
            what: "NVENC usable, 1080p for 9.9 s",
            output: full_hd,
            seconds: 9.9,
            caps: caps(&["h264_nvenc"], &["h264_nvenc"]),
            expected: "libx264",
        },
        Case {
            what: "everything usable, 320x180 for 5 s",
            output: r#""width":320,"height":180"#,
            seconds: 5.0,
            caps: all_usable(),
            expected: "libx264",
        },
        Case {
            what: "NVENC listed but its test encode failed, QSV usable",
            output: full_hd,
            seconds: 20.0,
            caps: caps(&["h264_nvenc", "h264_qsv"], &["h264_qsv"]),
            expected: "h264_qsv",
        },
        Case { what: "everything usable: NVENC first", output: full_hd, seconds: 20.0, caps: all_usable(), expected: "h264_nvenc" },
        Case { what: "only AMF usable", output: full_hd, seconds: 20.0, caps: caps(&HARDWARE, &["h264_amf"]), expected: "h264_amf" },
        Case { what: "only VA-API usable", output: full_hd, seconds: 20.0, caps: caps(&HARDWARE, &["h264_vaapi"]), expected: "h264_vaapi" },
        Case {
            what: "only VideoToolbox usable",
            output: full_hd,
            seconds: 20.0,
            caps: caps(&HARDWARE, &["h264_videotoolbox"]),
            expected: "h264_videotoolbox",
        },
        Case { what: "nothing usable", output: full_hd, seconds: 20.0, caps: caps(&HARDWARE, &[]), expected: "libx264" },
        Case {
            what: "HEVC, everything usable",
            output: r#""width":1920,"height":1080,"video_codec":"hevc""#,
            seconds: 20.0,
            caps: all_usable(),
            expected: "hevc_nvenc",
        },
        Case {
            what: "HEVC, only QSV's HEVC encoder usable",
            output: r#""width":1920,"height":1080,"video_codec":"hevc""#,
            seconds: 20.0,
            caps: caps(&HARDWARE, &["h264_nvenc", "hevc_qsv"]),
            expected: "hevc_qsv",
        },
        Case {
            what: "HEVC, only H.264 hardware usable",
            output: r#""width":1920,"height":1080,"video_codec":"hevc""#,
            seconds: 20.0,
            caps: caps(&HARDWARE, &h264_hw),
            expected: "libx265",
        },
        Case {
            what: "\"cpu\", everything usable",
            output: r#""width":1920,"height":1080,"encoder":"cpu""#,
            seconds: 20.0,
            caps: all_usable(),
            expected: "libx264",
        },
        Case {
            what: "\"cpu\", HEVC, everything usable",
            output: r#""width":1920,"height":1080,"encoder":"cpu","video_codec":"hevc""#,
            seconds: 20.0,
            caps: all_usable(),
            expected: "libx265",
        },
        Case {
            what: "4K for 61 s: auto preset is draft",
            output: r#""width":3840,"height":2160"#,
            seconds: 61.0,
            caps: all_usable(),
            expected: "h264_nvenc",
        },
        Case {
            what: "4K for 60 s: auto preset is preview",
            output: r#""width":3840,"height":2160"#,
            seconds: 60.0,
            caps: all_usable(),
            expected: "h264_nvenc",
        },
    ];
    let mut table = String::new();
    for case in &cases {
        let c = choose(case.output, case.seconds, &case.caps);
        assert_eq!(c.encoder, case.expected, "{}: {}", case.what, c.reason);
        table.push_str(&format!("{}\n  -> {} ({}, quality {}): {}\n", case.what, c.encoder, c.preset.as_str(), c.quality, c.reason));
    }
    insta::assert_snapshot!(table);
}
