//! Re-encoding frames so that they share a source's parameter sets: the encoder settings
//! a smart render gives the frames it re-encodes between copied groups of pictures.
//!
//! A copied group of pictures is decoded with the parameter sets (H.264 SPS/PPS, HEVC
//! VPS/SPS/PPS) of the file's one configuration record (`avcC`/`hvcC`); a re-encoded frame
//! beside it must be decodable with exactly those, or players decode it as garbage (browsers
//! are stricter than ffmpeg here; see ffmpeg-pitfalls.md). They are identical only when the
//! encoder is run with the settings that decide them: profile and level, reference frames,
//! B-frames and their pyramid, entropy coder, 8x8 transform, weighted prediction, the
//! initial QP (x264 writes its constant-quality value there), deblocking, chroma QP offset,
//! colour signalling, frame rate. x264 and x265 write all of their settings into the
//! stream (an SEI message, read by the probe into
//! [`StreamInfo::encoder_settings`](crate::media::StreamInfo::encoder_settings)); this
//! module turns that text back into encoder options. Sources without it (hardware and
//! camera encoders) cannot be matched and are re-encoded whole.
//!
//! The match is checked, not trusted: every re-encoded part carries the source's parameter
//! sets as [`Job::parameter_sets`](super::Job::parameter_sets), and the engine compares
//! the part's own with them before joining anything.

use super::encoder::EncoderArgs;
use crate::media::StreamInfo;
use crate::timeline::Preset;

/// How a source's frames are re-encoded to share its parameter sets.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Matched {
    /// `libx264` or `libx265`.
    pub encoder: &'static str,
    pub args: EncoderArgs,
}

/// The encoder options that reproduce `video`'s parameter sets, or why there are none.
/// `preset` picks the speed of what the source's settings leave open (partition search).
pub(super) fn matched(video: &StreamInfo, preset: Preset) -> Result<Matched, String> {
    let Some(settings) = video.encoder_settings.as_deref() else {
        return Err(
            "its encoder's settings are unknown (the stream carries no x264 or x265 settings message), so reel cannot re-encode frames that share its parameter sets"
                .to_owned(),
        );
    };
    let options = settings.split_once("options:").map_or("", |(_, o)| o).trim();
    let (encoder, params, extra) = match video.codec.as_deref() {
        Some("h264") if settings.starts_with("x264") => ("libx264", x264_params(options)?, Vec::new()),
        Some("hevc") if settings.starts_with("x265") => {
            let (params, extra) = x265_params(options)?;
            ("libx265", params, extra)
        }
        codec => {
            let made_by = settings.split(" - ").next().unwrap_or(settings);
            return Err(format!("it is {} made by {made_by}, which reel cannot re-encode to match", codec.unwrap_or("of unknown codec")));
        }
    };
    let speed = match preset {
        Preset::Draft => "ultrafast",
        Preset::Preview | Preset::Auto => "veryfast",
        Preset::Production => "medium",
    };
    let mut output: Vec<String> = vec!["-c:v".into(), encoder.into(), "-preset".into(), speed.into()];
    output.extend([if encoder == "libx264" { "-x264-params" } else { "-x265-params" }.to_owned(), params.join(":")]);
    output.extend(["-pix_fmt".into(), "yuv420p".into()]);
    // Colour signalling in the VUI, as the source states it.
    for (flag, value) in [
        ("-color_range", &video.color_range),
        ("-colorspace", &video.color_space),
        ("-color_trc", &video.color_transfer),
        ("-color_primaries", &video.color_primaries),
    ] {
        if let Some(v) = value {
            output.extend([flag.to_owned(), v.clone()]);
        }
    }
    output.extend(extra);
    if encoder == "libx265" {
        output.extend(["-tag:v".into(), "hvc1".into()]);
    }
    // The source's pixel aspect ratio, or none stated when it states none.
    let filter_tail = if video.sar.is_some() { "format=yuv420p" } else { "format=yuv420p,setsar=0" };
    Ok(Matched { encoder, args: EncoderArgs { global: Vec::new(), filter_tail: filter_tail.to_owned(), output } })
}

/// One `key=value` (or bare `key`) of an encoder's settings text.
fn pairs(options: &str) -> impl Iterator<Item = (&str, &str)> {
    options.split_whitespace().map(|o| o.split_once('=').unwrap_or((o, "")))
}

