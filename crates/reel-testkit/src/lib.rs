//! Test fixtures for reel: short source clips generated with ffmpeg's own lavfi sources,
//! whose every frame carries its identity in the picture and whose audio marks time, and
//! readers that recover both from an export.
//!
//! Picture: the bottom half is a grid of 8x4 black/white cells holding 32 bits: the frame
//! number (bits 0-15), the source id (16-23) and a check byte (24-31: 255 minus the frame
//! number's low byte), so gaps and damaged frames read as `None`. Cells are large enough to
//! survive lossy encoding, scaling to a quarter and letterboxing. The top half is flat grey
//! (luma 128) for overlays to be detected on.
//!
//! Audio: silence except a 40 ms tone burst starting at every whole source second `n`,
//! at 500 + 100·(n mod 10) Hz, so an export's audio can be mapped back to source time.
//!
//! For measuring levels (fades, blends): clips whose top half is another flat grey
//! ([`ClipSpec::top`]), and clips whose sound is one continuous tone ([`ClipSpec::tone`]),
//! with readers for a region's mean grey ([`region_luma`]), a tone's amplitude over time
//! ([`tone_levels`]) and the pitch of the sound ([`frequency`]).

use std::path::{Path, PathBuf};
use std::process::Command;

pub fn ffmpeg_path() -> PathBuf {
    std::env::var_os("REEL_FFMPEG").map_or_else(|| PathBuf::from("ffmpeg"), PathBuf::from)
}

pub fn ffprobe_path() -> PathBuf {
    std::env::var_os("REEL_FFPROBE").map_or_else(|| PathBuf::from("ffprobe"), PathBuf::from)
}

/// `target/reel-fixtures`, shared by every test process.
pub fn fixtures_dir() -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"), PathBuf::from);
    let dir = target.join("reel-fixtures");
    std::fs::create_dir_all(&dir).expect("create fixtures dir");
    dir
}

fn ffmpeg(args: &[&str]) {
    let out =
        Command::new(ffmpeg_path()).args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]).args(args).output().expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Writes `name` in the fixtures folder once: generated under a temporary name, then
/// linked into place, so concurrent test processes never see half a file and a fixture in
/// use is never replaced.
fn cached(name: &str, make: impl FnOnce(&str)) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let path = fixtures_dir().join(name);
    if !path.exists() {
        let unique = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tmp = fixtures_dir().join(format!(".{}-{unique}.{name}", std::process::id()));
        make(tmp.to_str().expect("utf-8 path"));
        // Another thread or process may have finished the same fixture first and be using
        // it: the first complete copy stays (a link never replaces a file), so a fixture
        // never changes under a test (reel notices a source that changes during an export).
        if std::fs::hard_link(&tmp, &path).is_err() && !path.exists() {
            // A file system without links: a rename, which cannot see a copy made meanwhile.
            std::fs::rename(&tmp, &path).expect("rename fixture");
        }
        let _ = std::fs::remove_file(&tmp);
    }
    path
}

/// A source clip to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipSpec {
    pub id: u8,
    /// Coded size, as stored (and as ffprobe reports `width` and `height`): before rotation.
    pub width: u32,
    pub height: u32,
    pub fps: (u32, u32),
    pub duration: f64,
    /// Keyframe interval in frames (keyframes exactly at multiples).
    pub gop: u32,
    /// `(sample_rate, channels)`, or no audio stream.
    pub audio: Option<(u32, u32)>,
    /// Display rotation, clockwise degrees as the legacy `rotate` tag counts them (90, 180 or
    /// 270), written as the video track's display matrix (see [`set_display_rotation`]).
    /// The picture is generated upright at the display size and stored turned the other
    /// way, so whoever applies the rotation (ffmpeg autorotates when decoding) sees the
    /// identity code upright.
    pub rotation: Option<i32>,
    /// Irregular frame spacing.
    pub vfr: bool,
    /// The video encoder (B-frames on with either, x264's and x265's defaults).
    pub codec: Codec,
    /// Open GOPs: keyframes after the first are not IDR frames, and B-frames before them
    /// refer across (x264 `open-gop`). Closed otherwise (x264's default; x265 is told so).
    pub open_gop: bool,
    /// More `-x264-params` (`key=value:…`), empty for none.
    pub x264_params: &'static str,
    /// Grey level (0-255, full range) of the flat top half; 128 by default.
    pub top: u8,
    /// A continuous sine of this frequency (Hz, amplitude 0.5) instead of the second beeps.
    pub tone: Option<u32>,
}

