//! Parsing ffprobe's output into [`MediaInfo`]: its JSON (`-show_format -show_streams`, as
//! [`crate::args::ffprobe_args`] asks for it) and, for keyframes, the CSV packet listing
//! of the video stream ([`crate::args::ffprobe_keyframe_args`]).
//!
//! Every field is optional: real files lack fields ffprobe usually prints, numbers come as
//! strings or as JSON numbers, and `"N/A"`, `""` and `"0/0"` mean unknown. Nothing here
//! fails on a missing or odd field; only output that is not a JSON object is refused.
//!
//! # Conventions
//! - **Rotation** ([`StreamInfo::rotation`]) is the angle, in degrees counter-clockwise,
//!   by which the coded picture is turned for display, normalised to 0, 90, 180 or 270
//!   (the nearest quarter turn). It is read from the display matrix in `side_data_list`
//!   (ffprobe prints the matrix's counter-clockwise angle, so `-90`, a picture turned 90°
//!   clockwise, becomes 270), else from the legacy `rotate` tag, which counts clockwise
//!   (`rotate=90` also becomes 270). A quarter turn swaps width and height in
//!   [`StreamInfo::display_size`]; the direction matters only to whoever applies it, and
//!   ffmpeg applies it itself when it decodes (autorotate).
//! - **Variable frame rate**: a video stream whose `avg_frame_rate` and `r_frame_rate` are
//!   both known and differ (compared exactly, as reduced fractions).
//! - **Keyframes**: the `pts_time` (or `dts_time` when there is no pts) of the packets of
//!   the first real video stream (cover pictures do not count) whose `flags` contain `K`,
//!   minus the container's `start_time`, ascending, without duplicates. They come from the
//!   packet listing (read as it streams, keyframes kept: memory does not grow with the
//!   file's length); nothing is decoded.

use crate::media::{MediaInfo, StreamInfo, StreamKind};
use crate::Rational;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::io::{BufRead, BufReader, Read};

/// ffprobe printed something that is not its JSON.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ffprobe's output is not the JSON reel expects ({reason}); check that the ffprobe in use is a real ffprobe 5.1 or newer (`reel doctor` shows which one reel found)")]
pub struct FfprobeParseError {
    /// What was wrong with the text, from the JSON parser.
    pub reason: String,
}

/// Parses the JSON that [`crate::args::ffprobe_args`] (or
/// [`crate::args::ffprobe_image_args`]) makes ffprobe print. Keyframes are left empty.
pub fn parse(json: &str) -> Result<MediaInfo, FfprobeParseError> {
    if !json.trim_start().starts_with('{') {
        let reason = if json.trim().is_empty() { "it printed nothing" } else { "it does not start with a JSON object" };
        return Err(FfprobeParseError { reason: reason.to_owned() });
    }
    let out: Output = serde_json::from_str(json).map_err(|e| FfprobeParseError { reason: e.to_string() })?;
    let empty = Map::new();
    let format = out.format.as_ref().and_then(Value::as_object).unwrap_or(&empty);
    let start_time = num(format, "start_time");

    let stream_maps: Vec<&Map<String, Value>> =
        out.streams.as_ref().and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_object).collect()).unwrap_or_default();
    let streams: Vec<StreamInfo> = stream_maps.iter().enumerate().map(|(i, s)| stream(i, s)).collect();

    Ok(MediaInfo {
        format_name: text(format, "format_name"),
        format_long_name: text(format, "format_long_name"),
        duration: num(format, "duration").filter(|d| *d >= 0.0),
        start_time,
        size: int(format, "size"),
        // The file system's, filled in by whoever read the file.
        modified: None,
        bit_rate: int(format, "bit_rate"),
        streams,
        // Filled in from the packet listing (`keyframes_from_csv`) where wanted.
        keyframes: Vec::new(),
        keyframe_dts: Vec::new(),
        // From the packet listing, where wanted.
        data_end: None,
    })
}

