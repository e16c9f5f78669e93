// Runs one export inside a worker_threads worker (started by export.test.ts) and reports
// its progress and result to the parent, as an app's export worker would.
import { parentPort, workerData } from 'node:worker_threads';
import { exportTimeline, type Timeline } from '../src/index';

const { timeline, output } = workerData as { timeline: Timeline; output: string };
exportTimeline(timeline, { output, onProgress: (p) => parentPort?.postMessage({ type: 'progress', percent: p.percent }) })
  .then((report) => parentPort?.postMessage({ type: 'done', report }))
  .catch((e: unknown) => parentPort?.postMessage({ type: 'error', message: String(e) }));
