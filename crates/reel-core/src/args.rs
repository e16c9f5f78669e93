//! The one place that builds ffmpeg and ffprobe argument vectors.
//!
//! Every command reel runs is an argument vector (never a shell line) built here, so the
//! hardening is applied once for all: `-nostdin`, `-hide_banner`, `-n` (never `-y`: reel
//! decides about overwriting), inputs as `file:` paths so a name can never become a
//! protocol (`concat:x.mp4`, `http:…`), `-protocol_whitelist file` and a demuxer whitelist
//! on every input (an `.mp4` that is really an HLS playlist is not opened as one), and
//! still images read with `-f image2 -pattern_type none` so `%d` in a name is literal.

use crate::filter::secs;
use crate::media::ALLOWED_DEMUXERS;
use crate::Rational;
use serde::{Deserialize, Serialize};

/// How an input is opened.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum InputKind {
    /// An audio/video file.
    Media,
    /// A still image, read once (one frame at `framerate`'s time base); the filter graph
    /// repeats it (`loop`), so it is decoded once, not once per output frame.
    StillImage { framerate: Rational },
    /// A concat-demuxer list written by reel into the work folder.
    ConcatList,
    /// A concat-demuxer list of parts that share their parameter sets (a smart render's
    /// copied and re-encoded parts): read without the demuxer's conversion to Annex B
    /// (`-auto_convert 0`), which would write the parameter sets into every keyframe, so
    /// copied packets keep their exact bytes.
    ConcatParts,
}

impl InputKind {
    /// Either kind of concat list (a file reel writes, not a source).
    pub fn is_list(&self) -> bool {
        matches!(self, Self::ConcatList | Self::ConcatParts)
    }
}

/// One `-i` of an ffmpeg command, with its input options.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Input {
    /// An absolute path, or a name inside the job's work folder for lists reel writes.
    pub path: String,
    pub kind: InputKind,
    /// `-ss` before `-i` (input seeking).
    pub seek: Option<f64>,
    /// `-t` before `-i`.
    pub duration: Option<f64>,
}

impl Input {
    pub fn media(path: impl Into<String>) -> Self {
        Self { path: path.into(), kind: InputKind::Media, seek: None, duration: None }
    }
}

/// Prefixes a path with `file:` so ffmpeg cannot read it as a protocol or an option.
pub fn file_url(path: &str) -> String {
    format!("file:{path}")
}

/// The input options and `-i` for one input.
pub fn input_args(input: &Input) -> Vec<String> {
    let mut a: Vec<String> = Vec::new();
    let mut push = |s: &str| a.push(s.to_owned());
    push("-protocol_whitelist");
    push("file");
    match &input.kind {
        InputKind::Media => {
            push("-format_whitelist");
            push(ALLOWED_DEMUXERS);
        }
        InputKind::StillImage { framerate } => {
            push("-f");
            push("image2");
            push("-pattern_type");
            push("none");
            push("-framerate");
            push(&framerate.to_string());
        }
        InputKind::ConcatList | InputKind::ConcatParts => {
            push("-f");
            push("concat");
            push("-safe");
            push("1");
            if input.kind == InputKind::ConcatParts {
                push("-auto_convert");
                push("0");
            }
            push("-format_whitelist");
            push(&format!("concat,{ALLOWED_DEMUXERS}"));
        }
    }
    if let Some(ss) = input.seek {
        push("-ss");
        push(&secs(ss));
    }
    if let Some(t) = input.duration {
        push("-t");
        push(&secs(t));
    }
    push("-i");
    push(&file_url(&input.path));
    a
}

/// An ffmpeg command as data: global options, inputs, output options, one output.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FfmpegCommand {
    /// Options before the first input (besides the hardening ones, added by [`Self::to_args`]).
    pub global: Vec<String>,
    pub inputs: Vec<Input>,
    /// Options between the last input and the output.
    pub output_options: Vec<String>,
    /// The output file, a name inside the job's work folder.
    pub output: String,
}

