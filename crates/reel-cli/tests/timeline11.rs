//! Timeline 1.1 exported through the real binary and measured: transitions (crossfade and
//! dip), fades, speed and styled text. Every case runs as one pass and as segments, and
//! both must give the frames, levels and sound the format defines:
//! - identities follow each clip's own clock (`in + speed * (t - S)`), before, after and
//!   (for a dip) inside a transition;
//! - levels are measured on flat grey fixtures (`reel_testkit::Fixture::Bright`, `Dark`) and
//!   continuous tones (`Tone`, `LowTone`), frame by frame and 10 ms by 10 ms, against the
//!   page's `w = (t - T) / D` and `(t - S) / D`, within a small tolerance for the encoders;
//! - durations, constant frame rate, decoding without errors, beeps in sync.
//!
//! The expectations are computed here from the page, independently of the planner.

mod common;

use common::{assert_beeps, assert_clean_cfr, assert_streaming_mp4, Env};
use reel_testkit::{fixture, read_frame_ids, region_luma, tone_levels, Fixture};
use std::path::Path;

const FPS: f64 = 30.0;

/// A main-track item of the model: a clip (fixture id, source rate, in, out, speed), or a
/// transition of `D` seconds between the clips around it.
#[derive(Clone, Copy)]
enum M {
    Clip { id: u8, fps: f64, in_s: f64, out_s: f64, speed: f64 },
    Transition(f64),
}

/// Each clip's start and length on the output clock: a transition makes the clip after it
/// start `D` earlier.
fn placed(items: &[M]) -> Vec<(M, f64, f64)> {
    let mut out = Vec::new();
    let mut at = 0.0;
    for item in items {
        match *item {
            M::Clip { in_s, out_s, speed, .. } => {
                let length = (out_s - in_s) / speed;
                out.push((*item, at, length));
                at += length;
            }
            M::Transition(d) => at -= d,
        }
    }
    out
}

fn total(items: &[M]) -> f64 {
    placed(items).last().map_or(0.0, |(_, s, l)| s + l)
}

/// What output frame `k` shows: the identity of the one clip on screen, or `None` where
/// two clips overlap (a transition blends them).
fn expected(items: &[M]) -> Vec<Option<(u8, u32)>> {
    let clips = placed(items);
    let frames = ((total(items) - 1e-6) * FPS).ceil() as usize;
    (0..frames)
        .map(|k| {
            let t = k as f64 / FPS;
            let on: Vec<&(M, f64, f64)> = clips.iter().filter(|(_, s, l)| t + 1e-6 >= *s && t + 1e-6 < s + l).collect();
            match on.as_slice() {
                [(M::Clip { id, fps, in_s, speed, .. }, s, _)] => Some((*id, ((in_s + speed * (t - s) + 1e-6) * fps).floor() as u32)),
                _ => None,
            }
        })
        .collect()
}

fn ids(path: &Path) -> Vec<Option<(u8, u32)>> {
    read_frame_ids(path, None).into_iter().map(|f| f.map(|f| (f.source, f.frame))).collect()
}