/// x264's settings text (`cabac=1 ref=3 deblock=1:0:0 … crf=23.0 …`) as `-x264-params`.
/// Names differ from the options' (`me_range` is `merange`), some values are written in
/// another form (`deblock=1:0:0` is on, alpha 0, beta 0), and `chroma_qp_offset` is
/// written after x264 lowered it for psychovisual optimisation, which it will do again.
fn x264_params(options: &str) -> Result<Vec<String>, String> {
    let get = |key: &str| pairs(options).find(|(k, _)| *k == key).map(|(_, v)| v);
    let num = |key: &str| get(key).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    for (key, why) in [
        ("interlaced", "it is interlaced"),
        ("open_gop", "it has open GOPs (B-frames of one GOP refer to the next, so a GOP cannot be cut out)"),
        ("intra_refresh", "it uses periodic intra refresh instead of keyframes"),
        ("fake_interlaced", "it is coded as interlaced"),
    ] {
        if get(key).is_some_and(|v| v != "0") {
            return Err(format!("{why} (x264 {key}={})", get(key).unwrap_or_default()));
        }
    }
    if get("nal_hrd").is_some_and(|v| v != "none" && v != "0") {
        return Err("it carries HRD timing (x264 nal_hrd), which depends on rate control reel cannot reproduce".to_owned());
    }
    let mut out = Vec::new();
    let mut push = |k: &str, v: &str| out.push(format!("{k}={v}"));
    for (key, value) in pairs(options) {
        match key {
            "cabac" | "ref" | "me" | "subme" | "psy" | "trellis" | "8x8dct" | "nr" | "bframes" | "weightb" | "weightp" | "keyint"
            | "scenecut" | "mbtree" | "crf" | "qcomp" | "qpmin" | "qpmax" | "qpstep" | "slices" | "stitchable" | "qp" => {
                push(key, value);
            }
            "mixed_ref" => push("mixed-refs", value),
            "me_range" => push("merange", value),
            "chroma_me" => push("chroma-me", value),
            "fast_pskip" => push("fast-pskip", value),
            "decimate" => push("dct-decimate", value),
            "bluray_compat" => push("bluray-compat", value),
            "constrained_intra" => push("constrained-intra", value),
            "b_adapt" => push("b-adapt", value),
            "b_bias" => push("b-bias", value),
            "keyint_min" => push("min-keyint", value),
            "rc_lookahead" => push("rc-lookahead", value),
            "ip_ratio" => push("ipratio", value),
            "pb_ratio" => push("pbratio", value),
            "vbv_maxrate" => push("vbv-maxrate", value),
            "vbv_bufsize" => push("vbv-bufsize", value),
            "crf_max" => push("crf-max", value),
            "slice_max_size" => push("slice-max-size", value),
            "slice_max_mbs" => push("slice-max-mbs", value),
            "slice_min_mbs" => push("slice-min-mbs", value),
            "psy_rd" => push("psy-rd", &value.replace(':', ",")),
            "b_pyramid" => push("b-pyramid", ["none", "strict", "normal"].get(value.parse::<usize>().unwrap_or(2)).unwrap_or(&"normal")),
            "direct" => {
                push("direct", ["none", "spatial", "temporal", "auto"].get(value.parse::<usize>().unwrap_or(1)).unwrap_or(&"spatial"));
            }
            "deblock" => {
                // enabled:alpha:beta
                let mut parts = value.split(':');
                match (parts.next(), parts.next(), parts.next()) {
                    (Some("0"), _, _) => push("deblock", "0"),
                    (_, Some(a), Some(b)) => push("deblock", &format!("{a},{b}")),
                    _ => {}
                }
            }
            "deadzone" => {
                if let Some((inter, intra)) = value.split_once(',') {
                    push("deadzone-inter", inter);
                    push("deadzone-intra", intra);
                }
            }
            "aq" => {
                let (mode, strength) = value.split_once(':').unwrap_or((value, "1.0"));
                push("aq-mode", mode);
                push("aq-strength", strength);
            }
            "cqm" => match value {
                "0" => {}
                "1" => push("cqm", "jvt"),
                _ => return Err("it uses custom quantisation matrices (x264 cqm), which reel cannot read back".to_owned()),
            },
            "chroma_qp_offset" => {
                // x264 lowers the offset by 1 or 2 for psy-rd (subme >= 6) and again for
                // psy-trellis; undo it, as it will be applied again to the same settings.
                let (psy_rd, psy_trellis) = get("psy_rd")
                    .and_then(|v| v.split_once(':'))
                    .map_or((0.0, 0.0), |(a, b)| (a.parse().unwrap_or(0.0), b.parse().unwrap_or(0.0)));
                let psy = num("psy") != 0.0;
                let lowered = |on: bool, strength: f64| {
                    if on && strength > 0.0 {
                        if strength < 0.25 {
                            1
                        } else {
                            2
                        }
                    } else {
                        0
                    }
                };
                let before = value.parse::<i64>().unwrap_or(0)
                    + lowered(psy && num("subme") >= 6.0, psy_rd)
                    + lowered(psy && num("trellis") > 0.0, psy_trellis);
                push("chroma-qp-offset", &before.to_string());
            }
            // Rate control other than constant quality: x264 then writes QP 26 as the
            // initial QP, which `stitchable` also does; the quality is the preset's.
            "rc" if value != "crf" && value != "cqp" => push("stitchable", "1"),
            _ => {}
        }
    }
    Ok(out)
}

