// #15.5: the V8 flags of the worker's threads (docs/worker-memory.md). A light module (node:v8
// only). workers/main.ts applies them to the isolates it creates (the bundler's and the
// workflows' threads); the main thread keeps V8's defaults unless they are put on the command
// line. Measured (bench, 2026-11-26, quiet machine, P1 open loop, worker CPU-s per callback):
// no flag 0.246–0.256, threads only 0.263–0.276, threads and main thread 0.307–0.313; P4 with
// 10,000 sleeping callbacks, threads only: 352 MB, peak 381 MB, none lost.
import { setFlagsFromString } from 'node:v8';

/** V8's young generation per isolate: 1 MB semi-spaces instead of up to 16 MB. */
export const WORKER_SEMI_SPACE_MB = 1;

/**
 * Every isolate of the worker (the main thread, the workflow thread where the cached workflows
 * live, the bundler thread, tsx's loader thread) otherwise grows a 16 MB semi-space pair, and
 * its old generation up to several times its live size between full collections: a start
 * burst filled both with short-lived garbage. `--optimize-for-size` makes V8 grow the heap
 * conservatively. Bench P4, 3,000 sleeping, cache 100: 544 MB (peak 611) with the semi-space
 * flag alone, 348 MB (peak 360) with both. Not for the API (a request path pays the extra GC).
 * On the command line too (`node <flags> dist/workers/main.js`) they also shrink the main
 * thread (peak ≈ 350 MB at 10,000 sleeping) for ≈ 15 % more worker CPU per callback.
 */
export const WORKER_NODE_FLAGS: readonly string[] = [
  `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
  '--optimize-for-size',
];

/**
 * For a worker started without them (a custom command line): applies each flag not given on
 * the command line (or, for the semi-space, in NODE_OPTIONS) to the isolates created from now
 * on — the bundler's and the workflows' threads, where the cached workflows live — though not
 * to the main thread's, which exists already.
 */
export function applyWorkerV8Flags(): void {
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  for (const flag of WORKER_NODE_FLAGS) {
    const name = flag.split('=')[0]!.replace(/^--/, '');
    const named = (arg: string) => arg.split('=')[0]!.replace(/^--(no-)?/, '') === name;
    if (!given.some(named)) setFlagsFromString(flag);
  }
}
