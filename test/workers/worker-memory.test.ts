// #15.5: the V8 flags the worker gives its threads (workers/node-flags.ts) do what they say.
// The memory they save is measured by the bench (P4, docs/worker-memory.md). The workflow
// bundle built in a thread (workers/worker.ts) is what every worker started from sources runs
// (test/e2e, test/chaos, the bench).
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { WORKER_NODE_FLAGS, WORKER_SEMI_SPACE_MB } from '../../workers/node-flags';

const ROOT = path.join(__dirname, '..', '..');

/**
 * In a fresh process (V8 flags are process-wide): optionally applyWorkerV8Flags(), then a
 * thread that fills its young generation; returns that thread's new-space size in MB.
 */
function threadNewSpaceMb(nodeArgs: string[], apply: boolean): number {
  const script = `
    ${apply ? "require('./workers/node-flags').applyWorkerV8Flags();" : ''}
    const { Worker } = require('node:worker_threads');
    const code = "const v8 = require('node:v8'); const keep = [];" +
      "for (let i = 0; i < 300000; i++) keep.push({ i, s: 'x' + i });" +
      "const ns = v8.getHeapSpaceStatistics().find((s) => s.space_name === 'new_space');" +
      "require('node:worker_threads').parentPort.postMessage(ns.space_size);";
    const thread = new Worker(code, { eval: true });
    thread.once('message', (bytes) => { console.log(bytes / 2 ** 20); void thread.terminate(); });`;
  const out = execFileSync(process.execPath, [...nodeArgs, '--import', 'tsx', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NODE_OPTIONS: '' },
  });
  return Number(out.trim());
}

test('#15.5: the worker starts its threads with 1 MB semi-spaces (the workflow thread holds the cached workflows)', () => {
  expect(WORKER_NODE_FLAGS).toEqual([`--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`, '--optimize-for-size']);
  const without = threadNewSpaceMb([], false);
  const withFlags = threadNewSpaceMb([], true);
  // New space = two semi-spaces: V8's default let this thread grow it to tens of MB.
  expect(without).toBeGreaterThan(8);
  expect(withFlags).toBeLessThanOrEqual(2 * WORKER_SEMI_SPACE_MB + 0.5);
});

test('#15.5: flags given on the command line win over the defaults', () => {
  const given = ['--max-semi-space-size=4', '--no-optimize-for-size'];
  expect(threadNewSpaceMb(given, true)).toBeGreaterThan(2 * WORKER_SEMI_SPACE_MB + 0.5);
});
