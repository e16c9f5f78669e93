// examples/electron/export-ipc.js, the IPC side of the Electron example, run under plain
// Node with the real reel: Electron itself cannot be installed here. `ipcMain` and the
// window's `webContents` are stood in for by the two methods the example calls on them.
import { PACKAGE_ROOT, REEL, ffmpegProcessesMentioning, ffprobe, folder, media } from './helpers';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as reel from '../src/index';

type Handler = (event: unknown, ...args: unknown[]) => Promise<unknown> | unknown;
type Result = { ok: boolean; cancelled?: boolean; kind?: string; path?: string; report?: reel.ExportReport };

const { registerExportHandlers } = require(join(PACKAGE_ROOT, '..', '..', 'examples', 'electron', 'export-ipc.js')) as {
  registerExportHandlers(ipcMain: { handle(channel: string, fn: Handler): void }, lib: typeof reel, options?: { reelPath?: string }): {
    cancelAll(): void;
  };
};

function setUp(): { handlers: Map<string, Handler>; sent: [string, unknown][]; event: unknown; app: { cancelAll(): void } } {
  const handlers = new Map<string, Handler>();
  const sent: [string, unknown][] = [];
  const app = registerExportHandlers({ handle: (channel, fn) => handlers.set(channel, fn) }, reel, { reelPath: REEL });
  const event = { sender: { id: 1, isDestroyed: () => false, send: (channel: string, payload: unknown) => sent.push([channel, payload]) } };
  return { handlers, sent, event, app };
}

test('the example exports, sending progress to the window', async () => {
  const { handlers, sent, event } = setUp();
  const dir = folder('electron-export');
  const source = media.clip('a.mp4', 4);
  const output = join(dir, 'edit.mp4');
  const timeline = { reel: 1, output: { width: 320, height: 180, fps: 30, preset: 'draft' }, video: [{ source, out: 2 }, { gap: 0.5 }] };
  const result = (await handlers.get('reel:export')?.(event, { timeline, output })) as Result;
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.ok(Math.abs(ffprobe(output).duration - 2.5) <= 1 / 30);
  const percents = sent.filter(([channel]) => channel === 'reel:progress').map(([, p]) => (p as { percent: number }).percent);
  assert.ok(percents.length > 0 && percents.at(-1) === 100, JSON.stringify(percents));
  assert.deepEqual(
    sent.filter(([channel]) => channel === 'reel:stage').map(([, stage]) => stage).filter((s) => s !== 'faststart'),
    ['probe', 'plan', 'encode', 'verify'],
  );
});

test('the example cancels from the UI and reports a refused timeline with its path', async () => {
  const { handlers, event } = setUp();
  const dir = folder('electron-cancel');
  const source = media.clip('long.mp4', 20);
  const output = join(dir, 'edit.mp4');
  writeFileSync(output, 'the previous export');
  const timeline = { reel: 1, output: { width: 1920, height: 1080, fps: 60, preset: 'production' }, video: [{ source }] };
  const exporting = handlers.get('reel:export')?.(event, { timeline, output, overwrite: true }) as Promise<Result>;
  // Cancel once ffmpeg is encoding, as the Cancel button would.
  while (ffmpegProcessesMentioning(source).length === 0) await new Promise((r) => setTimeout(r, 50));
  assert.equal(await handlers.get('reel:cancel')?.(event), true);
  assert.deepEqual(await exporting, { ok: false, cancelled: true });
  assert.equal(readFileSync(output, 'utf8'), 'the previous export');
  assert.deepEqual(readdirSync(dir), ['edit.mp4']);

  const bad = (await handlers.get('reel:export')?.(event, { timeline: { reel: 1, video: [{ source, in: 3, out: 2 }] }, output })) as Result;
  assert.equal(bad.ok, false);
  assert.equal(bad.kind, 'invalid_timeline');
  assert.equal(bad.path, 'video[0].out');
});
