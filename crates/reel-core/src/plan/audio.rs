//! The audio side of an export, shared by every strategy: the main track's audio trimmed
//! sample-exactly on the output clock (silence for gaps, muted clips and sources without
//! audio) and joined by one concat, the extra audio tracks mixed over it without
//! normalisation, padded or cut to the exact output length, and encoded once.
//!
//! ```text
//! clip i:   [n:a] aresample,aformat,atrim(sample exact),asetpts,atempo…,volume,afade…,apad,atrim → [a_i]
//! gap i:    anullsrc,atrim → [a_i]
//! a transition between clips i and k: [a_i][a_k]acrossfade=ns=N:c1=nofade:c2=nofade → [j_k]
//! [a_0][j_2]…concat=v=0:a=1 → [mix]
//! tracks:   [n:a] aresample,…,volume,afade…,adelay=…S → amix=normalize=0 with [mix]
//! last:     apad,atrim → [aout]
//! ```
//!
//! Timeline 1.1: each clip's sound is rendered whole (all of its samples, from where it
//! starts to where it ends, its overlaps with neighbours included) and its levels applied
//! there with `afade` (linear: the gain at sample `j` of a fade over `ss..ss + ns` is
//! `(j - ss) / ns`): its own fades, and a transition's weights over the samples it shares
//! with a neighbour (outgoing `1 - w`, incoming `w` for a crossfade; `1 - 2w` then silence,
//! and silence then `2w - 1` for a dip). Clips joined by a transition are then summed where
//! they overlap (`acrossfade` with no curve of its own), so the overlap sounds
//! `(1 - w) * outgoing + w * incoming` on the same samples as the picture. A clip at another
//! speed is stretched with `atempo` (pitch kept), chained in steps within 0.5..2 (its
//! best-sounding range) and cut to its exact length.

use super::graph::seek_point;
use super::layout::{media_of, Layout, TOLERANCE};
use crate::args::{Input, InputKind};
use crate::filter::secs;
use crate::timeline::{Item, Timeline, TransitionKind};
use crate::validate::MediaMap;

