// The export side of an Electron editor's main process: IPC handlers that run reel through
// reel-node, forward progress to the window that asked, and cancel on request or on quit.
// main.js wires it to Electron; packages/reel-node/test/electron-example.test.ts runs this
// same file under plain Node against the real reel binary (Electron cannot be installed there).
'use strict';

/**
 * Registers `reel:export` and `reel:cancel` on `ipcMain`.
 * @param {{ handle(channel: string, listener: (event: any, ...args: any[]) => any): void }} ipcMain
 * @param {typeof import('reel-node')} reel the reel-node module
 * @param {{ reelPath?: string }} [options] where reel is, when not in the app's resources
 * @returns {{ cancelAll(): void }} call on `before-quit`
 */
function registerExportHandlers(ipcMain, reel, options = {}) {
  /** One running export per window: webContents id -> AbortController. */
  const running = new Map();

  ipcMain.handle('reel:export', async (event, request) => {
    const sender = event.sender;
    if (running.has(sender.id)) {
      return { ok: false, kind: 'busy', message: 'An export is already running in this window; cancel it first.' };
    }
    const controller = new AbortController();
    running.set(sender.id, controller);
    const send = (channel, payload) => {
      if (!sender.isDestroyed()) sender.send(channel, payload);
    };
    try {
      // `request.timeline` is the editor's timeline object (timeline v1) or the path of a
      // .json / .otio file; reel-node writes an object to a temporary file for reel.
      const report = await reel.exportTimeline(request.timeline, {
        output: request.output,
        overwrite: request.overwrite === true,
        baseDir: request.baseDir,
        settings: request.settings,
        reelPath: options.reelPath,
        signal: controller.signal,
        onProgress: (p) => send('reel:progress', { percent: p.percent, eta: p.eta, speed: p.speed }),
        onEvent: (e) => {
          if (e.type === 'stage') send('reel:stage', e.data.stage);
          if (e.type === 'warning') send('reel:warning', e.data.message);
        },
      });
      return { ok: true, report };
    } catch (error) {
      // Plain objects cross IPC intact; an Error would arrive as its message only.
      if (error && error.name === 'AbortError') return { ok: false, cancelled: true };
      if (error instanceof reel.ReelError) {
        return { ok: false, kind: error.kind, exitCode: error.exitCode, message: error.message, path: error.path, problems: error.problems };
      }
      throw error;
    } finally {
      running.delete(sender.id);
    }
  });

  ipcMain.handle('reel:cancel', (event) => {
    const controller = running.get(event.sender.id);
    if (controller) controller.abort();
    return controller !== undefined;
  });

  return {
    cancelAll() {
      for (const controller of running.values()) controller.abort();
    },
  };
}

module.exports = { registerExportHandlers };
