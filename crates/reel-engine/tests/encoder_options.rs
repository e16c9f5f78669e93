//! The arguments reel gives each hardware encoder are ones the ffmpeg at hand accepts, for
//! every encoder it lists (here: NVENC, QSV and VA-API, with no device to run them): each
//! encoder-specific option is one `ffmpeg -h encoder=NAME` documents, and a short encode
//! with the arguments fails, if it fails, for want of the device, never over an option.

use reel_core::plan::{encoder_args, EncoderChoice};
use reel_core::timeline::{Preset, VideoCodec};
use reel_engine::Tools;
use std::process::Command;

/// Options of ffmpeg itself or of every encoder (AVCodecContext), not in the encoder's own list.
const GENERIC: [&str; 6] = ["-c:v", "-b:v", "-pix_fmt", "-tag:v", "-global_quality", "-q:v"];

const HARDWARE: [&str; 10] = [
    "h264_nvenc",
    "hevc_nvenc",
    "h264_qsv",
    "hevc_qsv",
    "h264_amf",
    "hevc_amf",
    "h264_vaapi",
    "hevc_vaapi",
    "h264_videotoolbox",
    "hevc_videotoolbox",
];

/// What ffmpeg says when it does not take an option or its value.
const OPTION_ERRORS: [&str; 5] =
    ["Error setting option", "Unable to parse option", "Unrecognized option", "Option not found", "has not been used for any stream"];

fn ffmpeg(tools: &Tools, args: &[&str]) -> (bool, String) {
    let out = Command::new(&tools.ffmpeg).args(["-hide_banner", "-nostdin"]).args(args).output().expect("run ffmpeg");
    (out.status.success(), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

#[test]
fn hardware_encoder_options_are_ones_ffmpeg_documents_and_accepts() {
    let tools = Tools::find(None, None).expect("ffmpeg");
    let (_, listing) = ffmpeg(&tools, &["-encoders"]);
    let listed: Vec<&str> = HARDWARE.iter().copied().filter(|e| listing.lines().any(|l| l.split_whitespace().nth(1) == Some(e))).collect();
    let mut checked = 0;
    for enc in &listed {
        let (_, help) = ffmpeg(&tools, &["-h", &format!("encoder={enc}")]);
        let documented = |option: &str| help.lines().any(|l| l.trim_start().starts_with(&format!("{option} ")));
        for preset in [Preset::Draft, Preset::Preview, Preset::Production] {
            let codec = if enc.starts_with("hevc") { VideoCodec::Hevc } else { VideoCodec::H264 };
            let choice =
                EncoderChoice { encoder: (*enc).to_owned(), codec, preset, quality: 23, quality_override: false, reason: String::new() };
            let args = encoder_args(&choice);
            for pair in args.output.chunks(2) {
                let option = pair[0].as_str();
                assert!(
                    GENERIC.contains(&option) || documented(option),
                    "{enc} has no option {option} (`ffmpeg -h encoder={enc}`): {:?}",
                    args.output
                );
            }
            let mut run: Vec<&str> = args.global.iter().map(String::as_str).collect();
            run.extend(["-loglevel", "warning", "-f", "lavfi", "-i", "color=s=256x144:r=30:d=0.2", "-vf", &args.filter_tail]);
            run.extend(args.output.iter().map(String::as_str));
            run.extend(["-f", "null", "-"]);
            let (ok, stderr) = ffmpeg(&tools, &run);
            assert!(
                ok || !OPTION_ERRORS.iter().any(|e| stderr.contains(e)),
                "{enc} {}: ffmpeg refused an option:\n{stderr}",
                preset.as_str()
            );
            checked += 1;
        }
    }
    // Every ffmpeg reel supports lists some hardware encoder on Linux builds like this one;
    // where none is listed there is nothing to check, and the test says so by its count.
    eprintln!("checked {checked} encoder/preset pairs: {listed:?}");
}