/// The timeline's finished audio: the main track's, with the audio tracks mixed over it,
/// exactly the output's length. `clip_inputs[i]` is an input already opened for clip `i`
/// (by the video side), reused; clips without one get their own. Returns the label.
pub(super) fn graph(
    timeline: &Timeline,
    media: &MediaMap,
    layout: &Layout,
    clip_inputs: &[Option<usize>],
    inputs: &mut Vec<Input>,
    chains: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> String {
    let mix = main_track(timeline, media, layout, 0..timeline.items.len(), clip_inputs, inputs, chains);
    mix_tracks(timeline, media, layout, &mix, inputs, chains, warnings)
}

/// The main track's audio for the items in `items`: each clip's audio trimmed
/// sample-exactly on the output clock (silence for gaps, muted clips and sources without
/// audio), joined by one concat; as many samples as those items' spans. `clip_inputs[i]` is
/// the input already opened for clip `i` by the video side (seeked to [`seek_point`]);
/// clips without one get an input of their own. Returns the label.
pub(super) fn main_track(
    timeline: &Timeline,
    media: &MediaMap,
    layout: &Layout,
    items: std::ops::Range<usize>,
    clip_inputs: &[Option<usize>],
    inputs: &mut Vec<Input>,
    chains: &mut Vec<String>,
) -> String {
    let rate = layout.sample_rate;
    let cl = layout.channel_layout();
    let sample = |t: f64| (t * f64::from(rate)).round().max(0.0) as u64;
    let transition = |j: Option<usize>| match j.and_then(|j| timeline.items.get(j)) {
        Some(Item::Transition(t)) => Some(t),
        _ => None,
    };
    let mut labels: Vec<String> = Vec::new();
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate().skip(items.start).take(items.len()) {
        let clip = match item {
            Item::Transition(_) => continue,
            Item::Gap(_) => {
                if span.samples > 0 {
                    chains.push(format!("anullsrc=r={rate}:cl={cl},atrim=end_sample={}[a{i}]", span.samples));
                    labels.push(format!("[a{i}]"));
                }
                continue;
            }
            Item::Clip(clip) => clip,
        };
        // The whole clip, its shares of the transitions on either side included.
        let (before, after) = (transition(i.checked_sub(1)), transition(Some(i + 1)));
        let shared_before = before.and_then(|_| layout.items.get(i - 1)).map_or(0, |t| t.samples);
        let shared_after = after.and_then(|_| layout.items.get(i + 1)).map_or(0, |t| t.samples);
        let first = span.first_sample - shared_before;
        let m = span.samples + shared_before + shared_after;
        // Its own length (the last item's span also holds the padding to the last frame).
        let own = sample(span.item_start + span.length).saturating_sub(first).min(m);
        if m == 0 {
            continue;
        }
        let mut shape = String::new();
        let fade = |kind: &str, ss: u64, ns: u64| if ns == 0 { String::new() } else { format!(",afade=t={kind}:ss={ss}:ns={ns}") };
        if let Some(r) = clip.fade_in {
            shape.push_str(&fade("in", 0, sample(r.remaining()).min(own)));
        }
        if let Some(r) = clip.fade_out {
            let ns = sample(r.remaining()).min(own);
            shape.push_str(&fade("out", own - ns, ns));
        }
        if let Some(t) = before {
            let n = shared_before;
            shape.push_str(&match t.kind {
                TransitionKind::Crossfade => fade("in", 0, n),
                TransitionKind::Dip => fade("in", n / 2, n - n / 2),
            });
        }
        if let Some(t) = after {
            let n = shared_after;
            shape.push_str(&match t.kind {
                TransitionKind::Crossfade => fade("out", m - n, n),
                TransitionKind::Dip => fade("out", m - n, n / 2),
            });
        }
        let source = if clip.audio { media_of(media, &clip.source.path).ok().filter(|m| m.audio().is_some()) } else { None };
        if let Some(info) = source {
            let x = seek_point(info, clip.in_s);
            let whole = (span.start - span.item_start).abs() < TOLERANCE && (span.duration - span.length).abs() < TOLERANCE;
            let n = clip_inputs.get(i).copied().flatten().filter(|_| whole).unwrap_or_else(|| {
                inputs.push(Input {
                    path: clip.source.path.clone(),
                    kind: InputKind::Media,
                    seek: (x > 0.0).then_some(x),
                    duration: Some(clip.in_s + clip.speed * span.length - x),
                });
                inputs.len() - 1
            });
            let phase = first as f64 / f64::from(rate) - span.item_start;
            let s0 = ((clip.in_s - x + clip.speed * phase) * f64::from(rate)).round().max(0.0) as u64;
            let read = (m as f64 * clip.speed).round() as u64;
            let volume = if (clip.volume - 1.0).abs() > f64::EPSILON { format!(",volume={}", clip.volume) } else { String::new() };
            chains.push(format!(
                "[{n}:a]aresample={rate},aformat=sample_fmts=fltp:channel_layouts={cl},atrim=start_sample={s0}:end_sample={},asetpts=PTS-STARTPTS{}{volume}{shape},apad=whole_len={m},atrim=end_sample={m}[a{i}]",
                s0 + read,
                tempo(clip.speed)
            ));
        } else {
            chains.push(format!("anullsrc=r={rate}:cl={cl},atrim=end_sample={m}[a{i}]"));
        }
        // Summed with the clip before over the samples they share.
        match labels.last_mut() {
            Some(last) if before.is_some() && shared_before > 0 => {
                chains.push(format!("{last}[a{i}]acrossfade=ns={shared_before}:c1=nofade:c2=nofade[j{i}]"));
                *last = format!("[j{i}]");
            }
            _ => labels.push(format!("[a{i}]")),
        }
    }
    if labels.is_empty() {
        // Only items shorter than one sample: no sound at all.
        chains.push(format!("anullsrc=r={rate}:cl={cl},atrim=end_sample=0[mix]"));
    } else {
        chains.push(format!("{}concat=n={}:v=0:a=1[mix]", labels.concat(), labels.len()));
    }
    "mix".to_owned()
}

/// `atempo` filters that play sound `speed` times as fast with its pitch kept, each within
/// 0.5..2 (`atempo` accepts up to 100 from ffmpeg 4.2 on, but skips samples beyond 2).
/// Empty at normal speed.
pub(super) fn tempo(speed: f64) -> String {
    if (speed - 1.0).abs() <= f64::EPSILON {
        return String::new();
    }
    let steps = speed.log2().abs().ceil().max(1.0);
    let each = speed.powf(1.0 / steps);
    ",atempo=".to_owned() + &vec![format!("{each:.6}"); steps as usize].join(",atempo=")
}

/// Mixes the timeline's audio tracks over the main track's audio (label `main`) and pads or
/// cuts the result to the exact output length. Returns the label of the finished audio.
pub(super) fn mix_tracks(
    timeline: &Timeline,
    media: &MediaMap,
    layout: &Layout,
    main: &str,
    inputs: &mut Vec<Input>,
    chains: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> String {
    let rate = layout.sample_rate;
    let audio_format = format!("aresample={rate},aformat=sample_fmts=fltp:channel_layouts={}", layout.channel_layout());
    let mut audio = main.to_owned();
    let mut tracks = Vec::new();
    for (j, track) in timeline.audio.iter().enumerate() {
        if track.start >= layout.duration - TOLERANCE {
            warnings.push(format!(
                "audio[{j}] starts at {} s, after the export ends ({} s); it is not heard",
                secs(track.start),
                secs(layout.duration)
            ));
            continue;
        }
        let Ok(info) = media_of(media, &track.source.path) else { continue };
        let out = track.out_s.or_else(|| info.audio().and_then(|a| a.duration)).or_else(|| info.best_duration()).unwrap_or(layout.duration);
        let n = inputs.len();
        inputs.push(Input {
            path: track.source.path.clone(),
            kind: InputKind::Media,
            seek: (track.in_s > 0.0).then_some(track.in_s),
            duration: Some((out - track.in_s).min(layout.duration - track.start + 1.0)),
        });
        let delay = (track.start * f64::from(rate)).round() as u64;
        let volume = if (track.volume - 1.0).abs() > f64::EPSILON { format!(",volume={}", track.volume) } else { String::new() };
        let samples = |t: f64| (t * f64::from(rate)).round().max(0.0) as u64;
        let length = samples(out - track.in_s);
        let mut shape = String::new();
        if let Some(r) = track.fade_in {
            shape.push_str(&format!(",afade=t=in:ss=0:ns={}", samples(r.remaining()).clamp(1, length.max(1))));
        }
        if let Some(r) = track.fade_out {
            let ns = samples(r.remaining()).clamp(1, length.max(1));
            shape.push_str(&format!(",afade=t=out:ss={}:ns={ns}", length.saturating_sub(ns)));
        }
        chains.push(format!("[{n}:a]{audio_format},asetpts=PTS-STARTPTS{volume}{shape},adelay=delays={delay}S:all=1[t{j}]"));
        tracks.push(format!("[t{j}]"));
    }
    if !tracks.is_empty() {
        chains.push(format!(
            "[{audio}]{}amix=inputs={}:duration=first:dropout_transition=0:normalize=0[mixed]",
            tracks.concat(),
            tracks.len() + 1
        ));
        audio = "mixed".to_owned();
    }
    chains.push(format!("[{audio}]apad=whole_len={m},atrim=end_sample={m}[aout]", m = layout.samples));
    "aout".to_owned()
}

/// Output options for the AAC encode of the finished audio.
pub(super) fn encode_args(layout: &Layout) -> Vec<String> {
    vec![
        "-c:a".to_owned(),
        "aac".to_owned(),
        "-b:a".to_owned(),
        layout.audio_bitrate.clone(),
        "-ar".to_owned(),
        layout.sample_rate.to_string(),
        "-ac".to_owned(),
        layout.channels.to_string(),
    ]
}
