//! Parsing ffprobe's JSON (`-show_format -show_streams -show_packets`) into
//! [`MediaInfo`]. Every field is optional: real files lack fields ffprobe usually prints,
//! numbers come as strings, and `N/A` / `0/0` mean unknown.

use crate::media::{MediaInfo, StreamInfo, StreamKind};
use crate::Rational;
use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// ffprobe printed something that is not its JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ffprobe's output is not the JSON reel expects ({0}); check that ffprobe is a real ffprobe 5.1 or newer")]
pub struct FfprobeParseError(String);

#[derive(Deserialize, Default)]
struct Output {
    #[serde(default)]
    format: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    streams: Vec<BTreeMap<String, Value>>,
    #[serde(default)]
    packets: Vec<BTreeMap<String, Value>>,
}

fn text(map: &BTreeMap<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) if s != "N/A" && !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn num(map: &BTreeMap<String, Value>, key: &str) -> Option<f64> {
    text(map, key)?.parse::<f64>().ok().filter(|v| v.is_finite())
}

fn int(map: &BTreeMap<String, Value>, key: &str) -> Option<u64> {
    text(map, key)?.parse::<u64>().ok()
}

fn rational(map: &BTreeMap<String, Value>, key: &str) -> Option<Rational> {
    let t = text(map, key)?;
    // SAR is written "1:1"; rates "30000/1001".
    Rational::parse(&t.replace(':', "/"))
}

/// Display rotation, normalised to 0/90/180/270 degrees counter-clockwise: the display
/// matrix's `rotation` (ffprobe prints -90 for a picture to be turned 90° clockwise, which
/// is 270 here), else the legacy `rotate` tag (clockwise degrees).
fn rotation(map: &BTreeMap<String, Value>) -> Option<i32> {
    if let Some(Value::Array(list)) = map.get("side_data_list") {
        for side in list {
            if let Some(r) = side.get("rotation").and_then(|r| r.as_f64().or_else(|| r.as_str().and_then(|s| s.parse().ok()))) {
                return Some(((r.round() as i32) % 360 + 360) % 360);
            }
        }
    }
    let tags = map.get("tags")?.as_object()?;
    let r: i32 = tags.get("rotate")?.as_str()?.parse().ok()?;
    Some((360 - r.rem_euclid(360)) % 360)
}

