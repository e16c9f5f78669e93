// A small static server for the demo page, the browser tests and the benchmark. It serves
// this package (src/, pkg/, demo/, node_modules/) from 127.0.0.1 and, unless told not to,
// sends the two headers that make a page cross-origin isolated, which is what gives it
// SharedArrayBuffer and so ffmpeg.wasm's multi-threaded core:
//
//   Cross-Origin-Opener-Policy: same-origin
//   Cross-Origin-Embedder-Policy: require-corp
//
//   node demo/server.mjs [--port 8123] [--no-isolation] [--media DIR] [--results DIR]
//
// --media DIR serves DIR at /media/ (the files a timeline names); --results DIR accepts
// `PUT /results/NAME` and writes NAME there (how the tests and the bench get the MP4 out of
// the page). Exported for the test driver as `serve(options)`.

import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".mp4": "video/mp4",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".txt": "text/plain; charset=utf-8",
};

/** The headers of cross-origin isolation. */
export const ISOLATION_HEADERS = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

/**
 * Starts the server; resolves to `{ url, close() }` once it listens.
 * @param {{ port?: number, isolation?: boolean, media?: string, results?: string }} options
 */
export function serve({ port = 0, isolation = true, media, results } = {}) {
  const server = http.createServer((req, res) => {
    const headers = isolation ? { ...ISOLATION_HEADERS } : {};
    const fail = (status, text) => {
      res.writeHead(status, { ...headers, "Content-Type": "text/plain; charset=utf-8" });
      res.end(text);
    };
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, "http://localhost").pathname);
    } catch {
      return fail(400, "bad URL");
    }
    if (req.method === "PUT" && results && pathname.startsWith("/results/")) {
      const name = path.basename(pathname);
      const out = fs.createWriteStream(path.join(results, name));
      req.pipe(out);
      out.on("finish", () => fail(201, "written"));
      out.on("error", (e) => fail(500, String(e)));
      return;
    }
    if (req.method !== "GET" && req.method !== "HEAD") return fail(405, "only GET");
    if (pathname === "/") pathname = "/demo/index.html";
    const [root, rest] = media && pathname.startsWith("/media/") ? [path.resolve(media), pathname.slice("/media/".length)] : [ROOT, pathname];
    const file = path.resolve(root, `.${path.sep}${rest}`);
    if (!file.startsWith(root + path.sep)) return fail(403, "outside the served folder");
    fs.stat(file, (error, stat) => {
      if (error || !stat.isFile()) return fail(404, `${pathname} not found`);
      res.writeHead(200, { ...headers, "Content-Type": TYPES[path.extname(file)] ?? "application/octet-stream", "Content-Length": stat.size });
      if (req.method === "HEAD") return res.end();
      fs.createReadStream(file).pipe(res);
    });
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      const { port: actual } = server.address();
      resolve({ url: `http://127.0.0.1:${actual}`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const value = (flag) => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const isolation = !args.includes("--no-isolation");
  const { url } = await serve({ port: Number(value("--port") ?? 8123), isolation, media: value("--media"), results: value("--results") });
  console.log(`reel-web demo at ${url}/ (${isolation ? "cross-origin isolated: COOP same-origin + COEP require-corp" : "not isolated: single-thread core"})`);
}
