/* eslint-disable */
/**
 * GENERATED from `reel schema` (the timeline types, crates/reel-core/src/timeline.rs) by `npm run generate`; do not edit by hand.
 * When the Rust types change: `cargo build -p reel-cli`, then `npm run generate` in
 * packages/reel-node, and commit this file. `bash scripts/test.sh` fails while it is stale.
 */

/**
 * Seconds as a number, or a string "HH:MM:SS.mmm" / "MM:SS.mmm".
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "Time".
 */
export type Time = number | string;
/**
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "FrameRateSetting".
 */
export type FrameRateSetting = number | string | 'source';
/**
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "Dimension".
 */
export type Dimension = number | 'source';
/**
 * Encoding speed/quality trade-off.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "Preset".
 */
export type Preset = 'draft' | 'preview' | 'production' | 'auto';
/**
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "VideoCodec".
 */
export type VideoCodec = 'h264' | 'hevc';
/**
 * How the lines of a multi-line text line up.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "Align".
 */
export type Align = 'left' | 'center' | 'right';
/**
 * A text overlay's `box`: on/off (`true` is the 1.0 translucent dark box), or a styled box.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "BoxSetting".
 */
export type BoxSetting = boolean | BoxStyle;
/**
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "Position".
 */
export type Position = number | 'center';
/**
 * How a transition blends the clip before it into the clip after it.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "TransitionKind".
 */
export type TransitionKind = 'crossfade' | 'dip';

/**
 * A timeline file, field for field as timeline v1 defines it.
 */
export interface Timeline {
  /**
   * Extra audio mixed over the main track's audio.
   */
  audio?: AudioItem[];
  /**
   * Export settings; every field is optional.
   */
  output?: OutputSettings;
  /**
   * Images, text and videos drawn over the main track during `[start, end)`.
   */
  overlays?: OverlayItem[];
  /**
   * Format version: `1`.
   */
  reel: number;
  /**
   * The main track: items play back to back; the export is as long as their sum.
   */
  video: VideoItem[];
}
/**
 * An extra audio track mixed over the main track.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "AudioItem".
 */
export interface AudioItem {
  /**
   * Seconds over which its volume rises from silence at its start (default 0). Timeline 1.1.
   */
  fade_in?: Time | null;
  /**
   * Seconds over which its volume falls to silence at its end (default 0). Timeline 1.1.
   */
  fade_out?: Time | null;
  in?: Time | null;
  out?: Time | null;
  source: string;
  /**
   * Output time where it begins (default 0).
   */
  start?: Time | null;
  volume?: number | null;
}
/**
 * `output`: export settings. A field left out takes its value from the command line, the user's settings file, or the built-in default, in that order.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "OutputSettings".
 */
export interface OutputSettings {
  /**
   * AAC bitrate, default `"192k"`.
   */
  audio_bitrate?: string | null;
  /**
   * Default 2.
   */
  audio_channels?: number | null;
  /**
   * Default 48000.
   */
  audio_sample_rate?: number | null;
  /**
   * With the `draft` preset, render at half the output width and height (fastest previews). Default false. reel addition.
   */
  draft_downscale?: boolean | null;
  /**
   * `"auto"` (default), `"cpu"`, or an ffmpeg encoder name such as `"h264_nvenc"`.
   */
  encoder?: string | null;
  /**
   * Frames per second (default 60): a number, `"30000/1001"`, or `"source"`.
   */
  fps?: FrameRateSetting | null;
  /**
   * Default true; `false` lets stream-copy cuts start at the keyframe before `in`.
   */
  frame_accurate?: boolean | null;
  /**
   * How large an export must be for `encoder: "auto"` to use a hardware encoder, in output megapixel-seconds (width x height x seconds / 1,000,000). Default 20.736: 1080p for 10 s. `0` uses one whenever one works. reel addition.
   */
  hardware_threshold?: number | null;
  /**
   * Output height in pixels (default 1080), or `"source"`: the first clip's.
   */
  height?: Dimension | null;
  /**
   * `"draft"`, `"preview"`, `"production"` or `"auto"` (default).
   */
  preset?: Preset | null;
  /**
   * Constant-quality override (CRF / CQ); lower is better. reel addition.
   */
  quality?: number | null;
  /**
   * `"h264"` (default) or `"hevc"`.
   */
  video_codec?: VideoCodec | null;
  /**
   * Output width in pixels (default 1920), or `"source"`: the first clip's.
   */
  width?: Dimension | null;
}
/**
 * An overlay: exactly one of `image`, `text` or `video`.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "OverlayItem".
 */
