//! Shared by the core's snapshot tests: media facts written by hand as ffprobe would
//! report them (no I/O in the core), planning helpers and the plan as a reviewer reads it.
#![allow(dead_code)]

use reel_core::capabilities::{Capabilities, EncoderStatus};
use reel_core::media::{MediaInfo, StreamInfo, StreamKind};
use reel_core::plan::{plan, Plan};
use reel_core::timeline::parse;
use reel_core::validate::MediaMap;
use reel_core::Rational;

/// Facts of an H.264/AAC MP4 as ffprobe would report them.
pub fn mp4(width: u32, height: u32, fps: u32, duration: f64, audio: Option<(u32, u32)>) -> MediaInfo {
    let mut v = StreamInfo::new(0, StreamKind::Video);
    v.codec = Some("h264".into());
    v.profile = Some("High".into());
    v.pix_fmt = Some("yuv420p".into());
    v.width = Some(width);
    v.height = Some(height);
    v.sar = Rational::new(1, 1);
    v.frame_rate = Rational::new(fps, 1);
    v.r_frame_rate = Rational::new(fps, 1);
    v.time_base = Rational::new(1, fps * 512);
    v.duration = Some(duration);
    v.id = Some(1);
    let mut streams = vec![v];
    if let Some((rate, channels)) = audio {
        let mut a = StreamInfo::new(1, StreamKind::Audio);
        a.codec = Some("aac".into());
        a.profile = Some("LC".into());
        a.sample_rate = Some(rate);
        a.channels = Some(channels);
        a.duration = Some(duration);
        streams.push(a);
    }
    MediaInfo {
        format_name: Some("mov,mp4,m4a,3gp,3g2,mj2".into()),
        duration: Some(duration),
        start_time: Some(0.0),
        streams,
        keyframes: (0..duration as u32).map(f64::from).collect(),
        // x264 with B-frames: each keyframe decodes two frames before it is shown.
        keyframe_dts: (0..duration as u32).map(|k| f64::from(k) - 2.0 / f64::from(fps)).collect(),
        ..MediaInfo::default()
    }
}

pub fn png(width: u32, height: u32) -> MediaInfo {
    let mut v = StreamInfo::new(0, StreamKind::Video);
    v.codec = Some("png".into());
    v.width = Some(width);
    v.height = Some(height);
    v.nb_frames = Some(1);
    MediaInfo { format_name: Some("png_pipe".into()), streams: vec![v], ..MediaInfo::default() }
}

pub fn mp3(duration: f64) -> MediaInfo {
    let mut a = StreamInfo::new(0, StreamKind::Audio);
    a.codec = Some("mp3".into());
    a.sample_rate = Some(44_100);
    a.channels = Some(2);
    a.duration = Some(duration);
    MediaInfo { format_name: Some("mp3".into()), duration: Some(duration), streams: vec![a], ..MediaInfo::default() }
}

pub fn media() -> MediaMap {
    let mut m = MediaMap::new();
    m.insert("/media/a.mp4".into(), Ok(mp4(1920, 1080, 30, 20.0, Some((48_000, 2)))));
    m.insert("/media/b.mp4".into(), Ok(mp4(1920, 1080, 30, 20.0, Some((48_000, 2)))));
    m.insert("/media/hd720.mp4".into(), Ok(mp4(1280, 720, 60, 10.0, Some((44_100, 1)))));
    let mut portrait = mp4(1080, 1920, 30, 10.0, None);
    portrait.streams[0].codec = Some("h264".into());
    m.insert("/media/portrait.mp4".into(), Ok(portrait));
    // A phone video held upright: coded 1920x1080, turned 90° clockwise for display.
    let mut phone = mp4(1920, 1080, 30, 10.0, Some((48_000, 2)));
    phone.streams[0].rotation = Some(270);
    m.insert("/media/phone.mp4".into(), Ok(phone));
    m.insert("/media/logo.png".into(), Ok(png(200, 100)));
    m.insert("/media/music.mp3".into(), Ok(mp3(60.0)));
    m
}

pub fn plan_of(json: &str) -> Plan {
    plan_with(json, &Capabilities::software_only())
}

/// The plan for a timeline (paths relative to `/media`) with these capabilities.
pub fn plan_with(json: &str, caps: &Capabilities) -> Plan {
    let timeline = parse(json, "/media").expect("valid timeline");
    plan(&timeline, &media(), &timeline.output, caps).expect("plan")
}

/// Capabilities where each encoder named is listed, and usable when it is in `usable`.
pub fn caps(listed: &[&str], usable: &[&str]) -> Capabilities {
    let mut c = Capabilities::software_only();
    for name in listed {
        let ok = usable.contains(name);
        c.encoders.push(EncoderStatus {
            name: (*name).to_owned(),
            listed: true,
            usable: ok,
            reason: (!ok).then(|| "test encode failed".to_owned()),
        });
    }
    c
}

/// Every hardware encoder reel knows, in its order of preference per codec.
pub const HARDWARE: [&str; 10] = [
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

/// A machine where every hardware encoder passed its test encode.
pub fn all_usable() -> Capabilities {
    caps(&HARDWARE, &HARDWARE)
}

/// The plan as a reviewer reads it: strategy, reasons, each command line and file.
pub fn render(p: &Plan) -> String {
    let mut out = format!("strategy: {}\nduration: {} s ({} frames)\n", p.strategy.as_str(), p.duration, p.frames);
    out.push_str(&p.explanation());
    for job in &p.jobs {
        out.push_str(&format!("job {}: {}\n", job.id, job.description));
        for arg in job.command.to_args() {
            out.push_str(&format!("  {arg}\n"));
        }
        for f in &job.files {
            out.push_str(&format!("  file {}:\n{}\n", f.name, f.contents));
        }
        for l in &job.links {
            out.push_str(&format!("  link {} -> {}\n", l.name, l.target));
        }
        if let Some(fallback) = &job.software_fallback {
            assert_eq!(job.command.inputs, fallback.inputs, "the fallback reads the same inputs");
            for (place, a, b) in [
                ("before the inputs", &job.command.global, &fallback.global),
                ("after the inputs", &job.command.output_options, &fallback.output_options),
            ] {
                if let Some((old, new)) = changed(a, b) {
                    out.push_str(&format!("  software fallback, {place}: {old}\n    becomes: {new}\n"));
                }
            }
        }
    }
    out
}

/// The run of arguments that differs between `a` and `b` (between their common start and
/// common end), each joined by spaces; a long first argument (a filter graph) shown from
/// the chain where the two differ.
fn changed(a: &[String], b: &[String]) -> Option<(String, String)> {
    let head = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let tail = a[head..].iter().rev().zip(b[head..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (mut old, mut new) = (a[head..a.len() - tail].to_vec(), b[head..b.len() - tail].to_vec());
    if old.is_empty() && new.is_empty() {
        return None;
    }
    if let (Some(x), Some(y)) = (old.first_mut(), new.first_mut()) {
        let same = x.char_indices().zip(y.chars()).take_while(|((_, p), q)| p == q).last().map_or(0, |((i, c), _)| i + c.len_utf8());
        let same = x[..same].rfind(';').map_or(0, |i| i + 1);
        if same > 40 {
            (*x, *y) = (format!("…{}", &x[same..]), format!("…{}", &y[same..]));
        }
    }
    let shown = |v: &[String]| if v.is_empty() { "(nothing)".to_owned() } else { v.join(" ") };
    Some((shown(&old), shown(&new)))
}
