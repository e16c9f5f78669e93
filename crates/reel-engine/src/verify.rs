//! Checking a written file instead of trusting ffmpeg's exit status (ffmpeg can exit 0
//! after "No space left on device" while writing the trailer).

use reel_core::media::MediaInfo;
use reel_core::plan::{Job, JobKind, Plan};
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

/// Whether the top-level `moov` box comes before `mdat` (streaming-friendly MP4).
pub fn moov_before_mdat(path: &Path) -> std::io::Result<bool> {
    let mut f = std::fs::File::open(path)?;
    let len = f.metadata()?.len();
    let mut pos = 0_u64;
    while pos + 8 <= len {
        f.seek(SeekFrom::Start(pos))?;
        let mut header = [0_u8; 16];
        f.read_exact(&mut header[..8])?;
        let mut size = u64::from(u32::from_be_bytes([header[0], header[1], header[2], header[3]]));
        let kind: [u8; 4] = [header[4], header[5], header[6], header[7]];
        if size == 1 {
            f.read_exact(&mut header[8..16])?;
            size = u64::from_be_bytes(header[8..16].try_into().expect("8 bytes"));
        } else if size == 0 {
            size = len - pos;
        }
        match &kind {
            b"moov" => return Ok(true),
            b"mdat" => return Ok(false),
            _ => {}
        }
        if size < 8 {
            break;
        }
        pos += size;
    }
    Ok(false)
}

/// The verification problem when ffprobe cannot read the written file at all.
pub fn unreadable(e: &crate::probe::ProbeError) -> String {
    use crate::probe::ProbeError;
    match e {
        ProbeError::NotMedia { reason, .. } => format!("ffprobe cannot read it ({reason})"),
        other => format!("it cannot be probed ({other})"),
    }
}

/// Compares the probed output with the plan; returns every mismatch as a sentence.
pub fn check(plan: &Plan, info: &MediaInfo, path: &Path) -> Vec<String> {
    let mut wrong = Vec::new();
    let frame = plan.output.fps.period();
    match info.best_duration() {
        // AAC frames are 1024 samples; allow the audio to end up to one of them later.
        Some(d) if (d - plan.duration).abs() <= frame + 0.025 => {}
        Some(d) => wrong.push(format!("its duration is {d:.3} s, the plan says {:.3} s", plan.duration)),
        None => wrong.push("it has no duration".to_owned()),
    }
    match info.video() {
        None => wrong.push("it has no video stream".to_owned()),
        Some(v) => {
            if v.codec.as_deref() != Some(plan.output.video_codec.as_str()) {
                wrong.push(format!("its video is {}, the plan says {}", v.codec.as_deref().unwrap_or("unknown"), plan.output.video_codec));
            }
            if (v.width, v.height) != (Some(plan.output.width), Some(plan.output.height)) {
                wrong.push(format!(
                    "its video is {}x{}, the plan says {}x{}",
                    v.width.unwrap_or(0),
                    v.height.unwrap_or(0),
                    plan.output.width,
                    plan.output.height
                ));
            }
            if let Some(n) = v.nb_frames.filter(|n| *n != plan.frames) {
                wrong.push(format!("it has {n} video frames, the plan says {}", plan.frames));
            }
            if v.pix_fmt.as_deref() != Some(plan.output.pix_fmt.as_str()) {
                wrong.push(format!(
                    "its pixel format is {}, the plan says {}",
                    v.pix_fmt.as_deref().unwrap_or("unknown"),
                    plan.output.pix_fmt
                ));
            }
        }
    }
    if plan.output.audio.is_some() && info.audio().is_none() {
        wrong.push("it has no audio stream".to_owned());
    }
    match moov_before_mdat(path) {
        Ok(true) => {}
        Ok(false) => wrong.push("its moov box is not before mdat (not streaming-friendly)".to_owned()),
        Err(e) => wrong.push(format!("its boxes cannot be read: {e}")),
    }
    wrong
}

/// Checks what one job of a plan wrote before anything relies on it (the join, the
/// cache): a video part has exactly the frames it was to render, an audio part its audio.
pub fn check_part(job: &Job, info: &MediaInfo) -> Vec<String> {
    let mut wrong = Vec::new();
    if job.frames > 0 {
        match info.video() {
            None => wrong.push("it has no video stream".to_owned()),
            Some(v) => match v.nb_frames {
                Some(n) if n == job.frames => {}
                Some(n) => wrong.push(format!("it has {n} frames, the plan says {}", job.frames)),
                None => wrong.push("its frame count is unknown".to_owned()),
            },
        }
    }
    if job.kind == JobKind::Copy {
        // Copied from a keyframe by packet count: the first packet is that keyframe, shown
        // at 0. A seek that landed on an earlier keyframe would show up as a negative start.
        let half = job.expected_duration / job.frames.max(1) as f64 / 2.0;
        if let Some(start) = info.video().and_then(|v| v.start_time).filter(|t| t.abs() > half) {
            wrong.push(format!("its first frame is at {start:.6} s, not at 0: the copy did not start on the planned keyframe"));
        }
    }
    if job.kind == JobKind::Audio {
        match (info.audio(), info.best_duration()) {
            (None, _) => wrong.push("it has no audio stream".to_owned()),
            (Some(_), Some(d)) if (d - job.expected_duration).abs() > 0.05 => {
                wrong.push(format!("its audio lasts {d:.3} s, the plan says {:.3} s", job.expected_duration));
            }
            _ => {}
        }
    }
    wrong
}

/// When a part must carry given parameter sets ([`Job::parameter_sets`]: a smart render's
/// parts must decode with the source's) and does not: which differ, as a sentence.
pub fn unmatched_parameter_sets(job: &Job, info: &MediaInfo) -> Option<String> {
    let expected = job.parameter_sets.as_deref()?;
    let video = info.video()?;
    let got: Vec<String> = video.parameter_sets().unwrap_or_default().iter().map(hex::encode).collect();
    let want: Vec<&str> = expected.split(',').collect();
    if got == want {
        return None;
    }
    let name = |nal: &str| {
        let header = u8::from_str_radix(nal.get(..2).unwrap_or("00"), 16).unwrap_or(0);
        match video.codec.as_deref() {
            Some("hevc") => match (header >> 1) & 0x3f {
                32 => "VPS",
                33 => "SPS",
                34 => "PPS",
                _ => "parameter set",
            },
            _ => match header & 0x1f {
                7 => "SPS",
                8 => "PPS",
                _ => "parameter set",
            },
        }
    };
    let differing: Vec<&str> = want
        .iter()
        .zip(got.iter().map(String::as_str).chain(std::iter::repeat("")))
        .filter(|(w, g)| **w != *g)
        .map(|(w, _)| name(w))
        .collect();
    Some(if got.is_empty() {
        "it has no parameter sets to compare".to_owned()
    } else if differing.is_empty() {
        format!("it has {} parameter sets, the source {}", got.len(), want.len())
    } else {
        format!("its {} {} from the source's", differing.join(" and "), if differing.len() == 1 { "differs" } else { "differ" })
    })
}
