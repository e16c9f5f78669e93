import { ExitCode, type Problem } from './generated/wire';

/**
 * What went wrong, by class:
 * - `invalid_timeline`: the timeline, its media or the settings were refused before anything
 *   was encoded (exit 3); `path` and `problems` say where.
 * - `ffmpeg_missing`: ffmpeg/ffprobe are missing, too old or lack a needed feature (exit 4).
 * - `output_refused`: the output exists (without `overwrite`), is one of the inputs, or its
 *   folder is not writable (exit 5).
 * - `cancelled`: reel was stopped by a signal from outside this package (exit 130). An
 *   export cancelled through `signal` rejects with an {@link AbortError} instead.
 * - `failed`: the export ran and failed (exit 1), or reel ended in a way it never should.
 * - `usage`: reel refused its command line (exit 2): a reel older than this package.
 * - `reel_missing`: the reel binary was not found or could not be started.
 */
export type ReelErrorKind = 'invalid_timeline' | 'ffmpeg_missing' | 'output_refused' | 'cancelled' | 'failed' | 'usage' | 'reel_missing';

/** The class of each exit code (the codes come from reel-wire, generated). */
export function kindOfExitCode(code: number | null): ReelErrorKind {
  switch (code) {
    case ExitCode.INVALID_INPUT:
      return 'invalid_timeline';
    case ExitCode.ENVIRONMENT:
      return 'ffmpeg_missing';
    case ExitCode.DESTINATION:
      return 'output_refused';
    case ExitCode.CANCELLED:
      return 'cancelled';
    case ExitCode.USAGE:
      return 'usage';
    default:
      return 'failed';
  }
}

/** A reel command failed. `message` is reel's sentence: what, where, what to do. */
export class ReelError extends Error {
  override readonly name = 'ReelError';
  /** reel's exit code (see `ExitCode`); `null` when reel did not run or was killed. */
  readonly exitCode: number | null;
  readonly kind: ReelErrorKind;
  /** The JSON path of the first problem, for a refused timeline (`video[2].out`). */
  readonly path: string | undefined;
  /** Every problem in a refused timeline, each at its JSON path (OTIO path for .otio files). */
  readonly problems: Problem[];
  /** The last lines reel wrote on stderr (its messages and ffmpeg's last error lines). */
  readonly stderrTail: string;

  constructor(
    message: string,
    options: { exitCode: number | null; kind?: ReelErrorKind; problems?: Problem[]; stderrTail?: string; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.exitCode = options.exitCode;
    this.kind = options.kind ?? kindOfExitCode(options.exitCode);
    this.problems = options.problems ?? [];
    this.path = this.problems.find((p) => p.path !== '')?.path;
    this.stderrTail = options.stderrTail ?? '';
  }
}

/**
 * The operation was cancelled through its `AbortSignal`. Shaped like Node's own AbortError
 * (`name` 'AbortError', `code` 'ABORT_ERR'); `cause` is the signal's reason.
 */
export class AbortError extends Error {
  override readonly name = 'AbortError';
  readonly code = 'ABORT_ERR';

  constructor(message = 'The export was cancelled; reel removed its temporary files and left the destination as it was.', cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause });
  }
}
