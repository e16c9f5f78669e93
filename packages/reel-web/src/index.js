// reel-web: export a timeline in the page, with reel's own planner (compiled to WebAssembly
// from crates/reel-wasm) and ffmpeg.wasm. For where no native reel can run: a web build of
// an editor, a locked-down machine. Same timeline format, same frames as the native export.
//
//   import { exportTimeline } from "reel-web";
//   const { blob, core } = await exportTimeline({ timeline: text, files: { "a.mp4": file } });
//
// The user's files are mounted, not copied (WORKERFS: ffmpeg.wasm reads slices of each File
// or Blob when it needs them). The multi-threaded core is used where the page is
// cross-origin isolated and the machine qualifies (guard.js); if it fails to load or fails
// mid-export, the export runs once more on the single-thread core, and the result says so.

import { FFmpeg } from "@ffmpeg/ffmpeg";
import initPlanner, { plan as planWeb, sources as plannerSources } from "../pkg/reel_wasm.js";
import { checkOutputSize, chooseCore, environment } from "./guard.js";

export { chooseCore, checkOutputSize, environment } from "./guard.js";

/** Where the user's files are mounted; the timeline's paths are resolved against it. */
export const BASE_DIR = "/input";

/** A run that writes nothing to its log for this long is taken as hung. */
export const STALL_MS = 60_000;

/**
 * Why an export did not produce its file. `kind` is one of `invalid` (the timeline or its
 * files; nothing was run), `ffmpeg` (an ffmpeg run failed), `verify` (the written file is not
 * what the plan asked for), `load` (no ffmpeg core could be loaded), `cancelled`.
 */
export class ReelWebError extends Error {
  constructor(kind, message, details = {}) {
    super(message);
    this.name = "ReelWebError";
    this.kind = kind;
    Object.assign(this, details);
  }
}

/** The cores' files as served from this package's node_modules (no CDN). An app that bundles
 * or copies them elsewhere passes its own URLs as `assets`. */
export function defaultAssets(base = new URL("../node_modules/", import.meta.url)) {
  const at = (pkg, file) => new URL(`@ffmpeg/${pkg}/dist/esm/${file}`, base).href;
  return {
    st: { coreURL: at("core", "ffmpeg-core.js"), wasmURL: at("core", "ffmpeg-core.wasm") },
    mt: {
      coreURL: at("core-mt", "ffmpeg-core.js"),
      wasmURL: at("core-mt", "ffmpeg-core.wasm"),
      workerURL: at("core-mt", "ffmpeg-core.worker.js"),
    },
  };
}

let plannerReady;

/**
 * Exports a timeline to an MP4 Blob.
 * @param {object} options
 * @param {string} options.timeline timeline v1 JSON text
 * @param {Record<string, Blob>} options.files every file the timeline names, keyed by the path as the timeline writes it
 * @param {(event: {type: string, data: object}) => void} [options.onEvent] `stage`, `core`, `progress`, `warning`
 * @param {AbortSignal} [options.signal] aborting stops ffmpeg and rejects with kind `cancelled`
 * @param {"auto" | "mt" | "st"} [options.core] `auto` (default) applies the guard; `mt` skips it (for measuring); `st` forces single thread
 * @param {number | "auto"} [options.mtThreads] x264 threads with core-mt; default from the guard. `"auto"` lets x264 choose, which crashes core-mt 0.12 at presets with lookahead from 640x360 up (for measuring the fallback)
 * @param {ReturnType<typeof defaultAssets>} [options.assets]
 * @returns {Promise<{blob: Blob, core: object, plan: object, timings: object, warnings: string[]}>}
 */