/// Settings in x265's text that are not encoding options, or that ffmpeg sets itself.
const X265_SKIPPED: &[&str] = &[
    "cpuid",
    "frame-threads",
    "numa-pools",
    "pmode",
    "pme",
    "psnr",
    "ssim",
    "log-level",
    "bitdepth",
    "input-csp",
    "input-res",
    "total-frames",
    "interlace",
    "annexb",
    "repeat-headers",
    "stats-write",
    "stats-read",
    "zone-count",
    "rc",
    "bitrate",
    "lookahead-slices",
    "lookahead-threads",
    "display-window",
    "cll",
    "min-luma",
    "max-luma",
    "analysis-reuse-level",
    "analysis-save-reuse-level",
    "analysis-load-reuse-level",
    "scale-factor",
    "refine-intra",
    "refine-inter",
    "refine-mv",
    "refine-ctu-distortion",
    "ctu-info",
    "refine-analysis-type",
    "copy-pic",
    "max-ausize-factor",
    "chromaloc-top",
    "chromaloc-bottom",
    "right",
    "bottom",
    "decoder-max-rate",
    "conformance-window-offsets",
    "svt",
];

/// x265's settings text (mostly in `-x265-params` form already: `key=value`, `flag`,
/// `no-flag`) as `-x265-params`, and output options for what x265's text states that
/// ffmpeg would otherwise set differently.
fn x265_params(options: &str) -> Result<(Vec<String>, Vec<String>), String> {
    let get = |key: &str| pairs(options).find(|(k, _)| *k == key).map(|(_, v)| v);
    let present = |key: &str| pairs(options).any(|(k, _)| k == key);
    if present("open-gop") {
        return Err("it has open GOPs (x265 open-gop: B-frames of one GOP refer to the next, so a GOP cannot be cut out)".to_owned());
    }
    if get("interlace").is_some_and(|v| v != "0") || present("field") {
        return Err("it is interlaced".to_owned());
    }
    if present("intra-refresh") {
        return Err("it uses periodic intra refresh instead of keyframes".to_owned());
    }
    let mut params = vec!["log-level=error".to_owned()];
    let mut extra = Vec::new();
    // x265 prints the colour description's values whether or not it writes them; 2 is
    // "unspecified", which is what an absent description means.
    let colour_unstated = ["colorprim", "transfer", "colormatrix"].iter().all(|k| get(k).is_none_or(|v| v == "2"));
    for (key, value) in pairs(options) {
        let name = key.strip_prefix("no-").unwrap_or(key);
        // Glued to the next by a missing space in x265 3.5's text ("…=0conformance-…").
        if X265_SKIPPED.contains(&name) || value.contains("conformance") {
            continue;
        }
        match name {
            "colorprim" | "transfer" | "colormatrix" if colour_unstated => {}
            "chromaloc" => {
                // `chromaloc=0`: no chroma location written; ffmpeg would write the decoder's.
                if value == "0" {
                    extra.extend(["-chroma_sample_location".to_owned(), "unspecified".to_owned()]);
                } else if let Some(top) = get("chromaloc-top") {
                    params.push(format!("chromaloc={top}"));
                }
            }
            _ if value.is_empty() => params.push(if key.starts_with("no-") { format!("{name}=0") } else { format!("{key}=1") }),
            _ => params.push(format!("{key}={}", value.replace(':', ","))),
        }
    }
    Ok((params, extra))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::StreamKind;

    /// What x264 wrote into the testkit's fixtures (libx264 veryfast, CRF 20, GOP 30).
    const X264: &str = "x264 - core 164 r3095 baee400 - H.264/MPEG-4 AVC codec - Copyleft 2003-2022 - http://www.videolan.org/x264.html - options: cabac=1 ref=1 deblock=1:0:0 analyse=0x3:0x113 me=hex subme=2 psy=1 psy_rd=1.00:0.00 mixed_ref=0 me_range=16 chroma_me=1 trellis=0 8x8dct=1 cqm=0 deadzone=21,11 fast_pskip=1 chroma_qp_offset=0 threads=3 lookahead_threads=1 sliced_threads=0 nr=0 decimate=1 interlaced=0 bluray_compat=0 constrained_intra=0 bframes=3 b_pyramid=2 b_adapt=1 b_bias=0 direct=1 weightb=1 open_gop=0 weightp=1 keyint=30 keyint_min=16 scenecut=0 intra_refresh=0 rc_lookahead=10 rc=crf mbtree=1 crf=20.0 qcomp=0.60 qpmin=0 qpmax=69 qpstep=4 ip_ratio=1.40 aq=1:1.00";

    fn h264(settings: Option<&str>) -> StreamInfo {
        let mut v = StreamInfo::new(0, StreamKind::Video);
        v.codec = Some("h264".into());
        v.sar = crate::Rational::new(1, 1);
        v.encoder_settings = settings.map(str::to_owned);
        v
    }

    fn params_of(m: &Matched) -> String {
        let at = m.args.output.iter().position(|a| a.ends_with("-params")).expect("params");
        m.args.output[at + 1].clone()
    }

    #[test]
    fn x264_settings_become_its_params() {
        let m = matched(&h264(Some(X264)), Preset::Preview).unwrap();
        assert_eq!(m.encoder, "libx264");
        assert_eq!(
            params_of(&m),
            "cabac=1:ref=1:deblock=0,0:me=hex:subme=2:psy=1:psy-rd=1.00,0.00:mixed-refs=0:merange=16:chroma-me=1:trellis=0:8x8dct=1:deadzone-inter=21:deadzone-intra=11:fast-pskip=1:chroma-qp-offset=0:nr=0:dct-decimate=1:bluray-compat=0:constrained-intra=0:bframes=3:b-pyramid=normal:b-adapt=1:b-bias=0:direct=spatial:weightb=1:weightp=1:keyint=30:min-keyint=16:scenecut=0:rc-lookahead=10:mbtree=1:crf=20.0:qcomp=0.60:qpmin=0:qpmax=69:qpstep=4:ipratio=1.40:aq-mode=1:aq-strength=1.00"
        );
        assert_eq!(m.args.filter_tail, "format=yuv420p");
    }

    #[test]
    fn x264_chroma_offset_is_written_before_psy_lowers_it() {
        // x264 medium: subme 7 with psy-rd 1.0 lowered the offset from 0 to -2.
        let medium = X264.replace("subme=2", "subme=7").replace("chroma_qp_offset=0", "chroma_qp_offset=-2");
        assert!(params_of(&matched(&h264(Some(&medium)), Preset::Preview).unwrap()).contains("chroma-qp-offset=0"));
        // And with psy-trellis too (trellis on, second psy-rd value 0.15: lowered by 1 more).
        let both = medium.replace("trellis=0", "trellis=1").replace("psy_rd=1.00:0.00", "psy_rd=1.00:0.15").replace("=-2 ", "=-3 ");
        assert!(params_of(&matched(&h264(Some(&both)), Preset::Preview).unwrap()).contains("chroma-qp-offset=0"));
    }

    #[test]
    fn unmatchable_sources_say_why() {
        let why = |s: Option<&str>| matched(&h264(s), Preset::Preview).unwrap_err();
        assert!(why(None).contains("settings are unknown"), "{}", why(None));
        assert!(why(Some(&X264.replace("open_gop=0", "open_gop=1"))).contains("open GOPs"));
        assert!(why(Some(&X264.replace("interlaced=0", "interlaced=tff"))).contains("interlaced"));
        assert!(why(Some(&X264.replace("cqm=0", "cqm=2"))).contains("quantisation matrices"));
        let mut hevc = h264(Some(X264));
        hevc.codec = Some("hevc".into());
        assert!(matched(&hevc, Preset::Preview).unwrap_err().contains("hevc made by x264"));
    }

    #[test]
    fn x265_settings_pass_through_except_what_ffmpeg_sets() {
        let text = "x265 (build 199) - 3.5+1-f0c1022b6:[Linux][GCC 12.2.0][64 bit] 8bit+10bit+12bit - H.265/HEVC codec - Copyright 2013-2018 (c) Multicoreware, Inc - http://x265.org - options: cpuid=1111039 frame-threads=1 wpp no-pmode input-res=320x180 fps=30/1 ref=2 no-open-gop keyint=30 bframes=4 b-pyramid deblock=0:0 rc=crf crf=24.0 sar=1 range=0 colorprim=2 transfer=2 colormatrix=2 chromaloc=0 scenecut-aware-qp=0conformance-window-offsets right=0 bottom=0";
        let mut v = h264(Some(text));
        v.codec = Some("hevc".into());
        let m = matched(&v, Preset::Preview).unwrap();
        assert_eq!(m.encoder, "libx265");
        assert_eq!(
            params_of(&m),
            "log-level=error:wpp=1:fps=30/1:ref=2:open-gop=0:keyint=30:bframes=4:b-pyramid=1:deblock=0,0:crf=24.0:sar=1:range=0"
        );
        assert!(m.args.output.windows(2).any(|w| w == ["-chroma_sample_location", "unspecified"]));
        assert!(m.args.output.windows(2).any(|w| w == ["-tag:v", "hvc1"]));
        v.encoder_settings = Some(text.replace("no-open-gop", "open-gop"));
        assert!(matched(&v, Preset::Preview).unwrap_err().contains("open GOPs"));
    }
}
