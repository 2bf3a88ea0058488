// #11.3–#11.6: whatever fails around it, a callback workflow ends the attempt and goes on —
// never fails, never dials a cancelled row, never waits hours for a lost event, never
// chokes on a malformed signal. Real time-skipping server, PostgreSQL and simulated network.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { CancelledFailure } from '@temporalio/common';
import { createActivities } from '../../activities';
import { createSimulatedTelephony } from '../../activities/telephony/simulated';
import { AgentStateError, createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { createLegEventDelivery } from '../../src/callbacks/leg-events';
import { createCallbackWaker } from '../../src/callbacks/wake';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { callSettingsSchema } from '../../src/domain/settings';
import { acdIdentificationSignal, cancelCallbackUpdate, legEventSignal } from '../../workflows/messages';
import { isTerminal } from '../../workflows/types';
import {
  addAgent,
  bookCallback,
  projectWith,
  recordHistory,
  TIME_SCALE,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest();

/** Runs `body` with a worker on its own queue, built from `activities` (default: the harness's). */
async function withWorker<T>(
  body: (taskQueue: string) => Promise<T>,
  activities?: (taskQueue: string) => ReturnType<typeof createActivities>,
): Promise<T> {
  const taskQueue = `q-${randomUUID()}`;
  const worker = activities
    ? await Worker.create({
        connection: t.env.nativeConnection,
        taskQueue,
        workflowBundle: t.bundle,
        activities: activities(taskQueue),
      })
    : await t.newWorker(taskQueue);
  return worker.runUntil(body(taskQueue));
}

function activitiesWith(
  taskQueue: string,
  overrides: {
    telephony?: Partial<Harness['telephony']>;
    agents?: Partial<ReturnType<typeof createAgentWorkflowClient>>;
  },
) {
  return createActivities({
    prisma: t.prisma,
    telephony: { ...t.harness.telephony, ...overrides.telephony },
    provider: 'simulated',
    fromNumber: '+33100000000',
    publicBaseUrl: t.harness.baseUrl,
    wakeCallback: createCallbackWaker(t.env.client),
    agents: {
      ...createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue }),
      ...overrides.agents,
    },
  });
}

const failedTasks = async (handle: { fetchHistory(): Promise<{ events?: unknown[] | null }> }) =>
  ((await handle.fetchHistory()).events ?? []).filter(
    (e) => (e as { workflowTaskFailedEventAttributes?: unknown }).workflowTaskFailedEventAttributes,
  ).length;

test('#11.6: malformed signals are dropped and logged; the workflow task never fails and the callback goes on', async () => {
  const { account, project } = await projectWith(t.prisma, { maxHandlingDelaySeconds: 3600 });
  await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  await withWorker(async (taskQueue) => {
    const { handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
      phone: '+33698765491',
      maxHandlingDelaySeconds: 3600,
    });
    await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
    // Payloads an operator or a buggy client could send: wrong types, missing fields, nothing.
    await handle.signal(legEventSignal, { key: 42, status: 'exploded' } as never);
    await handle.signal(legEventSignal, undefined as never);
    await handle.signal(legEventSignal, 'completed' as never);
    await handle.signal(acdIdentificationSignal, { key: null, agentId: 7 } as never);
    await handle.signal('agentAccepted', [1, 2, 3]);
    expect(await handle.query('callbackState')).toMatchObject({ status: 'WAITING_AGENT' });
    expect(await failedTasks(handle)).toBe(0);
    expect(await handle.executeUpdate(cancelCallbackUpdate)).toBe('CANCELLED');
    expect(await handle.result()).toBe('CANCELLED');
    expect(await failedTasks(handle)).toBe(0);
    await recordHistory(t.env, handle.workflowId, 'callback-malformed-signals-dropped');
  });
});

test('#11.4 S23: a row cancelled between the booking commit and the workflow start is never dialled', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  await addAgent(t.prisma, account.id, project.id);
  await withWorker(async (taskQueue) => {
    const phone = '+33698765492';
    const row = await t.prisma.callback.create({
      data: {
        projectId: project.id,
        mode: 'IMMEDIATE',
        status: 'SCHEDULED',
        phone,
        openPhone: phone,
        dueAt: new Date(),
      },
    });
    // The API's cancel wins the race: the row ends before the workflow starts.
    await t.prisma.callback.update({
      where: { id: row.id },
      data: { status: 'CANCELLED', endedAt: new Date(), openPhone: null },
    });
    await startCallbackWorkflow(
      t.env.client,
      taskQueue,
      { ...row, slotStart: null, position: null },
      callSettingsSchema.parse({}),
    );
    const handle = t.env.client.workflow.getHandle(`callback-${row.id}`);
    expect(await handle.result()).toBe('CANCELLED');
    expect(t.harness.placed.filter((p) => p.key.startsWith(row.id))).toEqual([]);
    expect(await t.prisma.attempt.count({ where: { callbackId: row.id } })).toBe(0);
    expect((await handle.describe()).searchAttributes).toMatchObject({ CallbackStatus: ['CANCELLED'] });
    await recordHistory(t.env, handle.workflowId, 'callback-cancelled-before-start');
  });
});

