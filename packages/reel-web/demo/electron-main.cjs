// Cross-origin isolation in an Electron app, so the renderer gets SharedArrayBuffer and
// reel-web can use ffmpeg.wasm's multi-threaded core. Two ways; use one. See docs/browser.md.
//
// This file is an example for an app's main process. It is not run by the tests: Electron's
// binary is a download outside the package registries this project builds from. The same
// headers, sent by demo/server.mjs, are what the browser tests check in Chromium, the engine
// Electron embeds (crates/reel-cli/tests/browser_export.rs: with them `crossOriginIsolated`
// is true and core-mt runs; without them the single-thread core runs, and says why).

const { app, BrowserWindow, net, protocol, session } = require("electron");
const path = require("node:path");
const { pathToFileURL } = require("node:url");

const ISOLATION = { "Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp" };

// Way 1: serve the app from a custom protocol that adds the headers to every response.
// `standard` and `secure` make app:// behave like https:// (module workers, fetch, a secure
// context); file:// pages cannot be made cross-origin isolated.
protocol.registerSchemesAsPrivileged([{ scheme: "app", privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }]);

function serveAppWithIsolation() {
  const root = path.join(__dirname, "..");
  protocol.handle("app", async (request) => {
    const { pathname } = new URL(request.url);
    const file = path.join(root, decodeURIComponent(pathname));
    if (!file.startsWith(root + path.sep)) return new Response("outside the app", { status: 403 });
    const response = await net.fetch(pathToFileURL(file).href);
    const headers = new Headers(response.headers);
    for (const [name, value] of Object.entries(ISOLATION)) headers.set(name, value);
    if (file.endsWith(".wasm")) headers.set("Content-Type", "application/wasm");
    return new Response(response.body, { status: response.status, headers });
  });
}

// Way 2: keep how pages are served (an http:// dev server, say) and add the headers to
// every response the session receives.
function addIsolationHeaders(ses = session.defaultSession) {
  ses.webRequest.onHeadersReceived((details, callback) => {
    const responseHeaders = { ...details.responseHeaders };
    for (const [name, value] of Object.entries(ISOLATION)) responseHeaders[name] = [value];
    callback({ responseHeaders });
  });
}

app.whenReady().then(() => {
  serveAppWithIsolation();
  if (process.env.APP_DEV_SERVER) addIsolationHeaders();
  const win = new BrowserWindow({ width: 1000, height: 800, webPreferences: { contextIsolation: true, sandbox: true } });
  win.loadURL(process.env.APP_DEV_SERVER ?? "app://reel/demo/index.html");
});
