// Issue #10 items 1 and 6, against a real Temporal dev server started WITHOUT our search
// attributes: they are ensured idempotently; a namespace that refuses them fails with the
// names and the commands; /readyz fails while no worker polls the task queue and passes once
// one does; a workflow start failing for a permanent reason is logged with its cause and
// shown on /readyz.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { Connection } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { loadConfig } from '../../src/config';
import { defaultCallSettings } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { CLI_TYPE, ensureSearchAttributes, SearchAttributesMissingError } from '../../src/infra/temporal';
import {
  createTemporalClient,
  createWorkflowStartMonitor,
  lazyTemporalConnection,
} from '../../src/infra/temporal-client';
import { createLogger } from '../../src/logger';
import { capturingLogger } from '../helpers/log-capture';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/search-attributes';
import { testPrisma } from '../helpers/db';
import { createStack, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

// A dev server of its own, started WITHOUT our search attributes, with a namespace "bare"
// that never gets them (test/helpers/stack.ts: process group, logs, stopped in afterAll).
let stack: Stack | undefined;
let address: string;
let connection: Connection;
let prisma: Db;

beforeAll(async () => {
  stack = createStack({ name: 'readiness', say: () => undefined });
  const temporal = await stack.startTemporal({ searchAttributes: false, namespaces: ['bare'] });
  ({ address, connection } = temporal);
  prisma = testPrisma();
  await prisma.$queryRaw`SELECT 1`; // the first query loads the query compiler
});

afterAll(async () => {
  await prisma?.$disconnect();
  await stack?.stop();
  stack?.discardLogs();
});

test('search attributes are registered once, then found (idempotent, concurrent processes too)', async () => {
  const names = ALL_SEARCH_ATTRIBUTES.map((key) => key.name);
  expect((await ensureSearchAttributes(connection, 'default', address)).sort()).toEqual([...names].sort());
  expect(await ensureSearchAttributes(connection, 'default', address)).toEqual([]);
  const listed = await connection.operatorService.listSearchAttributes({ namespace: 'default' });
  for (const name of names) expect(Object.keys(listed.customAttributes ?? {})).toContain(name);
});

test('a namespace that refuses them fails at start with their names and the commands', async () => {
  const err = await ensureSearchAttributes(connection, 'no-such-namespace', address).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(SearchAttributesMissingError);
  const message = (err as Error).message;
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    expect(message).toContain(
      `temporal operator search-attribute create --address ${address} --namespace no-such-namespace --name ${key.name} --type ${CLI_TYPE[key.type]}`,
    );
  }
  expect(message).toMatch(/CallbackProject \(Keyword\).*CallbackDueAt \(Datetime\)/);
});

test('/readyz fails while no worker polls the task queue, and passes once one does', async () => {
  const taskQueue = `ready-${randomUUID()}`;
  const client = createTemporalClient(lazyTemporalConnection({ address, callTimeoutMs: 3000 }), 'default');
  const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: taskQueue });
  const app = createApp({ prisma, temporal: client, config, logger: createLogger({ level: 'silent' }) });
  const before = await request(app).get('/readyz').expect(503);
  expect(before.body.checks.database.status).toBe('ok');
  expect(before.body.checks.temporal.status).toBe('ok');
  expect(before.body.checks.workers).toMatchObject({ status: 'failing', pollers: 0 });
  await request(app).get('/livez').expect(200);

  // A poller on the task queue, as a worker's: a workflow-task long poll.
  const poller = await Connection.connect({ address, interceptors: [] }); // no retry after close
  void poller
    .withDeadline(Date.now() + 30_000, () =>
      poller.workflowService.pollWorkflowTaskQueue({
        namespace: 'default',
        taskQueue: { name: taskQueue },
        identity: 'readiness-test',
      }),
    )
    .catch(() => undefined);
  const deadline = Date.now() + 20_000;
  let after = await request(app).get('/readyz');
  while (after.status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    after = await request(app).get('/readyz');
  }
  expect(after.status).toBe(200);
  expect(after.body.checks.workers).toMatchObject({ status: 'ok', pollers: 1 });
  await poller.close();
  await client.connection.close();
});

test('a workflow start refused for good is logged with its cause, counted, and fails /readyz', async () => {
  const { logger, lines } = capturingLogger();
  const failures: string[] = [];
  const monitor = createWorkflowStartMonitor(logger, (failure) => failures.push(failure.grpcCode ?? '?'));
  // The namespace "bare" has none of our search attributes: the start is refused.
  const client = createTemporalClient(lazyTemporalConnection({ address, callTimeoutMs: 3000 }), 'bare', monitor);
  const row = {
    id: randomUUID(),
    projectId: 'p',
    mode: 'IMMEDIATE' as const,
    dueAt: new Date(),
    slotStart: null,
    position: null,
  };
  await expect(startCallbackWorkflow(client, 'q', row, defaultCallSettings())).rejects.toThrow();
  expect(failures).toEqual(['INVALID_ARGUMENT']);
  expect(monitor.health).toMatchObject({ failing: true, permanentFailures: 1 });

  const config = loadConfig({ NODE_ENV: 'test', TEMPORAL_NAMESPACE: 'bare' });
  const app = createApp({ prisma, temporal: client, config, logger, workflowStarts: monitor.health });
  const ready = await request(app).get('/readyz').expect(503);
  expect(ready.body.checks.workflowStarts).toMatchObject({
    status: 'failing',
    permanentFailures: 1,
    lastFailure: { grpcCode: 'INVALID_ARGUMENT', permanent: true },
  });
  expect(ready.body.checks.workflowStarts.lastFailure.message).toMatch(/CallbackProject|search attribute/i);

  const logged = lines.map((line) => JSON.parse(line) as { msg: string; err?: Record<string, unknown> });
  const entry = logged.find((line) => line.msg.startsWith('workflow start failed'))!;
  expect(entry.err).toMatchObject({ message: expect.any(String), stack: expect.stringContaining('\n') });
  expect(entry.err!.type).not.toBe('Object');
  expect(JSON.stringify(entry.err)).toMatch(/search attribute|CallbackProject/i);
  await client.connection.close();
});

test('the worker process refuses to run where the search attributes cannot be registered (exit 1, the commands)', () => {
  const root = path.join(__dirname, '..', '..');
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'workers', 'main.ts')], {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: process.env.DATABASE_URL,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: 'no-such-namespace',
      WORKER_METRICS_PORT: '0',
      LOG_LEVEL: 'error',
    },
    encoding: 'utf8',
    timeout: 90_000,
  });
  expect(run.status).toBe(1);
  expect(run.stderr).toContain('worker: the Temporal namespace "no-such-namespace"');
  for (const key of ALL_SEARCH_ATTRIBUTES) {
    expect(run.stderr).toContain(`--namespace no-such-namespace --name ${key.name} --type ${CLI_TYPE[key.type]}`);
  }
});
