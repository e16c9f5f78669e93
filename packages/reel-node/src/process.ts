import { spawn, type ChildProcess } from 'node:child_process';
import { AbortError, ReelError } from './errors';

/** How long reel gets to clean up after SIGTERM before it is killed (ms). */
export const DEFAULT_KILL_GRACE_MS = 5000;

/** How much of reel's stderr is kept for errors. */
const STDERR_TAIL_LINES = 20;
const STDERR_KEEP_BYTES = 16 * 1024;

export interface RunSpec {
  reel: string;
  args: string[];
  signal?: AbortSignal | undefined;
  killGraceMs?: number | undefined;
  env?: NodeJS.ProcessEnv | undefined;
  /** Called with each line of stdout (without the newline); a throw cancels the run. */
  onLine?: ((line: string) => void) | undefined;
}

export interface RunResult {
  /** reel's exit code; `null` when a signal ended it. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** All of stdout, when no `onLine` was given. */
  stdout: string;
  /** The last lines of stderr. */
  stderrTail: string;
}

/** reel processes still running, stopped if this process (or worker) exits first. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function stopAllOnExit(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A quitting app must not leave reel (and its ffmpeg) running: SIGTERM makes reel stop
  // ffmpeg and remove its temporary files.
  process.once('exit', () => {
    for (const child of running) child.kill('SIGTERM');
  });
}

/**
 * Runs reel once. Resolves when it has exited and its output is read, whatever its exit
 * code; rejects with an {@link AbortError} when `signal` aborted it (SIGTERM, then SIGKILL
 * after the grace period), with a {@link ReelError} when it could not be started, or with
 * what `onLine` threw.
 */
export function runReel(spec: RunSpec): Promise<RunResult> {
  const { signal } = spec;
  if (signal?.aborted) return Promise.reject(new AbortError(undefined, signal.reason));
  return new Promise<RunResult>((resolvePromise, rejectPromise) => {
    let child: ChildProcess;
    try {
      child = spawn(spec.reel, spec.args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        windowsHide: true,
        env: spec.env ?? process.env,
      });
    } catch (e) {
      rejectPromise(startError(spec.reel, e));
      return;
    }
    running.add(child);
    stopAllOnExit();

    let stdout = '';
    let pending = '';
    let stderr = '';
    let aborted = false;
    let callbackError: { error: unknown } | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let spawnError: unknown;

    const terminate = (): void => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      killTimer ??= setTimeout(() => child.kill('SIGKILL'), spec.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
    };
    const onAbort = (): void => {
      aborted = true;
      terminate();
    };
    signal?.addEventListener('abort', onAbort, { once: true });

    const deliver = (line: string): void => {
      if (callbackError || line === '') return;
      try {
        spec.onLine?.(line);
      } catch (error) {
        callbackError = { error };
        terminate();
      }
    };

    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      if (!spec.onLine) {
        stdout += chunk;
        return;
      }
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline >= 0) {
        deliver(pending.slice(0, newline).replace(/\r$/, ''));
        pending = pending.slice(newline + 1);
        newline = pending.indexOf('\n');
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.length > 2 * STDERR_KEEP_BYTES) stderr = stderr.slice(-STDERR_KEEP_BYTES);
    });

    child.on('error', (e) => {
      spawnError ??= e;
      if (child.pid === undefined) {
        // It never started (ENOENT, EACCES): no 'close' may follow.
        running.delete(child);
        signal?.removeEventListener('abort', onAbort);
        rejectPromise(startError(spec.reel, e));
      }
    });
    child.on('close', (code, exitSignal) => {
      running.delete(child);
      if (killTimer) clearTimeout(killTimer);
      signal?.removeEventListener('abort', onAbort);
      if (pending !== '') deliver(pending);
      const stderrTail = stderr.trimEnd().split('\n').slice(-STDERR_TAIL_LINES).join('\n');
      if (spawnError !== undefined && code === null && exitSignal === null) {
        rejectPromise(startError(spec.reel, spawnError));
      } else if (callbackError) {
        rejectPromise(callbackError.error);
      } else if (aborted && code !== 0) {
        rejectPromise(new AbortError(undefined, signal?.reason));
      } else {
        resolvePromise({ code, signal: exitSignal, stdout, stderrTail });
      }
    });
  });
}

function startError(reel: string, e: unknown): ReelError {
  const reason = e instanceof Error ? e.message : String(e);
  return new ReelError(`could not start reel (${reel}): ${reason}. Check that it is the reel binary for this platform and that it is executable.`, {
    exitCode: null,
    kind: 'reel_missing',
    cause: e,
  });
}

/** reel's own sentence from stderr (`error: …` up to the end), else the last lines. */
export function errorMessage(result: RunResult): string {
  const lines = result.stderrTail.split('\n');
  const first = lines.findIndex((l) => l.startsWith('error: '));
  if (first >= 0) return lines.slice(first).join('\n').replace(/^error: /, '');
  if (result.signal) return `reel was ended by ${result.signal}${result.stderrTail ? `; it said: ${result.stderrTail}` : ''}`;
  return result.stderrTail || `reel exited with code ${String(result.code)} without saying why`;
}
