//! What reel knows about a media file: parsed from one ffprobe run. Every field is
//! optional because real files lack fields that ffprobe usually prints.

use crate::Rational;
use serde::{Deserialize, Serialize};

/// One probed file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MediaInfo {
    /// ffprobe's `format_name`, e.g. `"mov,mp4,m4a,3gp,3g2,mj2"`.
    pub format_name: Option<String>,
    pub format_long_name: Option<String>,
    /// Container duration in seconds.
    pub duration: Option<f64>,
    /// Container start time in seconds (what `-ss` is relative to).
    pub start_time: Option<f64>,
    pub size: Option<u64>,
    /// When the file was last modified, nanoseconds since the Unix epoch, as the file
    /// system said when it was probed (the engine fills it in; part of the identity that
    /// cache keys and the end-of-export source check use).
    #[serde(default)]
    pub modified: Option<u64>,
    pub bit_rate: Option<u64>,
    pub streams: Vec<StreamInfo>,
    /// Keyframe times of the first video stream, in seconds from `start_time`, ascending.
    /// Read from packet flags, not by decoding. Empty when there is no video.
    pub keyframes: Vec<f64>,
    /// Decode timestamps of the same keyframes (same origin), for cutting stream copies:
    /// the concat demuxer's `outpoint` is compared with decode timestamps.
    #[serde(default)]
    pub keyframe_dts: Vec<f64>,
    /// Where the data of the first video stream (the audio stream, in a file without
    /// video) really ends, in seconds from `start_time`: the end of its last packet, read
    /// from the packet listing. A file cut short ends before its header says
    /// ([`MediaInfo::cut_short`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_end: Option<f64>,
}

/// A file whose data ends before the duration its header claims.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CutShort {
    /// What the header says, seconds.
    pub claimed: f64,
    /// Where the data ends, seconds.
    pub data_end: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StreamKind {
    Video,
    Audio,
    Subtitle,
    Data,
    Attachment,
    Other,
}

/// One stream of a probed file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StreamInfo {
    pub index: u32,
    /// The container's stream id (ffprobe `id`, e.g. the MP4 track id `0x1`), when it has one.
    #[serde(default)]
    pub id: Option<u64>,
    pub kind: StreamKind,
    pub codec: Option<String>,
    pub codec_tag: Option<String>,
    pub profile: Option<String>,
    pub pix_fmt: Option<String>,
    /// Coded width, before rotation.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub sar: Option<Rational>,
    /// Display rotation in degrees (counter-clockwise, 0/90/180/270) from the display matrix.
    pub rotation: Option<i32>,
    /// Average frame rate.
    pub frame_rate: Option<Rational>,
    /// ffprobe's `r_frame_rate` (the lowest rate that represents all timestamps).
    pub r_frame_rate: Option<Rational>,
    pub time_base: Option<Rational>,
    /// True when the stream's frame rate varies (`avg_frame_rate` and `r_frame_rate` differ).
    pub variable_frame_rate: bool,
    pub sample_rate: Option<u32>,
    pub channels: Option<u32>,
    pub channel_layout: Option<String>,
    pub bit_rate: Option<u64>,
    pub duration: Option<f64>,
    pub start_time: Option<f64>,
    pub nb_frames: Option<u64>,
    /// A cover picture (`attached_pic`), not a real video stream.
    pub attached_pic: bool,
    /// The codec level as ffprobe prints it (H.264: 31 for 3.1; HEVC: 30 × the level).
    #[serde(default)]
    pub level: Option<i64>,
    /// `progressive`, `tt`, `bb`, `tb`, `bt`; `None` when unknown.
    #[serde(default)]
    pub field_order: Option<String>,
    /// Colour signalling as ffprobe names it (`tv`, `bt709`, …); `None` when not signalled.
    #[serde(default)]
    pub color_range: Option<String>,
    #[serde(default)]
    pub color_space: Option<String>,
    #[serde(default)]
    pub color_transfer: Option<String>,
    #[serde(default)]
    pub color_primaries: Option<String>,
    /// The codec's configuration record (H.264 `avcC`, HEVC `hvcC`: its parameter sets), as
    /// lowercase hex, when the container has one.
    #[serde(default)]
    pub extradata: Option<String>,
    /// The encoder's own description of its settings, when it wrote one into the stream (an
    /// SEI message: x264's `x264 - core … - options: cabac=1 ref=3 …`, x265's
    /// `x265 (build …) … - options: …`): what a re-encode needs to reproduce its parameter
    /// sets.
    #[serde(default)]
    pub encoder_settings: Option<String>,
}

