// The worker thread of `sscard run --jobs N`: one job, on its own emulated card.
import { parentPort, workerData } from 'node:worker_threads';
import { type JobParams, runJob } from './run-job.js';

await runJob(workerData as JobParams, (events, transfer) => parentPort!.postMessage(events, transfer));
