// Shared by the tests: the real reel binary, media generated with ffmpeg's lavfi sources,
// ffprobe of the results, and a look at running processes. Nothing is mocked.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** The package folder (this file runs from dist/test/). */
export const PACKAGE_ROOT = resolve(__dirname, '..', '..');

/** The reel binary under test: REEL_PATH (set by scripts/test.sh), else cargo's debug build. */
export const REEL = resolve(process.env.REEL_PATH || join(PACKAGE_ROOT, '..', '..', 'target', 'debug', 'reel'));
if (!existsSync(REEL)) {
  throw new Error(`the tests need the reel binary at ${REEL}: run \`cargo build -p reel-cli\` first, or set REEL_PATH`);
}
process.env.REEL_PATH = REEL;

/** A folder of its own for this test file; reel's settings, cache and log live in it too. */
export const WORK = mkdtempSync(join(tmpdir(), 'reel-node-test-'));
/** The temporary folder this package writes timeline objects into (os.tmpdir() reads TMPDIR). */
export const TMP = join(WORK, 'tmp');
mkdirSync(TMP);
process.env.TMPDIR = TMP;
for (const [name, folder] of [
  ['REEL_CONFIG_DIR', 'config'],
  ['REEL_CACHE_DIR', 'cache'],
  ['REEL_DATA_DIR', 'data'],
] as const) {
  process.env[name] = join(WORK, folder);
  mkdirSync(join(WORK, folder), { recursive: true });
}

function ffmpeg(args: string[]): void {
  execFileSync('ffmpeg', ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args]);
}

/** Media made once per test file in WORK/media with ffmpeg's own sources. */
export const media = {
  /** 320x180, 30 fps, `seconds` long, a keyframe every second, with a 440 Hz tone. */
  clip(name: string, seconds: number): string {
    const path = join(WORK, 'media', name);
    if (!existsSync(path)) {
      mkdirSync(join(WORK, 'media'), { recursive: true });
      ffmpeg([
        '-f', 'lavfi', '-i', `testsrc2=size=320x180:rate=30:duration=${seconds}`,
        '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${seconds}`,
        '-c:v', 'libx264', '-preset', 'veryfast', '-g', '30', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', path,
      ]);
    }
    return path;
  },
  /** 160x90, 30 fps, every frame a keyframe, no audio: any frame is a stream-copy cut point. */
  intra(name: string, seconds: number): string {
    const path = join(WORK, 'media', name);
    if (!existsSync(path)) {
      mkdirSync(join(WORK, 'media'), { recursive: true });
      ffmpeg([
        '-f', 'lavfi', '-i', `testsrc2=size=160x90:rate=30:duration=${seconds}`,
        '-c:v', 'libx264', '-preset', 'veryfast', '-g', '1', '-pix_fmt', 'yuv420p', path,
      ]);
    }
    return path;
  },
};

export interface Probed {
  duration: number;
  streams: { codec_type: string; codec_name: string; width?: number; height?: number; nb_read_packets?: string }[];
}

/** ffprobe of a file: its duration and streams (with packet counts). */
export function ffprobe(path: string): Probed {
  const out = execFileSync(
    'ffprobe',
    ['-v', 'error', '-count_packets', '-show_entries', 'format=duration:stream=codec_type,codec_name,width,height,nb_read_packets', '-of', 'json', path],
    { encoding: 'utf8' },
  );
  const parsed = JSON.parse(out) as { format: { duration: string }; streams: Probed['streams'] };
  return { duration: Number(parsed.format.duration), streams: parsed.streams };
}

/** ffmpeg processes (pid and command line) whose arguments mention `text`, from /proc. */
export function ffmpegProcessesMentioning(text: string): { pid: number; cmdline: string }[] {
  const found: { pid: number; cmdline: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let cmdline: string;
    try {
      cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ');
    } catch {
      continue; // it ended meanwhile
    }
    const program = cmdline.split(' ')[0] ?? '';
    if (/(^|\/)ffmpeg$/.test(program) && cmdline.includes(text)) found.push({ pid: Number(entry), cmdline });
  }
  return found;
}

/** Whether a process with this pid still exists (a zombie counts as gone). */
export function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** A fresh folder under WORK. */
export function folder(name: string): string {
  const path = join(WORK, name);
  mkdirSync(path, { recursive: true });
  return path;
}

/** Names in `dir` that reel or this package would leave behind: work folders and temp files. */
export function leftovers(dir: string): string[] {
  return readdirSync(dir).filter((n) => n.startsWith('.reel-') || n.startsWith('reel-node-'));
}
