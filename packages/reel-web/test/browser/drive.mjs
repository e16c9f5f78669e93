// Runs exports in headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core;
// no browser is downloaded) against the real ffmpeg.wasm, for the Rust browser tests and the
// benchmark.
//
//   node test/browser/drive.mjs SPEC.json
//
// SPEC: { "media": DIR, "results": DIR, "runs": [RUN, ...] } where each RUN is
//   { "name", "isolation": bool, "timeline": TEXT, "files": [NAME, ...], "output": NAME,
//     "core"?: "auto"|"mt"|"st", "mtThreads"?: N|"auto", "breakMt"?: bool, "cancelAtPercent"?: N,
//     "timeout_s"?: N }
// and, optionally, "guard": [{ "width", "height" }, ...]: sizes to ask the core guard about
// on an isolated page, without exporting.
// The files are served from DIR at /media/; each export's MP4 is written to the results
// folder as NAME. Prints one JSON object: per run, what the runner reported, the wall time
// around the whole export in the page (fetching the files, loading the core, probing,
// planning, encoding, verifying, handing the MP4 back), and the CPU seconds every Chromium
// process used meanwhile (from /proc: how many cores ffmpeg.wasm really kept busy).

import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { serve } from "../../demo/server.mjs";
import { CHROMIUM, chromiumVersion, launch } from "./chromium.mjs";

export { CHROMIUM, CHROMIUM_ARGS } from "./chromium.mjs";

const TICKS = 100; // Linux USER_HZ: /proc/*/stat counts CPU time in 1/100 s.

/** CPU seconds (user + system) of `root` and every process below it, by pid. */
function treeCpu(root) {
  const parent = new Map();
  const cpu = new Map();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch {
      continue; // exited meanwhile
    }
    // "pid (comm) state ppid ...": comm may hold spaces, so split after its closing ")".
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    parent.set(Number(entry), Number(fields[1]));
    cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) / TICKS);
  }
  const inTree = (pid) => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === root) return true;
    return false;
  };
  const out = new Map();
  for (const [pid, seconds] of cpu) if (inTree(pid)) out.set(pid, seconds);
  return out;
}

/** CPU seconds the whole machine has been busy since boot (/proc/stat: all but idle and iowait). */
function machineBusy() {
  const fields = fs.readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1, 9).map(Number);
  return fields.reduce((sum, v, i) => (i === 3 || i === 4 ? sum : sum + v), 0) / TICKS;
}

/** Samples the browser's processes every 250 ms, so one that exits mid-run still counts. */
function cpuMeter(root) {
  const start = treeCpu(root);
  const last = new Map(start);
  const sample = () => {
    for (const [pid, s] of treeCpu(root)) last.set(pid, s);
  };
  const timer = setInterval(sample, 250);
  return () => {
    clearInterval(timer);
    sample();
    let used = 0;
    for (const [pid, s] of last) used += s - (start.get(pid) ?? 0);
    return used;
  };
}

export async function drive(spec) {
  const version = chromiumVersion();
  fs.mkdirSync(spec.results, { recursive: true });
  const servers = {
    true: await serve({ isolation: true, media: spec.media, results: spec.results }),
    false: await serve({ isolation: false, media: spec.media, results: spec.results }),
  };
  const { context: browser, profile, close } = await launch(chromium, "reel-web-chromium-");
  // A persistent context has no Browser object to ask: find its process by its profile.
  const pid = findBrowserPid(profile);
  const results = [];
  let guard = [];
  try {
    for (const run of spec.runs) {
      const page = await browser.newPage();
      const consoleLines = [];
      page.on("console", (m) => consoleLines.push(m.text()));
      page.on("pageerror", (e) => consoleLines.push(`page error: ${e.message}`));
      await page.goto(`${servers[Boolean(run.isolation)].url}/test/browser/page.html`);
      await page.waitForFunction("window.pageReady === true", null, { timeout: 30_000 });
      const meter = pid ? cpuMeter(pid) : () => null;
      const busy = machineBusy();
      const started = performance.now();
      const limit = (run.timeout_s ?? 600) * 1000;
      let timer;
      const result = await Promise.race([
        page.evaluate((r) => window.runExport(r), run),
        new Promise((resolve) => {
          timer = setTimeout(() => resolve({ ok: false, kind: "timeout", message: `the export did not finish within ${limit / 1000} s` }), limit);
        }),
      ]);
      clearTimeout(timer);
      const wall = (performance.now() - started) / 1000;
      const cpu = meter();
      // The cores the rest of the machine (not this browser) kept busy meanwhile.
      const others = cpu === null ? null : Math.max(0, (machineBusy() - busy - cpu) / wall);
      results.push({ name: run.name, wall, browser_cpu: cpu, cores_busy: cpu === null ? null : cpu / wall, others, ...result, console: consoleLines.slice(-20) });
      await page.close();
    }
    if (spec.guard?.length) {
      const page = await browser.newPage();
      await page.goto(`${servers.true.url}/test/browser/page.html`);
      await page.waitForFunction("window.pageReady === true", null, { timeout: 30_000 });
      guard = await page.evaluate((sizes) => sizes.map(({ width, height }) => window.guardFor(width, height)), spec.guard);
      await page.close();
    }
  } finally {
    await close();
    await servers.true.close();
    await servers.false.close();
  }
  return { chromium: CHROMIUM, version, cores: os.cpus().length, runs: results, guard };
}

/** The browser process: the one whose command line names this run's profile folder. */
function findBrowserPid(profile) {
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmd = fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").split("\0");
      if (cmd.some((a) => a === `--user-data-dir=${profile}`) && !cmd.some((a) => a.startsWith("--type="))) return Number(entry);
    } catch {
      // exited meanwhile
    }
  }
  return null;
}

if (process.argv[1] && path.resolve(process.argv[1]) === new URL(import.meta.url).pathname) {
  const specPath = process.argv[2];
  if (!specPath) {
    console.error("usage: node test/browser/drive.mjs SPEC.json");
    process.exit(2);
  }
  try {
    const report = await drive(JSON.parse(fs.readFileSync(specPath, "utf8")));
    process.stdout.write(`${JSON.stringify(report, null, 1)}\n`);
  } catch (e) {
    console.error(`reel-web drive: ${e.message}`);
    process.exit(1);
  }
}
