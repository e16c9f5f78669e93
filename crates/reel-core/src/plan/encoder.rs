//! Choosing the video encoder and its arguments per preset.
//!
//! `auto` prefers a hardware encoder whose test encode succeeded (`reel doctor`) when the
//! export is large (output megapixels x duration at or above the `hardware_threshold`
//! setting, default [`DEFAULT_HARDWARE_THRESHOLD`]: 1080p for 10 s), in the order
//! NVIDIA, Intel, AMD, VA-API, Apple; otherwise, and as the fallback when a
//! hardware encode fails, libx264 / libx265. `cpu` forces software; an encoder name forces
//! that encoder, which must be usable here.

use super::{Layout, PlanError, DEFAULT_HARDWARE_THRESHOLD};
use crate::capabilities::Capabilities;
use crate::timeline::{OutputSettings, Preset, VideoCodec};

/// Hardware encoders in order of preference, per codec.
const HARDWARE_H264: &[&str] = &["h264_nvenc", "h264_qsv", "h264_amf", "h264_vaapi", "h264_videotoolbox"];
const HARDWARE_HEVC: &[&str] = &["hevc_nvenc", "hevc_qsv", "hevc_amf", "hevc_vaapi", "hevc_videotoolbox"];

/// The encoder picked for an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EncoderChoice {
    pub encoder: String,
    pub codec: VideoCodec,
    /// The preset after `auto` was resolved.
    pub preset: Preset,
    /// CRF / CQ / QP value used.
    pub quality: u8,
    /// `quality` is the user's override (`--quality`, `output.quality`), not the preset's
    /// default; the software fallback keeps it.
    pub quality_override: bool,
    /// Why this encoder.
    pub reason: String,
}

impl EncoderChoice {
    pub fn is_hardware(&self) -> bool {
        !self.encoder.starts_with("lib")
    }

    /// The software encoder for the same codec, preset and quality (the fallback): the
    /// user's quality override as given, else the software encoder's default for the preset.
    #[must_use]
    pub fn software(&self) -> EncoderChoice {
        let encoder = software_encoder(self.codec).to_owned();
        EncoderChoice {
            quality: if self.quality_override { self.quality } else { default_quality(&encoder, self.preset) },
            quality_override: self.quality_override,
            encoder,
            codec: self.codec,
            preset: self.preset,
            reason: "software fallback".to_owned(),
        }
    }
}

pub fn software_encoder(codec: VideoCodec) -> &'static str {
    match codec {
        VideoCodec::H264 => "libx264",
        VideoCodec::Hevc => "libx265",
    }
}

/// `auto`: draft above 1080p for exports over a minute (a 4K export must not silently take
/// hours), preview otherwise.
pub fn resolve_preset(preset: Preset, width: u32, height: u32, duration: f64) -> Preset {
    match preset {
        Preset::Auto => {
            let pixels = u64::from(width) * u64::from(height);
            if pixels > 1920 * 1080 && duration > 60.0 {
                Preset::Draft
            } else {
                Preset::Preview
            }
        }
        p => p,
    }
}

/// Constant-quality value per encoder family and preset (lower is better).
pub fn default_quality(encoder: &str, preset: Preset) -> u8 {
    let hevc = encoder.starts_with("hevc") || encoder == "libx265";
    let base: u8 = match preset {
        Preset::Draft => 28,
        Preset::Preview | Preset::Auto => 23,
        Preset::Production => 19,
    };
    if hevc && encoder == "libx265" {
        base + 4
    } else {
        base
    }
}

pub fn select_encoder(settings: &OutputSettings, layout: &Layout, caps: &Capabilities) -> Result<EncoderChoice, PlanError> {
    let codec = settings.video_codec.unwrap_or_default();
    let preset = resolve_preset(settings.preset.unwrap_or_default(), layout.width, layout.height, layout.duration);
    let requested = settings.encoder.as_deref().unwrap_or("auto");
    let usable_list = || {
        let names: Vec<&str> = caps.encoders.iter().filter(|e| e.usable).map(|e| e.name.as_str()).collect();
        if names.is_empty() {
            "none found".to_owned()
        } else {
            names.join(", ")
        }
    };
    let (encoder, reason) = match requested {
        "cpu" => (software_encoder(codec).to_owned(), "software encoder requested (\"cpu\")".to_owned()),
        "auto" => {
            let mpixel_seconds = f64::from(layout.width) * f64::from(layout.height) * layout.duration / 1e6;
            let threshold = settings.hardware_threshold.unwrap_or(DEFAULT_HARDWARE_THRESHOLD);
            let hardware = if codec == VideoCodec::H264 { HARDWARE_H264 } else { HARDWARE_HEVC };
            let usable_hw = hardware.iter().find(|e| caps.usable(e));
            match usable_hw {
                Some(hw) if mpixel_seconds >= threshold => {
                    ((*hw).to_owned(), format!("{hw} passed its test encode and the export is large ({mpixel_seconds:.1} Mpixel-seconds, hardware_threshold {threshold})"))
                }
                Some(hw) => (
                    software_encoder(codec).to_owned(),
                    format!("export is small ({mpixel_seconds:.1} Mpixel-seconds, under hardware_threshold {threshold}); {hw} would not pay for its start-up"),
                ),
                None => {
                    let family = if codec == VideoCodec::H264 { "H.264" } else { "HEVC" };
                    (software_encoder(codec).to_owned(), format!("no {family} hardware encoder passed its test encode here"))
                }
            }
        }
        name => {
            let Some(status) = caps.encoders.iter().find(|e| e.name == name) else {
                return Err(PlanError::Encoder {
                    requested: name.to_owned(),
                    reason: "reel does not know this encoder".to_owned(),
                    usable: usable_list(),
                });
            };
            let wrong_codec = match codec {
                VideoCodec::H264 => !(name.starts_with("h264") || name == "libx264"),
                VideoCodec::Hevc => !(name.starts_with("hevc") || name == "libx265"),
            };
            if wrong_codec {
                return Err(PlanError::Encoder {
                    requested: name.to_owned(),
                    reason: format!("it does not encode {}", codec.as_str()),
                    usable: usable_list(),
                });
            }
            let reason = if status.usable {
                "requested".to_owned()
            } else if status.listed {
                // Forced but not usable: try it, the run falls back to software with the reason.
                format!(
                    "requested; its test encode failed ({}), so the software fallback is ready",
                    status.reason.as_deref().unwrap_or("no reason given")
                )
            } else {
                return Err(PlanError::Encoder {
                    requested: name.to_owned(),
                    reason: "this ffmpeg does not have it".to_owned(),
                    usable: usable_list(),
                });
            };
            (name.to_owned(), reason)
        }
    };
    let quality = settings.quality.unwrap_or_else(|| default_quality(&encoder, preset));
    Ok(EncoderChoice { encoder, codec, preset, quality, quality_override: settings.quality.is_some(), reason })
}