impl StreamInfo {
    pub fn new(index: u32, kind: StreamKind) -> Self {
        Self {
            index,
            id: None,
            kind,
            codec: None,
            codec_tag: None,
            profile: None,
            pix_fmt: None,
            width: None,
            height: None,
            sar: None,
            rotation: None,
            frame_rate: None,
            r_frame_rate: None,
            time_base: None,
            variable_frame_rate: false,
            sample_rate: None,
            channels: None,
            channel_layout: None,
            bit_rate: None,
            duration: None,
            start_time: None,
            nb_frames: None,
            attached_pic: false,
            level: None,
            field_order: None,
            color_range: None,
            color_space: None,
            color_transfer: None,
            color_primaries: None,
            extradata: None,
            encoder_settings: None,
        }
    }

    /// Width and height as displayed: swapped for a 90° or 270° rotation, SAR applied.
    pub fn display_size(&self) -> Option<(u32, u32)> {
        let (w, h) = (self.width?, self.height?);
        let w = match self.sar {
            Some(sar) if sar.num != sar.den => ((f64::from(w) * sar.as_f64()).round() as u32).max(1),
            _ => w,
        };
        let quarter_turn = matches!(self.rotation.map(|r| r.rem_euclid(360)), Some(90 | 270));
        Some(if quarter_turn { (h, w) } else { (w, h) })
    }
}

impl StreamInfo {
    /// The parameter sets in the configuration record ([`Self::extradata`]): H.264 SPS and
    /// PPS from an `avcC`, HEVC VPS, SPS and PPS from an `hvcC`, each a NAL unit, in the
    /// record's order. SEI messages a record may also hold (x265 puts its settings there)
    /// are left out: they do not decide how a frame decodes. `None` when there is no record
    /// or it cannot be read.
    pub fn parameter_sets(&self) -> Option<Vec<Vec<u8>>> {
        let bytes = hex::decode(self.extradata.as_deref()?).ok()?;
        match self.codec.as_deref() {
            Some("h264") => avcc_parameter_sets(&bytes),
            Some("hevc") => hvcc_parameter_sets(&bytes),
            _ => None,
        }
    }
}

/// SPS and PPS NAL units of an `avcC` (ISO/IEC 14496-15 §5.3.3.1).
fn avcc_parameter_sets(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    if b.first() != Some(&1) {
        return None;
    }
    let mut out = Vec::new();
    let mut pos = 5;
    for mask in [0x1f_u8, 0xff] {
        let count = b.get(pos)? & mask;
        pos += 1;
        for _ in 0..count {
            let len = usize::from(u16::from_be_bytes([*b.get(pos)?, *b.get(pos + 1)?]));
            out.push(b.get(pos + 2..pos + 2 + len)?.to_vec());
            pos += 2 + len;
        }
    }
    Some(out)
}

/// VPS, SPS and PPS NAL units of an `hvcC` (ISO/IEC 14496-15 §8.3.3.1), without its SEI arrays.
fn hvcc_parameter_sets(b: &[u8]) -> Option<Vec<Vec<u8>>> {
    if b.first() != Some(&1) {
        return None;
    }
    let mut out = Vec::new();
    let arrays = *b.get(22)?;
    let mut pos = 23;
    for _ in 0..arrays {
        let kind = b.get(pos)? & 0x3f;
        let count = u16::from_be_bytes([*b.get(pos + 1)?, *b.get(pos + 2)?]);
        pos += 3;
        for _ in 0..count {
            let len = usize::from(u16::from_be_bytes([*b.get(pos)?, *b.get(pos + 1)?]));
            let nal = b.get(pos + 2..pos + 2 + len)?;
            // 32 VPS, 33 SPS, 34 PPS; 39 and 40 are SEI.
            if (32..=34).contains(&kind) {
                out.push(nal.to_vec());
            }
            pos += 2 + len;
        }
    }
    Some(out)
}

/// Container formats reel refuses as sources: they make ffmpeg open other files or
/// generate media (playlists, concat lists, filter graphs).
pub const REFUSED_FORMATS: &[&str] = &["hls", "applehttp", "concat", "dash", "lavfi", "ffconcat", "tee"];

/// Extensions of files probed and read as still images (`-f image2 -pattern_type none`).
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg", "webp", "bmp"];

/// Demuxers reel lets ffmpeg use on sources (`-format_whitelist`).
pub const ALLOWED_DEMUXERS: &str = "mov,mp4,m4a,3gp,3g2,mj2,matroska,webm,avi,mpegts,flv,mp3,wav,w64,aiff,ogg,flac,aac,image2,png_pipe,jpeg_pipe,webp_pipe,bmp_pipe,tiff_pipe,gif,mjpeg,h264,hevc";