export interface OverlayItem {
  /**
   * Text: how the lines of a multi-line text (split on `\n`) line up: `"left"` (default), `"center"` or `"right"`. Timeline 1.1.
   */
  align?: Align | null;
  /**
   * Text: a box behind it: `true` (translucent dark, 12 pixels beyond the text), or `{ "color": …, "padding": PIXELS }` (a solid box `padding` pixels beyond the text's extent on every side). Default false.
   */
  box?: BoxSetting | null;
  /**
   * Text: colour, a name or `#rrggbb` (default white).
   */
  color?: string | null;
  /**
   * Output time where it disappears (not shown at `end`).
   */
  end: Time;
  /**
   * Seconds over which the overlay's opacity rises from 0 at its start (default 0). Timeline 1.1.
   */
  fade_in?: Time | null;
  /**
   * Seconds over which the overlay's opacity falls to 0 at its end (default 0). Timeline 1.1.
   */
  fade_out?: Time | null;
  /**
   * Text: a font family name (default: a sans font).
   */
  font?: string | null;
  height?: number | null;
  image?: string | null;
  /**
   * Video overlays: source time to start from (default 0).
   */
  in?: Time | null;
  opacity?: number | null;
  /**
   * Text: an outline around the glyphs. Timeline 1.1.
   */
  outline?: OutlineStyle | null;
  /**
   * Text: font size in pixels (default 48).
   */
  size?: number | null;
  /**
   * Output time where it appears.
   */
  start: Time;
  text?: string | null;
  video?: string | null;
  width?: number | null;
  x?: Position | null;
  y?: Position | null;
}
/**
 * A solid box behind a text.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "BoxStyle".
 */
export interface BoxStyle {
  /**
   * A colour name, `#rrggbb`, or `#rrggbbaa` with alpha (default black).
   */
  color?: string | null;
  /**
   * How far the box reaches beyond the text's extent on every side, pixels (default 0).
   */
  padding?: number | null;
}
/**
 * An outline around a text's glyphs.
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "OutlineStyle".
 */
export interface OutlineStyle {
  /**
   * A colour name, `#rrggbb` or `#rrggbbaa` (default black).
   */
  color?: string | null;
  /**
   * Thickness in pixels (default 2).
   */
  width?: number | null;
}
/**
 * An item of the main track: a clip (`source`) or a gap (`gap`).
 *
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "VideoItem".
 */
export interface VideoItem {
  /**
   * Clip: false mutes it (default true).
   */
  audio?: boolean | null;
  /**
   * Gap: its colour (default black).
   */
  color?: string | null;
  /**
   * Transition: how long the clips overlap, seconds; the clip after it starts this much earlier, so the export is this much shorter. Timeline 1.1.
   */
  duration?: Time | null;
  /**
   * Clip: seconds of fade from black (picture) and from silence (sound) at its start (default 0). Timeline 1.1.
   */
  fade_in?: Time | null;
  /**
   * Clip: seconds of fade to black and to silence at its end (default 0). Timeline 1.1.
   */
  fade_out?: Time | null;
  /**
   * Gap: its length in seconds.
   */
  gap?: Time | null;
  /**
   * Clip: source time where it starts (default 0).
   */
  in?: Time | null;
  /**
   * Clip: source time where it ends (default: the source's end).
   */
  out?: Time | null;
  /**
   * Clip: path of the source file, relative to the timeline's folder.
   */
  source?: string | null;
  /**
   * Clip: playback speed from 0.25 to 4 (default 1). The clip shows the source frame on screen at `in + speed * (t - S)` and lasts `(out - in) / speed`; its sound is time-stretched to the same length with its pitch kept. Timeline 1.1.
   */
  speed?: number | null;
  /**
   * Transition between the clips before and after it: `"crossfade"` or `"dip"` (to black). The clips overlap by `duration`. Timeline 1.1.
   */
  transition?: TransitionKind | null;
  /**
   * Clip: audio gain (default 1.0).
   */
  volume?: number | null;
}
