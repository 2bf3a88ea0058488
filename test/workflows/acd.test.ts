// S40/S42 ACD mode: every call goes to the customer's ACD number; after the welcome
// message the agent keys in their identifier (DTMF) on our signed webhook; an unknown
// identifier after the configured tries ends the attempt as AGENT_NOT_IDENTIFIED.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import type { Db } from '../../src/infra/prisma';
import { isTerminal } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import {
  bookCallback,
  newWorker,
  projectWith,
  recordHistory,
  startHarness,
  terminateAgentWorkflows,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;
let harness: Harness;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  bundle = await workflowBundle();
  prisma = testPrisma();
  harness = await startHarness(env, prisma);
});
afterEach(() => terminateAgentWorkflows(env));
afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

const ACD_NUMBER = '+33140000005';

async function acdProject(identificationAttempts: number) {
  const fixture = await projectWith(prisma, {
    distribution: { mode: 'ACD', number: ACD_NUMBER, welcomeMessageSeconds: 5, identificationAttempts },
    retry: { maxRetries: 0, intervalSeconds: 60 },
  });
  const agent = await prisma.agent.create({
    data: {
      accountId: fixture.account.id,
      name: 'ACD agent',
      kind: 'EMPLOYEE',
      callEnabled: true,
      answerMode: 'PHONE',
      acdIdentifier: '4242',
      projects: { create: { projectId: fixture.project.id } },
    },
  });
  return { ...fixture, agent };
}

test('S42: an identified ACD agent is recorded on the attempt and the call completes', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { project, agent } = await acdProject(3);
  harness.acdDigits.value = '4242';
  const worker = await newWorker(env, bundle, prisma, harness, taskQueue);
  await worker.runUntil(async () => {
    const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: '+33698765465' });
    await waitForStatus(handle, isTerminal);
    expect(await handle.result()).toBe('COMPLETED');
    const [attempt] = await prisma.attempt.findMany({ where: { callbackId: row.id } });
    expect(attempt).toMatchObject({ outcome: 'CONNECTED', agentId: agent.id });
    const legs = harness.placed.filter((p) => p.key.startsWith(row.id));
    expect(legs).toEqual([
      { key: `${row.id}:1:agent`, to: ACD_NUMBER },
      { key: `${row.id}:1:visitor`, to: '+33698765465' },
    ]);
    await recordHistory(env, handle.workflowId, 'callback-acd-identified');
  });
});

test('S42: an unknown identifier, after the configured tries, ends AGENT_NOT_IDENTIFIED without dialling the visitor', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { project } = await acdProject(2);
  harness.acdDigits.value = '9999';
  const worker = await newWorker(env, bundle, prisma, harness, taskQueue);
  await worker.runUntil(async () => {
    const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: '+33698765466' });
    await waitForStatus(handle, isTerminal);
    expect(await handle.result()).toBe('FAILED');
    const attempts = await prisma.attempt.findMany({ where: { callbackId: row.id } });
    expect(attempts.map((a) => [a.outcome, a.agentId])).toEqual([['AGENT_NOT_IDENTIFIED', null]]);
    expect(harness.placed.filter((p) => p.key.startsWith(row.id)).map((p) => p.to)).toEqual([ACD_NUMBER]);
    await recordHistory(env, handle.workflowId, 'callback-acd-not-identified');
  });
});