/// Asserts every frame whose expectation is an identity shows it (frames inside
/// transitions, `None`, are checked by their levels), and the frame count.
fn assert_identities(path: &Path, expected: &[Option<(u8, u32)>]) {
    let got = ids(path);
    assert_eq!(got.len(), expected.len(), "frame count");
    let wrong: Vec<String> = got
        .iter()
        .zip(expected)
        .enumerate()
        .filter(|(_, (g, e))| e.is_some() && g != e)
        .take(8)
        .map(|(k, (g, e))| format!("frame {k}: got {g:?}, expected {e:?}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("; "));
}

/// The mean grey of the top half (the fixtures' flat part), per frame.
fn top(path: &Path) -> Vec<f64> {
    region_luma(path, (0.1, 0.05, 0.8, 0.35))
}

/// Asserts `measured[k]` is within `tolerance` of `model(t_k)` for every frame in `frames`.
#[track_caller]
fn assert_levels(what: &str, measured: &[f64], frames: std::ops::Range<usize>, model: impl Fn(f64) -> f64, tolerance: f64) {
    let wrong: Vec<String> = frames
        .clone()
        .filter(|k| (measured[*k] - model(*k as f64 / FPS)).abs() > tolerance)
        .map(|k| format!("frame {k} (t {:.4}): {:.3}, expected {:.3}", k as f64 / FPS, measured[k], model(k as f64 / FPS)))
        .collect();
    assert!(wrong.is_empty(), "{what} over frames {frames:?}: {}", wrong.join("; "));
}

fn crossfade_blends_with_the_page_weights_as(strategy: &str) {
    let env = Env::new();
    env.media("bright.mp4", &fixture(Fixture::Bright));
    env.media("dark.mp4", &fixture(Fixture::Dark));
    // The overlap starts off the frame grid (T = 1.51 s) and lasts 15 frames.
    let report = env.export(
        r#"{"reel":1,"output":{"width":160,"height":90,"fps":30},
            "video":[{"source":"bright.mp4","in":0.5,"out":2.51},{"transition":"crossfade","duration":0.5},
                     {"source":"dark.mp4","in":1.2,"out":3.7}]}"#,
        &["--strategy", strategy],
    );
    assert_eq!(report["strategy"], strategy);
    let items = [
        M::Clip { id: 20, fps: FPS, in_s: 0.5, out_s: 2.51, speed: 1.0 },
        M::Transition(0.5),
        M::Clip { id: 21, fps: FPS, in_s: 1.2, out_s: 3.7, speed: 1.0 },
    ];
    let out = env.path("out.mp4");
    let expected = expected(&items);
    // 2.01 s + 2.5 s less the 0.5 s overlap.
    assert_eq!(expected.len(), 121);
    assert_identities(&out, &expected);
    // Inside the overlap [1.51, 2.01): (1 - w) * bright + w * dark, w = (t - 1.51) / 0.5.
    let levels = top(&out);
    let (bright, dark) = (levels[10], levels[100]);
    assert!(bright > 200.0 && dark < 60.0, "flat greys {bright} and {dark}");
    let overlap: Vec<usize> = (0..expected.len()).filter(|k| expected[*k].is_none()).collect();
    assert_eq!(overlap, (46..61).collect::<Vec<_>>(), "the frames with 1.51 <= t < 2.01");
    let weights: Vec<f64> = levels.iter().map(|l| (bright - l) / (bright - dark)).collect();
    assert_levels("crossfade weight", &weights, 46..61, |t| (t - 1.51) / 0.5, 0.03);
    // Beeps: bright's at sources 1 and 2 (output 0.5, 1.5), dark's at 2 and 3 (output
    // 1.51 + 0.8, 1.51 + 1.8), outside the overlap, in sync on both sides.
    assert_beeps(&out, &[0.5, 1.5, 2.31, 3.31], 1.0 / FPS);
    assert_streaming_mp4(&out, 121.0 / FPS, 1.0 / FPS);
    assert_clean_cfr(&out, FPS);
}

fn dip_goes_through_black_as(strategy: &str) {
    let env = Env::new();
    env.media("bright.mp4", &fixture(Fixture::Bright));
    env.export(
        r#"{"reel":1,"output":{"width":160,"height":90,"fps":30},
            "video":[{"source":"bright.mp4","in":0,"out":1.5},{"transition":"dip","duration":0.6},
                     {"source":"bright.mp4","in":3,"out":4.5}]}"#,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let items = [
        M::Clip { id: 20, fps: FPS, in_s: 0.0, out_s: 1.5, speed: 1.0 },
        M::Transition(0.6),
        M::Clip { id: 20, fps: FPS, in_s: 3.0, out_s: 4.5, speed: 1.0 },
    ];
    let expected = expected(&items);
    assert_eq!(expected.len(), 72, "1.5 + 1.5 - 0.6 s");
    assert_identities(&out, &expected);
    // T = 0.9: the outgoing clip at 1 - 2w until the middle (t = 1.2), the incoming one at
    // 2w - 1 after it; each part shows its own clip's frames.
    let levels = top(&out);
    let full = levels[5];
    let relative: Vec<f64> = levels.iter().map(|l| l / full).collect();
    let w = |t: f64| (t - 0.9) / 0.6;
    assert_levels("dip, first half", &relative, 27..36, |t| 1.0 - 2.0 * w(t), 0.03);
    assert_levels("dip, second half", &relative, 36..45, |t| 2.0 * w(t) - 1.0, 0.03);
    assert!(relative[36] < 0.02, "black in the middle: {}", relative[36]);
    // Where the picture is bright enough to read, it is the clip the page says.
    let got = ids(&out);
    for k in [27, 28, 29, 30] {
        assert_eq!(got[k], Some((20, k as u32)), "outgoing clip at its own time, frame {k}");
    }
    for k in [41, 42, 43, 44] {
        assert_eq!(got[k], Some((20, 90 + (k as u32 - 27))), "incoming clip at its own time, frame {k}");
    }
    assert_clean_cfr(&out, FPS);
}

