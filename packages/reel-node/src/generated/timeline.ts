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
 * This interface was referenced by `Timeline`'s JSON-Schema
 * via the `definition` "Position".
 */
export type Position = number | 'center';

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
   * Text: draw a box behind it (default false).
   */
  box?: boolean | null;
  /**
   * Text: colour, a name or `#rrggbb` (default white).
   */
  color?: string | null;
  /**
   * Output time where it disappears (not shown at `end`).
   */
  end: Time;
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
   * Clip: audio gain (default 1.0).
   */
  volume?: number | null;
}