/// The video codec of a generated clip.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Codec {
    /// libx264 `veryfast`, CRF 20.
    #[default]
    H264,
    /// libx265 `veryfast`, CRF 24, tagged `hvc1`.
    Hevc,
}

impl ClipSpec {
    pub fn new(id: u8, width: u32, height: u32, fps: u32, duration: f64) -> Self {
        Self {
            id,
            width,
            height,
            fps: (fps, 1),
            duration,
            gop: fps,
            audio: Some((48_000, 2)),
            rotation: None,
            vfr: false,
            top: 128,
            tone: None,
            codec: Codec::H264,
            open_gop: false,
            x264_params: "",
        }
    }

    fn name(&self) -> String {
        format!(
            "clip2-{}-{}x{}-{}_{}-{}-g{}-{}-{}{}{}{}{}{}{}.mp4",
            self.id,
            self.width,
            self.height,
            self.fps.0,
            self.fps.1,
            self.duration,
            self.gop,
            self.audio.map_or("na".to_owned(), |(r, c)| format!("{r}x{c}")),
            // "m": rotated by the display matrix (older fixtures only had a `rotate` tag).
            self.rotation.map_or_else(|| "0".to_owned(), |r| format!("m{r}")),
            if self.vfr { "-vfr" } else { "" },
            if self.top == 128 { String::new() } else { format!("-top{}", self.top) },
            self.tone.map_or(String::new(), |f| format!("-tone{f}")),
            if self.codec == Codec::Hevc { "-hevc" } else { "" },
            if self.open_gop { "-open" } else { "" },
            if self.x264_params.is_empty() { String::new() } else { format!("-x{}", self.x264_params.replace([':', '='], "_")) }
        )
    }
}

