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
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target"), PathBuf::from);
    let dir = target.join("reel-fixtures");
    std::fs::create_dir_all(&dir).expect("create fixtures dir");
    dir
}

fn ffmpeg(args: &[&str]) {
    let out = Command::new(ffmpeg_path()).args(["-nostdin", "-hide_banner", "-loglevel", "error", "-y"]).args(args).output().expect("run ffmpeg");
    assert!(out.status.success(), "ffmpeg {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
}

/// Writes `name` in the fixtures folder once: generated under a temporary name, then
/// renamed, so concurrent test processes never see half a file.
fn cached(name: &str, make: impl FnOnce(&str)) -> PathBuf {
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let path = fixtures_dir().join(name);
    if !path.exists() {
        let unique = COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let tmp = fixtures_dir().join(format!(".{}-{unique}.{name}", std::process::id()));
        make(tmp.to_str().expect("utf-8 path"));
        // Another thread or process may have finished the same fixture first; either copy
        // is complete, and rename replaces atomically.
        std::fs::rename(&tmp, &path).expect("rename fixture");
    }
    path
}

/// A source clip to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct ClipSpec {
    pub id: u8,
    pub width: u32,
    pub height: u32,
    pub fps: (u32, u32),
    pub duration: f64,
    /// Keyframe interval in frames (keyframes exactly at multiples).
    pub gop: u32,
    /// `(sample_rate, channels)`, or no audio stream.
    pub audio: Option<(u32, u32)>,
    /// `rotate` metadata, degrees. Note: ffmpeg 5.1's MP4 muxer does not turn this into a
    /// display matrix, so it does not make a rotated file there.
    pub rotation: Option<i32>,
    /// Irregular frame spacing.
    pub vfr: bool,
}

impl ClipSpec {
    pub fn new(id: u8, width: u32, height: u32, fps: u32, duration: f64) -> Self {
        Self { id, width, height, fps: (fps, 1), duration, gop: fps, audio: Some((48_000, 2)), rotation: None, vfr: false }
    }

    fn name(&self) -> String {
        format!(
            "clip2-{}-{}x{}-{}_{}-{}-g{}-{}-{}{}.mp4",
            self.id,
            self.width,
            self.height,
            self.fps.0,
            self.fps.1,
            self.duration,
            self.gop,
            self.audio.map_or("na".to_owned(), |(r, c)| format!("{r}x{c}")),
            self.rotation.unwrap_or(0),
            if self.vfr { "-vfr" } else { "" }
        )
    }
}

/// Generates (once) an H.264 + AAC MP4 for the spec and returns its path.
pub fn clip(spec: &ClipSpec) -> PathBuf {
    cached(&spec.name(), |out| {
        // Built at even size (yuv420p), then scaled to an odd one if asked.
        let (w, h) = ((spec.width + 1) & !1, (spec.height + 1) & !1);
        let code = format!("N+65536*{}+16777216*(255-mod(N,256))", spec.id);
        let rate = format!("{}/{}", spec.fps.0, spec.fps.1);
        let mut video = format!(
            "nullsrc=s=8x4:r={rate}:d={d},geq=lum='if(mod(floor(({code})/pow(2,X+8*Y)),2),235,16)':cb=128:cr=128,scale={w}:{hb}:flags=neighbor,pad={w}:{h}:0:{ht}:color=0x808080",
            d = spec.duration,
            hb = h - h / 2,
            ht = h / 2,
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
                format!("aevalsrc='if(lt(mod(t,1),0.04),0.5*sin(2*PI*(500+100*mod(floor(t),10))*t),0)':s={rate}:c={}:d={}", if channels == 1 { "mono" } else { "stereo" }, spec.duration),
            ]);
        }
        args.extend(["-c:v".into(), "libx264".into(), "-preset".into(), "veryfast".into(), "-crf".into(), "20".into()]);
        args.extend(["-g".into(), spec.gop.to_string(), "-keyint_min".into(), spec.gop.to_string(), "-sc_threshold".into(), "0".into()]);
        if spec.vfr {
            args.extend(["-fps_mode".into(), "vfr".into()]);
        }
        if spec.audio.is_some() {
            args.extend(["-c:a".into(), "aac".into(), "-b:a".into(), "128k".into()]);
        }
        if let Some(r) = spec.rotation {
            args.extend(["-metadata:s:v:0".into(), format!("rotate={r}")]);
        }
        args.extend(["-movflags".into(), "+faststart".into(), "-f".into(), "mp4".into(), out.into()]);
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        ffmpeg(&refs);
    })
}

/// A PNG of one colour.
pub fn still_image(name: &str, width: u32, height: u32, color: &str) -> PathBuf {
    cached(&format!("{name}-{width}x{height}-{}.png", color.trim_start_matches('#')), |out| {
        ffmpeg(&["-f", "lavfi", "-i", &format!("color=c={color}:s={width}x{height}"), "-frames:v", "1", "-f", "image2", out]);
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

/// Probes width and height of the first video stream as stored.
fn size_of(path: &Path) -> (u32, u32) {
    let v = probe(path);
    let s = v["streams"].as_array().and_then(|a| a.iter().find(|s| s["codec_type"] == "video")).cloned().unwrap_or_default();
    (s["width"].as_u64().unwrap_or(0) as u32, s["height"].as_u64().unwrap_or(0) as u32)
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
            if n > 0.0 { sum / n } else { 0.0 }
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

/// ffprobe's format and streams as JSON.
pub fn probe(path: &Path) -> serde_json::Value {
    let out = Command::new(ffprobe_path()).args(["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]).arg(path).output().expect("run ffprobe");
    serde_json::from_slice(&out.stdout).unwrap_or_default()
}

pub fn duration(path: &Path) -> f64 {
    probe(path)["format"]["duration"].as_str().and_then(|d| d.parse().ok()).unwrap_or(0.0)
}

/// Presentation times of every video frame.
pub fn frame_times(path: &Path) -> Vec<f64> {
    let out = Command::new(ffprobe_path()).args(["-v", "error", "-select_streams", "v:0", "-show_entries", "frame=pts_time", "-of", "csv=p=0"]).arg(path).output().expect("run ffprobe");
    String::from_utf8_lossy(&out.stdout).lines().filter_map(|l| l.trim().trim_end_matches(',').parse().ok()).collect()
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
        ffmpeg(&["-i", src.to_str().unwrap(), "-vf", "scale=160:90,pad=200:150:20:30", "-c:v", "libx264", "-crf", "30", boxed.to_str().unwrap()]);
        let ids = read_frame_ids(&boxed, Some((20.0 / 200.0, 30.0 / 150.0, 160.0 / 200.0, 90.0 / 150.0)));
        assert!(ids.iter().enumerate().all(|(k, id)| *id == Some(FrameId { source: 1, frame: k as u32 })));
        // Damaged: the code blacked out reads as unreadable, not as frame 0.
        let damaged = fixtures_dir().join("test-damaged.mp4");
        ffmpeg(&["-i", src.to_str().unwrap(), "-vf", "drawbox=x=0:y=90:w=320:h=90:color=black:t=fill", "-c:v", "libx264", damaged.to_str().unwrap()]);
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
