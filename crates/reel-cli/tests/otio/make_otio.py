"""Writes OpenTimelineIO files with the real producer, the `opentimelineio` package from
PyPI, for reel's import tests (crates/reel-cli/tests/otio_import.rs).

Usage: python make_otio.py OUT_DIR A.mp4 B.mp4 NTSC.mp4

A and B are 30 fps test clips (6 s), NTSC is a 30000/1001 fps one; every frame of them
carries its identity (reel-testkit). Each timeline below is built with the OTIO API the way
an editor's exporter does, and written with OTIO's own JSON adapter. The Rust test states
what each must import and export to; keep the two in step.
"""

import pathlib
import sys

import opentimelineio as otio

RT = otio.opentime.RationalTime
TR = otio.opentime.TimeRange
NTSC = 30000 / 1001


def media(path, rate, frames, start=0):
    """An external reference as editors write it: a file:// URL and the available range."""
    return otio.schema.ExternalReference(
        target_url=pathlib.Path(path).absolute().as_uri(),
        available_range=TR(RT(start, rate), RT(frames, rate)),
    )


def clip(name, ref, start, frames, rate=30):
    return otio.schema.Clip(name=name, media_reference=ref, source_range=TR(RT(start, rate), RT(frames, rate)))


def gap(frames, rate=30):
    return otio.schema.Gap(source_range=TR(RT(0, rate), RT(frames, rate)))


def timeline(name, *tracks, rate=30):
    t = otio.schema.Timeline(name=name, global_start_time=RT(0, rate))
    for track in tracks:
        t.tracks.append(track)
    return t


def track(kind, *items):
    t = otio.schema.Track(kind=kind)
    for item in items:
        t.append(item)
    return t


def main():
    out = pathlib.Path(sys.argv[1])
    a, b, ntsc = sys.argv[2:5]
    out.mkdir(parents=True, exist_ok=True)
    A = lambda: media(a, 30, 180)  # noqa: E731 (a fresh reference per clip, as editors write)
    B = lambda: media(b, 30, 180)  # noqa: E731

    # A 0.5-2.0 s, half a second of gap, B 1.0-3.0 s.
    basic = timeline("basic", track("Video", clip("A", A(), 15, 45), gap(15), clip("B", B(), 30, 60)))
    otio.adapters.write_to_file(basic, str(out / "basic.otio"))

    # NTSC: media whose timecode starts at 01:00:00;00 (frame 107892 at 29.97 drop-frame),
    # a clip from its frame 100 for 50 frames, then 30 frames of gap.
    tc = 107892
    ntsc_clip = clip("N", media(ntsc, NTSC, 180, start=tc), tc + 100, 50, rate=NTSC)
    otio.adapters.write_to_file(
        timeline("ntsc", track("Video", ntsc_clip, gap(30, rate=NTSC)), rate=NTSC), str(out / "ntsc.otio")
    )

    # A nested stack (a compound clip) trimmed to its frames 15-45, between two clips; a
    # second video track puts B's first half second over 1.0-1.5 s.
    inner = otio.schema.Stack(name="compound", source_range=TR(RT(15, 30), RT(30, 30)))
    inner.append(track("Video", clip("B0", B(), 0, 30), clip("A60", A(), 60, 30)))
    nested = timeline(
        "nested",
        track("Video", clip("A", A(), 0, 30), inner, clip("B90", B(), 90, 30)),
        track("Video", gap(30), clip("pip", B(), 0, 15)),
    )
    otio.adapters.write_to_file(nested, str(out / "nested.otio"))

    # Audio on its own track: A's picture for 2 s, B's sound from its second 1 to 3 placed
    # at 0.5 s (so A's own sound is muted and B's beeps at its seconds 1 and 2 play at
    # 0.5 s and 1.5 s).
    sound = timeline("sound", track("Video", clip("A", A(), 0, 60)), track("Audio", gap(15), clip("B sound", B(), 30, 60)))
    otio.adapters.write_to_file(sound, str(out / "sound.otio"))

    # What reel cannot render: a dissolve without media before B's start (no handle), a
    # freeze frame, a marker. They are reported; the export is the two clips back to back
    # (a transition takes no time in OTIO).
    first = clip("A", A(), 0, 30)
    first.effects.append(otio.schema.FreezeFrame(name="hold"))
    first.markers.append(otio.schema.Marker(name="check this", marked_range=TR(RT(10, 30), RT(0, 30))))
    dissolve = otio.schema.Transition(name="Dissolve", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                      in_offset=RT(5, 30), out_offset=RT(5, 30))
    otio.adapters.write_to_file(timeline("unrendered", track("Video", first, dissolve, clip("B", B(), 0, 30))),
                                str(out / "unrendered.otio"))

    # What timeline 1.1 renders: A 0.5-1.5 s at double speed (1 s of track playing A 0.5-2.5),
    # a 0.4 s dissolve centred on the cut into B 1.0-3.0 s, and a 0.4 s dissolve from B to
    # half a second of gap (a fade to black).
    fast = clip("A", A(), 15, 30)
    fast.effects.append(otio.schema.LinearTimeWarp(name="double speed", time_scalar=2.0))
    mix = otio.schema.Transition(name="Mix", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                 in_offset=RT(6, 30), out_offset=RT(6, 30))
    out_to_black = otio.schema.Transition(name="To black", transition_type=otio.schema.TransitionTypes.SMPTE_Dissolve,
                                          in_offset=RT(6, 30), out_offset=RT(6, 30))
    otio.adapters.write_to_file(
        timeline("effects", track("Video", fast, mix, clip("B", B(), 30, 60), out_to_black, gap(15))),
        str(out / "effects.otio"),
    )

    # A clip whose media the editor lost.
    lost = clip("Interview", otio.schema.MissingReference(name="A001_C002.mov"), 0, 30)
    otio.adapters.write_to_file(timeline("missing", track("Video", clip("A", A(), 0, 30), lost)), str(out / "missing.otio"))


if __name__ == "__main__":
    main()
