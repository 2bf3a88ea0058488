// `npm start` runs the worker and the API as children in their own process groups. If the
// supervisor dies without stopping them (kill -9), they must not live on as orphans holding
// the ports: Linux's PR_SET_PDEATHSIG is not reachable from Node, so a child polls its
// parent pid and stops itself (gracefully: the worker drains) when it changes.
import type { Logger } from '../logger';

/** Set by scripts/start.ts on its children: the pid they must outlive no longer than. */
export const SUPERVISOR_PID_ENV = 'CALLBACK_SUPERVISOR_PID';
const POLL_MS = 1000;
const FORCE_EXIT_MS = 20_000;

export function exitWithParent(logger: Logger, env: NodeJS.ProcessEnv = process.env): void {
  const expected = Number(env[SUPERVISOR_PID_ENV]);
  if (!expected) return;
  const timer = setInterval(() => {
    if (process.ppid === expected) return;
    clearInterval(timer);
    logger.warn({ supervisor: expected }, 'the npm start supervisor is gone; stopping');
    process.kill(process.pid, 'SIGTERM');
    setTimeout(() => process.exit(1), FORCE_EXIT_MS).unref();
  }, POLL_MS);
  timer.unref();
}
