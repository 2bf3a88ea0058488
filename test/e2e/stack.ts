// The whole system for the browser tests, as `npm start` runs it but on random free ports and
// in throwaway directories (test/helpers/stack.ts): embedded PostgreSQL (migrated and
// seeded), the Temporal dev server (in memory), the worker and the API as child processes
// (simulated phone network, development settings).
import { createStack, freePort } from '../helpers/stack';

export const E2E_API_KEY = 'e2e-secret-api-key';

export interface Stack {
  baseUrl: string;
  databaseUrl: string;
  /** The last lines the worker and API wrote (for a failure's diagnosis). */
  logTails(lines?: number): string;
  /** Stops it all; the logs are removed when the run `passed`. */
  stop(passed?: boolean): Promise<void>;
}

export async function startStack(say: (line: string) => void): Promise<Stack> {
  const stack = createStack({ name: 'e2e', say });
  try {
    const postgres = await stack.startPostgres({ seedApiKey: E2E_API_KEY });
    const temporal = await stack.startTemporal();
    const apiPort = await freePort();
    const env = {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: postgres.url,
      TEMPORAL_ADDRESS: temporal.address,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      WORKER_METRICS_PORT: '0',
      SEED_API_KEY: E2E_API_KEY,
      LOG_LEVEL: 'warn',
    };
    const worker = stack.node('worker', 'workers/main.ts', env);
    const api = stack.node('api', 'api/main.ts', env);
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    await stack.waitForHttp(`${baseUrl}/healthz`, 90_000, api);
    say(`api on ${apiPort}`);
    // The worker bundles the workflow code first: wait until it polls the task queue.
    await stack.waitForWorker(temporal, 120_000, worker);
    say('worker polling');
    return {
      baseUrl,
      databaseUrl: postgres.url,
      logTails: (lines) => stack.logTails(lines),
      async stop(passed = false) {
        await stack.stop();
        if (passed) stack.discardLogs();
      },
    };
  } catch (err) {
    say(stack.logTails());
    await stack.stop();
    throw err;
  }
}