export async function exportTimeline(options) {
  const started = performance.now();
  const { timeline, files = {}, signal } = options;
  const emit = (type, data) => options.onEvent?.({ type, data });
  const assets = options.assets ?? defaultAssets();
  const timings = { load: 0, probe: 0, plan: 0, encode: 0, verify: 0, total: 0 };
  const timed = async (stage, work) => {
    emit("stage", { stage });
    const t = performance.now();
    try {
      return await work();
    } finally {
      timings[stage] += (performance.now() - t) / 1000;
    }
  };
  throwIfCancelled(signal);

  plannerReady ??= initPlanner();
  await plannerReady;
  const listed = JSON.parse(plannerSources(String(timeline), BASE_DIR));
  if (!listed.ok) throw invalid(listed);
  const mounted = mountList(listed.sources, files);

  let decision = decide(options);
  emit("core", { ...decision, fallback: false });
  let fallbackFrom = null;
  let probes = null;
  for (;;) {
    const session = new Session(decision, assets, emit, signal);
    try {
      await timed("load", () => session.load());
      await session.mount(mounted);
      probes ??= await timed("probe", () => probeAll(session, listed.sources));
      const plan = await timed("plan", () => planFor(timeline, probes, decision));
      const sized = checkOutputSize(decision, plan.output);
      if (sized !== decision) {
        // Refused by the output size: the single-thread core, without a failure to report.
        session.close();
        decision = sized;
        emit("core", { ...decision, fallback: false });
        continue;
      }
      for (const w of plan.warnings) emit("warning", { message: w });
      await timed("encode", () => session.run(plan));
      await timed("verify", () => verify(session, plan));
      const data = await session.read(plan.output_path);
      session.close();
      timings.total = (performance.now() - started) / 1000;
      return {
        blob: new Blob([data], { type: "video/mp4" }),
        core: { ...decision, fallbackFrom },
        plan,
        timings,
        warnings: plan.warnings,
      };
    } catch (error) {
      session.close();
      if (signal?.aborted) throw cancelled();
      if (decision.core !== "mt" || error.kind === "invalid" || error.kind === "cancelled") throw error;
      // Once, and said: the multi-threaded core failed; the single-thread one runs it all again.
      fallbackFrom = { core: "mt", error: error.message };
      decision = {
        core: "st",
        reason: `single-thread core: the multi-threaded core failed (${firstLine(error.message)}); the export was run again on the single-thread core`,
      };
      emit("core", { ...decision, fallback: true });
      emit("warning", { message: decision.reason });
    }
  }
}

function decide(options) {
  const env = environment();
  if (options.core === "st") return { core: "st", reason: "single-thread core: asked for (core: \"st\")" };
  let decision = options.core === "mt" ? { core: "mt", threads: Math.min(env.cores, 4), reason: "multi-threaded core: asked for (core: \"mt\"), guard skipped" } : chooseCore(env);
  if (decision.core === "mt" && options.mtThreads !== undefined) {
    decision = { ...decision, threads: options.mtThreads, reason: `${decision.reason}; x264 threads set to ${options.mtThreads}` };
  }
  return decision;
}

/** Each source's name inside the mount, and the caller's Blob for it. */
function mountList(sources, files) {
  const problems = [];
  const blobs = [];
  for (const s of sources) {
    const name = s.path.startsWith(`${BASE_DIR}/`) ? s.path.slice(BASE_DIR.length + 1) : null;
    const blob = files[s.written] ?? (name !== null ? files[name] : undefined);
    if (name === null || name.split("/").includes("..")) {
      problems.push({ path: s.used_at[0], message: `${s.written} is outside the timeline's folder; in the browser every file is given by a name relative to the timeline (such as media/a.mp4)` });
    } else if (!(blob instanceof Blob)) {
      problems.push({ path: s.used_at[0], message: `${s.written} was not given to the exporter; pass it in files under the name "${s.written}" (a File or Blob)` });
    } else {
      blobs.push({ name, data: blob, path: s.path });
    }
  }
  if (problems.length) throw invalid({ problems, message: problemText(problems) });
  return blobs;
}

async function probeAll(session, sources) {
  const probes = {};
  for (const s of sources) {
    const streams = await session.probe(s.probe_args);
    const keyframes = s.keyframe_args ? await session.probe(s.keyframe_args) : { stdout: null };
    probes[s.path] = { streams: streams.stdout, keyframes: keyframes.stdout, stderr: streams.stderr };
  }
  return probes;
}

async function planFor(timeline, probes, decision) {
  const options = { work_dir: "/", links_dir: "/reel-links" };
  if (decision.core === "mt" && decision.threads !== "auto") options.encoder_threads = decision.threads;
  const answer = JSON.parse(planWeb(JSON.stringify({ timeline: String(timeline), base_dir: BASE_DIR, probes, options })));
  if (!answer.ok) throw invalid(answer);
  return answer.plan;
}

