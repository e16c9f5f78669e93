//! One progress for the whole export, however many jobs run at once: each job's share is
//! its weight (a frame encoded counts 1, a frame copied or an audio frame a small
//! fraction), done in proportion to the output time ffmpeg reports for it. The percent
//! never goes back, arrives at least every 500 ms while anything runs (repeated when
//! ffmpeg is quiet), and the `faststart` stage is announced when the final job has written
//! its last frame and writes the index at the front (its report reached the last frames,
//! or it went quiet with less than a second of encoding left: ffmpeg reports nothing
//! meanwhile).

use reel_core::plan::Plan;
use reel_wire::{Event, MessageEvent, ProgressEvent, StageEvent};
use std::time::{Duration, Instant};

/// Longest silence between progress events while a job runs.
pub(super) const HEARTBEAT: Duration = Duration::from_millis(500);

/// Progress events closer together than this are merged (many parallel jobs report).
const MIN_GAP: Duration = Duration::from_millis(100);

/// ffmpeg reports every 0.5 s while it encodes (`-stats_period 0.5`); quiet for this long,
/// it has left its encoding loop.
const ENCODING_OVER: Duration = Duration::from_millis(800);

/// Whether ffmpeg has finished encoding and is finishing the file (flushing the encoders,
/// writing the index at the front; it reports nothing more until that is done): its last
/// report had `left` seconds of output
/// to go, at `speed`, `quiet` ago. Either the report reached the last frames, or ffmpeg
/// went quiet with less left than it encodes in a second.
fn faststart_begun(left: f64, speed: Option<f64>, quiet: Duration, frame: f64) -> bool {
    left <= 2.0 * frame || (quiet >= ENCODING_OVER && left <= speed.unwrap_or(1.0).max(0.1) + 2.0 * frame)
}

/// One `-progress` block.
#[derive(Debug, Default, Clone)]
pub(super) struct Block {
    pub out_time: Option<f64>,
    pub fps: Option<f64>,
    pub speed: Option<f64>,
    pub end: bool,
}

/// Reads one `key=value` line into `block`; true when the line ends a block.
pub(super) fn parse_line(block: &mut Block, line: &str) -> bool {
    let Some((key, value)) = line.trim().split_once('=') else { return false };
    let value = value.trim();
    match key {
        "out_time_us" | "out_time_ms" => block.out_time = value.parse::<f64>().ok().map(|us| (us / 1e6).max(0.0)),
        "fps" => block.fps = value.parse().ok(),
        "speed" => block.speed = value.trim_end_matches('x').trim().parse().ok(),
        "progress" => {
            block.end = value == "end";
            return true;
        }
        _ => {}
    }
    false
}

#[derive(Debug, Clone, Default)]
struct JobProgress {
    weight: f64,
    expected: f64,
    /// Fraction done, 0..=1.
    done: f64,
    running: bool,
    fps: Option<f64>,
    speed: Option<f64>,
    /// ffmpeg's last report while encoding: when, and how far (output seconds).
    reported: Option<(Instant, f64)>,
}

pub(super) struct Progress<'a> {
    jobs: Vec<JobProgress>,
    total: f64,
    duration: f64,
    frame: f64,
    final_index: Option<usize>,
    started: Instant,
    last_sent: Option<Instant>,
    last_percent: f64,
    last_job: String,
    ids: Vec<String>,
    faststart_announced: bool,
    sink: &'a mut dyn FnMut(Event),
}

impl<'a> Progress<'a> {
    pub fn new(plan: &Plan, sink: &'a mut dyn FnMut(Event)) -> Self {
        let jobs: Vec<JobProgress> = plan
            .jobs
            .iter()
            .map(|j| JobProgress { weight: j.weight.max(0.0), expected: j.expected_duration, ..JobProgress::default() })
            .collect();
        let total = jobs.iter().map(|j| j.weight).sum();
        Self {
            jobs,
            total,
            duration: plan.duration,
            frame: plan.output.fps.period(),
            final_index: plan.jobs.iter().position(|j| j.id == plan.final_job),
            started: Instant::now(),
            last_sent: None,
            last_percent: 0.0,
            last_job: String::new(),
            ids: plan.jobs.iter().map(|j| j.id.clone()).collect(),
            faststart_announced: false,
            sink,
        }
    }