/// Generates (once) an H.264 (or HEVC) + AAC MP4 for the spec and returns its path.
pub fn clip(spec: &ClipSpec) -> PathBuf {
    cached(&spec.name(), |out| {
        // Built at even size (yuv420p), then scaled to an odd one if asked.
        let (w, h) = ((spec.width + 1) & !1, (spec.height + 1) & !1);
        // Drawn upright at the display size, then turned back to the coded orientation.
        let (turn_back, (dw, dh)) = match spec.rotation.map(|r| r.rem_euclid(360)) {
            None | Some(0) => ("", (w, h)),
            Some(90) => (",transpose=cclock", (h, w)),
            Some(180) => (",hflip,vflip", (w, h)),
            Some(270) => (",transpose=clock", (h, w)),
            Some(r) => panic!("rotation {r} is not a quarter turn"),
        };
        assert!(spec.rotation.is_none() || (w, h) == (spec.width, spec.height), "rotated clips have even sizes");
        let code = format!("N+65536*{}+16777216*(255-mod(N,256))", spec.id);
        let rate = format!("{}/{}", spec.fps.0, spec.fps.1);
        let mut video = format!(
            "nullsrc=s=8x4:r={rate}:d={d},geq=lum='if(mod(floor(({code})/pow(2,X+8*Y)),2),235,16)':cb=128:cr=128,scale={dw}:{hb}:flags=neighbor,pad={dw}:{dh}:0:{ht}:color=0x{g:02x}{g:02x}{g:02x}{turn_back}",
            d = spec.duration,
            hb = dh - dh / 2,
            ht = dh / 2,
            g = spec.top,
        );
        if (w, h) == (spec.width, spec.height) {
            video.push_str(",setsar=1,format=yuv420p");
        } else {
            // 4:2:0 needs even sizes; odd-sized sources are 4:4:4.
            video.push_str(&format!(",scale={}:{},setsar=1,format=yuv444p", spec.width, spec.height));
        }
        if spec.vfr {
            // Alternate short and long frame durations (1/fps and 2/fps).
            video.push_str(&format!(",setpts='(N+floor(N/2))/({rate})/TB'"));
        }
        let mut args: Vec<String> = vec!["-f".into(), "lavfi".into(), "-i".into(), video];
        if let Some((rate, channels)) = spec.audio {
            args.extend([
                "-f".into(),
                "lavfi".into(),
                "-i".into(),
                format!(
                    "aevalsrc='{}':s={rate}:c={}:d={}",
                    spec.tone.map_or_else(
                        || "if(lt(mod(t,1),0.04),0.5*sin(2*PI*(500+100*mod(floor(t),10))*t),0)".to_owned(),
                        |f| format!("0.5*sin(2*PI*{f}*t)")
                    ),
                    if channels == 1 { "mono" } else { "stereo" },
                    spec.duration
                ),
            ]);
        }
        match spec.codec {
            Codec::H264 => {
                args.extend(["-c:v".into(), "libx264".into(), "-preset".into(), "veryfast".into(), "-crf".into(), "20".into()]);
                let params: Vec<&str> = [spec.open_gop.then_some("open-gop=1"), Some(spec.x264_params).filter(|p| !p.is_empty())]
                    .into_iter()
                    .flatten()
                    .collect();
                if !params.is_empty() {
                    args.extend(["-x264-params".into(), params.join(":")]);
                }
            }
            Codec::Hevc => {
                let open = i32::from(spec.open_gop);
                args.extend(["-c:v".into(), "libx265".into(), "-preset".into(), "veryfast".into(), "-crf".into(), "24".into()]);
                args.extend(["-x265-params".into(), format!("log-level=error:open-gop={open}:scenecut=0"), "-tag:v".into(), "hvc1".into()]);
            }
        }
        args.extend(["-g".into(), spec.gop.to_string(), "-keyint_min".into(), spec.gop.to_string(), "-sc_threshold".into(), "0".into()]);
        if spec.vfr {
            args.extend(["-fps_mode".into(), "vfr".into()]);
        }
        if spec.audio.is_some() {
            args.extend(["-c:a".into(), "aac".into(), "-b:a".into(), "128k".into()]);
        }
        args.extend(["-movflags".into(), "+faststart".into(), "-f".into(), "mp4".into(), out.into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        ffmpeg(&refs);
        if let Some(r) = spec.rotation {
            set_display_rotation(Path::new(out), r);
        }
    })
}

/// Marks the video track of an MP4 as rotated for display by `clockwise` degrees (90, 180
/// or 270, the legacy `rotate` tag's sense) by rewriting the transformation matrix of its
/// track header (`moov/trak/tkhd`, ISO/IEC 14496-12 §8.3.2) in place: the matrices
/// ffmpeg's own MP4 muxer writes for `rotate` metadata. ffprobe then shows a Display
/// Matrix with `rotation` -90, 180 or 90 (counter-clockwise), and ffmpeg autorotates.
///
/// Needed because ffmpeg 5.1's MP4 muxer ignores `-metadata:s:v rotate=…` and has no
/// `-display_rotation` (ffmpeg 6+); a binary patch works on every version.
pub fn set_display_rotation(path: &Path, clockwise: i32) {
    let mut bytes = std::fs::read(path).expect("read mp4");
    let tkhd = video_tkhd(&bytes).unwrap_or_else(|| panic!("{} has no video track header", path.display()));
    // After the version/flags word: times, track id, reserved and duration (20 bytes in
    // version 0, 32 in version 1), then reserved (8), layer, alternate group, volume and
    // reserved (2 each), then the 3x3 matrix of 32-bit numbers and width, height (16.16).
    let matrix = tkhd + 4 + if bytes[tkhd] == 0 { 20 } else { 32 } + 16;
    let fixed = |at: usize| u32::from_be_bytes(bytes[at..at + 4].try_into().expect("4 bytes")) >> 16;
    let (width, height) = (i32::try_from(fixed(matrix + 36)).expect("width"), i32::try_from(fixed(matrix + 40)).expect("height"));
    // (a, b, c, d, tx, ty): a display point is (a·x + c·y + tx, b·x + d·y + ty).
    let (a, b, c, d, tx, ty) = match clockwise.rem_euclid(360) {
        0 => (1, 0, 0, 1, 0, 0),
        90 => (0, 1, -1, 0, height, 0),
        180 => (-1, 0, 0, -1, width, height),
        270 => (0, -1, 1, 0, 0, width),
        r => panic!("rotation {r} is not a quarter turn"),
    };
    // a, b, u, c, d, v, tx, ty, w: 16.16 fixed point except u, v, w (2.30).
    let values = [a << 16, b << 16, 0, c << 16, d << 16, 0, tx << 16, ty << 16, 1 << 30];
    for (k, v) in values.iter().enumerate() {
        bytes[matrix + 4 * k..matrix + 4 * k + 4].copy_from_slice(&v.to_be_bytes());
    }
    std::fs::write(path, bytes).expect("write mp4");
}

/// The boxes directly inside `bytes[start..end]`: (type, payload start, end).
fn mp4_boxes(bytes: &[u8], start: usize, end: usize) -> Vec<([u8; 4], usize, usize)> {
    let mut out = Vec::new();
    let mut pos = start;
    while pos + 8 <= end {
        let size32 = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        let kind: [u8; 4] = bytes[pos + 4..pos + 8].try_into().expect("4 bytes");
        let (size, header) = match size32 {
            0 => (end - pos, 8),
            1 => (u64::from_be_bytes(bytes[pos + 8..pos + 16].try_into().expect("8 bytes")) as usize, 16),
            s => (s, 8),
        };
        if size < header || pos + size > end {
            break;
        }
        out.push((kind, pos + header, pos + size));
        pos += size;
    }
    out
}

/// Payload offset of the `tkhd` of the first track whose handler is `vide`.
fn video_tkhd(bytes: &[u8]) -> Option<usize> {
    let child = |kind: &[u8; 4], start: usize, end: usize| mp4_boxes(bytes, start, end).into_iter().find(|b| &b.0 == kind);
    let (_, moov, moov_end) = child(b"moov", 0, bytes.len())?;
    mp4_boxes(bytes, moov, moov_end).into_iter().filter(|b| &b.0 == b"trak").find_map(|(_, trak, trak_end)| {
        let (_, mdia, mdia_end) = child(b"mdia", trak, trak_end)?;
        let (_, hdlr, _) = child(b"hdlr", mdia, mdia_end)?;
        // hdlr payload: version/flags (4), pre_defined (4), handler_type (4).
        (bytes.get(hdlr + 8..hdlr + 12)? == b"vide").then(|| child(b"tkhd", trak, trak_end).map(|t| t.1))?
    })
}

/// A PNG of one colour.
pub fn still_image(name: &str, width: u32, height: u32, color: &str) -> PathBuf {
    cached(&format!("{name}-{width}x{height}-{}.png", color.trim_start_matches('#')), |out| {
        ffmpeg(&["-f", "lavfi", "-i", &format!("color=c={color}:s={width}x{height}"), "-frames:v", "1", "-f", "image2", out]);
    })
}

/// A black one-bit PNG of any size: a few kilobytes even at 16000x16000, for tests of
/// images too large to accept.
pub fn huge_image(width: u32, height: u32) -> PathBuf {
    cached(&format!("black-{width}x{height}-monob.png"), |out| {
        let source = format!("color=c=black:s={width}x{height}");
        ffmpeg(&["-f", "lavfi", "-i", &source, "-frames:v", "1", "-pix_fmt", "monob", "-f", "image2", out]);
    })
}

/// The named fixtures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fixture {
    Hd1080p30,
    Hd720p60,
    Portrait1080x1920,
    NoAudio,
    Mono44k,
    Vfr,
    OddSize,
    /// 320x180, 30 fps, 6 s, id 1, keyframe every second.
    Small30,
    /// Same as `Small30` with id 2.
    Small30B,
    /// Coded 320x180 with a display matrix turning it 90° clockwise: shown as 180x320
    /// (portrait), 30 fps, 3 s, id 18, keyframe every second.
    Rotated90,
    /// 160x90, 30 fps, 5 s, id 20, keyframe every second, beeps; top half grey 220.
    Bright,
    /// As `Bright` with id 21 and the top half grey 40.
    Dark,
    /// 160x90, 30 fps, 6 s, id 22, keyframe every second; a continuous 1000 Hz tone.
    Tone,
    /// As `Tone` with id 23 and a 600 Hz tone.
    LowTone,
    /// 320x180, 30 fps, 4 s, id 50, H.264 with B-frames and closed GOPs of 15 frames (a
    /// keyframe every half second): the smart render's source.
    Gop15,
    /// Same as `Gop15` (same encoder settings, so the same parameter sets) with id 51, 3 s.
    Gop15B,
    /// As `Gop15` with id 52 but open GOPs (x264 `open-gop`): cannot be cut between GOPs.
    OpenGop15,
    /// 320x180, 30 fps, 3 s, id 53, HEVC (libx265, B-frames, closed GOPs of 15), `hvc1`.
    Hevc15,
    /// As `Gop15` with id 54, 3 s, but its SPS states a video format (x264
    /// `videoformat=pal`), which x264's settings message does not record: a re-encode from
    /// that message alone does not reproduce its parameter sets.
    VideoFormat15,
}

pub fn spec(f: Fixture) -> ClipSpec {
    match f {
        Fixture::Hd1080p30 => ClipSpec::new(10, 1920, 1080, 30, 3.0),
        Fixture::Hd720p60 => ClipSpec::new(11, 1280, 720, 60, 3.0),
        Fixture::Portrait1080x1920 => ClipSpec { audio: None, ..ClipSpec::new(12, 1080, 1920, 30, 3.0) },
        Fixture::NoAudio => ClipSpec { audio: None, ..ClipSpec::new(13, 320, 180, 30, 4.0) },
        Fixture::Mono44k => ClipSpec { audio: Some((44_100, 1)), ..ClipSpec::new(14, 320, 180, 25, 4.0) },
        Fixture::Vfr => ClipSpec { vfr: true, ..ClipSpec::new(15, 320, 180, 30, 4.0) },
        Fixture::OddSize => ClipSpec::new(17, 321, 181, 30, 4.0),
        Fixture::Small30 => ClipSpec::new(1, 320, 180, 30, 6.0),
        Fixture::Small30B => ClipSpec::new(2, 320, 180, 30, 6.0),
        Fixture::Rotated90 => ClipSpec { rotation: Some(90), ..ClipSpec::new(18, 320, 180, 30, 3.0) },
        Fixture::Bright => ClipSpec { top: 220, ..ClipSpec::new(20, 160, 90, 30, 5.0) },
        Fixture::Dark => ClipSpec { top: 40, ..ClipSpec::new(21, 160, 90, 30, 5.0) },
        Fixture::Tone => ClipSpec { tone: Some(1000), ..ClipSpec::new(22, 160, 90, 30, 6.0) },
        Fixture::LowTone => ClipSpec { tone: Some(600), ..ClipSpec::new(23, 160, 90, 30, 6.0) },
        Fixture::Gop15 => ClipSpec { gop: 15, ..ClipSpec::new(50, 320, 180, 30, 4.0) },
        Fixture::Gop15B => ClipSpec { gop: 15, ..ClipSpec::new(51, 320, 180, 30, 3.0) },
        Fixture::OpenGop15 => ClipSpec { gop: 15, open_gop: true, ..ClipSpec::new(52, 320, 180, 30, 4.0) },
        Fixture::Hevc15 => ClipSpec { gop: 15, codec: Codec::Hevc, ..ClipSpec::new(53, 320, 180, 30, 3.0) },
        Fixture::VideoFormat15 => ClipSpec { gop: 15, x264_params: "videoformat=pal", ..ClipSpec::new(54, 320, 180, 30, 3.0) },
    }
}

pub fn fixture(f: Fixture) -> PathBuf {
    clip(&spec(f))
}

/// A frame's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FrameId {
    pub source: u8,
    pub frame: u32,
}