fn stream(position: usize, s: &Map<String, Value>) -> StreamInfo {
    let kind = match text(s, "codec_type").as_deref() {
        Some("video") => StreamKind::Video,
        Some("audio") => StreamKind::Audio,
        Some("subtitle") => StreamKind::Subtitle,
        Some("data") => StreamKind::Data,
        Some("attachment") => StreamKind::Attachment,
        _ => StreamKind::Other,
    };
    let index = int(s, "index").and_then(|v| u32::try_from(v).ok()).unwrap_or(position as u32);
    let mut st = StreamInfo::new(index, kind);
    st.id = text(s, "id").and_then(|t| {
        let t = t.trim();
        match t.strip_prefix("0x").or_else(|| t.strip_prefix("0X")) {
            Some(hex) => u64::from_str_radix(hex, 16).ok(),
            None => t.parse().ok(),
        }
    });
    st.codec = text(s, "codec_name");
    st.codec_tag = text(s, "codec_tag_string");
    st.profile = text(s, "profile");
    st.pix_fmt = text(s, "pix_fmt");
    st.width = positive_u32(s, "width");
    st.height = positive_u32(s, "height");
    st.sar = rational(s, "sample_aspect_ratio");
    st.rotation = rotation(s);
    st.frame_rate = rational(s, "avg_frame_rate");
    st.r_frame_rate = rational(s, "r_frame_rate");
    st.time_base = rational(s, "time_base");
    st.variable_frame_rate = kind == StreamKind::Video && matches!((st.frame_rate, st.r_frame_rate), (Some(a), Some(r)) if a != r);
    st.sample_rate = positive_u32(s, "sample_rate");
    st.channels = positive_u32(s, "channels");
    st.channel_layout = text(s, "channel_layout");
    st.bit_rate = int(s, "bit_rate");
    st.duration = num(s, "duration").filter(|d| *d >= 0.0);
    st.start_time = num(s, "start_time");
    st.nb_frames = int(s, "nb_frames");
    st.attached_pic = s.get("disposition").and_then(Value::as_object).is_some_and(|d| flag(d.get("attached_pic")));
    st.level = text(s, "level").and_then(|l| l.trim().parse::<i64>().ok()).filter(|l| *l > 0);
    st.field_order = text(s, "field_order");
    st.color_range = text(s, "color_range");
    st.color_space = text(s, "color_space");
    st.color_transfer = text(s, "color_transfer");
    st.color_primaries = text(s, "color_primaries");
    st.extradata = text(s, "extradata").map(|dump| hex::encode(hexdump_bytes(&dump))).filter(|h| !h.is_empty());
    if let Some(bytes) = st.extradata.as_deref().and_then(|h| hex::decode(h).ok()) {
        // x265 writes its settings into the configuration record's SEI; x264 into the first
        // frame (read by the engine).
        st.encoder_settings = encoder_settings(&bytes);
    }
    st
}

/// The bytes of ffprobe's `-show_data` hex dump (`00000000: 0164 000d ffe1 …  .d..`): the
/// hex columns of each line, without the offsets and the ASCII column.
pub fn hexdump_bytes(dump: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for line in dump.lines() {
        let Some((offset, rest)) = line.split_once(": ") else { continue };
        if offset.len() != 8 || !offset.bytes().all(|b| b.is_ascii_hexdigit()) {
            continue;
        }
        // 16 bytes as 8 groups of 4 hex digits, each followed by a space: 40 characters.
        let columns: String = rest.chars().take(40).filter(char::is_ascii_hexdigit).collect();
        out.extend((0..columns.len() / 2).filter_map(|i| u8::from_str_radix(&columns[2 * i..2 * i + 2], 16).ok()));
    }
    out
}

/// The settings text an x264 or x265 encoder wrote into a stream (an SEI message of user
/// data), found in `bytes` (a configuration record or the first frame): from its
/// `x264 - core` or `x265 (build` to the first byte that is not printable text.
pub fn encoder_settings(bytes: &[u8]) -> Option<String> {
    let start = [b"x264 - core".as_slice(), b"x265 (build".as_slice()]
        .iter()
        .filter_map(|needle| bytes.windows(needle.len()).position(|w| w == *needle))
        .min()?;
    let text: Vec<u8> = bytes[start..].iter().take_while(|b| (0x20..0x7f).contains(*b)).copied().collect();
    String::from_utf8(text).ok().filter(|t| t.contains("options:"))
}

