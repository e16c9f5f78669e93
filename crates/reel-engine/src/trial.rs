//! doctor's trial exports: what an ffmpeg can really do, judged by doing it. A version
//! number says little about a development build (`N-47683-g…` from 2018, bundled by an npm
//! package, lacks `-stats_period`, and every export failed halfway), and a listed filter
//! can still fail. So doctor exports a tiny timeline with every kind of item (clips, a
//! gap, an image, a video overlay, an audio track; text separately; a stream copy where an
//! H.264 encoder works) through the same planner, runner and verification as a real
//! export, with media ffmpeg generates itself. Whatever option, filter or demuxer feature
//! reel relies on is tried, and the planner's changes are tried with it.

use crate::error::ToolError;
use crate::ffmpeg::{run_command, Tools};
use crate::run::{run_plan, RunError, RunOptions};
use reel_core::capabilities::Capabilities;
use reel_wire::StageTimings;
use std::path::Path;
use std::time::Duration;

/// Time limit of making the test media.
const MEDIA_TIMEOUT: Duration = Duration::from_secs(30);

/// What the trials found: `Err` holds why, as ffmpeg said it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trials {
    /// Exports without text (single pass, and stream copy where it can be tried).
    pub export: Result<(), String>,
    /// An export with a text overlay; `None` when not tried (no drawtext, or `export` failed).
    pub text: Option<Result<(), String>>,
    /// Why the trials could not tell, when the machine stopped them (a full disk, a
    /// file-size limit, no temporary folder): then nothing is concluded about ffmpeg.
    pub inconclusive: Option<String>,
}

impl Trials {
    /// Findings, unless a failure was the machine's.
    fn judged(export: Result<(), String>, text: Option<Result<(), String>>) -> Self {
        let machine = [export.as_ref().err(), text.as_ref().and_then(|t| t.as_ref().err())]
            .into_iter()
            .flatten()
            .find(|why| crate::run::facts::advice(why).is_some())
            .cloned();
        match machine {
            Some(why) => Self::inconclusive(why),
            None => Self { export, text, inconclusive: None },
        }
    }

    fn inconclusive(why: String) -> Self {
        Self { export: Ok(()), text: None, inconclusive: Some(why) }
    }
}

/// Test media for the trials, in a temporary folder.
#[derive(Debug)]
pub struct Media {
    dir: tempfile::TempDir,
    /// The clip is H.264 (so a stream copy can be tried).
    h264: bool,
}

/// Makes the trials' media with `tools`: a one-second clip with a tone (H.264 when
/// `h264`, libx264 being listed; else MPEG-4 part 2, which every build has) and a small
/// BMP. `Err` says why not.
pub fn media(tools: &Tools, h264: bool) -> Result<Media, String> {
    let dir =
        tempfile::Builder::new().prefix("reel-doctor-").tempdir().map_err(|e| format!("no temporary folder for its trial export ({e})"))?;
    make_media(tools, dir.path(), h264)?;
    Ok(Media { dir, h264 })
}