fn audio_follows_the_transition_weights_as(strategy: &str) {
    for kind in ["crossfade", "dip"] {
        let env = Env::new();
        env.media("low.mp4", &fixture(Fixture::LowTone));
        env.media("high.mp4", &fixture(Fixture::Tone));
        env.export(
            &format!(
                r#"{{"reel":1,"output":{{"width":160,"height":90,"fps":30}},
                    "video":[{{"source":"low.mp4","in":0,"out":1.5}},{{"transition":"{kind}","duration":0.6}},
                             {{"source":"high.mp4","in":1,"out":2.5}}]}}"#
            ),
            &["--strategy", strategy],
        );
        let out = env.path("out.mp4");
        // 10 ms windows (whole periods of both tones); each window's level is the weight at
        // its middle. Overlap [0.9, 1.5): crossfade, 600 Hz at 0.5 (1 - w) and 1000 Hz at
        // 0.5 w; dip, 600 Hz at 0.5 (1 - 2w) then 1000 Hz at 0.5 (2w - 1).
        let (low, high) = (tone_levels(&out, 600.0, 0.01), tone_levels(&out, 1000.0, 0.01));
        let w = |t: f64| ((t - 0.9) / 0.6).clamp(0.0, 1.0);
        let dip = kind == "dip";
        let out_gain = |w: f64| if dip { (1.0 - 2.0 * w).max(0.0) } else { 1.0 - w };
        let in_gain = |w: f64| if dip { (2.0 * w - 1.0).max(0.0) } else { w };
        let mut wrong = Vec::new();
        for (n, (l, h)) in low.iter().zip(&high).enumerate().skip(5).take(230) {
            let t = n as f64 * 0.01 + 0.005;
            let (el, eh) = (0.5 * out_gain(w(t)), 0.5 * in_gain(w(t)));
            if (l - el).abs() > 0.03 || (h - eh).abs() > 0.03 {
                wrong.push(format!("{t:.3} s: 600 Hz {l:.3}, 1000 Hz {h:.3}, expected {el:.3} / {eh:.3}"));
            }
        }
        assert!(wrong.is_empty(), "{kind}: {} windows off: {}", wrong.len(), wrong.iter().take(6).cloned().collect::<Vec<_>>().join("; "));
        let items = [
            M::Clip { id: 23, fps: FPS, in_s: 0.0, out_s: 1.5, speed: 1.0 },
            M::Transition(0.6),
            M::Clip { id: 22, fps: FPS, in_s: 1.0, out_s: 2.5, speed: 1.0 },
        ];
        assert_identities(&out, &expected(&items));
        assert!((reel_testkit::audio_duration(&out) - 2.4).abs() < 1.0 / FPS, "{kind}: the sound is as long as the picture");
        assert_clean_cfr(&out, FPS);
    }
}

