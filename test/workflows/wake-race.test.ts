// #11.2: a wake-up can race the release it announces — the woken callback asks before the
// agent is free, finds nobody, and no second wake-up follows. The callback's own looks then
// come 5 s after a wake-up (adaptive-safety-look), not 15 min later. Real time-skipping
// server, PostgreSQL, the simulated network; a worker whose activities wake nobody.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import type { Db } from '../../src/infra/prisma';
import { agentMayBeFreeSignal } from '../../workflows/messages';
import { isTerminal } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import {
  addAgent,
  bookCallback,
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
afterAll(async () => {
  await terminateAgentWorkflows(env);
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

test('#11.2: a wake-up that came before the agent was free is followed by a look within seconds, not the slow one', async () => {
  // No wake-ups from the activities here: the only one is sent by hand, before the agent is
  // free (it raced the release it announced). Then the agent logs in, and nobody says so.
  const quietQueue = `q-${randomUUID()}`;
  const agents = createAgentWorkflowClient({ temporal: env.client, prisma, taskQueue: quietQueue });
  const quiet = await Worker.create({
    connection: env.nativeConnection,
    taskQueue: quietQueue,
    workflowBundle: bundle,
    activities: createActivities({
      prisma,
      telephony: harness.telephony,
      provider: 'simulated',
      fromNumber: '+33100000000',
      publicBaseUrl: harness.baseUrl,
      agents,
    }),
  });
  await quiet.runUntil(async () => {
    const { account, project } = await projectWith(prisma, {
      maxHandlingDelaySeconds: 3600,
      autoAnswer: { delaySeconds: 1 },
    });
    const agent = await addAgent(prisma, account.id, project.id, { state: 'LOGGED_OUT' });
    const { row, handle } = await bookCallback(prisma, env, quietQueue, project.id, {
      phone: '+33698765485',
      maxHandlingDelaySeconds: 3600,
    });
    await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
    // Half an hour of looks finding nobody: the looks are 15 min apart by now.
    await env.sleep(30 * 60_000);
    const reservations = async () =>
      ((await handle.fetchHistory()).events ?? []).filter(
        (e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'reserveAgent',
      ).length;
    const before = await reservations();
    await handle.signal(agentMayBeFreeSignal);
    // The woken callback asks, and finds nobody yet.
    for (const deadline = Date.now() + 10_000; (await reservations()) === before;) {
      if (Date.now() > deadline) throw new Error('the wake-up was not followed by a reservation');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const loginAtMs = await env.currentTimeMs();
    await agents.login(agent.id, {});
    await waitForStatus(handle, isTerminal, 30_000);
    expect(await handle.result()).toBe('COMPLETED');
    const [attempt] = await prisma.attempt.findMany({ where: { callbackId: row.id } });
    const foundMs = attempt!.startedAt.getTime() - loginAtMs;
    console.log(`#11.2 measured: agent free without a wake-up -> attempt started ${foundMs} ms later (workflow time)`);
    // The look after the wake-up comes 5 s later (it was 15 min before adaptive-safety-look).
    expect(foundMs).toBeLessThan(10_000);
    await recordHistory(env, handle.workflowId, 'callback-woken-too-early-then-looked-soon');
  });
});
