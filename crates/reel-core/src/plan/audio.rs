//! The audio side of an export, shared by every strategy: the main track's audio trimmed
//! sample-exactly on the output clock (silence for gaps, muted clips and sources without
//! audio) and joined by one concat, the extra audio tracks mixed over it without
//! normalisation, padded or cut to the exact output length, and encoded once.
//!
//! ```text
//! clip i:   [n:a] aresample,aformat,atrim(sample exact),asetpts,volume,apad,atrim → [a_i]
//! gap i:    anullsrc,atrim → [a_i]
//! [a_0][a_1]…concat=v=0:a=1 → [mix]
//! tracks:   [n:a] aresample,…,adelay=…S → amix=normalize=0 with [mix]
//! last:     apad,atrim → [aout]
//! ```

use super::graph::seek_point;
use super::layout::{media_of, Layout, TOLERANCE};
use crate::args::{Input, InputKind};
use crate::filter::secs;
use crate::timeline::{Item, Timeline};
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
    let mut labels = Vec::new();
    for (i, (item, span)) in timeline.items.iter().zip(&layout.items).enumerate().skip(items.start).take(items.len()) {
        if span.samples == 0 {
            continue;
        }
        let source = match item {
            Item::Clip(clip) if clip.audio => media_of(media, &clip.source.path).ok().filter(|m| m.audio().is_some()).map(|m| (clip, m)),
            _ => None,
        };
        if let Some((clip, info)) = source {
            let x = seek_point(info, span.in_s);
            let n = clip_inputs.get(i).copied().flatten().unwrap_or_else(|| {
                inputs.push(Input {
                    path: clip.source.path.clone(),
                    kind: InputKind::Media,
                    seek: (x > 0.0).then_some(x),
                    duration: Some(span.out_s - x),
                });
                inputs.len() - 1
            });
            let phase = span.first_sample as f64 / f64::from(rate) - span.start;
            let s0 = ((span.in_s - x + phase) * f64::from(rate)).round().max(0.0) as u64;
            let volume = if (clip.volume - 1.0).abs() > f64::EPSILON { format!(",volume={}", clip.volume) } else { String::new() };
            chains.push(format!(
                "[{n}:a]aresample={rate},aformat=sample_fmts=fltp:channel_layouts={cl},atrim=start_sample={s0}:end_sample={},asetpts=PTS-STARTPTS{volume},apad=whole_len={m},atrim=end_sample={m}[a{i}]",
                s0 + span.samples,
                m = span.samples
            ));
        } else {
            chains.push(format!("anullsrc=r={rate}:cl={cl},atrim=end_sample={}[a{i}]", span.samples));
        }
        labels.push(format!("[a{i}]"));
    }
    if labels.is_empty() {
        // Only items shorter than one sample: no sound at all.
        chains.push(format!("anullsrc=r={rate}:cl={cl},atrim=end_sample=0[mix]"));
    } else {
        chains.push(format!("{}concat=n={}:v=0:a=1[mix]", labels.concat(), labels.len()));
    }
    "mix".to_owned()
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
        chains.push(format!("[{n}:a]{audio_format},asetpts=PTS-STARTPTS{volume},adelay=delays={delay}S:all=1[t{j}]"));
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
