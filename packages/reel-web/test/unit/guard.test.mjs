// The core guard's rules, in Node: which core for which page and machine, and why.
import assert from "node:assert/strict";
import { test } from "node:test";
import { chooseCore, checkOutputSize, environment, MT_MAX_PIXELS, MT_THREADS_MAX } from "../../src/guard.js";

const isolated = { crossOriginIsolated: true, sharedArrayBuffer: true, cores: 8, memoryGiB: 8 };

test("an isolated page on a capable machine gets core-mt with an explicit thread count", () => {
  const d = chooseCore(isolated);
  assert.equal(d.core, "mt");
  assert.equal(d.threads, MT_THREADS_MAX, "capped at the most threads measured to work");
  assert.match(d.reason, /cross-origin isolated and the machine has 8 cores and 8 GiB/);
  assert.equal(chooseCore({ ...isolated, cores: 2 }).threads, 2);
  assert.equal(chooseCore({ ...isolated, memoryGiB: undefined }).core, "mt", "an unknown memory size does not refuse");
});

test("every reason to refuse core-mt is given as a sentence", () => {
  const cases = [
    [{ crossOriginIsolated: false }, /not cross-origin isolated.*Cross-Origin-Opener-Policy: same-origin and Cross-Origin-Embedder-Policy: require-corp/],
    [{ sharedArrayBuffer: false }, /no SharedArrayBuffer/],
    [{ cores: 1 }, /1 CPU core/],
    [{ memoryGiB: 2 }, /2 GiB of memory, under the 4 GiB/],
  ];
  for (const [change, reason] of cases) {
    const d = chooseCore({ ...isolated, ...change });
    assert.equal(d.core, "st", JSON.stringify(change));
    assert.equal(d.threads, undefined);
    assert.match(d.reason, /^single-thread core: /);
    assert.match(d.reason, reason);
  }
});

test("the output size guard keeps what was measured and refuses what was not", () => {
  const mt = chooseCore(isolated);
  assert.equal(checkOutputSize(mt, { width: 1920, height: 1080 }), mt);
  assert.equal(checkOutputSize(mt, { width: 320, height: 180 }), mt);
  const big = checkOutputSize(mt, { width: 2560, height: 1440 });
  assert.equal(big.core, "st");
  assert.match(big.reason, /2560x1440, larger than the 1920x1080/);
  assert.equal(1920 * 1080, MT_MAX_PIXELS);
  const st = chooseCore({ ...isolated, crossOriginIsolated: false });
  assert.equal(checkOutputSize(st, { width: 3840, height: 2160 }), st, "a single-thread decision stays as it is");
});

test("the environment is read from the browser's globals", () => {
  const scope = { crossOriginIsolated: true, SharedArrayBuffer: function SAB() {}, navigator: { hardwareConcurrency: 6, deviceMemory: 4 } };
  assert.deepEqual(environment(scope), { crossOriginIsolated: true, sharedArrayBuffer: true, cores: 6, memoryGiB: 4 });
  assert.deepEqual(environment({}), { crossOriginIsolated: false, sharedArrayBuffer: false, cores: 1, memoryGiB: undefined });
});
