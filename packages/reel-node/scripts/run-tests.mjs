// Runs each compiled test file with Node's built-in test runner, one file at a time (they
// time a cancel and share two cores with ffmpeg). Works on Node 18 (Debian 12's) and later.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

const dir = join('dist', 'test');
const files = readdirSync(dir).filter((f) => f.endsWith('.test.js')).sort();
let failed = 0;
for (const file of files) {
  const run = spawnSync(process.execPath, ['--test', '--test-reporter=spec', join(dir, file)], { stdio: 'inherit' });
  if (run.status !== 0) failed += 1;
}
if (failed > 0) {
  console.error(`reel-node: ${failed} of ${files.length} test files failed (see above)`);
  process.exit(1);
}
