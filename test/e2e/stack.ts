// The whole system for the browser tests, as `npm start` runs it but on random free ports and
// in throwaway directories: embedded PostgreSQL (migrated and seeded), the Temporal dev server
// (in memory), the worker and the API as child processes (simulated phone network).
import { devServerSearchAttributeArgs } from '../../src/infra/temporal';
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { Connection } from '@temporalio/client';
import { seed } from '../../prisma/seed';
import { migrate } from '../../src/infra/migrate';
import { ensureDatabase, startEmbeddedPostgres, type RunningPostgres } from '../../src/infra/postgres';
import { createPrisma } from '../../src/infra/prisma';
import { registerSearchAttributes } from '../../src/infra/temporal';
import { ensureTemporalBinary, PROJECT_ROOT } from '../../src/infra/temporal-binaries';

export const E2E_API_KEY = 'e2e-secret-api-key';

export interface Stack {
  baseUrl: string;
  databaseUrl: string;
  /** Lines the worker and API wrote (for a failure's diagnosis). */
  logs: string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== null) return value;
    } catch (err) {
      lastError = err;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms: ${String(lastError)}`);
}

export async function startStack(say: (line: string) => void): Promise<Stack> {
  const [pgPort, temporalPort, uiPort, apiPort] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
  const children: ChildProcess[] = [];
  const logs: string[] = [];
  const parent = mkdtempSync(path.join(os.tmpdir(), 'callbox-e2e-'));
  chmodSync(parent, 0o755);
  let postgres: RunningPostgres | null = null;

  const stop = async () => {
    for (const child of children.reverse()) {
      if (child.exitCode !== null || !child.pid) continue;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {
        // already gone
      }
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    }
    await postgres?.stop();
    rmSync(parent, { recursive: true, force: true });
  };

  try {
    postgres = await startEmbeddedPostgres({ dataDir: path.join(parent, 'pg'), port: pgPort, ephemeral: true });
    const databaseUrl = postgres.urlFor('callbacks');
    await ensureDatabase(databaseUrl);
    await migrate(databaseUrl);
    const prisma = createPrisma(databaseUrl, 2);
    await seed(prisma, E2E_API_KEY);
    await prisma.$disconnect();
    say(`postgres on ${pgPort}, migrated and seeded`);

    const cli = ensureTemporalBinary('cli', say);
    if (!cli) throw new Error('the temporal CLI is unavailable (npm install puts it in .tools/)');
    const temporal = spawn(
      cli,
      [
        'server',
        'start-dev',
        '--ip',
        '127.0.0.1',
        '--port',
        String(temporalPort),
        '--ui-port',
        String(uiPort),
        '--headless',
        '--log-level',
        'error',
        ...devServerSearchAttributeArgs(),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], detached: true },
    );
    children.push(temporal);
    const temporalAddress = `127.0.0.1:${temporalPort}`;
    const connection = await waitFor('Temporal', 60_000, () => Connection.connect({ address: temporalAddress }));
    await registerSearchAttributes(connection, 'default');
    await connection.close();
    say(`temporal on ${temporalPort}`);

    const env = {
      ...process.env,
      NODE_ENV: 'development',
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: temporalAddress,
      HOST: '127.0.0.1',
      PORT: String(apiPort),
      WORKER_METRICS_PORT: '0',
      SEED_API_KEY: E2E_API_KEY,
      LOG_LEVEL: 'warn',
    };
    for (const [name, entry] of [
      ['worker', 'workers/main.ts'],
      ['api', 'api/main.ts'],
    ] as const) {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, entry)], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      for (const stream of [child.stdout, child.stderr])
        if (stream) createInterface({ input: stream }).on('line', (line) => logs.push(`[${name}] ${line}`));
      children.push(child);
    }
    const baseUrl = `http://127.0.0.1:${apiPort}`;
    await waitFor('API', 90_000, async () => ((await fetch(`${baseUrl}/healthz`)).ok ? true : null));
    say(`api on ${apiPort}`);
    // The worker bundles the workflow code first: wait until it polls the task queue.
    const client = await Connection.connect({ address: temporalAddress });
    try {
      await waitFor('worker', 120_000, async () => {
        const { pollers } = await client.workflowService.describeTaskQueue({
          namespace: 'default',
          taskQueue: { name: 'callbacks' },
          taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW
        });
        return (pollers ?? []).length > 0 ? true : null;
      });
    } finally {
      await client.close();
    }
    say('worker polling');
    return { baseUrl, databaseUrl, logs, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