impl MediaInfo {
    /// The first real video stream (cover pictures do not count).
    pub fn video(&self) -> Option<&StreamInfo> {
        self.streams.iter().find(|s| s.kind == StreamKind::Video && !s.attached_pic)
    }

    pub fn audio(&self) -> Option<&StreamInfo> {
        self.streams.iter().find(|s| s.kind == StreamKind::Audio)
    }

    /// Whether the container format is one reel refuses (see [`REFUSED_FORMATS`]).
    pub fn refused_format(&self) -> Option<&str> {
        let name = self.format_name.as_deref()?;
        name.split(',').find(|n| REFUSED_FORMATS.contains(n))
    }

    /// The best known duration: the container's, else the longest stream's.
    pub fn best_duration(&self) -> Option<f64> {
        self.duration
            .filter(|d| d.is_finite() && *d > 0.0)
            .or_else(|| self.streams.iter().filter_map(|s| s.duration).fold(None, |m, d| Some(m.map_or(d, |m: f64| m.max(d)))))
    }

    /// The stream whose packets [`MediaInfo::data_end`] measures: the first video stream,
    /// else the first audio stream.
    pub fn listed_stream(&self) -> Option<&StreamInfo> {
        self.video().or_else(|| self.audio())
    }

    /// The header's duration against where the data ends, when the data ends too early:
    /// a file cut short (a copy interrupted, a download not finished) whose header still
    /// claims the whole length. The claim is the listed stream's own duration where the
    /// container states one (MP4, MOV, MP3: exact, so a few packets' tolerance), else the
    /// container's (1 s of tolerance: its audio may run a little longer than its video).
    pub fn cut_short(&self) -> Option<CutShort> {
        let data_end = self.data_end?;
        let stream = self.listed_stream()?;
        let origin = self.start_time.unwrap_or(0.0);
        let (claimed, tolerance) = match stream.duration.filter(|d| *d > 0.0) {
            Some(d) => {
                let period = stream.frame_rate.filter(|r| r.num > 0 && stream.kind == StreamKind::Video).map_or(0.05, Rational::period);
                (stream.start_time.map_or(0.0, |s| s - origin) + d, (3.0 * period).max(0.1))
            }
            None => (self.duration.filter(|d| *d > 0.0)?, 1.0),
        };
        (claimed - data_end > tolerance).then_some(CutShort { claimed, data_end })
    }

    /// True for a still image (a single-frame picture format).
    pub fn is_still_image(&self) -> bool {
        let image_format = self.format_name.as_deref().is_some_and(|f| f.ends_with("_pipe") || f == "image2" || f == "gif");
        image_format && self.video().is_some_and(|v| v.nb_frames.unwrap_or(1) <= 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_sets_of_an_avcc_and_an_hvcc() {
        let mut v = StreamInfo::new(0, StreamKind::Video);
        v.codec = Some("h264".into());
        // x264's High-profile avcC for 320x180: one SPS (26 bytes), one PPS (5 bytes).
        v.extradata =
            Some("0164000dffe1001a6764000dacd941419f9f011000000300100000030 3c0f1429960010005 68ef86f2c0fdf8f800".replace(' ', ""));
        let sets = v.parameter_sets().unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!((sets[0][0] & 0x1f, sets[0].len(), sets[1][0] & 0x1f, sets[1].len()), (7, 26, 8, 5));
        // An hvcC with a VPS, an SPS, a PPS and an SEI array: the SEI is left out.
        let mut hvcc = vec![1_u8];
        hvcc.extend([0; 21]);
        hvcc.push(4);
        for (kind, nal) in [(32_u8, vec![0x40, 1]), (33, vec![0x42, 1, 2]), (34, vec![0x44, 1]), (39, vec![0x4e, 1, 5])] {
            hvcc.extend([0x80 | kind, 0, 1, 0, u8::try_from(nal.len()).unwrap()]);
            hvcc.extend(nal);
        }
        v.codec = Some("hevc".into());
        v.extradata = Some(hex::encode(&hvcc));
        assert_eq!(v.parameter_sets().unwrap(), vec![vec![0x40, 1], vec![0x42, 1, 2], vec![0x44, 1]]);
        // Truncated or absent: unknown, not a panic.
        v.extradata = Some(hex::encode(&hvcc[..30]));
        assert_eq!(v.parameter_sets(), None);
        v.extradata = None;
        assert_eq!(v.parameter_sets(), None);
    }
}
