// Debian's Chromium (/usr/bin/chromium, or REEL_CHROMIUM) as every headless test here runs
// it: the browser fallback's driver (drive.mjs) and the smart-render tests' player
// (crates/reel-cli/tests/chromium/play.mjs). No imports beyond Node's own: each caller
// passes its own playwright-core, installed in its own package.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export const CHROMIUM = process.env.REEL_CHROMIUM ?? "/usr/bin/chromium";

/** The flags the browser runs with: headless, and nothing that reaches out to the network
 * (a closed network refuses Chromium's background connections). */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** The browser's version line; throws a sentence saying what to install when it is missing. */
export function chromiumVersion() {
  if (!fs.existsSync(CHROMIUM)) {
    throw new Error(`there is no Chromium at ${CHROMIUM}; install Debian's package (apt-get install chromium; scripts/setup.sh --test does), or set REEL_CHROMIUM`);
  }
  return execFileSync(CHROMIUM, ["--version"], { encoding: "utf8" }).trim();
}

/** Starts the browser with a new, empty profile folder (named `prefix`…) through
 * `playwright` (playwright-core's `chromium`). Returns the persistent context, the profile
 * folder (to find the browser's process by), and `close()`, which also removes the folder. */
export async function launch(playwright, prefix) {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  const context = await playwright.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const close = async () => {
    await context.close();
    fs.rmSync(profile, { recursive: true, force: true });
  };
  return { context, profile, close };
}
