//! The hand-written references as commands. [`reference`] is the one place that says what
//! each method runs; every ffmpeg command it builds comes from [`single_pass`] (one command,
//! one filter graph, for a whole workload or a piece of one) or [`concat_copy`] (the concat
//! demuxer with `-c copy`), with the encoder settings read from reel's own plan
//! ([`Encoding`]) so a reference never wins by encoding less carefully.

use crate::media::Source;
use crate::workload::{Clip, Layer, Method, Workload};
use reel_core::plan::Plan;
use std::path::{Path, PathBuf};

/// One thing a method does, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Write a small text file (a concat list).
    Write { path: PathBuf, contents: String },
    /// Copy a file's bytes.
    CopyBytes { from: PathBuf, to: PathBuf },
    /// Run ffmpeg with these arguments (the runner adds `-nostdin -hide_banner -y` and
    /// quiet logging in front).
    Ffmpeg(Vec<String>),
}

/// A method's steps and the file they end with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub steps: Vec<Step>,
    pub output: PathBuf,
}

/// The encoder and audio settings of reel's plan, for the references to use as they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Encoding {
    /// `-c:v … -preset … -crf … -pix_fmt …` as reel passes them.
    pub video: Vec<String>,
    /// `-c:a aac -b:a … -ar … -ac …` as reel passes them.
    pub audio: Vec<String>,
    pub sample_rate: u32,
    pub channels: u32,
}

/// Output options that choose how video is encoded.
const VIDEO_OPTIONS: [&str; 6] = ["-c:v", "-preset", "-crf", "-pix_fmt", "-x265-params", "-tag:v"];
/// Output options that choose how audio is encoded.
const AUDIO_OPTIONS: [&str; 4] = ["-c:a", "-b:a", "-ar", "-ac"];

impl Encoding {
    pub fn from_plan(plan: &Plan) -> Result<Self, String> {
        // The job that encodes video and the one that encodes audio: one job in a single pass,
        // a render and an audio job in a segmented plan (whose first job may be either).
        let encodes =
            |key: &str| plan.jobs.iter().map(|j| &j.command.output_options).find(|o| o.windows(2).any(|w| w[0] == key && w[1] != "copy"));
        let first = &plan.jobs.first().ok_or("reel's plan has no job")?.command.output_options;
        let pick = |key: &str, keys: &[&str]| -> Vec<String> {
            encodes(key).unwrap_or(first).windows(2).filter(|w| keys.contains(&w[0].as_str())).flat_map(|w| w.iter().cloned()).collect()
        };
        let audio = plan.output.audio.as_ref().ok_or("reel's plan has no audio output; every bench workload has audio")?;
        Ok(Self {
            video: pick("-c:v", &VIDEO_OPTIONS),
            audio: pick("-c:a", &AUDIO_OPTIONS),
            sample_rate: audio.sample_rate,
            channels: audio.channels,
        })
    }

    fn channel_layout(&self) -> String {
        match self.channels {
            1 => "mono".to_owned(),
            2 => "stereo".to_owned(),
            n => format!("{n}c"),
        }
    }
}

/// What `method` runs for workload `w`, writing its files into `scratch`. `reel_output`
/// is reel's export (what the byte copy copies).
pub fn reference(method: Method, w: &Workload, enc: &Encoding, scratch: &Path, reel_output: &Path) -> Reference {
    let output = scratch.join(format!("{}.mp4", method.slug()));
    let list = scratch.join(format!("{}.txt", method.slug()));
    let steps = match method {
        Method::ByteCopy => vec![Step::CopyBytes { from: reel_output.to_owned(), to: output.clone() }],
        Method::ConcatCopy => {
            let pieces = w.clips.iter().map(|c| (c.source.path.clone(), Some((c.in_s, c.out_s)))).collect();
            concat_copy(pieces, &list, &output)
        }
        Method::SinglePass => vec![Step::Ffmpeg(single_pass(w, enc, &output))],
        Method::PassPerOverlay => {
            // Pass k draws overlay k over the output of pass k-1 (the first over the
            // clips), re-encoding the whole video and its audio every time.
            let mut steps = Vec::new();
            let mut input = w.clone();
            for (k, overlay) in w.overlays.iter().enumerate() {
                let out = if k + 1 == w.overlays.len() { output.clone() } else { scratch.join(format!("pass{k}.mp4")) };
                steps.push(Step::Ffmpeg(single_pass(&Workload { overlays: vec![overlay.clone()], ..input }, enc, &out)));
                input = rendered(w, enc, out);
            }
            steps
        }
        Method::PerInterval => {
            let mut steps = Vec::new();
            let mut pieces = Vec::new();
            for (k, part) in w.intervals().iter().enumerate() {
                let out = scratch.join(format!("interval{k}.mp4"));
                steps.push(Step::Ffmpeg(single_pass(part, enc, &out)));
                pieces.push((out, None));
            }
            steps.extend(concat_copy(pieces, &list, &output));
            steps
        }
    };
    Reference { steps, output }
}