test('#11.3: hang-ups that keep failing end the attempt, never the workflow', async () => {
  const { account, project } = await projectWith(t.prisma, { retry: { maxRetries: 0 }, ringTimeoutSeconds: 5 });
  await addAgent(t.prisma, account.id, project.id);
  await withWorker(
    async (taskQueue) => {
      // The visitor never answers: the attempt hangs up the agent, which fails every time.
      const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765490' });
      await waitForStatus(handle, isTerminal, 30_000);
      expect(await handle.result()).toBe('FAILED');
      const [attempt] = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
      expect(attempt?.outcome).toBe('VISITOR_NO_ANSWER');
      await recordHistory(t.env, handle.workflowId, 'callback-hangup-failing');
    },
    (taskQueue) =>
      activitiesWith(taskQueue, {
        telephony: {
          hangup: async () => {
            throw new Error('Twilio failed to hang up (HTTP 500)');
          },
        },
      }),
  );
});

test('#11.3: a refused callStarted does not pin the callback in CONNECTED', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  await addAgent(t.prisma, account.id, project.id);
  await withWorker(
    async (taskQueue) => {
      const { handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765495' });
      await waitForStatus(handle, isTerminal, 30_000);
      expect(await handle.result()).toBe('COMPLETED');
    },
    (taskQueue) =>
      activitiesWith(taskQueue, {
        agents: {
          callStarted: async () => {
            throw new AgentStateError('the agent is not reserved for this call');
          },
        },
      }),
  );
});

test('#11.5: a lost "completed" event is found by asking the network, minutes (not hours) later', async () => {
  const { account, project } = await projectWith(t.prisma, {});
  const agent = await addAgent(t.prisma, account.id, project.id);
  // The network's "completed" events never arrive; every other event does.
  const deliver = createLegEventDelivery(t.env.client);
  const lossy = createSimulatedTelephony({
    emit: async (event) => (event.status === 'completed' ? undefined : deliver(event)),
    talkTimeSeconds: () => 5,
    timeScale: TIME_SCALE,
  });
  try {
    await withWorker(
      async (taskQueue) => {
        const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765495' });
        await waitForStatus(handle, (s) => s === 'CONNECTED' || isTerminal(s), 30_000);
        const connectedAtMs = await t.env.currentTimeMs();
        // The talk ends (5 s scaled: 50 ms real) and its event is lost.
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(await handle.result()).toBe('COMPLETED');
        const [attempt] = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
        expect(attempt?.outcome).toBe('CONNECTED');
        const heldMs = attempt!.endedAt!.getTime() - connectedAtMs;
        console.log(
          `#11.5 measured: a call whose "completed" was lost ended ${Math.round(heldMs / 1000)} s after connecting`,
        );
        expect(heldMs).toBeLessThan(2 * 60_000);
        const presence = await t.prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
        expect(presence.state).not.toBe('ON_CALL');
        await recordHistory(t.env, handle.workflowId, 'callback-lost-call-end');
      },
      (taskQueue) =>
        activitiesWith(taskQueue, {
          telephony: {
            placeCall: (req) => lossy.placeCall(req),
            hangup: (sid) => lossy.hangup(sid),
            getCallStatus: (sid) => lossy.getCallStatus(sid),
          },
        }),
    );
  } finally {
    lossy.close();
  }
});

test('#11.7: a cancellation requested from the Temporal UI/CLI ends the row CANCELLED at once and frees the number', async () => {
  const { account, project } = await projectWith(t.prisma, { maxHandlingDelaySeconds: 3600 });
  await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
  await withWorker(async (taskQueue) => {
    const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, {
      phone: '+33698765496',
      maxHandlingDelaySeconds: 3600,
    });
    await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
    await handle.cancel();
    const error = await handle.result().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WorkflowFailedError);
    expect((error as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    const after = await t.prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
    expect(after).toMatchObject({ status: 'CANCELLED', openPhone: null });
    expect(after.endedAt).not.toBeNull();
    await recordHistory(t.env, handle.workflowId, 'callback-cancelled-by-operator');
  });
});
