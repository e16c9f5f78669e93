//! `reel probe FILE`: what reel knows about a media file, from one ffprobe run: the
//! container, every stream, and the keyframes, as a table or as JSON (`MediaInfo`).

use super::{print_json, print_out, tools, Result};
use crate::{Cli, ProbeArgs};
use reel_core::media::{MediaInfo, StreamInfo, StreamKind};
use reel_core::time::format_clock;
use reel_core::validate::fmt_s;

/// How many keyframe times the table shows.
const KEYFRAMES_SHOWN: usize = 10;

pub(crate) fn run(cli: &Cli, args: &ProbeArgs) -> Result {
    let tools = tools(cli)?;
    let info = reel_engine::probe(&tools.ffprobe, &args.file)?;
    if args.json {
        print_json(&info)
    } else {
        print_out(&render(&args.file.display().to_string(), &info))
    }
}

fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "-".to_owned())
}

fn kbps(bits: u64) -> String {
    format!("{} kb/s", (bits + 500) / 1000)
}

/// The human table.
pub(crate) fn render(name: &str, m: &MediaInfo) -> String {
    let mut s = format!("file       {name}\n");
    let container = match (&m.format_name, &m.format_long_name) {
        (Some(n), Some(l)) => format!("{n} ({l})"),
        (n, _) => or_dash(n.clone()),
    };
    s.push_str(&format!("container  {container}\n"));
    s.push_str(&format!("duration   {}\n", or_dash(m.duration.map(|d| format!("{} s ({})", fmt_s(d), format_clock(d))))));
    if let Some(start) = m.start_time.filter(|t| *t != 0.0) {
        s.push_str(&format!("start      {} s\n", fmt_s(start)));
    }
    s.push_str(&format!("size       {}\n", or_dash(m.size.map(|b| format!("{b} bytes ({:.2} MB)", b as f64 / 1e6)))));
    s.push_str(&format!("bit rate   {}\n", or_dash(m.bit_rate.map(kbps))));
    for st in &m.streams {
        s.push_str(&format!("stream {:<3} {}\n", st.index, stream_line(st)));
    }
    if m.video().is_some() && !m.is_still_image() {
        let shown: Vec<String> = m.keyframes.iter().take(KEYFRAMES_SHOWN).map(|k| format!("{k:.3}")).collect();
        let more = if m.keyframes.len() > KEYFRAMES_SHOWN { ", ..." } else { "" };
        let list = if shown.is_empty() { String::new() } else { format!(" at {} s{more}", shown.join(", ")) };
        s.push_str(&format!("keyframes  {}{list}\n", m.keyframes.len()));
    }
    s
}

fn stream_line(st: &StreamInfo) -> String {
    let kind = match st.kind {
        StreamKind::Video if st.attached_pic => "cover picture",
        StreamKind::Video => "video",
        StreamKind::Audio => "audio",
        StreamKind::Subtitle => "subtitle",
        StreamKind::Data => "data",
        StreamKind::Attachment => "attachment",
        StreamKind::Other => "other",
    };
    let mut parts = vec![format!("{kind} {}", or_dash(st.codec.clone()))];
    if let Some(p) = &st.profile {
        parts[0].push_str(&format!(" ({p})"));
    }
    if let Some(pix) = &st.pix_fmt {
        parts.push(pix.clone());
    }
    if let (Some(w), Some(h)) = (st.width, st.height) {
        let mut size = format!("{w}x{h}");
        if let Some(sar) = st.sar {
            size.push_str(&format!(" SAR {}:{}", sar.num, sar.den));
        }
        if let Some(r) = st.rotation {
            size.push_str(&format!(", rotation {r}° counter-clockwise"));
        }
        if let Some((dw, dh)) = st.display_size().filter(|d| *d != (w, h)) {
            size.push_str(&format!(" (shown as {dw}x{dh})"));
        }
        parts.push(size);
    }
    if st.kind == StreamKind::Video && !st.attached_pic {
        let rate = st.frame_rate.or(st.r_frame_rate).map(|r| format!("{r} fps"));
        let vfr = if st.variable_frame_rate {
            format!(
                " (variable: average {}, base {})",
                or_dash(st.frame_rate.map(|r| r.to_string())),
                or_dash(st.r_frame_rate.map(|r| r.to_string()))
            )
        } else {
            String::new()
        };
        parts.push(format!("{}{vfr}", or_dash(rate)));
    }
    if let Some(tb) = st.time_base {
        parts.push(format!("time base {tb}"));
    }
    if let Some(rate) = st.sample_rate {
        parts.push(format!("{rate} Hz"));
    }
    if st.channels.is_some() || st.channel_layout.is_some() {
        let channels = st.channels.map_or_else(|| "?".to_owned(), |c| format!("{c} channel{}", if c == 1 { "" } else { "s" }));
        parts.push(match &st.channel_layout {
            Some(layout) => format!("{channels} ({layout})"),
            None => channels,
        });
    }
    if let Some(b) = st.bit_rate {
        parts.push(kbps(b));
    }
    if let Some(d) = st.duration {
        parts.push(format!("{} s", fmt_s(d)));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_of_a_rotated_vfr_clip() {
        let json = r#"{"format":{"format_name":"mov,mp4","format_long_name":"QuickTime / MOV","duration":"2.5","size":"2500000","bit_rate":"8000000"},
          "streams":[{"index":0,"codec_type":"video","codec_name":"h264","profile":"High","pix_fmt":"yuv420p","width":1920,"height":1080,
                      "sample_aspect_ratio":"1:1","avg_frame_rate":"2997/100","r_frame_rate":"30/1","time_base":"1/600",
                      "side_data_list":[{"rotation":-90}]},
                     {"index":1,"codec_type":"audio","codec_name":"aac","sample_rate":"44100","channels":1,"channel_layout":"mono","bit_rate":"64000"}]}"#;
        let mut m = reel_core::ffprobe::parse(json).unwrap();
        (m.keyframes, m.keyframe_dts) = (vec![0.0, 1.0], vec![0.0, 1.0]);
        let table = render("clip.mov", &m);
        assert_eq!(
            table,
            "file       clip.mov\n\
             container  mov,mp4 (QuickTime / MOV)\n\
             duration   2.5 s (00:00:02.500)\n\
             size       2500000 bytes (2.50 MB)\n\
             bit rate   8000 kb/s\n\
             stream 0   video h264 (High), yuv420p, 1920x1080 SAR 1:1, rotation 270° counter-clockwise (shown as 1080x1920), 2997/100 fps (variable: average 2997/100, base 30), time base 1/600\n\
             stream 1   audio aac, 44100 Hz, 1 channel (mono), 64 kb/s\n\
             keyframes  2 at 0.000, 1.000 s\n"
        );
    }
}