/// A string or number field as text; `"N/A"`, empty strings and other types are unknown.
fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    match map.get(key)? {
        Value::String(s) if !is_unknown(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn is_unknown(s: &str) -> bool {
    let s = s.trim();
    s.is_empty() || s.eq_ignore_ascii_case("N/A") || s.eq_ignore_ascii_case("unknown")
}

fn num(map: &Map<String, Value>, key: &str) -> Option<f64> {
    text(map, key)?.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

/// A non-negative whole number; `"128000"`, `128000` and `128000.0` all read as 128000.
fn int(map: &Map<String, Value>, key: &str) -> Option<u64> {
    let t = text(map, key)?;
    let t = t.trim();
    t.parse::<u64>().ok().or_else(|| {
        let v: f64 = t.parse().ok()?;
        (0.0..1.8e19).contains(&v).then(|| v.round() as u64)
    })
}

fn positive_u32(map: &Map<String, Value>, key: &str) -> Option<u32> {
    int(map, key).filter(|v| *v > 0).and_then(|v| u32::try_from(v).ok())
}

/// `"30000/1001"`, `"1:1"` (aspect ratios), `"25"`; `"0/0"` is unknown.
fn rational(map: &Map<String, Value>, key: &str) -> Option<Rational> {
    Rational::parse(&text(map, key)?.replace(':', "/"))
}

fn flag(v: Option<&Value>) -> bool {
    match v {
        Some(Value::Number(n)) => n.as_f64().is_some_and(|n| n != 0.0),
        Some(Value::String(s)) => matches!(s.trim(), "1" | "true"),
        Some(Value::Bool(b)) => *b,
        _ => false,
    }
}

fn as_degrees(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|d: &f64| d.is_finite())
}

/// Counter-clockwise degrees to the nearest quarter turn: 0, 90, 180 or 270.
fn quarter_turn(ccw: f64) -> i32 {
    ((ccw / 90.0).round() as i64).rem_euclid(4) as i32 * 90
}

/// See the module documentation for the convention.
fn rotation(s: &Map<String, Value>) -> Option<i32> {
    let from_matrix = s
        .get("side_data_list")
        .and_then(Value::as_array)
        .and_then(|list| list.iter().filter_map(Value::as_object).find_map(|side| side.get("rotation").and_then(as_degrees)));
    if let Some(ccw) = from_matrix {
        return Some(quarter_turn(ccw));
    }
    let clockwise = s.get("tags").and_then(Value::as_object).and_then(|t| t.get("rotate")).and_then(as_degrees)?;
    Some(quarter_turn(-clockwise))
}

// ---------------------------------------------------------------------------------------
// The top level, read leniently.
// ---------------------------------------------------------------------------------------

#[derive(Deserialize)]
struct Output {
    #[serde(default)]
    format: Option<Value>,
    #[serde(default)]
    streams: Option<Value>,
}

// ---------------------------------------------------------------------------------------
// Keyframes, from the packet listing in CSV.
// ---------------------------------------------------------------------------------------

/// Keyframe packets from the CSV listing that [`crate::args::ffprobe_packet_args`] makes
/// ffprobe print (one `stream_index,pts_time,dts_time,duration_time,flags` line per
/// packet), read line by line as it streams: only keyframes are kept, and the last lines,
/// for where each stream's data ends. Lines that do not parse are skipped (ffprobe prints
/// `N/A` for unknown times).
pub fn keyframes_from_csv(reader: impl Read) -> Result<KeyframeListing, FfprobeParseError> {
    let mut packets = Vec::new();
    let mut reader = BufReader::new(reader);
    let mut buffer = String::new();
    // The last lines, for the data's end: with B-frames the packet shown last is among
    // the last few decoded, never further back than a reorder window.
    let mut tail: Vec<String> = vec![String::new(); TAIL_PACKETS];
    let mut next = 0;
    loop {
        buffer.clear();
        if reader.read_line(&mut buffer).map_err(|e| FfprobeParseError { reason: e.to_string() })? == 0 {
            break;
        }
        // The flags decide first: most packets are not keyframes, their times are not read.
        if let Some((_, flags)) = buffer.trim_end().rsplit_once(',') {
            if flags.contains('K') {
                if let Some(p) = packet(&buffer) {
                    packets.push((p.stream, p.pts, p.dts));
                }
            }
        }
        std::mem::swap(&mut buffer, &mut tail[next]);
        next = (next + 1) % TAIL_PACKETS;
    }
    let mut ends: Vec<(u32, f64)> = Vec::new();
    for p in tail.iter().filter_map(|line| packet(line)) {
        let end = p.pts + p.duration;
        match ends.iter_mut().find(|(s, _)| *s == p.stream) {
            Some((_, e)) => *e = e.max(end),
            None => ends.push((p.stream, end)),
        }
    }
    Ok(KeyframeListing { keyframes: packets, ends })
}

/// How many of the last packets are looked at for where the data ends.
const TAIL_PACKETS: usize = 32;

/// One line of the packet listing.
struct Packet {
    stream: u32,
    /// Presentation time (the decode time when there is none).
    pts: f64,
    dts: f64,
    /// 0 when unknown.
    duration: f64,
}

fn packet(line: &str) -> Option<Packet> {
    let time = |field: &str| Some(field.trim()).filter(|f| !is_unknown(f)).and_then(|f| f.parse::<f64>().ok()).filter(|v| v.is_finite());
    let mut fields = line.trim_end().split(',');
    let stream = fields.next()?.trim().parse::<u32>().ok()?;
    let (pts, dts, duration) = (time(fields.next()?), time(fields.next()?), fields.next().and_then(time));
    let pts = pts.or(dts)?;
    Some(Packet { stream, pts, dts: dts.unwrap_or(pts), duration: duration.unwrap_or(0.0).max(0.0) })
}

/// The keyframe packets of the listed streams (`(stream index, pts, dts)`), and where each
/// stream's data ends (`(stream index, end of its last packet)`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct KeyframeListing {
    pub keyframes: Vec<(u32, f64, f64)>,
    pub ends: Vec<(u32, f64)>,
}

impl KeyframeListing {
    /// The keyframes of one stream relative to `origin` (the container's start time), as
    /// `(pts, dts)` lists ascending by pts, without duplicates; a packet without pts uses
    /// its dts.
    pub fn of(&self, stream: u32, origin: f64) -> (Vec<f64>, Vec<f64>) {
        let mut keys: Vec<(f64, f64)> = self.keyframes.iter().filter(|p| p.0 == stream).map(|p| (p.1 - origin, p.2 - origin)).collect();
        keys.sort_by(|a, b| a.0.total_cmp(&b.0));
        keys.dedup_by(|a, b| (a.0 - b.0).abs() < 1e-9);
        keys.into_iter().unzip()
    }

    /// Where one stream's data ends, relative to `origin`.
    pub fn end_of(&self, stream: u32, origin: f64) -> Option<f64> {
        self.ends.iter().find(|(s, _)| *s == stream).map(|(_, end)| end - origin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_typical_mp4_with_odd_fields() {
        let json = r#"{"streams":[
            {"index":0,"id":"0x1","codec_name":"h264","profile":"High","codec_type":"video","width":320,"height":180,
             "sample_aspect_ratio":"1:1","pix_fmt":"yuv420p","r_frame_rate":"30/1","avg_frame_rate":"30/1","time_base":"1/15360",
             "duration":"6.000000","nb_frames":"180","bit_rate":"N/A",
             "side_data_list":[{"side_data_type":"Display Matrix","displaymatrix":"\n00000000:            0       65536           0\n","rotation":-90}]},
            {"index":1,"id":"0x2","codec_name":"aac","codec_type":"audio","sample_rate":"48000","channels":2,"channel_layout":"stereo",
             "r_frame_rate":"0/0","avg_frame_rate":"0/0","time_base":"1/48000","duration":"6.000000","bit_rate":"128000"}],
          "format":{"format_name":"mov,mp4,m4a,3gp,3g2,mj2","start_time":"0.000000","duration":"6.000000","size":"1234","bit_rate":"N/A"}}"#;
        let m = parse(json).unwrap();
        assert!(m.keyframes.is_empty(), "keyframes come from the packet listing");
        let v = m.video().unwrap();
        assert_eq!((v.id, v.rotation, v.display_size()), (Some(1), Some(270), Some((180, 320))));
        assert_eq!((v.codec.as_deref(), v.profile.as_deref(), v.pix_fmt.as_deref()), (Some("h264"), Some("High"), Some("yuv420p")));
        assert_eq!((v.frame_rate, v.time_base, v.sar), (Rational::new(30, 1), Rational::new(1, 15360), Rational::new(1, 1)));
        assert_eq!((v.bit_rate, v.nb_frames, v.duration), (None, Some(180), Some(6.0)));
        assert!(!v.variable_frame_rate);
        let a = m.audio().unwrap();
        assert_eq!((a.sample_rate, a.channels, a.frame_rate, a.bit_rate), (Some(48000), Some(2), None, Some(128_000)));
        assert_eq!(a.channel_layout.as_deref(), Some("stereo"));
        assert!(!a.variable_frame_rate, "audio has no frame rate to vary");
        assert_eq!((m.bit_rate, m.size, m.duration), (None, Some(1234), Some(6.0)));
        assert_eq!(m.format_name.as_deref(), Some("mov,mp4,m4a,3gp,3g2,mj2"));
    }

    #[test]
    fn empty_and_broken_output() {
        let m = parse("{}").unwrap();
        assert!(m.streams.is_empty() && m.keyframes.is_empty() && m.duration.is_none());
        // What ffprobe prints when it failed to open the file.
        assert!(parse("{\n\n}\n").unwrap().streams.is_empty());
        for bad in ["not json", "", "[]", "null", "42", "{\"streams\":[", "{} trailing"] {
            let e = parse(bad).unwrap_err();
            assert!(e.to_string().contains("ffprobe"), "{bad:?}: {e}");
        }
    }

    #[test]
    fn odd_values_are_unknown_not_errors() {
        let json = r#"{"format":{"duration":"N/A","start_time":"","size":12.0,"bit_rate":"-5","format_name":null},
          "streams":[{"codec_type":"video","width":"0","height":"N/A","sample_aspect_ratio":"0:1","avg_frame_rate":"0/0",
                      "r_frame_rate":"25/1","time_base":"N/A","index":"3","tags":{"rotate":"90"},"nb_frames":"abc"},
                     "not an object",
                     {"codec_type":"weird","index":-1,"disposition":{"attached_pic":"1"}},
                     {}],
          "chapters":null}"#;
        let m = parse(json).unwrap();
        assert_eq!((m.duration, m.start_time, m.size, m.bit_rate, m.format_name.as_deref()), (None, None, Some(12), None, None));
        assert_eq!(m.streams.len(), 3, "a stream that is not an object is skipped");
        let v = &m.streams[0];
        assert_eq!((v.index, v.width, v.height, v.sar, v.frame_rate, v.time_base, v.nb_frames), (3, None, None, None, None, None, None));
        assert!(!v.variable_frame_rate, "an unknown average rate is not a difference");
        assert_eq!(v.rotation, Some(270), "rotate=90 (clockwise) is 270 counter-clockwise");
        assert_eq!(v.display_size(), None);
        // A missing or negative index falls back to the stream's position in the list.
        assert_eq!((m.streams[1].kind, m.streams[1].index, m.streams[1].attached_pic), (StreamKind::Other, 1, true));
        assert_eq!((m.streams[2].kind, m.streams[2].index), (StreamKind::Other, 2));
        // Fields reel does not read, whatever their shape, are ignored.
        for other in ["{}", "\"x\"", "1", "true", "[1,2]"] {
            assert!(parse(&format!("{{\"packets\":{other}}}")).is_ok(), "{other}");
        }
    }

    #[test]
    fn variable_frame_rate_needs_both_rates_and_a_difference() {
        let vfr = |avg: &str, r: &str| {
            parse(&format!(r#"{{"streams":[{{"codec_type":"video","avg_frame_rate":"{avg}","r_frame_rate":"{r}"}}]}}"#)).unwrap().streams[0]
                .variable_frame_rate
        };
        assert!(vfr("24/1", "30/1"));
        assert!(vfr("2997/100", "30000/1001"));
        assert!(!vfr("60/2", "30/1"), "equal after reducing");
        assert!(!vfr("0/0", "30/1"));
        assert!(!vfr("30/1", "N/A"));
    }

    #[test]
    fn rotation_is_normalised_to_quarter_turns() {
        let rot = |side: &str| {
            parse(&format!(r#"{{"streams":[{{"codec_type":"video","width":1920,"height":1080,{side}}}]}}"#)).unwrap().streams[0].clone()
        };
        let matrix = |r: &str| {
            format!(r#""side_data_list":[{{"side_data_type":"CPB properties"}},{{"side_data_type":"Display Matrix","rotation":{r}}}]"#)
        };
        assert_eq!(rot(&matrix("-90")).rotation, Some(270));
        assert_eq!(rot(&matrix("90")).rotation, Some(90));
        assert_eq!(rot(&matrix("180")).rotation, Some(180));
        assert_eq!(rot(&matrix("-180")).rotation, Some(180));
        assert_eq!(rot(&matrix("-270")).rotation, Some(90));
        assert_eq!(rot(&matrix("360")).rotation, Some(0));
        assert_eq!(rot(&matrix("89.7")).rotation, Some(90));
        assert_eq!(rot(&matrix("\"-90.00\"")).rotation, Some(270));
        assert_eq!(rot(&matrix("-90")).display_size(), Some((1080, 1920)));
        assert_eq!(rot(&matrix("180")).display_size(), Some((1920, 1080)));
        // The display matrix wins over the legacy tag.
        assert_eq!(rot(&format!(r#"{},"tags":{{"rotate":"180"}}"#, matrix("90"))).rotation, Some(90));
        assert_eq!(rot(r#""tags":{"rotate":"270"}"#).rotation, Some(90));
        assert_eq!(rot(r#""tags":{"rotate":-90}"#).rotation, Some(90));
        assert_eq!(rot(r#""tags":{"rotate":"sideways"}"#).rotation, None);
        assert_eq!(rot(r#""side_data_list":[{"side_data_type":"Display Matrix"}]"#).rotation, None);
        assert_eq!(rot(r#""side_data_list":"oops""#).rotation, None);
    }

    #[test]
    fn keyframes_from_the_csv_packet_listing_relative_to_start_time() {
        // What `ffprobe -select_streams v -show_entries packet=stream_index,pts_time,dts_time,flags
        // -print_format csv=p=0` prints, start time 1.4 s: stream 0 a cover picture, stream 1
        // the video, out of order (B-frames), a duplicate, a packet without pts, one without
        // any time, non-key packets, lines that are not packets.
        let csv = "0,0.0,0.0,N/A,K_\n1,3.400000,3.333333,0.033333,K_\n1,1.400000,1.333333,0.033333,K__\n1,1.400000,1.333333,0.033333,K_\n1,N/A,2.4,0.033333,KD\n1,1.5,1.466667,0.033333,__\n1,N/A,N/A,0.033333,K_\n\ngarbage\nx,1,1,0.1,K_\n";
        let listing = keyframes_from_csv(csv.as_bytes()).unwrap();
        let (pts, dts) = listing.of(1, 1.4);
        let round = |v: &[f64]| v.iter().map(|k| (k * 1e6).round() / 1e6).collect::<Vec<_>>();
        assert_eq!(round(&pts), vec![0.0, 1.0, 2.0]);
        assert_eq!(round(&dts), vec![-0.066_667, 1.0, 1.933_333]);
        assert_eq!(listing.of(0, 0.0), (vec![0.0], vec![0.0]));
        assert_eq!(keyframes_from_csv(&b""[..]).unwrap().of(1, 0.0), (vec![], vec![]));
        // Where the data ends: the end of the packet shown last.
        assert!((listing.end_of(1, 1.4).unwrap() - 2.033_333).abs() < 1e-6, "{listing:?}");
        assert_eq!(listing.end_of(0, 0.0), Some(0.0), "no duration: the packet's time");
        assert_eq!(listing.end_of(7, 0.0), None);
    }

    #[test]
    fn the_data_ends_where_the_last_shown_packet_ends() {
        // 300 packets of 30 fps video in decode order with B-frames (I P B B ...): the
        // last decoded is not the last shown.
        let mut csv = String::new();
        for n in 0..300_u32 {
            let shown = match n % 3 {
                0 => n + 2,
                _ => n - 1,
            };
            let flags = if n % 30 == 0 { "K_" } else { "__" };
            csv.push_str(&format!("0,{:.6},{:.6},0.033333,{flags}\n", f64::from(shown) / 30.0, f64::from(n) / 30.0));
        }
        let listing = keyframes_from_csv(csv.as_bytes()).unwrap();
        assert_eq!(listing.of(0, 0.0).0.len(), 10);
        let end = listing.end_of(0, 0.0).unwrap();
        assert!((end - (299.0 / 30.0 + 0.033_333)).abs() < 1e-6, "{end}");
    }

    #[test]
    fn a_still_image() {
        let json = r#"{"streams":[{"index":0,"codec_name":"png","codec_type":"video","width":32,"height":18,"pix_fmt":"rgb24",
            "r_frame_rate":"25/1","avg_frame_rate":"25/1","time_base":"1/25","duration":"0.040000","nb_frames":"N/A"}],
            "format":{"format_name":"image2","duration":"0.040000","size":"97"}}"#;
        let m = parse(json).unwrap();
        assert!(m.is_still_image());
        assert!(m.keyframes.is_empty());
    }
}
