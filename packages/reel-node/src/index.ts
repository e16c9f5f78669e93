/**
 * reel-node: drive reel, the native ffmpeg timeline exporter, from an Electron main process
 * (or any Node program, or a `worker_threads` worker).
 *
 * ```ts
 * import { exportTimeline } from 'reel-node';
 * const report = await exportTimeline(timeline, {
 *   output: '/Users/me/Movies/edit.mp4',
 *   signal: controller.signal,
 *   onProgress: (p) => win.webContents.send('export-progress', p.percent),
 * });
 * ```
 *
 * Each call runs the reel binary once (found as {@link findReel} says). Progress and the
 * report come from reel's JSON Lines events; their types are generated from the Rust
 * wire types (src/generated). A timeline object is written to a temporary file, never
 * passed on the command line.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';
import { findReel, type FindOptions } from './binary';
import { ReelError } from './errors';
import { errorMessage, runReel, type RunResult } from './process';
import type { OutputSettings, Timeline } from './generated/timeline';
import type { ErrorEvent, Event, ExportReport, ProgressEvent } from './generated/wire';

export { findReel, candidates, type FindOptions } from './binary';
export { AbortError, ReelError, kindOfExitCode, type ReelErrorKind } from './errors';
export { DEFAULT_KILL_GRACE_MS } from './process';
export * from './generated/wire';
export * from './generated/timeline';

/** Options every call takes. */
export interface CommonOptions extends FindOptions {
  /** ffmpeg to use (default: reel's own search: `REEL_FFMPEG`, beside reel, then `PATH`). */
  ffmpegPath?: string;
  /** ffprobe to use (default: beside the ffmpeg in use, then reel's own search). */
  ffprobePath?: string;
  /** Cancels the call: reel gets SIGTERM, then SIGKILL after `killGraceMs`. */
  signal?: AbortSignal;
  /** Milliseconds between SIGTERM and SIGKILL when cancelling (default 5000). */
  killGraceMs?: number;
  /** The environment reel runs with (default: this process's). */
  env?: NodeJS.ProcessEnv;
}

/** The output settings an export or plan may override (flag > timeline > settings file). */
export type SettingsOverrides = Pick<
  OutputSettings,
  'width' | 'height' | 'fps' | 'preset' | 'encoder' | 'video_codec' | 'quality' | 'draft_downscale'
>;

/** Options of calls that read a timeline. */
export interface TimelineOptions extends CommonOptions {
  /** Overrides of the timeline's `output` settings. */
  settings?: SettingsOverrides;
  /**
   * For a timeline object: the folder its relative media paths are relative to (default:
   * the current directory). A timeline file's paths are relative to the file, as always.
   */
  baseDir?: string;
}

export interface ExportOptions extends TimelineOptions {
  /** The MP4 to write. Required for a timeline object; for a file, reel's default applies. */
  output?: string;
  /** Replace an existing output file (atomically, after the new one is verified). */
  overwrite?: boolean;
  /** Each progress event: `percent` never decreases, at least every 500 ms while encoding. */
  onProgress?: (progress: ProgressEvent) => void;
  /** Every event, in order (start, stage, plan, progress, warning, done or error). */
  onEvent?: (event: Event) => void;
}

/** A JSON object reel printed (plan, check, probe and doctor results). */
export type JsonObject = { [key: string]: unknown };

/**
 * Exports a timeline (an object, or the path of a timeline `.json` or an OpenTimelineIO
 * `.otio` file) and resolves with the export report once the file is in place and verified.
 * Rejects with a {@link ReelError}, or an {@link AbortError} when `signal` aborted it (then
 * nothing is left on disk and a previous file at `output` is untouched).
 */
export async function exportTimeline(timeline: Timeline | string, options: ExportOptions = {}): Promise<ExportReport> {
  if (typeof timeline !== 'string' && options.output === undefined) {
    throw new TypeError('exportTimeline: pass options.output (the MP4 to write) when the timeline is an object');
  }
  const reel = findReel(options);
  return withTimelineFile(timeline, options, async (file) => {
    const args = ['export', file, '--progress', 'jsonl'];
    if (options.output !== undefined) args.push('--output', options.output);
    if (options.overwrite) args.push('--overwrite');
    args.push(...settingsFlags(options.settings), ...toolFlags(options));
    let report: ExportReport | undefined;
    let failure: ErrorEvent | undefined;
    const result = await runReel({
      reel,
      args,
      signal: options.signal,
      killGraceMs: options.killGraceMs,
      env: options.env,
      onLine: (line) => {
        const event = parseEvent(line);
        if (!event) return;
        if (event.type === 'done') report = event.data;
        if (event.type === 'error') failure = event.data;
        options.onEvent?.(event);
        if (event.type === 'progress') options.onProgress?.(event.data);
      },
    });
    if (result.code === 0 && report) return report;
    throw new ReelError(failure?.message ?? (result.code === 0 ? 'reel exited without reporting the export; this is a bug in reel' : errorMessage(result)), {
      exitCode: result.code,
      problems: failure?.problems ?? [],
      stderrTail: result.stderrTail,
    });
  });
}

/** The plan reel would run for a timeline (`reel plan --json`): strategy, jobs, ffmpeg commands. */
export async function plan(timeline: Timeline | string, options: TimelineOptions = {}): Promise<JsonObject> {
  const reel = findReel(options);
  return withTimelineFile(timeline, options, (file) =>
    runJson(reel, ['plan', file, '--json', ...settingsFlags(options.settings), ...toolFlags(options)], options),
  );
}

