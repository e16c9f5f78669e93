import { accessSync, constants, readFileSync, statSync } from 'node:fs';
import { delimiter, dirname, join, resolve, sep } from 'node:path';
import { ReelError } from './errors';

/** Where to look for reel besides the defaults. */
export interface FindOptions {
  /** The reel binary to use; nothing else is tried. */
  reelPath?: string;
  /**
   * An Electron app's resources folder. Default: `process.resourcesPath` in Electron, or,
   * where that is not set (a `worker_threads` worker), the folder Electron keeps it in
   * beside `process.execPath`.
   */
  resourcesPath?: string;
}

const EXE = process.platform === 'win32' ? 'reel.exe' : 'reel';
const PLATFORM_DIR = `${process.platform}-${process.arch}`;

/** This package's own folder (dist/src/binary.js is two levels down). */
const PACKAGE_ROOT = resolve(__dirname, '..', '..');

function packageName(): string {
  try {
    const name: unknown = JSON.parse(readFileSync(join(PACKAGE_ROOT, 'package.json'), 'utf8')).name;
    return typeof name === 'string' ? name : 'reel-node';
  } catch {
    return 'reel-node';
  }
}

/** Electron runs nothing from inside app.asar: binaries are unpacked beside it. */
function unpacked(path: string): string {
  return path.replace(`${sep}app.asar${sep}`, `${sep}app.asar.unpacked${sep}`);
}

function electronResources(explicit: string | undefined): string | undefined {
  if (explicit) return explicit;
  const fromProcess = (process as NodeJS.Process & { resourcesPath?: string }).resourcesPath;
  if (typeof fromProcess === 'string' && fromProcess !== '') return fromProcess;
  if (!process.versions.electron) return undefined;
  const appDir = dirname(process.execPath);
  return process.platform === 'darwin' ? join(appDir, '..', 'Resources') : join(appDir, 'resources');
}

function isExecutableFile(path: string): boolean {
  try {
    if (!statSync(path).isFile()) return false;
    if (process.platform !== 'win32') accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Every place reel is looked for, in order, after an explicit path and `REEL_PATH`. */
export function candidates(options: FindOptions = {}): string[] {
  const list: string[] = [];
  const resources = electronResources(options.resourcesPath);
  if (resources) {
    for (const dir of [resources, join(resources, 'bin'), join(resources, 'bin', PLATFORM_DIR)]) list.push(join(dir, EXE));
    const inApp = join(resources, 'app.asar.unpacked', 'node_modules', ...packageName().split('/'), 'bin');
    list.push(join(inApp, EXE), join(inApp, PLATFORM_DIR, EXE));
  }
  const beside = unpacked(join(PACKAGE_ROOT, 'bin'));
  list.push(join(beside, EXE), join(beside, PLATFORM_DIR, EXE));
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir !== '') list.push(join(dir, EXE));
  }
  return [...new Set(list)];
}

/**
 * Finds the reel binary: `reelPath`, then `REEL_PATH`, then an Electron app's resources
 * (`<resources>/reel`, `<resources>/bin/reel`, `<resources>/app.asar.unpacked/node_modules/
 * reel-node/bin/reel`), then `bin/` beside this package, then `PATH`. Throws a
 * {@link ReelError} (`reel_missing`) saying where it looked.
 */
export function findReel(options: FindOptions = {}): string {
  for (const [given, what] of [
    [options.reelPath, 'the reelPath option'],
    [process.env.REEL_PATH, 'REEL_PATH'],
  ] as const) {
    if (given === undefined || given === '') continue;
    const path = unpacked(resolve(given));
    if (isExecutableFile(path)) return path;
    throw new ReelError(
      `reel was not found: ${what} names ${path}, which is not an executable file. Point it at the reel binary (built with \`cargo build -p reel-cli\`, or shipped in your app's resources).`,
      { exitCode: null, kind: 'reel_missing' },
    );
  }
  const looked = candidates(options);
  const found = looked.find(isExecutableFile);
  if (found) return found;
  throw new ReelError(
    `reel was not found. Looked in: ${looked.join(', ')}. Pass reelPath, set REEL_PATH, or ship reel in your app's resources (see the reel-node README, "Electron").`,
    { exitCode: null, kind: 'reel_missing' },
  );
}
