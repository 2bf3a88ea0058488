// S3/S4/S23 under the real time-skipping test server with real PostgreSQL activities.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { callbackStateQuery, cancelCallbackUpdate } from '../../workflows/messages';
import { callbackWorkflow } from '../../workflows/callback';
import { callbackWorkflowId, type CallbackWorkflowInput } from '../../workflows/types';
import type { Db } from '../../src/infra/prisma';
import { createCallbackRow, createProjectFixture, testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  bundle = await workflowBundle();
  prisma = testPrisma();
});

afterAll(async () => {
  await prisma?.$disconnect();
  await env?.teardown();
});

function newWorker(taskQueue: string) {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ prisma }),
  });
}

async function saveHistory(workflowId: string, scenario: string) {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  const file = path.join(__dirname, '..', '..', 'workflows', '__histories__', `callback-${scenario}.json`);
  writeFileSync(file, JSON.stringify(history, null, 2));
}

async function setup(dueInMs: number, maxHandlingDelaySeconds = 120) {
  const { project } = await createProjectFixture(prisma);
  const now = await env.currentTimeMs();
  const dueAt = new Date(now + dueInMs);
  const row = await createCallbackRow(prisma, project.id, { dueAt });
  const input: CallbackWorkflowInput = {
    callbackId: row.id,
    projectId: project.id,
    mode: 'DEFERRED',
    dueAt: dueAt.toISOString(),
    maxHandlingDelaySeconds,
  };
  return { row, input, taskQueue: `q-${randomUUID()}` };
}

test('S4: with no agent, a callback sleeps until due, waits maxHandlingDelaySeconds, then EXPIRES', async () => {
  const { row, input, taskQueue } = await setup(3 * 3600_000, 120);
  const worker = await newWorker(taskQueue);
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(callbackWorkflow, {
      workflowId: callbackWorkflowId(row.id),
      taskQueue,
      args: [input],
    });
    expect(await handle.query(callbackStateQuery)).toMatchObject({ status: 'SCHEDULED' });
    expect(await handle.result()).toBe('EXPIRED');
    await saveHistory(handle.workflowId, 'expired');
  });
  const stored = await prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  expect(stored.status).toBe('EXPIRED');
  expect(stored.openPhone).toBeNull();
  // Ended exactly at due + 120 s of workflow time, never waited for in real time.
  const expectedEnd = Date.parse(input.dueAt) + 120_000;
  expect(stored.endedAt!.getTime()).toBeGreaterThanOrEqual(expectedEnd);
  expect(stored.endedAt!.getTime()).toBeLessThan(expectedEnd + 1000);
});

test('S23: cancelling while scheduled ends CANCELLED and frees the slot position (S20)', async () => {
  const { row, input, taskQueue } = await setup(24 * 3600_000);
  await prisma.slotBooking.create({
    data: { projectId: input.projectId, slotStart: new Date(input.dueAt), position: 0, capacity: 6, callbackId: row.id },
  });
  const worker = await newWorker(taskQueue);
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(callbackWorkflow, {
      workflowId: callbackWorkflowId(row.id),
      taskQueue,
      args: [input],
    });
    expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
    expect(await handle.result()).toBe('CANCELLED');
    await saveHistory(handle.workflowId, 'cancelled-while-scheduled');
  });
  const stored = await prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  expect(stored.status).toBe('CANCELLED');
  expect(await prisma.slotBooking.count({ where: { callbackId: row.id } })).toBe(0);
});

test('S23: cancelling while waiting for an agent ends CANCELLED', async () => {
  const { row, input, taskQueue } = await setup(0, 600);
  const worker = await newWorker(taskQueue);
  await worker.runUntil(async () => {
    const handle = await env.client.workflow.start(callbackWorkflow, {
      workflowId: callbackWorkflowId(row.id),
      taskQueue,
      args: [input],
    });
    // Skip into the handling window, before the 600 s deadline.
    await env.sleep(30_000);
    expect(await handle.query(callbackStateQuery)).toMatchObject({ status: 'WAITING_AGENT' });
    expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
    expect(await handle.result()).toBe('CANCELLED');
    await saveHistory(handle.workflowId, 'cancelled-while-waiting-agent');
  });
  const stored = await prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
  expect(stored.status).toBe('CANCELLED');
  expect(stored.endedAt!.getTime()).toBeLessThan(Date.parse(input.dueAt) + 600_000);
});