/// The first video stream's ffprobe entry.
fn video_stream(path: &Path) -> serde_json::Value {
    let v = probe(path);
    v["streams"].as_array().and_then(|a| a.iter().find(|s| s["codec_type"] == "video")).cloned().unwrap_or_default()
}

/// The display matrix rotation ffprobe reports for the first video stream (degrees,
/// counter-clockwise, as ffprobe prints it), if it has one.
pub fn display_rotation(path: &Path) -> Option<i64> {
    let s = video_stream(path);
    s["side_data_list"].as_array()?.iter().find(|d| d["side_data_type"] == "Display Matrix")?["rotation"].as_i64()
}

/// Width and height of the first video stream as decoded: swapped when a display matrix
/// turns it a quarter turn (ffmpeg autorotates while decoding).
fn size_of(path: &Path) -> (u32, u32) {
    let s = video_stream(path);
    let (w, h) = (s["width"].as_u64().unwrap_or(0) as u32, s["height"].as_u64().unwrap_or(0) as u32);
    if display_rotation(path).is_some_and(|r| r.rem_euclid(180) == 90) {
        (h, w)
    } else {
        (w, h)
    }
}

/// Every decoded frame (no frames duplicated or dropped to fill timestamps), as grey
/// pictures scaled to `w` x `h`.
fn gray_frames(path: &Path, w: u32, h: u32) -> Vec<Vec<u8>> {
    let out = Command::new(ffmpeg_path())
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-fps_mode", "passthrough", "-vf", &format!("scale={w}:{h}:flags=area,format=gray"), "-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "decoding {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    out.stdout.chunks((w * h) as usize).map(<[u8]>::to_vec).collect()
}