/** The written file against the plan: a video stream of the planned size, the planned
 * duration within a frame (ffmpeg.wasm, like native ffmpeg, can exit 0 on a broken file). */
async function verify(session, plan) {
  const args = ["-hide_banner", "-loglevel", "error", "-print_format", "json", "-show_format", "-show_streams", `file:${plan.output_path}`];
  const { stdout } = await session.probe(args);
  let info;
  try {
    info = JSON.parse(stdout || "{}");
  } catch {
    info = {};
  }
  const video = (info.streams ?? []).find((s) => s.codec_type === "video");
  const duration = Number(info.format?.duration);
  const frame = plan.output.fps.den / plan.output.fps.num;
  const problems = [];
  if (!video) problems.push("it has no video stream");
  else if (video.width !== plan.output.width || video.height !== plan.output.height) {
    problems.push(`its picture is ${video.width}x${video.height}, the plan's ${plan.output.width}x${plan.output.height}`);
  }
  if (!(Math.abs(duration - plan.duration) <= frame + 1e-3)) problems.push(`it lasts ${duration} s, the plan ${plan.duration} s`);
  if (plan.output.audio && !(info.streams ?? []).some((s) => s.codec_type === "audio")) problems.push("it has no audio stream");
  if (problems.length) {
    throw new ReelWebError("verify", `the exported file failed verification: ${problems.join("; ")}. ffmpeg.wasm reported success, so this is likely a memory limit or an ffmpeg.wasm bug; try the single-thread core or a shorter export`);
  }
}

/** One loaded ffmpeg.wasm core and what was mounted and written in it. */
class Session {
  constructor(decision, assets, emit, signal) {
    this.decision = decision;
    this.assets = decision.core === "mt" ? assets.mt : assets.st;
    this.emit = emit;
    this.signal = signal;
    this.ffmpeg = new FFmpeg();
    this.lines = null;
    this.lastLog = performance.now();
    this.ffmpeg.on("log", ({ type, message }) => {
      this.lastLog = performance.now();
      this.lines?.push({ type, message });
      this.onLine?.(type, message);
    });
    this.abort = () => this.ffmpeg.terminate();
    signal?.addEventListener("abort", this.abort);
  }

  get name() {
    return this.decision.core === "mt" ? "@ffmpeg/core-mt" : "@ffmpeg/core";
  }

  async load() {
    try {
      await this.ffmpeg.load(this.assets);
    } catch (e) {
      throw new ReelWebError("load", `${this.name} could not be loaded from ${this.assets.coreURL} (${messageOf(e)}); check that the app serves its files (js, wasm${this.decision.core === "mt" ? ", worker.js" : ""}) at these URLs`);
    }
  }

  async mount(blobs) {
    await this.ffmpeg.createDir(BASE_DIR);
    await this.ffmpeg.mount("WORKERFS", { blobs: blobs.map(({ name, data }) => ({ name, data })) }, BASE_DIR);
    this.blobs = new Map(blobs.map((b) => [b.path, b.data]));
  }

  /** Runs ffprobe; what it printed on stdout and stderr. */
  async probe(args) {
    this.lines = [];
    try {
      await this.ffmpeg.ffprobe(args);
    } catch (e) {
      throw this.failure("ffprobe", args, e);
    }
    const out = this.lines;
    this.lines = null;
    const of = (type) => out.filter((l) => l.type === type && l.message !== "Aborted()").map((l) => l.message).join("\n");
    return { stdout: of("stdout"), stderr: of("stderr") };
  }

