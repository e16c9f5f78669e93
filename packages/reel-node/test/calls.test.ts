// plan, check, probe, doctor and finding the binary, against the real reel and ffmpeg.
import { REEL, folder, media } from './helpers';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ExitCode, ReelError, candidates, check, doctor, findReel, plan, probe } from '../src/index';

test('plan, check, probe and doctor return what reel prints', async () => {
  const source = media.clip('a.mp4', 4);
  // in 1.5 s is not on a keyframe: the export needs a single pass.
  const timeline = { reel: 1, video: [{ source, in: 1.5, out: 3 }] };
  const planned = await plan(timeline, { settings: { width: 320, height: 180, fps: 30 } });
  assert.equal(planned.strategy, 'single_pass');
  const checked = await check(timeline);
  assert.equal(checked.ok, true);
  assert.equal(checked.duration, 1.5);
  const probed = await probe(source);
  assert.ok(JSON.stringify(probed).includes('h264'), JSON.stringify(probed).slice(0, 300));
  const report = await doctor();
  assert.ok(JSON.stringify(report).includes('libx264'));
});

test('check rejects a timeline with every problem at its JSON path', async () => {
  const source = media.clip('a.mp4', 4);
  await assert.rejects(check({ reel: 1, video: [{ source, in: 9 }, { gap: -1 }] }), (e: unknown) => {
    assert.ok(e instanceof ReelError);
    assert.equal(e.exitCode, ExitCode.INVALID_INPUT);
    assert.equal(e.kind, 'invalid_timeline');
    assert.deepEqual(e.problems.map((p) => p.path), ['video[1].gap']);
    assert.equal(e.path, 'video[1].gap');
    return true;
  });
});

test('reel is found from reelPath, REEL_PATH, an Electron resources folder, then PATH', () => {
  const saved = { REEL_PATH: process.env.REEL_PATH, PATH: process.env.PATH };
  try {
    assert.equal(findReel({ reelPath: REEL }), REEL);
    assert.equal(findReel(), REEL, 'REEL_PATH');
    delete process.env.REEL_PATH;

    // Shipped in an app's resources (electron-builder extraResources to bin/).
    const resources = folder('resources');
    mkdirSync(join(resources, 'bin'), { recursive: true });
    const shipped = join(resources, 'bin', 'reel');
    copyFileSync(REEL, shipped);
    chmodSync(shipped, 0o755);
    assert.equal(findReel({ resourcesPath: resources }), shipped);

    // Not anywhere: the error says where it looked.
    process.env.PATH = folder('empty-path');
    assert.throws(
      () => findReel({ resourcesPath: folder('empty-resources') }),
      (e: unknown) => {
        assert.ok(e instanceof ReelError);
        assert.equal(e.kind, 'reel_missing');
        assert.equal(e.exitCode, null);
        for (const place of candidates({ resourcesPath: folder('empty-resources') })) assert.ok(e.message.includes(place), place);
        assert.match(e.message, /app\.asar\.unpacked/);
        return true;
      },
    );

    // On PATH.
    process.env.PATH = join(resources, 'bin');
    assert.equal(findReel(), shipped);

    // An explicit path that is wrong is an error, not a fallback.
    assert.throws(() => findReel({ reelPath: join(resources, 'nope') }), /the reelPath option names .*nope, which is not an executable file/);
  } finally {
    process.env.REEL_PATH = saved.REEL_PATH;
    process.env.PATH = saved.PATH;
  }
});