/**
 * Validates a timeline against its media without encoding (`reel check --json`): resolves
 * with `{ ok: true, clips, gaps, duration, warnings, … }`, rejects with a ReelError whose
 * `problems` list every problem at its JSON path.
 */
export async function check(timeline: Timeline | string, options: TimelineOptions = {}): Promise<JsonObject> {
  const reel = findReel(options);
  return withTimelineFile(timeline, options, (file) => runJson(reel, ['check', file, '--json', ...toolFlags(options)], options));
}

/** A media file's streams, rotation, frame rate and keyframes (`reel probe --json`). */
export async function probe(file: string, options: CommonOptions = {}): Promise<JsonObject> {
  const reel = findReel(options);
  return runJson(reel, ['probe', file, '--json', ...toolFlags(options)], options);
}

/** Which ffmpeg reel uses and which encoders really work (`reel doctor --json`). */
export async function doctor(options: CommonOptions & { refresh?: boolean } = {}): Promise<JsonObject> {
  const reel = findReel(options);
  return runJson(reel, ['doctor', '--json', ...(options.refresh ? ['--refresh'] : []), ...toolFlags(options)], options);
}

/**
 * An OpenTimelineIO file (`.otio`) converted to a timeline (`reel import`). Media paths are
 * made absolute unless the .otio file is in the current directory. What reel cannot render
 * is reported by reel on stderr; `exportTimeline` of the .otio path reports it as warning
 * events.
 */
export async function importOtio(file: string, options: CommonOptions = {}): Promise<Timeline> {
  const reel = findReel(options);
  return (await runJson(reel, ['import', file], options)) as unknown as Timeline;
}

// ---------------------------------------------------------------------------------------

function toolFlags(options: CommonOptions): string[] {
  const flags: string[] = [];
  if (options.ffmpegPath !== undefined) flags.push('--ffmpeg', options.ffmpegPath);
  if (options.ffprobePath !== undefined) flags.push('--ffprobe', options.ffprobePath);
  return flags;
}

function settingsFlags(settings: SettingsOverrides | undefined): string[] {
  if (!settings) return [];
  const flags: string[] = [];
  const add = (flag: string, value: string | number | null | undefined): void => {
    if (value !== undefined && value !== null) flags.push(flag, String(value));
  };
  add('--width', settings.width);
  add('--height', settings.height);
  add('--fps', settings.fps);
  add('--preset', settings.preset);
  add('--encoder', settings.encoder);
  add('--video-codec', settings.video_codec);
  add('--quality', settings.quality);
  if (settings.draft_downscale) flags.push('--draft-downscale');
  return flags;
}

function parseEvent(line: string): Event | undefined {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && 'type' in value) return value as Event;
  } catch {
    // stdout carries only events; anything else is not ours to interpret.
  }
  return undefined;
}

/** Runs a command that prints JSON on stdout; a failure becomes a ReelError. */
async function runJson(reel: string, args: string[], options: CommonOptions): Promise<JsonObject> {
  const result: RunResult = await runReel({ reel, args, signal: options.signal, killGraceMs: options.killGraceMs, env: options.env });
  let printed: JsonObject | undefined;
  try {
    const value: unknown = JSON.parse(result.stdout);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) printed = value as JsonObject;
  } catch {
    printed = undefined;
  }
  if (result.code === 0 && printed) return printed;
  // `check --json` prints the problems of a refused timeline.
  const problems = Array.isArray(printed?.problems) ? (printed.problems as ReelError['problems']) : [];
  throw new ReelError(result.code === 0 ? `reel ${args[0] ?? ''} printed no JSON; this is a bug in reel` : errorMessage(result), {
    exitCode: result.code,
    problems,
    stderrTail: result.stderrTail,
  });
}

/**
 * Runs `fn` with a timeline file: the path as given, or a timeline object written to a
 * private temporary folder (removed afterwards) with its relative media paths resolved
 * against `baseDir`.
 */
async function withTimelineFile<T>(timeline: Timeline | string, options: TimelineOptions, fn: (file: string) => Promise<T>): Promise<T> {
  if (typeof timeline === 'string') return fn(timeline);
  const base = resolve(options.baseDir ?? process.cwd());
  const folder = await mkdtemp(join(tmpdir(), 'reel-node-'));
  try {
    const file = join(folder, 'timeline.json');
    await writeFile(file, JSON.stringify(withAbsolutePaths(timeline, base)));
    return await fn(file);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

/** The timeline with every media path absolute (it is read from a temporary folder). */
function withAbsolutePaths(timeline: Timeline, base: string): Timeline {
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(base, p));
  return {
    ...timeline,
    video: timeline.video.map((v) => (typeof v.source === 'string' ? { ...v, source: abs(v.source) } : v)),
    ...(timeline.overlays && {
      overlays: timeline.overlays.map((o) => ({
        ...o,
        ...(typeof o.image === 'string' && { image: abs(o.image) }),
        ...(typeof o.video === 'string' && { video: abs(o.video) }),
      })),
    }),
    ...(timeline.audio && { audio: timeline.audio.map((a) => ({ ...a, source: abs(a.source) })) }),
  };
}