    pub fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    pub fn into_sink(self) -> &'a mut dyn FnMut(Event) {
        self.sink
    }

    pub fn warn(&mut self, message: String) {
        (self.sink)(Event::Warning(MessageEvent { message }));
    }

    /// Job `i` started (or restarted, after a fallback).
    pub fn start(&mut self, i: usize) {
        if let Some(j) = self.jobs.get_mut(i) {
            (j.running, j.done) = (true, 0.0);
        }
    }

    /// ffmpeg reported progress for job `i`.
    pub fn update(&mut self, i: usize, block: &Block) {
        let Some(j) = self.jobs.get_mut(i) else { return };
        let out_time = block.out_time.unwrap_or(0.0).min(j.expected);
        j.done = if block.end || j.expected <= 0.0 { 1.0 } else { (out_time / j.expected).clamp(0.0, 1.0) };
        (j.fps, j.speed) = (block.fps, block.speed);
        j.reported = (!block.end).then(|| (Instant::now(), out_time));
        self.last_job.clone_from(&self.ids[i]);
        self.faststart(i);
        self.send(false);
    }

    /// Announces the `faststart` stage once, when job `i` is the final one and its frames
    /// are all written but it runs on: it writes the index at the front of the file.
    fn faststart(&mut self, i: usize) {
        let Some(j) = self.jobs.get(i).filter(|j| j.running && Some(i) == self.final_index && !self.faststart_announced) else { return };
        if j.reported.is_some_and(|(at, out_time)| faststart_begun(j.expected - out_time, j.speed, at.elapsed(), self.frame)) {
            self.faststart_announced = true;
            (self.sink)(Event::Stage(StageEvent { stage: "faststart".to_owned() }));
        }
    }

    /// Job `i` finished (rendered, or taken from the cache).
    pub fn finish(&mut self, i: usize) {
        if let Some(j) = self.jobs.get_mut(i) {
            (j.running, j.done, j.fps, j.speed) = (false, 1.0, None, None);
        }
        self.last_job.clone_from(&self.ids[i]);
        // Always said: the last job's end is the 100 %.
        self.send(true);
    }

    /// Called while waiting: repeats the last progress when nothing was said for
    /// [`HEARTBEAT`].
    pub fn tick(&mut self) {
        if let Some(i) = self.final_index {
            self.faststart(i);
        }
        if self.last_sent.is_none_or(|t| t.elapsed() >= HEARTBEAT) {
            self.send(true);
        }
    }

    /// Sends the progress; `now` skips the merging of close events (and the speed, which a
    /// repeat does not know).
    fn send(&mut self, now: bool) {
        if !now && self.last_sent.is_some_and(|t| t.elapsed() < MIN_GAP) {
            return;
        }
        let heartbeat = now;
        let done: f64 = self.jobs.iter().map(|j| j.weight * j.done).sum();
        let percent = if self.total > 0.0 { (done / self.total * 100.0).clamp(0.0, 100.0) } else { 0.0 };
        // Never backwards (a hardware fallback starts the jobs again).
        let percent = percent.max(self.last_percent);
        self.last_percent = percent;
        let running: Vec<&JobProgress> = self.jobs.iter().filter(|j| j.running).collect();
        let sum = |f: fn(&JobProgress) -> Option<f64>| {
            let values: Vec<f64> = running.iter().filter_map(|j| f(j)).collect();
            (!heartbeat && !values.is_empty()).then(|| values.iter().sum())
        };
        let elapsed = self.started.elapsed().as_secs_f64();
        let eta = (percent > 0.5 && percent < 100.0).then(|| elapsed * (100.0 - percent) / percent);
        let event = ProgressEvent {
            percent,
            out_time: self.duration * percent / 100.0,
            duration: self.duration,
            fps: sum(|j| j.fps),
            speed: sum(|j| j.speed),
            eta,
            job: self.last_job.clone(),
        };
        (self.sink)(Event::Progress(event));
        self.last_sent = Some(Instant::now());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn faststart_begins_when_encoding_reached_the_end_or_went_quiet_near_it() {
        let frame = 1.0 / 30.0;
        assert!(faststart_begun(0.05, Some(2.0), Duration::ZERO, frame), "the last frames were reported");
        assert!(!faststart_begun(0.6, Some(2.0), Duration::from_millis(300), frame), "still encoding: it reports every 0.5 s");
        assert!(faststart_begun(0.6, Some(2.0), Duration::from_secs(1), frame), "quiet with 0.3 s of work left");
        assert!(!faststart_begun(30.0, Some(2.0), Duration::from_secs(5), frame), "quiet far from the end: a slow input, not faststart");
    }

    #[test]
    fn progress_blocks() {
        let mut b = Block::default();
        assert!(!parse_line(&mut b, "out_time_us=1500000"));
        assert!(!parse_line(&mut b, "speed=1.25x"));
        assert!(!parse_line(&mut b, "fps=N/A"));
        assert!(parse_line(&mut b, "progress=continue"));
        assert_eq!((b.out_time, b.speed, b.fps, b.end), (Some(1.5), Some(1.25), None, false));
        let mut n = Block::default();
        parse_line(&mut n, "out_time_us=-23000");
        assert_eq!(n.out_time, Some(0.0), "negative times are clamped");
        assert!(parse_line(&mut n, "progress=end") && n.end);
    }
}