impl FfmpegCommand {
    /// The argument vector (without the program name).
    pub fn to_args(&self) -> Vec<String> {
        let mut a: Vec<String> = ["-hide_banner", "-nostdin", "-n", "-loglevel", "warning"].iter().map(|s| (*s).to_owned()).collect();
        a.extend(self.global.iter().cloned());
        for input in &self.inputs {
            a.extend(input_args(input));
        }
        a.extend(self.output_options.iter().cloned());
        a.push(file_url(&self.output));
        a
    }
}

/// The arguments that render one frame of a filter graph reel wrote itself (a `lavfi`
/// source; no file of the user's is opened as an input) into `output`, a file in the work
/// folder, as raw 8-bit grey pixels. Used to measure text as drawtext lays it out
/// (`crate::plan::text`).
pub fn render_frame_args(graph: &str, output: &str) -> Vec<String> {
    let mut a: Vec<String> = ["-hide_banner", "-nostdin", "-n", "-loglevel", "error", "-protocol_whitelist", "file", "-f", "lavfi", "-i"]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
    a.push(graph.to_owned());
    a.extend(["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray"].iter().map(|s| (*s).to_owned()));
    a.push(file_url(output));
    a
}

/// ffprobe arguments for a media file's format and streams, as JSON, without decoding.
/// `-show_data` adds each stream's codec configuration (`extradata`: H.264/HEVC parameter
/// sets), a few dozen bytes.
pub fn ffprobe_args(path: &str) -> Vec<String> {
    let mut args = probe_base();
    args.extend(["-print_format", "json=compact=1", "-show_format", "-show_streams", "-show_data"].map(str::to_owned));
    args.push(file_url(path));
    args
}

/// ffprobe arguments listing the packets of the streams `select` picks (`v`: video, `a`:
/// audio) as CSV lines `stream_index,pts_time,dts_time,duration_time,flags`: keyframes
/// (`K` in the flags) and where the data really ends. Reads packet headers only, decodes
/// nothing; a tenth of the JSON listing's size. Independent of [`ffprobe_args`], so both
/// can run at once.
pub fn ffprobe_packet_args(path: &str, select: &str) -> Vec<String> {
    let mut args = probe_base();
    args.extend(
        [
            "-select_streams",
            select,
            "-show_entries",
            "packet=stream_index,pts_time,dts_time,duration_time,flags",
            "-print_format",
            "csv=p=0",
        ]
        .map(str::to_owned),
    );
    args.push(file_url(path));
    args
}

/// [`ffprobe_packet_args`] of the video streams: their keyframes and where their data ends.
pub fn ffprobe_keyframe_args(path: &str) -> Vec<String> {
    ffprobe_packet_args(path, "v")
}

/// ffprobe arguments giving where the first video packet lies in the file, as the lines
/// `size=N` and `pos=N`: reel reads the start of it for the encoder's settings (x264 writes
/// them into the first frame). Reads one packet; decodes nothing.
pub fn ffprobe_first_packet_args(path: &str) -> Vec<String> {
    let mut args = probe_base();
    args.extend(
        [
            "-select_streams",
            "v:0",
            "-read_intervals",
            "%+#1",
            "-show_entries",
            "packet=pos,size",
            "-print_format",
            "default=noprint_wrappers=1",
        ]
        .map(str::to_owned),
    );
    args.push(file_url(path));
    args
}

/// What every ffprobe run of a media file starts with: quiet, local files only, media
/// demuxers only.
fn probe_base() -> Vec<String> {
    ["-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file", "-format_whitelist", ALLOWED_DEMUXERS].map(str::to_owned).to_vec()
}

/// ffprobe arguments for a still image (no packet listing needed).
pub fn ffprobe_image_args(path: &str) -> Vec<String> {
    [
        "-hide_banner",
        "-loglevel",
        "error",
        "-protocol_whitelist",
        "file",
        "-f",
        "image2",
        "-pattern_type",
        "none",
        "-print_format",
        "json=compact=1",
        "-show_format",
        "-show_streams",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .chain(std::iter::once(file_url(path)))
    .collect()
}

/// Renders an argument vector as one shell-escaped line, for logs and `--verbose`.
pub fn shell_line(program: &str, args: &[String]) -> String {
    let mut words = vec![program.to_owned()];
    words.extend(args.iter().cloned());
    shell_words::join(words)
}
