// S35 across a worker restart: the workflow resumes on a new worker from its history and
// no leg is dialled twice. Its own file: it runs and stops workers of its own, on the real
// dev server (real time: the call lasts 3 s).
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { Db } from '../../src/infra/prisma';
import { isTerminal } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import {
  addAgent,
  bookCallback,
  newWorker,
  projectWith,
  startHarness,
  waitForDbStatus,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;
let harness: Harness;

beforeAll(async () => {
  env = await createDevServerEnv();
  bundle = await workflowBundle();
  prisma = testPrisma();
  harness = await startHarness(env, prisma);
});
afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

test('S35: a worker restart mid-call loses no callback and dials no leg twice', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { account, project } = await projectWith(prisma, { talkTimeSeconds: 3 });
  await addAgent(prisma, account.id, project.id);
  // A real server moves the dead worker's sticky tasks to the shared queue (at once on a
  // graceful shutdown, else after this long); the time-skipping server never does.
  const first = await newWorker(env, bundle, prisma, harness, taskQueue, { stickyQueueScheduleToStartTimeout: '1s' });
  const { row, handle } = await first.runUntil(async () => {
    const booked = await bookCallback(prisma, env, taskQueue, project.id, { phone: '+33698765448' });
    await waitForStatus(booked.handle, (s) => s === 'CONNECTED');
    return booked;
  });
  const second = await newWorker(env, bundle, prisma, harness, taskQueue);
  await second.runUntil(async () => {
    // The database, not a query: a query would be routed to the dead worker's sticky queue.
    await waitForDbStatus(prisma, row.id, isTerminal);
    expect(await handle.result()).toBe('COMPLETED');
  });
  const keys = harness.placed.filter((p) => p.key.startsWith(row.id)).map((p) => p.key);
  expect(keys).toEqual([`${row.id}:1:agent`, `${row.id}:1:visitor`]);
  expect(await prisma.telephonyCall.count({ where: { key: { startsWith: row.id } } })).toBe(2);
});