/// `w` with its overlays already drawn into `path` (one clip of the output's format).
fn rendered(w: &Workload, enc: &Encoding, path: PathBuf) -> Workload {
    let source = Source {
        path,
        pattern: "rendered",
        width: w.output.width,
        height: w.output.height,
        fps: w.output.fps,
        duration: w.duration(),
        sample_rate: enc.sample_rate,
        channels: enc.channels,
        gop: w.output.fps,
    };
    Workload { clips: vec![Clip { source, in_s: 0.0, out_s: w.duration() }], overlays: Vec::new(), ..w.clone() }
}

/// Seconds as ffmpeg reads them, without trailing zeros.
pub fn secs(t: f64) -> String {
    let s = format!("{t:.6}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The concat list (`inpoint`/`outpoint` where a piece is cut) and
/// `ffmpeg -f concat -safe 0 -i LIST -c copy -movflags +faststart OUT`.
fn concat_copy(pieces: Vec<(PathBuf, Option<(f64, f64)>)>, list: &Path, output: &Path) -> Vec<Step> {
    let mut contents = String::new();
    for (path, cut) in pieces {
        contents.push_str(&format!("file '{}'\n", path.display().to_string().replace('\'', r"'\''")));
        if let Some((in_s, out_s)) = cut {
            if in_s > 0.0 {
                contents.push_str(&format!("inpoint {}\n", secs(in_s)));
            }
            contents.push_str(&format!("outpoint {}\n", secs(out_s)));
        }
    }
    let args = [
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        &list.display().to_string(),
        "-c",
        "copy",
        "-movflags",
        "+faststart",
        &output.display().to_string(),
    ]
    .map(str::to_owned);
    vec![Step::Write { path: list.to_owned(), contents }, Step::Ffmpeg(args.to_vec())]
}

/// One ffmpeg command for the whole workload, as a person would write it: input seeking
/// per clip, each clip scaled/padded and re-timed only where it differs from the output,
/// one concat filter for several clips, overlays with `enable='between(t,a,b)'` (left out
/// where an overlay covers the whole piece), then reel's encoder and audio settings and
/// `-movflags +faststart` (reel's output is always streaming-friendly too).
pub fn single_pass(w: &Workload, enc: &Encoding, output: &Path) -> Vec<String> {
    let (width, height, fps) = (w.output.width, w.output.height, w.output.fps);
    let mut args: Vec<String> = Vec::new();
    for c in &w.clips {
        if c.in_s > 0.0 {
            args.extend(["-ss".to_owned(), secs(c.in_s)]);
        }
        args.extend(["-t".to_owned(), secs(c.duration()), "-i".to_owned(), c.source.path.display().to_string()]);
    }
    let joined = w.clips.len() > 1;
    let mut chains = Vec::new();
    let mut video = "[0:v]".to_owned();
    let mut audio = "0:a".to_owned();
    for (i, c) in w.clips.iter().enumerate() {
        let mut filters = Vec::new();
        if (c.source.width, c.source.height) != (width, height) {
            filters.push(format!(
                "scale={width}:{height}:force_original_aspect_ratio=decrease,pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1"
            ));
        }
        if c.source.fps != fps {
            filters.push(format!("fps={fps}"));
        }
        if !filters.is_empty() || joined {
            chains.push(format!("[{i}:v]{}[v{i}]", if filters.is_empty() { "null".to_owned() } else { filters.join(",") }));
            video = format!("[v{i}]");
        }
        if joined {
            chains.push(format!("[{i}:a]aresample={},aformat=channel_layouts={}[a{i}]", enc.sample_rate, enc.channel_layout()));
        }
    }
    if joined {
        let pads = (0..w.clips.len()).map(|i| format!("[v{i}][a{i}]")).collect::<Vec<_>>().concat();
        chains.push(format!("{pads}concat=n={}:v=1:a=1[joined][audio]", w.clips.len()));
        video = "[joined]".to_owned();
        audio = "[audio]".to_owned();
    }
    let mut images = w.clips.len();
    for (j, o) in w.overlays.iter().enumerate() {
        let enable = if o.start <= 0.0 && o.end >= w.duration() {
            String::new()
        } else {
            format!(":enable='between(t,{},{})'", secs(o.start), secs(o.end))
        };
        let y = o.y;
        let filter = match &o.layer {
            Layer::Image(path) => {
                args.extend(["-i".to_owned(), path.display().to_string()]);
                images += 1;
                let x = o.x.map_or("(W-w)/2".to_owned(), |x| x.to_string());
                format!("[{}:v]overlay=x={x}:y={y}{enable}", images - 1)
            }
            Layer::Text { text, size } => {
                let x = o.x.map_or("(w-text_w)/2".to_owned(), |x| x.to_string());
                format!("drawtext=text='{text}':font=Sans:fontsize={size}:fontcolor=white:x={x}:y={y}{enable}")
            }
        };
        chains.push(format!("{video}{filter}[o{j}]"));
        video = format!("[o{j}]");
    }
    if chains.is_empty() {
        video = "0:v".to_owned();
    } else {
        args.extend(["-filter_complex".to_owned(), chains.join(";")]);
    }
    args.extend(["-map".to_owned(), video, "-map".to_owned(), audio]);
    args.extend(enc.video.iter().cloned());
    args.extend(enc.audio.iter().cloned());
    args.extend(["-movflags".to_owned(), "+faststart".to_owned(), output.display().to_string()]);
    args
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::media::Media;
    use crate::workload::{self, Scale};

    fn enc() -> Encoding {
        let s = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect();
        Encoding {
            video: s(&["-c:v", "libx264", "-preset", "veryfast", "-crf", "23"]),
            audio: s(&["-c:a", "aac", "-b:a", "192k"]),
            sample_rate: 48_000,
            channels: 2,
        }
    }

    fn ffmpeg_commands(r: &Reference) -> Vec<String> {
        r.steps.iter().filter_map(|s| if let Step::Ffmpeg(a) = s { Some(a.join(" ")) } else { None }).collect()
    }

    #[test]
    fn overlay_single_pass_draws_everything_in_one_graph() {
        let media = Media::new(Path::new("/m"), Scale::new(true));
        let w = workload::overlay(Scale::new(true), &media);
        let r = reference(Method::SinglePass, &w, &enc(), Path::new("/s"), Path::new("/s/reel.mp4"));
        let cmds = ffmpeg_commands(&r);
        assert_eq!(cmds.len(), 1);
        assert!(
            cmds[0].contains("[0:v][1:v]overlay=x=40:y=40:enable='between(t,0.833333,4.166667)'[o0];[o0]drawtext=text='reel benchmark'"),
            "{}",
            cmds[0]
        );
        assert!(
            cmds[0].contains(
                "-map [o2] -map 0:a -c:v libx264 -preset veryfast -crf 23 -c:a aac -b:a 192k -movflags +faststart /s/single-pass.mp4"
            ),
            "{}",
            cmds[0]
        );
    }

    #[test]
    fn slow_methods_encode_once_per_overlay_or_interval() {
        let media = Media::new(Path::new("/m"), Scale::new(true));
        let w = workload::overlay(Scale::new(true), &media);
        let passes = ffmpeg_commands(&reference(Method::PassPerOverlay, &w, &enc(), Path::new("/s"), Path::new("")));
        assert_eq!(passes.len(), 3);
        assert!(passes[1].starts_with("-t 10 -i /s/pass0.mp4 -filter_complex [0:v]drawtext="), "{}", passes[1]);
        assert!(passes[2].ends_with("/s/pass-per-overlay.mp4"));
        let intervals = reference(Method::PerInterval, &w, &enc(), Path::new("/s"), Path::new(""));
        let cmds = ffmpeg_commands(&intervals);
        assert_eq!(cmds.len(), 7 + 1, "seven intervals and the join");
        assert!(cmds[3].starts_with("-ss 4.166667 -t 1.666667 -i "), "{}", cmds[3]);
        assert!(!cmds[3].contains("enable"), "a piece shows its overlays throughout: {}", cmds[3]);
        assert!(matches!(&intervals.steps[7], Step::Write { contents, .. } if contents.lines().count() == 7));
    }

    #[test]
    fn mixed_clips_are_fitted_only_where_they_differ() {
        let media = Media::new(Path::new("/m"), Scale::new(false));
        let w = workload::mixed(Scale::new(false), &media);
        let cmd = single_pass(&w, &enc(), Path::new("/o.mp4")).join(" ");
        assert!(
            cmd.contains("[0:v]scale=1920:1080:force_original_aspect_ratio=decrease,pad=1920:1080:(ow-iw)/2:(oh-ih)/2,setsar=1[v0]"),
            "{cmd}"
        );
        assert!(cmd.contains("[1:v]fps=60[v1]"), "{cmd}");
        assert!(cmd.contains("[2:a]aresample=48000,aformat=channel_layouts=stereo[a2]"), "{cmd}");
        assert!(cmd.contains("concat=n=3:v=1:a=1[joined][audio]") && cmd.contains("-map [joined] -map [audio]"), "{cmd}");
    }

    #[test]
    fn concat_list_cuts_each_piece() {
        let media = Media::new(Path::new("/m"), Scale::new(true));
        let w = workload::copy(Scale::new(true), &media, true);
        let r = reference(Method::ConcatCopy, &w, &enc(), Path::new("/s"), Path::new(""));
        let Step::Write { contents, .. } = &r.steps[0] else { panic!("list first") };
        assert!(
            contents.starts_with("file '/m/testsrc2-1280x720-30fps-10s-48000x2-noise8.mp4'\ninpoint 0.5\noutpoint 2.5\nfile "),
            "{contents}"
        );
        assert_eq!(ffmpeg_commands(&r), ["-f concat -safe 0 -i /s/concat-copy.txt -c copy -movflags +faststart /s/concat-copy.mp4"]);
    }

    #[test]
    fn seconds_are_short() {
        assert_eq!(secs(5.0), "5");
        assert_eq!(secs(0.5), "0.5");
        assert_eq!(secs(10.0 / 12.0), "0.833333");
    }
}
