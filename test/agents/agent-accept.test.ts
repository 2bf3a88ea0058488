// S45, auto-answer off: the agent accepts the call they are reserved for, and the callback
// workflow hears it (agentAcceptedSignal). A stand-in callback workflow receives the signal.
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode, type WorkflowBundle } from '@temporalio/worker';
import { AgentStateError, createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import type { Db } from '../../src/infra/prisma';
import { callbackWorkflowId } from '../../workflows/types';
import { createTimeSkippingEnv } from '../helpers/temporal';
import { createAgent } from '../helpers/agents';
import { createProjectFixture, testPrisma } from '../helpers/db';
import { createTestWorker, workerActivities } from '../helpers/worker';
import { saveAgentHistory, startAgentWorkflow, workflowDeps } from './agent-harness';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;

const noop = () => undefined;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  bundle = await bundleWorkflowCode({
    workflowsPath: path.join(__dirname, 'fixtures', 'workflows.ts'),
    logger: { trace: noop, debug: noop, info: noop, warn: noop, error: noop, log: noop },
  });
  prisma = testPrisma();
});
afterAll(async () => {
  await prisma?.$disconnect();
  await env?.teardown();
});

/** An expert (auto-answer off by default, S45) answering on their phone, in a project of its own. */
async function expertAgent() {
  const { account, project } = await createProjectFixture(prisma);
  const owner = { accountId: account.id, projectId: project.id };
  return createAgent(prisma, owner, { kind: 'EXPERT', answerMode: 'PHONE', phoneNumber: '+33612345678' });
}

test('S45: accept signals the callback workflow once; the presence shows the acceptance', async () => {
  const taskQueue = `agents-${randomUUID()}`;
  const agent = await expertAgent();
  const worker = await createTestWorker(env, { taskQueue, bundle, activities: workerActivities.presence(prisma) });
  await worker.runUntil(async () => {
    const handle = await startAgentWorkflow(env, prisma, taskQueue, agent.id);
    const agents = createAgentWorkflowClient(workflowDeps(env, prisma, taskQueue));
    const callbackId = randomUUID();
    const probe = await env.client.workflow.start('acceptProbeWorkflow', {
      workflowId: callbackWorkflowId(callbackId),
      taskQueue,
    });

    await agents.login(agent.id);
    expect(await agents.reserve(agent.id, { callbackId })).toMatchObject({ ok: true, autoAnswer: false });
    expect(await agents.presence(agent.id)).toMatchObject({ state: 'RESERVED', accepted: false });
    // Accepting someone else's call is refused.
    await expect(agents.acceptCall(agent.id, { callbackId: randomUUID() })).rejects.toBeInstanceOf(AgentStateError);

    expect(await agents.acceptCall(agent.id, { callbackId })).toMatchObject({
      state: 'RESERVED',
      callbackId,
      accepted: true,
    });
    // A plain client: the time-skipping one would skip time while waiting for the result.
    expect(
      await new Client({ connection: env.connection, namespace: env.namespace }).workflow
        .getHandle(probe.workflowId)
        .result(),
    ).toBe(agent.id);
    // Accepting again is harmless: already accepted, no second signal.
    expect(await agents.acceptCall(agent.id, { callbackId })).toMatchObject({ accepted: true });
    await saveAgentHistory(env, handle.workflowId, 'accept-call');
  });
});

test('S45: accepting a call whose callback workflow is gone is refused and leaves the reservation', async () => {
  const taskQueue = `agents-${randomUUID()}`;
  const agent = await expertAgent();
  const worker = await createTestWorker(env, { taskQueue, bundle, activities: workerActivities.presence(prisma) });
  await worker.runUntil(async () => {
    await startAgentWorkflow(env, prisma, taskQueue, agent.id);
    const agents = createAgentWorkflowClient(workflowDeps(env, prisma, taskQueue));
    const callbackId = randomUUID();
    await agents.login(agent.id);
    await agents.reserve(agent.id, { callbackId });
    await expect(agents.acceptCall(agent.id, { callbackId })).rejects.toBeInstanceOf(AgentStateError);
    expect(await agents.presence(agent.id)).toMatchObject({ state: 'RESERVED', callbackId, accepted: false });
  });
});
