// The renderer's window onto the export: start, cancel, and listen to progress.
'use strict';

const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('reel', {
  /** Resolves with { ok: true, report } or { ok: false, cancelled | kind, message, path }. */
  exportTimeline: (timeline, output, settings) => ipcRenderer.invoke('reel:export', { timeline, output, settings, overwrite: true }),
  cancel: () => ipcRenderer.invoke('reel:cancel'),
  onProgress: (callback) => {
    const listener = (_event, progress) => callback(progress);
    ipcRenderer.on('reel:progress', listener);
    return () => ipcRenderer.removeListener('reel:progress', listener);
  },
  onStage: (callback) => ipcRenderer.on('reel:stage', (_event, stage) => callback(stage)),
  onWarning: (callback) => ipcRenderer.on('reel:warning', (_event, message) => callback(message)),
});