/// Reads every frame's identity. `content` is where the source picture sits, in fractions
/// of the frame `(x, y, w, h)`; `None` is the whole frame.
pub fn read_frame_ids(path: &Path, content: Option<(f64, f64, f64, f64)>) -> Vec<Option<FrameId>> {
    let (fw, fh) = size_of(path);
    let w = 256_u32;
    let h = ((f64::from(w) * f64::from(fh) / f64::from(fw.max(1))).round() as u32).max(8);
    let (cx, cy, cw, ch) = content.unwrap_or((0.0, 0.0, 1.0, 1.0));
    gray_frames(path, w, h)
        .iter()
        .map(|frame| {
            let mut code: u64 = 0;
            for bit in 0..32_u32 {
                let (col, row) = (f64::from(bit % 8), f64::from(bit / 8));
                let x = (cx + cw * (col + 0.5) / 8.0) * f64::from(w);
                let y = (cy + ch * (0.5 + 0.5 * (row + 0.5) / 4.0)) * f64::from(h);
                let px = frame[(y as usize).min(h as usize - 1) * w as usize + (x as usize).min(w as usize - 1)];
                if px > 128 {
                    code |= 1 << bit;
                }
            }
            let frame_no = (code & 0xFFFF) as u32;
            let source = ((code >> 16) & 0xFF) as u8;
            let check = ((code >> 24) & 0xFF) as u32;
            (check == 255 - (frame_no & 0xFF)).then_some(FrameId { source, frame: frame_no })
        })
        .collect()
}