/// What an encoder needs on the command line.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct EncoderArgs {
    /// Before the inputs (e.g. the VA-API device).
    pub global: Vec<String>,
    /// Appended to the end of the filter graph (pixel format conversion and upload for
    /// hardware encoders that take hardware frames); replaces `format=yuv420p`.
    pub filter_tail: String,
    /// Output options.
    pub output: Vec<String>,
}

/// The command-line arguments for an encoder at a preset and quality.
pub fn encoder_args(choice: &EncoderChoice) -> EncoderArgs {
    let q = choice.quality.to_string();
    let (x26x, nvenc, qsv, amf) = match choice.preset {
        Preset::Draft => ("ultrafast", "p1", "veryfast", "speed"),
        Preset::Preview | Preset::Auto => ("veryfast", "p4", "medium", "balanced"),
        Preset::Production => ("medium", "p6", "slower", "quality"),
    };
    let enc = choice.encoder.as_str();
    let mut out: Vec<String> = vec!["-c:v".into(), enc.into()];
    let mut global = Vec::new();
    let mut filter_tail = "format=yuv420p".to_owned();
    let family = enc.rsplit('_').next().unwrap_or(enc);
    match (enc, family) {
        ("libx264" | "libx265", _) => {
            out.extend(["-preset".into(), x26x.into(), "-crf".into(), q]);
            if enc == "libx265" {
                out.extend(["-x265-params".into(), "log-level=error".into()]);
            }
        }
        (_, "nvenc") => {
            out.extend(["-preset".into(), nvenc.into(), "-rc".into(), "vbr".into(), "-cq".into(), q, "-b:v".into(), "0".into()]);
        }
        (_, "qsv") => {
            filter_tail = "format=nv12".to_owned();
            out.extend(["-preset".into(), qsv.into(), "-global_quality".into(), q]);
        }
        (_, "amf") => {
            out.extend(["-quality".into(), amf.into(), "-rc".into(), "cqp".into(), "-qp_i".into(), q.clone(), "-qp_p".into(), q.clone()]);
            // Constant QP sets each frame type's QP; B-frames left unset get AMF's own
            // default whatever the quality. Only h264_amf has qp_b (hevc_amf has no B-frame QP).
            if enc == "h264_amf" {
                out.extend(["-qp_b".into(), q]);
            }
        }
        (_, "vaapi") => {
            global.extend(["-vaapi_device".to_owned(), "/dev/dri/renderD128".to_owned()]);
            filter_tail = "format=nv12,hwupload".to_owned();
            out.extend(["-qp".into(), q]);
        }
        (_, "videotoolbox") => {
            // q:v is 1..100, higher is better: map CRF-like 0..51 onto it.
            let qv = (100 - u32::from(choice.quality.min(51)) * 100 / 51).clamp(1, 100);
            out.extend(["-q:v".into(), qv.to_string()]);
        }
        _ => {}
    }
    if !filter_tail.contains("hwupload") && !filter_tail.contains("nv12") {
        out.extend(["-pix_fmt".into(), "yuv420p".into()]);
    }
    if choice.codec == VideoCodec::Hevc {
        // Apple players need the hvc1 tag, not hev1.
        out.extend(["-tag:v".into(), "hvc1".into()]);
    }
    EncoderArgs { global, filter_tail, output: out }
}

/// [`encoder_args`] for one segment of a segmented export: every segment starts on an IDR
/// frame and holds closed GOPs only (no frame refers to another segment), and the encoder
/// writes parameter sets that do not depend on the picture (x264 `stitchable`), so
/// segments encoded separately join with `-c copy` under the first one's parameter sets.
pub fn segment_args(choice: &EncoderChoice) -> EncoderArgs {
    let mut args = encoder_args(choice);
    args.output.extend(["-flags".into(), "+cgop".into()]);
    match choice.encoder.as_str() {
        "libx264" => args.output.extend(["-x264-params".into(), "stitchable=1".into()]),
        "libx265" => {
            // x265 opens GOPs unless told not to; replaces the log-level-only parameters.
            if let Some(i) = args.output.iter().position(|a| a == "-x265-params") {
                args.output[i + 1] = "log-level=error:open-gop=0".into();
            }
        }
        enc if enc.ends_with("_nvenc") => args.output.extend(["-forced-idr".into(), "1".into()]),
        _ => {}
    }
    args
}