fn fades_ramp_picture_sound_and_overlays_as(strategy: &str) {
    let env = Env::new();
    env.media("tone.mp4", &fixture(Fixture::Tone));
    env.media("white.png", &reel_testkit::still_image("white", 32, 18, "white"));
    // The clip starts at 0 and lasts 2.2 s: up over [0, 0.5), down over [1.5, 2.2).
    // The image fades in over [0.8, 0.95) and out over [1.1, 1.3) (it ends at 1.3).
    env.export(
        r#"{"reel":1,"output":{"width":160,"height":90,"fps":30},
            "video":[{"source":"tone.mp4","in":0.3,"out":2.5,"fade_in":0.5,"fade_out":0.7}],
            "overlays":[{"image":"white.png","start":0.8,"end":1.3,"x":0,"y":0,"fade_in":0.15,"fade_out":0.2}]}"#,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let level = |t: f64| (t / 0.5).min((2.2 - t) / 0.7).clamp(0.0, 1.0);
    // The picture: the flat grey top half, relative to its full level.
    let grey = region_luma(&out, (0.5, 0.05, 0.45, 0.35));
    let full = grey[30];
    let relative: Vec<f64> = grey.iter().map(|g| g / full).collect();
    assert_levels("picture fade in", &relative, 0..16, level, 0.03);
    assert_levels("picture fade out", &relative, 44..66, level, 0.03);
    assert!(relative[0] < 0.02, "the first frame is black");
    // The image (white over the grey) at its own level.
    let image = region_luma(&out, (0.0, 0.0, 0.18, 0.18));
    let image_level = |t: f64| ((t - 0.8) / 0.15).min((1.3 - t) / 0.2).clamp(0.0, 1.0);
    let over: Vec<f64> = image.iter().map(|l| (l - full) / (255.0 - full)).collect();
    assert_levels("overlay fades", &over, 20..45, |t| if (0.8 - 1e-9..1.3 - 1e-9).contains(&t) { image_level(t) } else { 0.0 }, 0.04);
    // The sound: the 1000 Hz tone at 0.5 times the same level, 10 ms by 10 ms.
    let sound = tone_levels(&out, 1000.0, 0.01);
    let mut wrong = Vec::new();
    for (n, a) in sound.iter().enumerate().take(215) {
        let t = n as f64 * 0.01 + 0.005;
        if (a - 0.5 * level(t)).abs() > 0.025 {
            wrong.push(format!("{t:.3} s: {a:.3}, expected {:.3}", 0.5 * level(t)));
        }
    }
    assert!(wrong.is_empty(), "audio level: {}", wrong.iter().take(6).cloned().collect::<Vec<_>>().join("; "));
    // Fades never change an item's length.
    assert_eq!(ids(&out).len(), 66);
    let got = ids(&out);
    for k in [20, 30, 40] {
        assert_eq!(got[k], Some((22, 9 + k as u32)), "frame {k}");
    }
    assert_clean_cfr(&out, FPS);
}