/// Mean grey level of a rectangle (fractions) in every frame.
pub fn region_luma(path: &Path, rect: (f64, f64, f64, f64)) -> Vec<f64> {
    let (w, h) = (160_u32, 90_u32);
    gray_frames(path, w, h)
        .iter()
        .map(|f| {
            let (x0, y0) = ((rect.0 * f64::from(w)) as usize, (rect.1 * f64::from(h)) as usize);
            let (x1, y1) = (((rect.0 + rect.2) * f64::from(w)) as usize, ((rect.1 + rect.3) * f64::from(h)) as usize);
            let mut sum = 0.0;
            let mut n = 0.0;
            for y in y0..y1.min(h as usize) {
                for x in x0..x1.min(w as usize) {
                    sum += f64::from(f[y * w as usize + x]);
                    n += 1.0;
                }
            }
            if n > 0.0 {
                sum / n
            } else {
                0.0
            }
        })
        .collect()
}

/// A tone burst found in the audio.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Beep {
    /// Onset, seconds from the start of the file's audio.
    pub time: f64,
    /// The source second it marks, modulo 10 (from its frequency).
    pub second: u32,
}

/// Finds every tone burst in the first audio stream.
pub fn beeps(path: &Path) -> Vec<Beep> {
    let out = Command::new(ffmpeg_path())
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-ac", "1", "-ar", "48000", "-f", "f32le", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "decoding audio of {} failed", path.display());
    let s: Vec<f32> = out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i].abs() > 0.15 {
            // Zero crossings over 30 ms give the frequency.
            let end = (i + 1440).min(s.len());
            let crossings = s[i..end].windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count() as f64;
            let freq = crossings / 2.0 / ((end - i) as f64 / 48_000.0);
            let second = ((freq - 500.0) / 100.0).round().clamp(0.0, 9.0) as u32;
            found.push(Beep { time: i as f64 / 48_000.0, second });
            i += 24_000;
        } else {
            i += 1;
        }
    }
    found
}

/// The first channel of the first audio stream, decoded as 48 kHz samples.
pub fn audio_samples(path: &Path) -> Vec<f32> {
    let out = Command::new(ffmpeg_path())
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:a:0", "-af", "pan=mono|c0=c0", "-ar", "48000", "-f", "f32le", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "decoding audio of {} failed", path.display());
    out.stdout.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect()
}

/// Seconds of decoded audio in the first audio stream.
pub fn audio_duration(path: &Path) -> f64 {
    audio_samples(path).len() as f64 / 48_000.0
}

/// The amplitude of a `freq` Hz sine in each `window`-second stretch of the audio (from 0,
/// back to back), by the Goertzel algorithm: a sine of amplitude `a` at that frequency reads
/// `a`, other frequencies about 0 (windows of whole periods of both tones read cleanly).
pub fn tone_levels(path: &Path, freq: f64, window: f64) -> Vec<f64> {
    let samples = audio_samples(path);
    let n = (window * 48_000.0).round() as usize;
    let w = 2.0 * std::f64::consts::PI * freq / 48_000.0;
    let coeff = 2.0 * w.cos();
    samples
        .chunks_exact(n)
        .map(|chunk| {
            let (mut s1, mut s2) = (0.0_f64, 0.0_f64);
            for x in chunk {
                let s0 = f64::from(*x) + coeff * s1 - s2;
                s2 = s1;
                s1 = s0;
            }
            let power = s1 * s1 + s2 * s2 - coeff * s1 * s2;
            2.0 * power.max(0.0).sqrt() / n as f64
        })
        .collect()
}

