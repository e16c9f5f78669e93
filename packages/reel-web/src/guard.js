// Which ffmpeg.wasm core to use: @ffmpeg/core-mt (threads on SharedArrayBuffer) only where
// the page and the machine qualify, else the single-thread @ffmpeg/core. Pure functions, so
// the rules are tested in Node (test/unit/guard.test.mjs) and the decision is reported with
// its reason, like the native engine's encoder choice.

/** The largest output core-mt was measured to export here (1920x1080, with an explicit x264
 * thread count; see MT_THREADS_MAX). Larger pictures were not measured: single thread. */
export const MT_MAX_PIXELS = 1920 * 1080;

/** x264 threads with core-mt. Its automatic count crashed @ffmpeg/core-mt 0.12.10 with
 * "function signature mismatch" from 640x360 up at presets with lookahead (veryfast and
 * slower; 320x180 worked, and so did ultrafast up to 1920x1080); explicit counts of 1 to 4
 * worked at 1920x1080 at every preset. So the runner always gives one. */
export const MT_THREADS_MAX = 4;

/** Below this many GiB of device memory (where the browser tells), core-mt is not used: its
 * threads share one memory that must be reserved up front. */
export const MT_MIN_MEMORY_GIB = 4;

/**
 * What the page and the machine offer, read from the browser (or given, in tests).
 * @typedef {{ crossOriginIsolated: boolean, sharedArrayBuffer: boolean, cores: number, memoryGiB?: number }} Environment
 */

/** @returns {Environment} */
export function environment(scope = globalThis) {
  const nav = scope.navigator ?? {};
  return {
    crossOriginIsolated: scope.crossOriginIsolated === true,
    sharedArrayBuffer: typeof scope.SharedArrayBuffer === "function",
    cores: Number(nav.hardwareConcurrency) || 1,
    memoryGiB: typeof nav.deviceMemory === "number" ? nav.deviceMemory : undefined,
  };
}

/**
 * @typedef {{ core: "mt" | "st", reason: string, threads?: number }} Decision
 */

/**
 * The first decision, before the output size is known: what the page and the machine allow.
 * @param {Environment} env
 * @returns {Decision}
 */
export function chooseCore(env) {
  if (!env.crossOriginIsolated) {
    return st(
      "the page is not cross-origin isolated, so SharedArrayBuffer is off; serve it with the headers " +
        "Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp to use the multi-threaded core",
    );
  }
  if (!env.sharedArrayBuffer) {
    return st("this browser has no SharedArrayBuffer even though the page is cross-origin isolated; the multi-threaded core needs it");
  }
  if (env.cores < 2) {
    return st(`the machine reports ${env.cores} CPU core; threads would only take turns on it`);
  }
  if (env.memoryGiB !== undefined && env.memoryGiB < MT_MIN_MEMORY_GIB) {
    return st(`the machine reports ${env.memoryGiB} GiB of memory, under the ${MT_MIN_MEMORY_GIB} GiB the multi-threaded core is used with`);
  }
  const threads = Math.min(env.cores, MT_THREADS_MAX);
  return {
    core: "mt",
    threads,
    reason: `the page is cross-origin isolated and the machine has ${env.cores} cores${
      env.memoryGiB !== undefined ? ` and ${env.memoryGiB} GiB` : ""
    }: multi-threaded core, x264 on ${threads} threads`,
  };
}

/**
 * The same decision once the plan's output size is known.
 * @param {Decision} decision from chooseCore
 * @param {{ width: number, height: number }} output
 * @returns {Decision}
 */
export function checkOutputSize(decision, output) {
  if (decision.core !== "mt" || output.width * output.height <= MT_MAX_PIXELS) return decision;
  return st(
    `the output is ${output.width}x${output.height}, larger than the 1920x1080 the multi-threaded core was measured to export ` +
      "(@ffmpeg/core-mt 0.12 crashes on some larger graphs)",
  );
}

/** @returns {Decision} */
function st(reason) {
  return { core: "st", reason: `single-thread core: ${reason}` };
}