fn speed_follows_in_plus_speed_times_t_as(strategy: &str) {
    let env = Env::new();
    env.media("a.mp4", &fixture(Fixture::Small30));
    env.media("b.mp4", &fixture(Fixture::Small30B));
    env.export(
        r#"{"reel":1,"output":{"width":160,"height":90,"fps":30},
            "video":[{"source":"a.mp4","in":0.5,"out":2,"speed":0.5},{"source":"b.mp4","in":0.2,"out":4.2,"speed":2},
                     {"source":"a.mp4","in":0.3,"out":5.7,"speed":3}]}"#,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let items = [
        M::Clip { id: 1, fps: FPS, in_s: 0.5, out_s: 2.0, speed: 0.5 },
        M::Clip { id: 2, fps: FPS, in_s: 0.2, out_s: 4.2, speed: 2.0 },
        M::Clip { id: 1, fps: FPS, in_s: 0.3, out_s: 5.7, speed: 3.0 },
    ];
    let expected = expected(&items);
    // (2 - 0.5) / 0.5 + 4 / 2 + 5.4 / 3 = 3 + 2 + 1.8 s.
    assert_eq!(expected.len(), 204);
    assert_identities(&out, &expected);
    assert_streaming_mp4(&out, 6.8, 1.0 / FPS);
    assert!((reel_testkit::audio_duration(&out) - 6.8).abs() < 1.0 / FPS, "audio {} s", reel_testkit::audio_duration(&out));
    // The beeps of source seconds n land at S + (n - in) / speed. Time-stretching keeps the
    // pitch by overlapping windows of the source (atempo's are 2048 samples, 43 ms), so a
    // sharp onset is heard up to one window early; the 13 ms beeps of the 3x clip are
    // smeared below the detector's threshold, so only the others must all be found.
    let mut beeps = Vec::new();
    for (clip, start, _) in placed(&items) {
        if let M::Clip { in_s, out_s, speed, .. } = clip {
            let mut n = in_s.ceil();
            while n < out_s - 0.045 * speed {
                beeps.push((start + (n - in_s) / speed, speed < 3.0));
                n += 1.0;
            }
        }
    }
    assert_eq!(beeps.len(), 1 + 4 + 5);
    let heard: Vec<f64> = reel_testkit::beeps(&out).iter().map(|b| b.time).collect();
    for h in &heard {
        assert!(beeps.iter().any(|(e, _)| (h - e).abs() < 0.045), "a beep at {h:.4} s where none is expected: {beeps:?}");
    }
    for (e, must) in &beeps {
        assert!(!must || heard.iter().any(|h| (h - e).abs() < 0.045), "no beep heard near {e:.4} s: {heard:?}");
    }
    assert_clean_cfr(&out, FPS);
}

fn speed_keeps_the_pitch_as(strategy: &str) {
    let env = Env::new();
    env.media("tone.mp4", &fixture(Fixture::Tone));
    env.export(
        r#"{"reel":1,"output":{"width":160,"height":90,"fps":30},
            "video":[{"source":"tone.mp4","in":0,"out":1,"speed":0.5},{"source":"tone.mp4","in":0,"out":6,"speed":3},
                     {"source":"tone.mp4","in":1,"out":3,"speed":2}]}"#,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    // 2 s at half speed, 2 s at three times (atempo chained), 1 s at twice.
    for (from, to) in [(0.1, 1.9), (2.1, 3.9), (4.1, 4.9)] {
        let f = reel_testkit::frequency(&out, from, to);
        assert!((f - 1000.0).abs() < 15.0, "{from}..{to} s sounds at {f:.1} Hz, not 1000 Hz");
    }
    assert!((reel_testkit::audio_duration(&out) - 5.0).abs() < 1.0 / FPS);
    let items = [
        M::Clip { id: 22, fps: FPS, in_s: 0.0, out_s: 1.0, speed: 0.5 },
        M::Clip { id: 22, fps: FPS, in_s: 0.0, out_s: 6.0, speed: 3.0 },
        M::Clip { id: 22, fps: FPS, in_s: 1.0, out_s: 3.0, speed: 2.0 },
    ];
    assert_identities(&out, &expected(&items));
}

/// The pixels of `rgb` (width `w`) in the rectangle `x0..x1, y0..y1` that `is` picks.
fn pixels(rgb: &[u8], w: u32, (x0, y0, x1, y1): (u32, u32, u32, u32), is: impl Fn(u8, u8, u8) -> bool) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for y in y0..y1 {
        for x in x0..x1 {
            let p = ((y * w + x) * 3) as usize;
            if is(rgb[p], rgb[p + 1], rgb[p + 2]) {
                out.push((x, y));
            }
        }
    }
    out
}

fn red(r: u8, g: u8, b: u8) -> bool {
    r > 180 && g < 90 && b < 90
}

fn white(r: u8, g: u8, b: u8) -> bool {
    r > 190 && g > 190 && b > 190
}