/// The frequency of the sound between `from` and `to` seconds, from its zero crossings.
pub fn frequency(path: &Path, from: f64, to: f64) -> f64 {
    let samples = audio_samples(path);
    let (a, b) = (((from * 48_000.0) as usize).min(samples.len()), ((to * 48_000.0) as usize).min(samples.len()));
    let part = &samples[a..b];
    let crossings = part.windows(2).filter(|w| (w[0] < 0.0) != (w[1] < 0.0)).count() as f64;
    crossings / 2.0 / (part.len() as f64 / 48_000.0)
}

/// Frame `index` of the first video stream at its own size, as RGB bytes: (width, height,
/// pixels).
pub fn frame_rgb(path: &Path, index: usize) -> (u32, u32, Vec<u8>) {
    let (w, h) = size_of(path);
    let out = Command::new(ffmpeg_path())
        .args(["-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-map", "0:v:0", "-fps_mode", "passthrough", "-vf", &format!("select=eq(n\\,{index})"), "-frames:v", "1"])
        .args(["-pix_fmt", "rgb24", "-f", "rawvideo", "-"])
        .output()
        .expect("run ffmpeg");
    assert!(out.status.success(), "decoding frame {index} of {} failed: {}", path.display(), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.stdout.len(), (w * h * 3) as usize, "one {w}x{h} RGB frame");
    (w, h, out.stdout)
}

/// ffprobe's format and streams as JSON.
pub fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new(ffprobe_path())
        .args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

pub fn duration(path: &Path) -> f64 {
    probe(path)["format"]["duration"].as_str().and_then(|d| d.parse().ok()).unwrap_or(0.0)
}

/// Presentation times of every video frame.
pub fn frame_times(path: &Path) -> Vec<f64> {
    let out = Command::new(ffprobe_path())
        .args(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0"])
        .arg(path)
        .output()
        .expect("run ffprobe");
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().trim_end_matches(',').parse().ok()).collect()
}

/// What ffmpeg's decoders complain about when decoding every stream of `path` (empty when
/// it decodes cleanly).
pub fn decode_errors(path: &Path) -> String {
    let out = Command::new(ffmpeg_path())
        .args(["-hide_banner", "-nostdin", "-v", "error", "-i"])
        .arg(path)
        .args(["-f", "null", "-"])
        .output()
        .expect("run ffmpeg");
    let mut text = String::from_utf8_lossy(&out.stderr).trim().to_owned();
    if !out.status.success() {
        text.push_str(&format!(" (ffmpeg exited with {})", out.status));
    }
    text
}

/// Whether the top-level `moov` box precedes `mdat`.
pub fn moov_before_mdat(path: &Path) -> bool {
    let bytes = std::fs::read(path).expect("read file");
    let mut pos = 0_usize;
    while pos + 8 <= bytes.len() {
        let mut size = u32::from_be_bytes(bytes[pos..pos + 4].try_into().expect("4 bytes")) as usize;
        if size == 1 {
            size = u64::from_be_bytes(bytes[pos + 8..pos + 16].try_into().expect("8 bytes")) as usize;
        }
        match &bytes[pos + 4..pos + 8] {
            b"moov" => return true,
            b"mdat" => return false,
            _ => {}
        }
        if size < 8 {
            return false;
        }
        pos += size;
    }
    false
}

