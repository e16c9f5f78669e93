//! `reel check TIMELINE`: loads a timeline, probes its media and validates it, without
//! encoding. Prints `ok: N clips, duration X s`, or every problem at its JSON path (exit 3).
//! Structural problems are found before ffmpeg is even looked for.

use super::{print_json, print_out, tools, Result};
use crate::{CheckArgs, Cli};
use reel_core::timeline::{Item, Timeline};
use reel_core::validate::{fmt_s, MediaMap};
use serde_json::json;

pub(crate) fn run(cli: &Cli, args: &CheckArgs) -> Result {
    let loaded = (|| -> Result<_> {
        let timeline = reel_engine::read_timeline(&args.timeline)?;
        let tools = tools(cli)?;
        Ok(reel_engine::probe_timeline(&tools.ffprobe, timeline, &args.timeline)?)
    })();
    match loaded {
        Ok((timeline, media)) => {
            for w in &timeline.warnings {
                eprintln!("warning: {w}");
            }
            let s = Summary::of(&timeline, &media);
            if args.json {
                print_json(&json!({
                    "ok": true,
                    "clips": s.clips,
                    "gaps": s.gaps,
                    "overlays": timeline.overlays.len(),
                    "audio": timeline.audio.len(),
                    "sources": timeline.sources().iter().map(|s| &s.written).collect::<Vec<_>>(),
                    "duration": s.duration,
                    "warnings": timeline.warnings,
                }))
            } else {
                let plural = if s.clips == 1 { "" } else { "s" };
                print_out(&format!("ok: {} clip{plural}, duration {} s\n", s.clips, fmt_s(s.duration)))
            }
        }
        Err(e) => {
            if args.json {
                print_json(&json!({ "ok": false, "error": e.to_string(), "problems": e.problems() }))?;
            }
            Err(e)
        }
    }
}

struct Summary {
    clips: usize,
    gaps: usize,
    duration: f64,
}

impl Summary {
    /// Counts and the export's length: each clip from `in` to `out` (or the source's end) at
    /// its speed, plus every gap, less every transition's overlap.
    fn of(timeline: &Timeline, media: &MediaMap) -> Self {
        let mut s = Self { clips: 0, gaps: 0, duration: 0.0 };
        for item in &timeline.items {
            match item {
                Item::Clip(c) => {
                    s.clips += 1;
                    let end = c.out_s.or_else(|| {
                        media.get(&c.source.path).and_then(|m| m.as_ref().ok()).and_then(reel_core::media::MediaInfo::best_duration)
                    });
                    s.duration += end.map_or(0.0, |end| c.length(end).max(0.0));
                }
                Item::Gap(g) => {
                    s.gaps += 1;
                    s.duration += g.duration;
                }
                // The clips it joins overlap.
                Item::Transition(t) => s.duration -= t.duration,
            }
        }
        s
    }
}
