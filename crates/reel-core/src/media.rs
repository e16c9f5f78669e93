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