/// Where a source of display size `(sw, sh)` sits when fitted into `(ow, oh)`, centred,
/// in fractions of the output frame.
pub fn fit_rect(sw: u32, sh: u32, ow: u32, oh: u32) -> (f64, f64, f64, f64) {
    let scale = (f64::from(ow) / f64::from(sw)).min(f64::from(oh) / f64::from(sh));
    let (w, h) = (f64::from(sw) * scale / f64::from(ow), f64::from(sh) * scale / f64::from(oh));
    ((1.0 - w) / 2.0, (1.0 - h) / 2.0, w, h)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identity_survives_and_can_fail() {
        let src = fixture(Fixture::Small30);
        let ids = read_frame_ids(&src, None);
        assert_eq!(ids.len(), 180);
        for (k, id) in ids.iter().enumerate() {
            assert_eq!(*id, Some(FrameId { source: 1, frame: k as u32 }), "frame {k}");
        }
        // Shrunk and letterboxed into a 4:3 frame of another size.
        let boxed = fixtures_dir().join("test-letterboxed.mp4");
        ffmpeg(&[
            "-i",
            src.to_str().unwrap(),
            "-vf",
            "scale=160:90,pad=200:150:20:30",
            "-c:v",
            "libx264",
            "-crf",
            "30",
            boxed.to_str().unwrap(),
        ]);
        let ids = read_frame_ids(&boxed, Some((20.0 / 200.0, 30.0 / 150.0, 160.0 / 200.0, 90.0 / 150.0)));
        assert!(ids.iter().enumerate().all(|(k, id)| *id == Some(FrameId { source: 1, frame: k as u32 })));
        // Damaged: the code blacked out reads as unreadable, not as frame 0.
        let damaged = fixtures_dir().join("test-damaged.mp4");
        ffmpeg(&[
            "-i",
            src.to_str().unwrap(),
            "-vf",
            "drawbox=x=0:y=90:w=320:h=90:color=black:t=fill",
            "-c:v",
            "libx264",
            damaged.to_str().unwrap(),
        ]);
        assert!(read_frame_ids(&damaged, None).iter().all(Option::is_none));
    }

    #[test]
    fn beeps_mark_source_seconds() {
        let src = fixture(Fixture::Small30);
        let b = beeps(&src);
        assert_eq!(b.len(), 6);
        for (n, beep) in b.iter().enumerate() {
            assert!((beep.time - n as f64).abs() < 0.002, "{beep:?}");
            assert_eq!(beep.second, n as u32);
        }
        let cut = fixtures_dir().join("test-cut.mp4");
        ffmpeg(&["-ss", "1.5", "-i", src.to_str().unwrap(), "-c:v", "libx264", "-c:a", "aac", cut.to_str().unwrap()]);
        let b = beeps(&cut);
        assert!((b[0].time - 0.5).abs() < 0.003 && b[0].second == 2, "{b:?}");
    }

    #[test]
    fn rotated_clips_carry_a_display_matrix_and_read_upright() {
        // Each quarter turn: ffprobe sees the matrix (counter-clockwise angle), and the
        // autorotated frames carry their identity upright. Without the matrix, or with the
        // picture turned the wrong way, the code is read sideways and no frame is found.
        for (clockwise, ccw) in [(90, 270), (180, 180), (270, 90)] {
            let path = clip(&ClipSpec { rotation: Some(clockwise), ..ClipSpec::new(40, 320, 180, 30, 1.0) });
            assert_eq!(display_rotation(&path).map(|r| r.rem_euclid(360)), Some(ccw), "rotation {clockwise}");
            let stream = video_stream(&path);
            assert_eq!((stream["width"].as_u64(), stream["height"].as_u64()), (Some(320), Some(180)), "coded size");
            let ids = read_frame_ids(&path, None);
            assert_eq!(ids.len(), 30);
            for (k, id) in ids.iter().enumerate() {
                assert_eq!(*id, Some(FrameId { source: 40, frame: k as u32 }), "rotation {clockwise}, frame {k}");
            }
        }
        let spec = spec(Fixture::Rotated90);
        assert_eq!((spec.width, spec.height, spec.rotation), (320, 180, Some(90)));
        assert_eq!(display_rotation(&fixture(Fixture::Rotated90)), Some(-90));
        assert_eq!(size_of(&fixture(Fixture::Rotated90)), (180, 320), "shown as portrait");
    }

    #[test]
    fn fixtures_have_their_properties() {
        let p = |f| probe(&fixture(f));
        let v = |j: &serde_json::Value| j["streams"][0].clone();
        assert_eq!(p(Fixture::NoAudio)["streams"].as_array().unwrap().len(), 1);
        let mono = p(Fixture::Mono44k);
        assert_eq!((mono["streams"][1]["sample_rate"].as_str(), mono["streams"][1]["channels"].as_u64()), (Some("44100"), Some(1)));
        assert_eq!(v(&p(Fixture::OddSize))["width"], 321);
        let times = frame_times(&fixture(Fixture::Vfr));
        let gaps: Vec<f64> = times.windows(2).map(|w| ((w[1] - w[0]) * 1000.0).round()).collect();
        assert!(gaps.contains(&33.0) && gaps.contains(&67.0), "irregular spacing: {gaps:?}");
        assert!(moov_before_mdat(&fixture(Fixture::Small30)));
        let plain = fixtures_dir().join("test-plain.mp4");
        ffmpeg(&["-f", "lavfi", "-i", "testsrc=d=1:s=64x64", "-c:v", "libx264", plain.to_str().unwrap()]);
        assert!(!moov_before_mdat(&plain));
    }
}
