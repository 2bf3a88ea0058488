// #15: agent workflows run on a task queue of their own (config.agentTaskQueue). New ones start
// there; those started before the split, still on the callbacks' queue, are asked to move
// (moveAgentWorkflows → moveTaskQueueSignal) and continue-as-new onto it with their state.
// On the dev server: the move is found through visibility (TaskQueue = '…').
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkflowBundle } from '@temporalio/worker';
import { createAgentWorkflowClient, ensureAgentWorkflow } from '../../src/agents/agent-workflow-client';
import { moveAgentWorkflows } from '../../src/agents/move-agent-queue';
import type { Db } from '../../src/infra/prisma';
import { createLogger } from '../../src/logger';
import { agentWorkflowId } from '../../workflows/agent-types';
import { testPrisma } from '../helpers/db';
import { createDevServerEnv, workflowBundle } from '../helpers/temporal';
import { agentFixture, newAgentWorker, startAgentWorkflow, waitForPresence, workflowDeps } from './agent-harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;
const logger = createLogger({ level: 'silent', name: 'test' });

beforeAll(async () => {
  [env, bundle] = await Promise.all([createDevServerEnv(), workflowBundle()]);
  prisma = testPrisma();
});
afterAll(async () => {
  await prisma?.$disconnect();
  await env?.teardown();
});

/** Runs `body` with a worker on each queue (the callbacks' and the agents'). */
async function withWorkers(body: (queues: { callbacks: string; agents: string }) => Promise<void>) {
  const callbacks = `callbacks-${randomUUID()}`;
  const agents = `${callbacks}-agents`;
  const workers: Worker[] = await Promise.all([
    newAgentWorker(env, bundle, prisma, callbacks),
    newAgentWorker(env, bundle, prisma, agents),
  ]);
  const [a, b] = workers as [Worker, Worker];
  await a.runUntil(b.runUntil(body({ callbacks, agents })));
}

async function taskQueueOf(workflowId: string): Promise<{ taskQueue: string; runId: string }> {
  const described = await env.client.workflow.getHandle(workflowId).describe();
  return { taskQueue: described.taskQueue, runId: described.runId };
}

async function waitForTaskQueue(workflowId: string, taskQueue: string) {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const now = await taskQueueOf(workflowId).catch(() => undefined);
    if (now?.taskQueue === taskQueue) return now;
    if (Date.now() > deadline) throw new Error(`${workflowId} still on ${now?.taskQueue ?? '?'}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('#15: an agent workflow starts on the agent task queue its deps carry', async () => {
  await withWorkers(async ({ agents }) => {
    const { agent } = await agentFixture(prisma);
    // As a composition root passes config.agentTaskQueue (api/routes/index.ts, workers/main.ts).
    await expect(ensureAgentWorkflow(workflowDeps(env, prisma, agents), agent.id)).resolves.toBe(true);
    expect((await taskQueueOf(agentWorkflowId(agent.id))).taskQueue).toBe(agents);
  });
});

test('#15: an agent workflow on the callbacks queue moves to the agents queue with its presence, once', async () => {
  await withWorkers(async ({ callbacks, agents }) => {
    const { agent } = await agentFixture(prisma);
    const handle = await startAgentWorkflow(env, prisma, callbacks, agent.id);
    const client = createAgentWorkflowClient(workflowDeps(env, prisma, callbacks));
    await client.login(agent.id, { requestId: 'login-1' });
    const before = await taskQueueOf(handle.workflowId);
    expect(before.taskQueue).toBe(callbacks);

    // Visibility may lag the start by a moment: ask until the run is found.
    const deadline = Date.now() + 20_000;
    while ((await moveAgentWorkflows({ temporal: env.client, from: callbacks, to: agents, logger })) === 0) {
      if (Date.now() > deadline) throw new Error('the agent workflow was never listed on the callbacks queue');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    const after = await waitForTaskQueue(handle.workflowId, agents);
    expect(after.runId).not.toBe(before.runId);
    const first = await env.client.workflow.getHandle(handle.workflowId, before.runId).fetchHistory();
    const last = first.events?.at(-1)?.workflowExecutionContinuedAsNewEventAttributes;
    expect(last?.taskQueue?.name).toBe(agents);

    // The state came along (S44): still AVAILABLE, and it takes a reservation on the new queue.
    const moved = env.client.workflow.getHandle(handle.workflowId);
    await waitForPresence(moved, (view) => view.state === 'AVAILABLE');
    const reserved = await client.reserve(agent.id, { callbackId: randomUUID(), requestId: 'reserve-1' });
    expect(reserved.ok).toBe(true);
    // A repeated request still answers from the memory carried across the move.
    await expect(client.login(agent.id, { requestId: 'login-1' })).resolves.toBeDefined();

    // Moved: nothing is left on the callbacks queue, and a second move does nothing.
    await moveAgentWorkflows({ temporal: env.client, from: agents, to: agents, logger });
    expect((await taskQueueOf(handle.workflowId)).runId).toBe(after.runId);
  });
});