/// The ink of each line of a text drawn in white in `area`: (left, right, top, bottom) of
/// each run of rows with white pixels.
fn lines_of_ink(rgb: &[u8], w: u32, area: (u32, u32, u32, u32)) -> Vec<(u32, u32, u32, u32)> {
    let ink = pixels(rgb, w, area, white);
    let mut rows: Vec<u32> = ink.iter().map(|p| p.1).collect();
    rows.sort_unstable();
    rows.dedup();
    let mut bands: Vec<(u32, u32)> = Vec::new();
    for y in rows {
        match bands.last_mut() {
            Some(b) if b.1 + 1 >= y => b.1 = y,
            _ => bands.push((y, y)),
        }
    }
    bands
        .iter()
        .map(|(top, bottom)| {
            let xs: Vec<u32> = ink.iter().filter(|p| p.1 >= *top && p.1 <= *bottom).map(|p| p.0).collect();
            (*xs.iter().min().unwrap(), *xs.iter().max().unwrap(), *top, *bottom)
        })
        .collect()
}

fn styled_text_as(strategy: &str) {
    let env = Env::new();
    env.export(
        r##"{"reel":1,"output":{"width":320,"height":120,"fps":30},
            "video":[{"gap":1,"color":"#303030"}],
            "overlays":[
              {"text":"Ab","start":0,"end":1,"x":20,"y":10,"size":24,"box":{"color":"#ff0000","padding":6},"outline":{"color":"#0000ff","width":2}},
              {"text":"Ab","start":0,"end":1,"x":120,"y":10,"size":24,"box":{"color":"#ff0000","padding":6}},
              {"text":"WWWW\nll","start":0,"end":1,"x":20,"y":56,"size":16,"align":"center"},
              {"text":"WWWW\nll","start":0,"end":1,"x":170,"y":56,"size":16,"align":"right"},
              {"text":"o","start":0,"end":1,"x":264,"y":16,"size":24,"box":{"color":"white","padding":10},"fade_in":0.5,"fade_out":0.3}]}"##,
        &["--strategy", strategy],
    );
    let out = env.path("out.mp4");
    let (w, _, rgb) = reel_testkit::frame_rgb(&out, 10);
    // The box starts exactly `padding` before the text's left and top edges (x 120, y 10).
    let boxed = pixels(&rgb, w, (100, 0, 220, 50), red);
    let left = boxed.iter().map(|p| p.0).min().unwrap();
    let top = boxed.iter().map(|p| p.1).min().unwrap();
    assert_eq!((left, top), (114, 4), "the box's top-left corner");
    // ... and reaches `padding` beyond the glyphs on the right and below (drawtext's text box
    // also holds the advance after the last glyph and room for descenders).
    let right = boxed.iter().map(|p| p.0).max().unwrap();
    let bottom = boxed.iter().map(|p| p.1).max().unwrap();
    let glyphs = pixels(&rgb, w, (left, top, right + 1, bottom + 1), white);
    let ink = |f: fn(&(u32, u32)) -> u32| glyphs.iter().map(f).max().unwrap();
    let (ink_right, ink_bottom) = (ink(|p| p.0), ink(|p| p.1));
    assert!(right >= ink_right + 6 && bottom >= ink_bottom + 6, "box to {right},{bottom}, glyphs to {ink_right},{ink_bottom}");
    assert!(right <= ink_right + 12 && bottom <= ink_bottom + 12, "box to {right},{bottom}, glyphs to {ink_right},{ink_bottom}");
    // Every pixel of the box above the glyphs (its padding) has the box's colour.
    let padding = pixels(&rgb, w, (left, top, right + 1, top + 6), |r, g, b| !red(r, g, b));
    assert!(padding.is_empty(), "the padding is all red: {padding:?}");
    // The same box with an outline, 100 pixels to the left.
    let outlined_box = pixels(&rgb, w, (0, 0, 100, 50), red);
    assert_eq!(outlined_box.iter().map(|p| (p.0, p.1)).min(), Some((14, 4)));
    // The outline: blue around the glyphs of the first text, none around the second's.
    let blue = |r: u8, g: u8, b: u8| b > 150 && r < 110 && g < 110;
    let outlined = pixels(&rgb, w, (14, 4, 100, bottom + 1), blue).len();
    let plain = pixels(&rgb, w, (114, 4, 220, bottom + 1), blue).len();
    assert!(outlined > 40 && plain == 0, "outline pixels: {outlined} with an outline, {plain} without");
    // Multi-line alignment: centred lines share their middle (the block starts at x 20), right
    // aligned lines their right edge (glyph bearings differ by a pixel or two).
    let centred = lines_of_ink(&rgb, w, (0, 50, 160, 120));
    assert_eq!(centred.len(), 2, "{centred:?}");
    let middle = |l: &(u32, u32, u32, u32)| f64::from(l.0 + l.1) / 2.0;
    assert!((middle(&centred[0]) - middle(&centred[1])).abs() <= 2.0, "centred: {centred:?}");
    assert!(centred[0].0.abs_diff(20) <= 2, "the block's left edge at x 20: {centred:?}");
    let right_aligned = lines_of_ink(&rgb, w, (160, 50, 320, 120));
    assert_eq!(right_aligned.len(), 2, "{right_aligned:?}");
    assert!(right_aligned[0].1.abs_diff(right_aligned[1].1) <= 2, "right aligned: {right_aligned:?}");
    assert!(right_aligned[0].0.abs_diff(170) <= 2, "the block's left edge at x 170: {right_aligned:?}");
    assert!(right_aligned[1].0 > right_aligned[0].0 + 20, "the short line sits right: {right_aligned:?}");
    // A text's fades take its box (and glyphs) from and to transparent: the box's padding
    // above the glyph goes from the background's grey (0x30) to white and back.
    let padding = region_luma(&out, (256.0 / 320.0, 8.0 / 120.0, 12.0 / 320.0, 6.0 / 120.0));
    let level: Vec<f64> = padding.iter().map(|l| (l - 48.0) / (255.0 - 48.0)).collect();
    assert_levels("text fades", &level, 0..30, |t| (t / 0.5).min((1.0 - t) / 0.3).clamp(0.0, 1.0), 0.04);
    assert_clean_cfr(&out, FPS);
}

