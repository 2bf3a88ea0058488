// npm start warms the worker up before it says ready (scripts/warm-up.ts): the seeded
// project's agent workflows run and answer, so README's first login is not the worker's
// first workflow task (it got 503 after 4 s on each fresh start of the black-box check).
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import { warmUpAgentWorkflows, warmUpApi } from '../../scripts/warm-up';
import type { Db } from '../../src/infra/prisma';
import { presenceQuery } from '../../workflows/agent-messages';
import { agentWorkflowId } from '../../workflows/agent-types';
import { agentFixture, newAgentWorker, workflowDeps } from '../agents/agent-harness';
import { createTenant, startApi } from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let prisma: Db;
let worker: Worker;
let running: Promise<void>;
const taskQueue = `warm-${randomUUID()}`;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  worker = await newAgentWorker(env, await workflowBundle(), prisma, taskQueue);
  running = worker.run();
});

afterAll(async () => {
  worker?.shutdown();
  await running;
  await prisma?.$disconnect();
  await env?.teardown();
});

test("starts and queries the project's agent workflows once, and again is a no-op", async () => {
  const { project, agent } = await agentFixture(prisma);
  const other = await agentFixture(prisma);
  const deps = workflowDeps(env, prisma, taskQueue);

  expect(await warmUpAgentWorkflows(deps, project.id)).toBe(1);
  const handle = env.client.workflow.getHandle(agentWorkflowId(agent.id));
  const { runId } = await handle.describe();
  expect((await handle.query(presenceQuery)).state).toBe('LOGGED_OUT');
  // Only that project's agents.
  await expect(env.client.workflow.getHandle(agentWorkflowId(other.agent.id)).describe()).rejects.toThrow();

  expect(await warmUpAgentWorkflows(deps, project.id)).toBe(1);
  expect((await handle.describe()).runId).toBe(runId);
});

test('a project without agents warms nothing', async () => {
  expect(await warmUpAgentWorkflows(workflowDeps(env, prisma, taskQueue), `none-${randomUUID()}`)).toBe(0);
});

test("the API warm-up reads README's first routes with the key once the API listens", async () => {
  const harness = await startApi({ prisma, temporal: env.client, taskQueue });
  try {
    const tenant = await createTenant(prisma);
    const answered = await warmUpApi(harness.base, tenant.apiKey, tenant.projectId, { timeoutMs: 30_000 });
    expect(answered).toEqual(expect.arrayContaining(['/v1/agents', `/v1/projects/${tenant.projectId}/call-settings`]));
  } finally {
    await harness.close();
  }
});

test('the API warm-up gives up when nothing listens', async () => {
  await expect(warmUpApi('http://127.0.0.1:9', 'k', 'p', { timeoutMs: 500 })).rejects.toThrow(/did not answer/);
});