/// Runs the trials with `tools` on `media`; `caps` is what doctor found (the encoders),
/// and `text` whether to try a text overlay (drawtext is listed).
pub fn run(tools: &Tools, caps: &Capabilities, media: Result<Media, String>, text: bool) -> Trials {
    // Media every ffmpeg can make, not made: the machine's doing (a full disk, a limit).
    let media = match media {
        Ok(media) => media,
        Err(why) => return Trials::inconclusive(why),
    };
    let (dir, h264) = (&media.dir, media.h264 && caps.usable("libx264"));
    let single_pass = r#"{"reel":1,"output":{"width":64,"height":36,"fps":30,"preset":"draft","encoder":"cpu"},
        "video":[{"source":"clip.mp4","in":0.1,"out":0.5},{"gap":0.1},{"source":"clip.mp4","in":0.5,"out":0.8,"volume":0.5}],
        "overlays":[{"image":"logo.bmp","start":0,"end":0.3,"x":"center","opacity":0.5},{"video":"clip.mp4","start":0.2,"end":0.4,"width":16}],
        "audio":[{"source":"clip.mp4","start":0.1,"volume":0.5}]}"#;
    let text_overlay = r#"{"reel":1,"output":{"width":64,"height":36,"fps":30,"preset":"draft","encoder":"cpu"},
        "video":[{"source":"clip.mp4","out":0.3}],"overlays":[{"text":"reel\nok","start":0,"end":0.2,"size":10,"box":true}]}"#;
    let copy = r#"{"reel":1,"output":{"width":"source","height":"source","fps":"source","encoder":"cpu"},"video":[{"source":"clip.mp4","out":0.5}]}"#;
    let (export, copied, drawn) = std::thread::scope(|scope| {
        let copied = h264.then(|| scope.spawn(|| export_one(tools, caps, dir.path(), "copy", copy)));
        let drawn = text.then(|| scope.spawn(|| export_one(tools, caps, dir.path(), "text", text_overlay)));
        let export = export_one(tools, caps, dir.path(), "single-pass", single_pass);
        let join =
            |h: std::thread::ScopedJoinHandle<'_, Result<(), String>>| h.join().unwrap_or_else(|_| Err("the trial crashed".to_owned()));
        (export, copied.map(join), drawn.map(join))
    });
    let export = export.and(copied.unwrap_or(Ok(())).map_err(|why| format!("{why} (in a stream copy)")));
    let text = drawn.filter(|_| export.is_ok());
    Trials::judged(export, text)
}

fn make_media(tools: &Tools, dir: &Path, h264: bool) -> Result<(), String> {
    let codec: &[&str] = if h264 { &["-c:v", "libx264", "-preset", "ultrafast", "-g", "15"] } else { &["-c:v", "mpeg4"] };
    let base = ["-hide_banner", "-nostdin", "-loglevel", "error", "-f", "lavfi", "-i"];
    let mut clip: Vec<String> = base
        .iter()
        .chain(&["testsrc=s=64x36:r=30:d=1", "-f", "lavfi", "-i", "sine=d=1:sample_rate=48000"])
        .chain(codec)
        .chain(&["-pix_fmt", "yuv420p", "-c:a", "aac", "-shortest", "-movflags", "+faststart"])
        .map(|s| (*s).to_owned())
        .collect();
    clip.push(format!("file:{}", dir.join("clip.mp4").display()));
    let mut logo: Vec<String> =
        base.iter().chain(&["color=c=red:s=16x16:d=1", "-frames:v", "1", "-f", "image2"]).map(|s| (*s).to_owned()).collect();
    logo.push(format!("file:{}", dir.join("logo.bmp").display()));
    for args in [clip, logo] {
        make(tools, &args)?;
    }
    Ok(())
}

fn make(tools: &Tools, args: &[String]) -> Result<(), String> {
    // ffmpeg exits 0 after failing to write a trailer: anything it said at -loglevel error
    // is a failure here.
    let why = match run_command(&tools.ffmpeg, args, MEDIA_TIMEOUT) {
        Ok(done) => match crate::ffmpeg::complaint(&done.stderr) {
            None => return Ok(()),
            Some(why) => why,
        },
        Err(ToolError::Failed { full_stderr, .. }) => crate::ffmpeg::failure_reason(&full_stderr),
        Err(other) => other.to_string(),
    };
    Err(format!("it could not make the media for its trial export ({why})"))
}

/// Exports `json` (a timeline in `dir`) to `dir/NAME.mp4` as `reel export` would.
fn export_one(tools: &Tools, caps: &Capabilities, dir: &Path, name: &str, json: &str) -> Result<(), String> {
    let timeline = dir.join(format!("{name}.json"));
    std::fs::write(&timeline, json).map_err(|e| format!("could not write its trial timeline ({e})"))?;
    let (timeline, media) = crate::probe::load_timeline(tools, &timeline).map_err(|e| e.to_string())?;
    let plan = reel_core::plan::plan(&timeline, &media, &timeline.output, caps).map_err(|e| e.to_string())?;
    let options = RunOptions::default();
    match run_plan(&plan, tools, &dir.join(format!("{name}.mp4")), &options, StageTimings::default(), &mut |_| {}) {
        Ok(_) => Ok(()),
        Err(RunError::Ffmpeg { reason, .. }) => Err(reason),
        Err(e) => Err(e.to_string()),
    }
}