  /** Runs every step of the plan; progress from ffmpeg's `-progress` lines. */
  async run(plan) {
    const total = plan.steps.reduce((s, step) => s + step.expected_duration, 0) || 1;
    let before = 0;
    for (const step of plan.steps) {
      throwIfCancelled(this.signal);
      for (const f of step.files) await this.ffmpeg.writeFile(f.path, f.contents);
      if (step.mount) await this.mountLinks(step.mount);
      await this.remove(step.output);
      const block = {};
      let lastSent = 0;
      this.onLine = (type, message) => {
        if (type !== "stdout") return;
        const [key, value] = message.split("=", 2);
        if (key === "out_time_us") block.out_time = Math.max(0, Number(value) / 1e6);
        else if (key === "speed") block.speed = parseFloat(value) || undefined;
        else if (key === "fps") block.fps = Number(value) || undefined;
        else if (key === "progress") {
          const now = performance.now();
          const done = Math.min(step.expected_duration, block.out_time ?? 0);
          if (value === "end" || now - lastSent >= 250) {
            lastSent = now;
            this.emit("progress", {
              job: step.id,
              percent: Math.min(100, (100 * (before + done)) / total),
              out_time: done,
              duration: step.expected_duration,
              speed: block.speed,
              fps: block.fps,
            });
          }
        }
      };
      this.lines = [];
      let code;
      try {
        code = await this.watch(this.ffmpeg.exec(step.args));
      } catch (e) {
        // A crashed thread's own report ("function signature mismatch") arrives just after.
        await new Promise((done) => setTimeout(done, 200));
        throw this.failure(step.id, step.args, e);
      } finally {
        this.onLine = null;
      }
      const log = this.lines;
      this.lines = null;
      if (code !== 0) throw this.failure(step.id, step.args, null, code, log);
      for (const f of step.files) await this.remove(f.path);
      if (step.mount) {
        await this.ffmpeg.unmount(step.mount.dir);
        await this.ffmpeg.deleteDir(step.mount.dir);
      }
      before += step.expected_duration;
    }
  }

  async mountLinks(m) {
    const blobs = [
      ...m.files.map((f) => ({ name: f.path, data: new Blob([f.contents], { type: "text/plain" }) })),
    ];
    for (const l of m.links) {
      // Another job's output lives in the in-memory file system: read into a Blob to mount.
      const data = l.from_job ? new Blob([await this.ffmpeg.readFile(l.target)]) : this.blobs.get(l.target);
      blobs.push({ name: l.name, data });
    }
    await this.ffmpeg.createDir(m.dir);
    await this.ffmpeg.mount("WORKERFS", { blobs }, m.dir);
  }

  /** An exec that rejects when ffmpeg writes nothing for STALL_MS (a crashed thread can
   * leave the core waiting forever). */
  watch(running) {
    this.lastLog = performance.now();
    let timer;
    const stalled = new Promise((_, reject) => {
      timer = setInterval(() => {
        if (performance.now() - this.lastLog > STALL_MS) {
          reject(new Error(`no output for ${STALL_MS / 1000} s; the run was stopped`));
          this.ffmpeg.terminate();
        }
      }, 1000);
    });
    return Promise.race([running, stalled]).finally(() => clearInterval(timer));
  }

  async read(path) {
    const data = await this.ffmpeg.readFile(path);
    await this.remove(path);
    return data;
  }

  async remove(path) {
    try {
      await this.ffmpeg.deleteFile(path);
    } catch {
      // Not there: nothing to remove.
    }
  }

  failure(what, args, error, code, log = this.lines ?? []) {
    if (this.signal?.aborted) return cancelled();
    const tail = log.filter((l) => l.type === "stderr" && l.message !== "Aborted()").slice(-6).map((l) => l.message);
    const reason = error ? messageOf(error) : `exit code ${code}`;
    return new ReelWebError(
      "ffmpeg",
      `ffmpeg.wasm (${this.name}) failed in ${what} (${reason})${tail.length ? `: ${tail.join(" | ")}` : ""}. ` +
        "If the timeline exports natively, this is ffmpeg.wasm's limit (memory, or a crash of its build): try a shorter or smaller export",
      { stderr: tail, args },
    );
  }

  close() {
    this.signal?.removeEventListener("abort", this.abort);
    try {
      this.ffmpeg.terminate();
    } catch {
      // Never loaded.
    }
  }
}

function throwIfCancelled(signal) {
  if (signal?.aborted) throw cancelled();
}

function cancelled() {
  return new ReelWebError("cancelled", "the export was cancelled; ffmpeg.wasm was stopped and nothing was returned");
}

function invalid(answer) {
  return new ReelWebError("invalid", answer.message, { problems: answer.problems });
}

function problemText(problems) {
  const n = problems.length;
  return `the timeline has ${n} problem${n === 1 ? "" : "s"}:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join("\n")}`;
}

function messageOf(e) {
  return e instanceof Error ? e.message : String(e);
}

function firstLine(text) {
  return String(text).split("\n")[0].slice(0, 300);
}
