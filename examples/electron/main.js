// An Electron main process that exports with reel (see packages/reel-node/README.md,
// "Electron"). Ship `reel`, `ffmpeg` and `ffprobe` in the app's resources/bin folder: reel-node
// finds reel there, and reel finds ffmpeg beside itself.
'use strict';

const { app, BrowserWindow, ipcMain } = require('electron');
const path = require('node:path');
const reel = require('reel-node');
const { registerExportHandlers } = require('./export-ipc');

const exportsInFlight = registerExportHandlers(ipcMain, reel);

function createWindow() {
  const win = new BrowserWindow({
    width: 640,
    height: 360,
    webPreferences: { preload: path.join(__dirname, 'preload.js'), contextIsolation: true, sandbox: true },
  });
  win.loadFile(path.join(__dirname, 'index.html'));
}

app.whenReady().then(createWindow);

// Quitting mid-export cancels it: reel stops ffmpeg and removes its temporary files, and the
// previous file at the destination is left as it was.
app.on('before-quit', () => exportsInFlight.cancelAll());
app.on('window-all-closed', () => app.quit());
