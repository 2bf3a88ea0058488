// #15 hang-up-live-legs (S32, S35): once a bridged call ends, only the leg still live is
// hung up: the party who hung up is not asked again (one activity and one workflow task
// fewer per completed callback). Real time-skipping server, real PostgreSQL, the simulated
// network's signed webhooks (test/helpers/callback-harness.ts).
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import type { Db } from '../../src/infra/prisma';
import { isTerminal } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import {
  addAgent,
  bookCallback,
  newWorker,
  projectWith,
  startHarness,
  terminateAgentWorkflows,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';

const EventType = temporal.api.enums.v1.EventType;

let env: TestWorkflowEnvironment;
let prisma: Db;
let harness: Harness;
const taskQueue = `q-${randomUUID()}`;
let worker: Awaited<ReturnType<typeof newWorker>>;
let running: Promise<void>;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  harness = await startHarness(env, prisma);
  worker = await newWorker(env, await workflowBundle(), prisma, harness, taskQueue);
  running = worker.run();
});
afterAll(async () => {
  await terminateAgentWorkflows(env);
  worker?.shutdown();
  await running;
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

test('a completed call hangs up only the leg still live: the visitor hung up, the agent is hung up', async () => {
  const { account, project } = await projectWith(prisma, {});
  await addAgent(prisma, account.id, project.id, { phone: '+33612340015' });
  const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: '+33698765415' });
  await waitForStatus(handle, isTerminal);
  expect(await handle.result()).toBe('COMPLETED');

  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  const scheduled = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED);
  const hangups = scheduled.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'hangupLeg');
  expect(hangups).toHaveLength(1);

  // The leg hung up is the agent's (AGENT_FIRST: the agent waits in the conference, the
  // visitor, second, talks and hangs up); its call row says so.
  const callSid = JSON.parse(
    Buffer.from(hangups[0]!.activityTaskScheduledEventAttributes!.input!.payloads![0]!.data!).toString('utf8'),
  ) as { callSid: string };
  const call = await prisma.telephonyCall.findFirstOrThrow({ where: { callSid: callSid.callSid } });
  expect(call.key).toBe(`${row.id}:1:agent`);
  // S32: both legs still ended, the attempt CONNECTED.
  const attempts = await prisma.attempt.findMany({ where: { callbackId: row.id } });
  expect(attempts).toMatchObject([{ number: 1, outcome: 'CONNECTED' }]);
});