/// Parses the JSON that [`crate::args::ffprobe_args`] makes ffprobe print.
pub fn parse(json: &str) -> Result<MediaInfo, FfprobeParseError> {
    let out: Output = serde_json::from_str(json).map_err(|e| FfprobeParseError(e.to_string()))?;
    let format = out.format.unwrap_or_default();
    let start_time = num(&format, "start_time");
    let mut streams = Vec::with_capacity(out.streams.len());
    for (i, s) in out.streams.iter().enumerate() {
        let kind = match text(s, "codec_type").as_deref() {
            Some("video") => StreamKind::Video,
            Some("audio") => StreamKind::Audio,
            Some("subtitle") => StreamKind::Subtitle,
            Some("data") => StreamKind::Data,
            Some("attachment") => StreamKind::Attachment,
            _ => StreamKind::Other,
        };
        let index = int(s, "index").map_or(i as u32, |v| v as u32);
        let mut st = StreamInfo::new(index, kind);
        st.id = text(s, "id").and_then(|t| {
            let t = t.trim();
            t.strip_prefix("0x").map_or_else(|| t.parse().ok(), |h| u64::from_str_radix(h, 16).ok())
        });
        st.codec = text(s, "codec_name");
        st.codec_tag = text(s, "codec_tag_string");
        st.profile = text(s, "profile");
        st.pix_fmt = text(s, "pix_fmt");
        st.width = int(s, "width").filter(|w| *w > 0).map(|v| v as u32);
        st.height = int(s, "height").filter(|h| *h > 0).map(|v| v as u32);
        st.sar = rational(s, "sample_aspect_ratio");
        st.rotation = rotation(s);
        st.frame_rate = rational(s, "avg_frame_rate");
        st.r_frame_rate = rational(s, "r_frame_rate");
        st.time_base = rational(s, "time_base");
        st.variable_frame_rate = kind == StreamKind::Video
            && matches!((st.frame_rate, st.r_frame_rate), (Some(a), Some(r)) if (a.as_f64() - r.as_f64()).abs() > 0.01 * r.as_f64());
        st.sample_rate = int(s, "sample_rate").filter(|r| *r > 0).map(|v| v as u32);
        st.channels = int(s, "channels").filter(|c| *c > 0).map(|v| v as u32);
        st.channel_layout = text(s, "channel_layout");
        st.bit_rate = int(s, "bit_rate");
        st.duration = num(s, "duration");
        st.start_time = num(s, "start_time");
        st.nb_frames = int(s, "nb_frames");
        st.attached_pic = s.get("disposition").and_then(|d| d.get("attached_pic")).and_then(Value::as_i64) == Some(1);
        streams.push(st);
    }
    let first_video = streams.iter().find(|s| s.kind == StreamKind::Video && !s.attached_pic).map(|s| s.index);
    let origin = start_time.unwrap_or(0.0);
    let mut keys: Vec<(f64, f64)> = out
        .packets
        .iter()
        .filter(|p| int(p, "stream_index").map(|v| v as u32) == first_video && text(p, "flags").is_some_and(|f| f.contains('K')))
        .filter_map(|p| {
            let pts = num(p, "pts_time")?;
            let dts = num(p, "dts_time").unwrap_or(pts);
            Some((pts - origin, dts - origin))
        })
        .collect();
    keys.sort_by(|a, b| a.0.total_cmp(&b.0));
    keys.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9);
    Ok(MediaInfo {
        format_name: text(&format, "format_name"),
        format_long_name: text(&format, "format_long_name"),
        duration: num(&format, "duration"),
        start_time,
        size: int(&format, "size"),
        bit_rate: int(&format, "bit_rate"),
        streams,
        keyframes: keys.iter().map(|k| k.0).collect(),
        keyframe_dts: keys.iter().map(|k| k.1).collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_typical_mp4_with_odd_fields() {
        let json = r#"{"packets":[
            {"stream_index":0,"pts_time":"0.000000","dts_time":"-0.066667","flags":"K_"},
            {"stream_index":1,"pts_time":"0.000000","dts_time":"0.000000","flags":"K_"},
            {"stream_index":0,"pts_time":"0.133333","dts_time":"-0.033333","flags":"__"},
            {"stream_index":0,"pts_time":"1.000000","dts_time":"0.933333","flags":"K_"}],
          "streams":[
            {"index":0,"id":"0x1","codec_name":"h264","profile":"High","codec_type":"video","width":320,"height":180,
             "sample_aspect_ratio":"1:1","pix_fmt":"yuv420p","r_frame_rate":"30/1","avg_frame_rate":"30/1","time_base":"1/15360",
             "duration":"6.000000","nb_frames":"180","bit_rate":"N/A",
             "side_data_list":[{"side_data_type":"Display Matrix","rotation":-90}]},
            {"index":1,"id":"0x2","codec_name":"aac","codec_type":"audio","sample_rate":"48000","channels":2,"channel_layout":"stereo",
             "r_frame_rate":"0/0","avg_frame_rate":"0/0","time_base":"1/48000","duration":"6.000000"}],
          "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","start_time":"0.000000","duration":"6.000000","size":"1234","bit_rate":"N/A"}}"#;
        let m = parse(json).unwrap();
        assert_eq!(m.keyframes, vec![0.0, 1.0]);
        assert_eq!(m.keyframe_dts, vec![-0.066_667, 0.933_333]);
        let v = m.video().unwrap();
        assert_eq!((v.id, v.rotation, v.display_size()), (Some(1), Some(270), Some((180, 320))));
        assert_eq!(v.bit_rate, None);
        assert!(!v.variable_frame_rate);
        let a = m.audio().unwrap();
        assert_eq!((a.sample_rate, a.channels, a.frame_rate), (Some(48000), Some(2), None));
        assert_eq!(m.bit_rate, None);
    }

    #[test]
    fn empty_and_broken_output() {
        let m = parse("{}").unwrap();
        assert!(m.streams.is_empty() && m.keyframes.is_empty());
        assert!(parse("not json").is_err());
        let vfr = parse(r#"{"streams":[{"codec_type":"video","avg_frame_rate":"24/1","r_frame_rate":"30/1"}]}"#).unwrap();
        assert!(vfr.streams[0].variable_frame_rate);
    }
}
