// exportTimeline against the real reel binary and ffmpeg, on media generated with ffmpeg's
// lavfi sources; every export is checked with ffprobe. Electron cannot be downloaded here:
// these run the same module under plain Node (and in a worker_threads worker).
import { TMP, ffmpegProcessesMentioning, ffprobe, alive, folder, leftovers, media } from './helpers';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { AbortError, ExitCode, ReelError, exportTimeline, type Event, type Timeline } from '../src/index';

const FRAME = 1 / 30;

function isReelError(kind: ReelError['kind'], exitCode: number | null): (e: unknown) => boolean {
  return (e) => {
    assert.ok(e instanceof ReelError, `expected a ReelError, got ${String(e)}`);
    assert.equal(e.kind, kind, e.message);
    assert.equal(e.exitCode, exitCode, e.message);
    return true;
  };
}

test('progress events arrive in order, percent never decreases, and done comes last', async () => {
  const dir = folder('progress');
  const source = media.clip('a.mp4', 4);
  const out = join(dir, 'out.mp4');
  const events: Event[] = [];
  const percents: number[] = [];
  const timeline: Timeline = { reel: 1, output: { width: 320, height: 180, fps: 30, preset: 'draft' }, video: [{ source, in: 0.5, out: 3.5 }] };
  const report = await exportTimeline(timeline, { output: out, onEvent: (e) => events.push(e), onProgress: (p) => percents.push(p.percent) });

  assert.equal(events[0]?.type, 'start');
  assert.equal(events.at(-1)?.type, 'done');
  assert.equal(events.filter((e) => e.type === 'done').length, 1);
  const stages = events.flatMap((e) => (e.type === 'stage' ? [e.data.stage] : []));
  assert.deepEqual(
    stages.filter((s) => s !== 'faststart'),
    ['probe', 'plan', 'encode', 'verify'],
  );
  assert.ok(percents.length > 0, 'at least one progress event');
  percents.forEach((p, i) => assert.ok(i === 0 || p >= (percents[i - 1] ?? 0), `percent went down: ${percents.join(', ')}`));
  assert.equal(percents.at(-1), 100);

  // The report and the file itself.
  assert.equal(report.output, out);
  assert.equal(report.width, 320);
  const probed = ffprobe(out);
  assert.ok(Math.abs(probed.duration - 3) <= FRAME, `duration ${probed.duration}`);
  assert.ok(Math.abs(report.duration - probed.duration) < 0.001);
  const video = probed.streams.find((s) => s.codec_type === 'video');
  assert.equal(video?.codec_name, 'h264');
  assert.deepEqual([video?.width, video?.height], [320, 180]);
  assert.equal(Number(video?.nb_read_packets), 90);
  assert.equal(probed.streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac');
  assert.deepEqual(leftovers(dir), []);
  assert.deepEqual(leftovers(TMP), [], 'the temporary timeline file is removed');
});

test('abort mid-export rejects with AbortError within a second and leaves no file or process', async (t) => {
  const dir = folder('abort');
  // 20 s upscaled to 1080p60 with the production preset: far longer to encode than the test waits.
  const source = media.clip('long.mp4', 20);
  const out = join(dir, 'out.mp4');
  writeFileSync(out, 'the previous export');
  const controller = new AbortController();
  let abortedAt = 0;
  let running: number[] = [];
  const timeline: Timeline = { reel: 1, output: { width: 1920, height: 1080, fps: 60, preset: 'production' }, video: [{ source }] };
  const exporting = exportTimeline(timeline, {
    output: out,
    overwrite: true,
    signal: controller.signal,
    onProgress: (p) => {
      if (abortedAt === 0 && p.out_time > 0) {
        running = ffmpegProcessesMentioning(source).map((p) => p.pid);
        abortedAt = performance.now();
        controller.abort();
      }
    },
  });
  await assert.rejects(exporting, (e: unknown) => {
    assert.ok(e instanceof AbortError, `expected an AbortError, got ${String(e)}`);
    assert.equal(e.name, 'AbortError');
    return true;
  });
  const took = performance.now() - abortedAt;
  t.diagnostic(`rejected ${took.toFixed(0)} ms after the abort`);
  assert.ok(abortedAt > 0, 'the export was aborted while encoding');
  assert.ok(took < 1000, `rejected ${took.toFixed(0)} ms after the abort`);
  assert.ok(running.length > 0, 'ffmpeg was running when the export was aborted');
  assert.deepEqual(running.filter(alive), [], 'the ffmpeg that was encoding is gone');
  assert.deepEqual(ffmpegProcessesMentioning(source), []);
  assert.equal(readFileSync(out, 'utf8'), 'the previous export', 'the previous destination file is intact');
  assert.deepEqual(readdirSync(dir), ['out.mp4'], 'no work folder or partial file');
  assert.deepEqual(leftovers(TMP), []);
});

test('an already aborted signal rejects without running anything', async () => {
  const dir = folder('pre-aborted');
  const out = join(dir, 'out.mp4');
  const reason = new Error('the user closed the window');
  await assert.rejects(exportTimeline({ reel: 1, video: [{ gap: 1 }] }, { output: out, signal: AbortSignal.abort(reason) }), (e: unknown) => {
    assert.ok(e instanceof AbortError);
    assert.equal(e.cause, reason);
    return true;
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('a bad timeline rejects with exit code 3 and the JSON path', async () => {
  const dir = folder('bad');
  const source = media.clip('a.mp4', 4);
  const output = join(dir, 'out.mp4');
  await assert.rejects(exportTimeline({ reel: 1, video: [{ source, in: 2, out: 1 }] }, { output }), (e: unknown) => {
    isReelError('invalid_timeline', ExitCode.INVALID_INPUT)(e);
    const err = e as ReelError;
    assert.equal(err.path, 'video[0].out');
    assert.match(err.problems[0]?.message ?? '', /not after in/);
    assert.match(err.message, /video\[0\]\.out: 1 s is not after in \(2 s\)/);
    return true;
  });
  // Problems found against the media: every one, each at its path.
  const missing = join(dir, 'nowhere.mp4');
  await assert.rejects(exportTimeline({ reel: 1, video: [{ source, out: 99 }, { source: missing }] }, { output }), (e: unknown) => {
    isReelError('invalid_timeline', ExitCode.INVALID_INPUT)(e);
    const err = e as ReelError;
    assert.deepEqual(err.problems.map((p) => p.path).sort(), ['video[0].out', 'video[1].source']);
    assert.ok(err.problems.some((p) => p.path === 'video[0].out' && /past the end/.test(p.message)));
    assert.ok(err.problems.some((p) => p.path === 'video[1].source' && /does not exist/.test(p.message)));
    return true;
  });
  assert.deepEqual(readdirSync(dir), []);
});

test('an existing output without overwrite rejects as output refused and is kept', async () => {
  const dir = folder('refused');
  const source = media.clip('a.mp4', 4);
  const output = join(dir, 'out.mp4');
  writeFileSync(output, 'keep me');
  await assert.rejects(
    exportTimeline({ reel: 1, output: { width: 320, height: 180, fps: 30 }, video: [{ source, out: 1 }] }, { output }),
    (e: unknown) => {
      isReelError('output_refused', ExitCode.DESTINATION)(e);
      assert.match((e as ReelError).message, /already exists; pass --overwrite/);
      return true;
    },
  );
  assert.equal(readFileSync(output, 'utf8'), 'keep me');
  assert.deepEqual(readdirSync(dir), ['out.mp4']);
});

test('a missing ffmpeg rejects as ffmpeg missing', async () => {
  const dir = folder('no-ffmpeg');
  await assert.rejects(
    exportTimeline({ reel: 1, video: [{ gap: 1 }] }, { output: join(dir, 'out.mp4'), ffmpegPath: join(dir, 'no-such-ffmpeg') }),
    isReelError('ffmpeg_missing', ExitCode.ENVIRONMENT),
  );
});

test('two exports at once from one process both succeed', async () => {
  const dir = folder('together');
  const a = media.clip('a.mp4', 4);
  const b = media.clip('b.mp4', 3);
  const settings = { width: 320, height: 180, fps: 30, preset: 'draft' } as const;
  const [first, second] = await Promise.all([
    exportTimeline({ reel: 1, video: [{ source: a, in: 1, out: 3 }] }, { output: join(dir, 'one.mp4'), settings }),
    exportTimeline({ reel: 1, video: [{ source: b }, { gap: 0.5 }] }, { output: join(dir, 'two.mp4'), settings }),
  ]);
  assert.ok(Math.abs(ffprobe(join(dir, 'one.mp4')).duration - 2) <= FRAME);
  assert.ok(Math.abs(ffprobe(join(dir, 'two.mp4')).duration - 3.5) <= FRAME);
  assert.equal(first.width, 320);
  assert.equal(second.height, 180);
  assert.deepEqual(readdirSync(dir).sort(), ['one.mp4', 'two.mp4']);
});

test('a 1,000-clip timeline object goes through a temporary file', async (t) => {
  const dir = folder('thousand');
  const source = media.intra('intra.mp4', 4);
  // Three frames (0.1 s) from each of 1,000 places: stream-copy cuts (every frame is a keyframe).
  const video = Array.from({ length: 1000 }, (_, i) => ({ source, in: (i % 30) / 10, out: ((i % 30) + 1) / 10 }));
  const timeline: Timeline = { reel: 1, output: { width: 'source', height: 'source', fps: 'source' }, video };
  const out = join(dir, 'out.mp4');
  const started = performance.now();
  const report = await exportTimeline(timeline, { output: out });
  t.diagnostic(`1,000 clips exported in ${((performance.now() - started) / 1000).toFixed(2)} s (${report.strategy})`);
  const probed = ffprobe(out);
  assert.ok(Math.abs(probed.duration - 100) <= FRAME, `duration ${probed.duration}`);
  assert.equal(Number(probed.streams.find((s) => s.codec_type === 'video')?.nb_read_packets), 3000);
  assert.equal(report.strategy, 'copy');
  assert.deepEqual(leftovers(TMP), []);
});

test('a relative media path in a timeline object is relative to baseDir', async () => {
  const dir = folder('relative');
  media.clip('a.mp4', 4);
  const report = await exportTimeline(
    { reel: 1, output: { width: 320, height: 180, fps: 30, preset: 'draft' }, video: [{ source: 'a.mp4', out: 1 }] },
    { output: join(dir, 'out.mp4'), baseDir: join(dir, '..', 'media') },
  );
  assert.ok(Math.abs(report.duration - 1) <= FRAME);
});

test('a throwing progress callback stops the export and rejects with its error', async () => {
  const dir = folder('throwing');
  const source = media.clip('long.mp4', 20);
  const boom = new Error('the window went away');
  await assert.rejects(
    exportTimeline(
      { reel: 1, output: { width: 1920, height: 1080, fps: 60, preset: 'production' }, video: [{ source }] },
      {
        output: join(dir, 'out.mp4'),
        onProgress: () => {
          throw boom;
        },
      },
    ),
    (e: unknown) => e === boom,
  );
  assert.deepEqual(ffmpegProcessesMentioning(source), []);
  assert.deepEqual(readdirSync(dir), []);
});

test('exportTimeline works from a worker_threads worker', async () => {
  const dir = folder('worker');
  const source = media.clip('a.mp4', 4);
  const output = join(dir, 'out.mp4');
  const timeline: Timeline = { reel: 1, output: { width: 320, height: 180, fps: 30, preset: 'draft' }, video: [{ source, out: 2 }] };
  const worker = new Worker(join(__dirname, 'worker-export.js'), { workerData: { timeline, output } });
  const messages: { type: string; percent?: number; message?: string }[] = [];
  await new Promise<void>((resolve, reject) => {
    worker.on('message', (m: { type: string }) => {
      messages.push(m);
      if (m.type === 'done' || m.type === 'error') resolve();
    });
    worker.on('error', reject);
    worker.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`worker exited ${code}`))));
  });
  await worker.terminate();
  assert.equal(messages.at(-1)?.type, 'done', JSON.stringify(messages.at(-1)));
  assert.ok(messages.some((m) => m.type === 'progress'));
  assert.ok(Math.abs(ffprobe(output).duration - 2) <= FRAME);
});
