/* eslint-disable */
/**
 * GENERATED from `reel schema --wire` (the reel-wire crate, crates/reel-wire/src/lib.rs) by `npm run generate`; do not edit by hand.
 * When the Rust types change: `cargo build -p reel-cli`, then `npm run generate` in
 * packages/reel-node, and commit this file. `bash scripts/test.sh` fails while it is stale.
 */

/**
 * One line of `--progress jsonl` output.
 *
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "Event".
 */
export type Event =
  | {
      data: StartEvent;
      type: 'start';
    }
  | {
      data: PlanEvent;
      type: 'plan';
    }
  | {
      data: StageEvent;
      type: 'stage';
    }
  | {
      data: ProgressEvent;
      type: 'progress';
    }
  | {
      data: MessageEvent;
      type: 'warning';
    }
  | {
      data: ExportReport;
      type: 'done';
    }
  | {
      data: ErrorEvent;
      type: 'error';
    };

/**
 * Every type of the wire format, by name (a container for the generator; nothing sends it).
 */
export interface ReelWire {
  Event?: Event;
  ErrorEvent?: ErrorEvent;
  ExitCode?: ExitCode;
  ExportReport?: ExportReport;
  MessageEvent?: MessageEvent;
  PlanEvent?: PlanEvent;
  Problem?: Problem;
  ProgressEvent?: ProgressEvent;
  ResourceUsage?: ResourceUsage;
  SegmentStats?: SegmentStats;
  StageEvent?: StageEvent;
  StageTimings?: StageTimings;
  StartEvent?: StartEvent;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "StartEvent".
 */
export interface StartEvent {
  output: string;
  reel_version: string;
  timeline: string;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "PlanEvent".
 */
export interface PlanEvent {
  cached?: number | null;
  /**
   * Output duration in seconds.
   */
  duration: number;
  encoder?: string | null;
  jobs: number;
  /**
   * How many encodes may run at once.
   */
  parallel?: number | null;
  /**
   * For a segmented export: how many segments, and how many of them the cache holds.
   */
  segments?: number | null;
  /**
   * `copy`, `segments` or `single_pass`.
   */
  strategy: string;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "StageEvent".
 */
export interface StageEvent {
  stage: string;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "ProgressEvent".
 */
export interface ProgressEvent {
  /**
   * Output duration, seconds.
   */
  duration: number;
  /**
   * Seconds left, estimated, when known.
   */
  eta?: number | null;
  /**
   * Frames per second ffmpeg is encoding at, when known.
   */
  fps?: number | null;
  /**
   * The job this progress is from.
   */
  job: string;
  /**
   * Output time reached, seconds.
   */
  out_time: number;
  /**
   * 0..=100, over the whole export (jobs weighted by their output duration).
   */
  percent: number;
  /**
   * Speed as a multiple of real time, when known.
   */
  speed?: number | null;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "MessageEvent".
 */
export interface MessageEvent {
  message: string;
}
/**
 * What an export did; printed at the end, `--json` prints it as JSON.
 *
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "ExportReport".
 */
export interface ExportReport {
  /**
   * Output duration in seconds, as verified by ffprobe.
   */
  duration: number;
  /**
   * The video encoder that produced the file (`copy` for stream copy).
   */
  encoder: string;
  /**
   * When a hardware encoder failed and the job was re-run in software: why.
   */
  fallback?: string | null;
  fps: string;
  height: number;
  jobs: number;
  output: string;
  /**
   * How many encodes could run at once.
   */
  parallel?: number | null;
  preset?: string | null;
  /**
   * CPU time and peak memory of reel and of the ffmpeg processes it ran; `null` where the platform does not tell.
   */
  resources?: ResourceUsage | null;
  /**
   * For exports made of cacheable parts (segments, the audio): how many were rendered and how many reused from the segment cache, and what the reuse saved.
   */
  segments?: SegmentStats | null;
  size_bytes: number;
  /**
   * Output duration over encode wall time.
   */
  speed: number;
  /**
   * `copy`, `segments` or `single_pass`.
   */
  strategy: string;
  /**
   * Wall time per stage, seconds.
   */
  timings: StageTimings;
  width: number;
}
/**
 * What an export cost in CPU and memory, split between reel's own process and the ffmpeg/ffprobe processes it ran (reel only plans and watches: nearly all the work should be ffmpeg's).
 *
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "ResourceUsage".
 */
export interface ResourceUsage {
  /**
   * CPU seconds (user + system) of every ffmpeg and ffprobe process reel ran.
   */
  ffmpeg_cpu: number;
  /**
   * Peak resident memory of the largest ffmpeg or ffprobe process reel ran, bytes.
   */
  ffmpeg_peak_rss: number;
  /**
   * CPU seconds (user + system) of reel's own process.
   */
  reel_cpu: number;
  /**
   * Peak resident memory of reel's own process, bytes.
   */
  reel_peak_rss: number;
}
/**
 * What the segment cache did for an export.
 *
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "SegmentStats".
 */
export interface SegmentStats {
  /**
   * Whether the cache was on (off: nothing was reused and nothing kept).
   */
  cache: boolean;
  /**
   * Parts (video segments, the audio) rendered by this export.
   */
  rendered: number;
  /**
   * Parts taken from the cache instead.
   */
  reused: number;
  /**
   * Bytes of the reused parts.
   */
  reused_bytes: number;
  /**
   * Seconds the reused parts took to render when they were made: what this export saved.
   */
  seconds_saved: number;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "StageTimings".
 */
export interface StageTimings {
  encode: number;
  plan: number;
  probe: number;
  total: number;
  verify: number;
}
/**
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "ErrorEvent".
 */
export interface ErrorEvent {
  /**
   * The process exit code that follows (see [`exit`]).
   */
  exit_code: number;
  /**
   * The sentence shown to the user: what, where, what to do.
   */
  message: string;
  /**
   * When the timeline was refused (exit 3): every problem found, each at its JSON path. Absent for other failures.
   */
  problems?: Problem[];
}
/**
 * One thing wrong with a timeline.
 *
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "Problem".
 */
export interface Problem {
  /**
   * What is wrong there, as a sentence.
   */
  message: string;
  /**
   * JSON path in the timeline, such as `video[2].out`; empty for the whole document.
   */
  path: string;
}

/**
 * reel's process exit code, the same for every subcommand. 0: success; 1: the export ran and failed (ffmpeg error or the output failed verification); 2: invalid command line; 3: invalid timeline, source media or settings; nothing was encoded; 4: ffmpeg/ffprobe missing, too old or lacking a needed feature; 5: the output path was refused (exists, is an input, not writable); 130: cancelled by SIGINT/SIGTERM; temporary files removed.
 *
 * This interface was referenced by `ReelWire`'s JSON-Schema
 * via the `definition` "ExitCode".
 */
export enum ExitCode {
  OK = 0,
  EXPORT_FAILED = 1,
  USAGE = 2,
  INVALID_INPUT = 3,
  ENVIRONMENT = 4,
  DESTINATION = 5,
  CANCELLED = 130
}
