// Plays MP4 files to the end in headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core; no browser is downloaded) and reports what the browser presented, for
// reel's smart-render tests: browsers are stricter than ffmpeg about parameter sets.
//
//   node play.mjs SPEC.json
//
// SPEC: { "files": [{ "path": FILE, "frames": N }, ...] }. Prints one JSON object:
// { "chromium": VERSION, "results": [RESULT, ...] } where each RESULT holds, for the last
// attempt, the video's duration and where playback ended (`currentTime`, after `ended`),
// the media error code (null when none), `presented` (requestVideoFrameCallback's
// presentedFrames at the last callback: headless Chromium has no compositor, so
// getVideoPlaybackQuality() calls frames dropped that were shown), `decoded` (its
// totalVideoFrames), and `frames`: for each callback the frame's media time and the
// identity code drawn in its picture (reel-testkit's 8x4 grid in the bottom half),
// read from a canvas: [source, frame] or null when unreadable.
//
// A file is played at normal speed, and again slower (up to twice) when the callbacks saw
// fewer frames than it holds: on a loaded machine a headless page can miss a frame's
// presentation without anything being wrong with the file.

import fs from "node:fs";
import http from "node:http";
import { chromium } from "playwright-core";
import { chromiumVersion, launch } from "../../../../packages/reel-web/test/browser/chromium.mjs";

const RATES = [1, 0.5, 0.25];

/** Serves one file at /video.mp4 (with byte ranges, as media elements ask) and a page at /. */
function serve(files) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (url.pathname === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<!doctype html><video id=v muted playsinline preload=auto></video><canvas id=c></canvas>");
      return;
    }
    const file = files[Number(url.searchParams.get("n"))];
    if (url.pathname !== "/video.mp4" || !file) {
      res.writeHead(404);
      res.end();
      return;
    }
    const bytes = fs.readFileSync(file);
    const range = /bytes=(\d+)-(\d*)/.exec(req.headers.range ?? "");
    const start = range ? Number(range[1]) : 0;
    const end = range && range[2] ? Math.min(Number(range[2]), bytes.length - 1) : bytes.length - 1;
    res.writeHead(range ? 206 : 200, {
      "content-type": "video/mp4",
      "accept-ranges": "bytes",
      "content-length": end - start + 1,
      ...(range ? { "content-range": `bytes ${start}-${end}/${bytes.length}` } : {}),
    });
    res.end(bytes.subarray(start, end + 1));
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok(server)));
}

/** In the page: plays /video.mp4?n=N at `rate` to its end, reading every presented frame. */
async function playInPage({ n, rate }) {
  const v = document.getElementById("v");
  const c = document.getElementById("c");
  const g = c.getContext("2d", { willReadFrequently: true });
  const failed = () => new Error(`media error ${v.error?.code}: ${v.error?.message}`);
  const frames = [];
  let presented = 0;
  const read = (now, meta) => {
    if (c.width !== v.videoWidth) [c.width, c.height] = [v.videoWidth, v.videoHeight];
    g.drawImage(v, 0, 0);
    const { width: w, height: h } = c;
    const px = g.getImageData(0, 0, w, h).data;
    let code = 0;
    for (let bit = 0; bit < 32; bit++) {
      const x = Math.floor((((bit % 8) + 0.5) / 8) * w);
      const y = Math.floor((0.5 + (0.5 * (Math.floor(bit / 8) + 0.5)) / 4) * h);
      if (px[(y * w + x) * 4] > 128) code |= 1 << bit;
    }
    code >>>= 0;
    const frame = code & 0xffff;
    const ok = code >>> 24 === 255 - (frame & 0xff);
    frames.push({ t: meta.mediaTime, id: ok ? [(code >>> 16) & 0xff, frame] : null });
    presented = meta.presentedFrames;
    v.requestVideoFrameCallback(read);
  };
  // Asked for before loading, so the first frame's presentation is seen too.
  v.requestVideoFrameCallback(read);
  v.src = `/video.mp4?n=${n}`;
  await new Promise((ok, bad) => {
    v.onloadeddata = ok;
    v.onerror = () => bad(failed());
  });
  v.playbackRate = rate;
  const ended = new Promise((ok, bad) => {
    v.onended = ok;
    v.onerror = () => bad(failed());
  });
  await v.play();
  await ended;
  // The last frame's callback may come after `ended`.
  await new Promise((ok) => setTimeout(ok, 200));
  const quality = v.getVideoPlaybackQuality();
  return {
    rate,
    duration: v.duration,
    currentTime: v.currentTime,
    error: v.error ? v.error.code : null,
    presented,
    decoded: quality.totalVideoFrames,
    frames,
  };
}

const spec = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
let version;
try {
  version = chromiumVersion();
} catch (e) {
  console.error(e.message);
  process.exit(2);
}
const server = await serve(spec.files.map((f) => f.path));
const { context, close } = await launch(chromium, "reel-chromium-");
const results = [];
try {
  for (const [n, file] of spec.files.entries()) {
    let result;
    for (const rate of RATES) {
      const page = await context.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/`);
      try {
        result = await page.evaluate(playInPage, { n, rate });
      } catch (e) {
        result = { rate, error: String(e.message ?? e), frames: [] };
      }
      await page.close();
      if (typeof result.error === "string" || result.frames.length >= file.frames) break;
    }
    results.push({ path: file.path, ...result });
  }
} finally {
  await close();
  server.close();
}
console.log(JSON.stringify({ chromium: version, results }));
