// Measurement shim for tuning experiments, loaded only by the bench into the worker child
// (`node --require bench/worker-preload.js --import tsx workers/main.ts`). It leaves
// workers/main.ts, the production composition root, untouched and:
//   BENCH_WORKER_OPTIONS='{"maxCachedWorkflows":500}'  merges these into Worker.create options;
//   BENCH_WORKFLOW_BUNDLE=/path/bundle.js              loads that prebuilt bundle instead of bundling.
// Each experiment maps one to one onto an option of workers/worker.ts createWorker.
'use strict';

const options = process.env.BENCH_WORKER_OPTIONS ? JSON.parse(process.env.BENCH_WORKER_OPTIONS) : undefined;
const bundlePath = process.env.BENCH_WORKFLOW_BUNDLE;

if (options || bundlePath) {
  const { Worker } = require('@temporalio/worker');
  const create = Worker.create.bind(Worker);
  Worker.create = (workerOptions) => create({ ...workerOptions, ...(options ?? {}) });
}

if (bundlePath) {
  const { readFileSync } = require('node:fs');
  const bundler = require('@temporalio/worker/lib/workflow/bundler');
  bundler.bundleWorkflowCode = async () => ({ code: readFileSync(bundlePath, 'utf8') });
}