// Each case as one pass and as segments.

#[test]
fn crossfade_blends_with_the_page_weights() {
    crossfade_blends_with_the_page_weights_as("single_pass");
}

#[test]
fn crossfade_blends_with_the_page_weights_in_segments() {
    crossfade_blends_with_the_page_weights_as("segments");
}

#[test]
fn dip_goes_through_black() {
    dip_goes_through_black_as("single_pass");
}

#[test]
fn dip_goes_through_black_in_segments() {
    dip_goes_through_black_as("segments");
}

#[test]
fn audio_follows_the_transition_weights() {
    audio_follows_the_transition_weights_as("single_pass");
}

#[test]
fn audio_follows_the_transition_weights_in_segments() {
    audio_follows_the_transition_weights_as("segments");
}

#[test]
fn fades_ramp_picture_sound_and_overlays() {
    fades_ramp_picture_sound_and_overlays_as("single_pass");
}

#[test]
fn fades_ramp_picture_sound_and_overlays_in_segments() {
    fades_ramp_picture_sound_and_overlays_as("segments");
}

#[test]
fn speed_follows_in_plus_speed_times_t() {
    speed_follows_in_plus_speed_times_t_as("single_pass");
}

#[test]
fn speed_follows_in_plus_speed_times_t_in_segments() {
    speed_follows_in_plus_speed_times_t_as("segments");
}

#[test]
fn styled_text() {
    styled_text_as("single_pass");
}

#[test]
fn styled_text_in_segments() {
    styled_text_as("segments");
}

#[test]
fn speed_keeps_the_pitch() {
    speed_keeps_the_pitch_as("single_pass");
}

#[test]
fn speed_keeps_the_pitch_in_segments() {
    speed_keeps_the_pitch_as("segments");
}
