// #11.2: a wake-up can race the release it announces — the woken callback asks before the
// agent is free, finds nobody, and no second wake-up follows. The callback's own looks then
// come 5 s after a wake-up (adaptive-safety-look), not 15 min later. Real time-skipping
// server, PostgreSQL, the simulated network; a worker whose activities wake nobody.
import { randomUUID } from 'node:crypto';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { agentMayBeFreeSignal } from '../../workflows/messages';
import { isTerminal } from '../../workflows/types';
import { callSettingsSchema } from '../../src/domain/settings';
import { saveCallSettings } from '../../src/store/call-settings';
import { createTenant, startApi } from '../helpers/api';
import { addAgent, bookCallback, projectWith, recordHistory, waitForStatus } from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest();

/** A worker whose activities wake nobody (no `wakeCallback`): wake-ups come only from the test. */
async function quietWorker(taskQueue: string) {
  const agents = createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue });
  const worker = await Worker.create({
    connection: t.env.nativeConnection,
    taskQueue,
    workflowBundle: t.bundle,
    activities: createActivities({
      prisma: t.prisma,
      telephony: t.harness.telephony,
      provider: 'simulated',
      fromNumber: '+33100000000',
      publicBaseUrl: t.harness.baseUrl,
      agents,
    }),
  });
  return { worker, agents };
}

test('#11.2: a wake-up that came before the agent was free is followed by a look within seconds, not the slow one', async () => {
  // No wake-ups from the activities here: the only one is sent by hand, before the agent is
  // free (it raced the release it announced). Then the agent logs in, and nobody says so.
  const quietQueue = `q-${randomUUID()}`;
  const { worker: quiet, agents } = await quietWorker(quietQueue);
  await quiet.runUntil(async () => {
    const { account, project } = await projectWith(t.prisma, {
      maxHandlingDelaySeconds: 3600,
      autoAnswer: { delaySeconds: 1 },
    });
    const agent = await addAgent(t.prisma, account.id, project.id, { state: 'LOGGED_OUT' });
    const { row, handle } = await bookCallback(t.prisma, t.env, quietQueue, project.id, {
      phone: '+33698765485',
      maxHandlingDelaySeconds: 3600,
    });
    await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
    // Half an hour of looks finding nobody: the looks are 15 min apart by now.
    await t.env.sleep(30 * 60_000);
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
    const loginAtMs = await t.env.currentTimeMs();
    await agents.login(agent.id, {});
    await waitForStatus(handle, isTerminal, 30_000);
    expect(await handle.result()).toBe('COMPLETED');
    const [attempt] = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
    const foundMs = attempt!.startedAt.getTime() - loginAtMs;
    console.log(`#11.2 measured: agent free without a wake-up -> attempt started ${foundMs} ms later (workflow time)`);
    // The look after the wake-up comes 5 s later (it was 15 min before adaptive-safety-look).
    expect(foundMs).toBeLessThan(10_000);
    await recordHistory(t.env, handle.workflowId, 'callback-woken-too-early-then-looked-soon');
  });
});

test.each(['PUT', 'PATCH'] as const)(
  "#11.2: %s call-settings wakes the project's waiting callbacks at once (before their next look)",
  async (method) => {
    const quietQueue = `q-${randomUUID()}`;
    const { worker: quiet, agents } = await quietWorker(quietQueue);
    const api = await startApi({ prisma: t.prisma, temporal: t.env.client, taskQueue: quietQueue });
    try {
      await quiet.runUntil(async () => {
        const tenant = await createTenant(t.prisma);
        const settings = { maxHandlingDelaySeconds: 3600, autoAnswer: { delaySeconds: 1 } };
        await saveCallSettings(t.prisma, tenant.projectId, callSettingsSchema.parse(settings));
        const agent = await addAgent(t.prisma, tenant.accountId, tenant.projectId, { state: 'LOGGED_OUT' });
        const { row, handle } = await bookCallback(t.prisma, t.env, quietQueue, tenant.projectId, {
          phone: method === 'PUT' ? '+33698765486' : '+33698765487',
          maxHandlingDelaySeconds: 3600,
        });
        await waitForStatus(handle, (s) => s === 'WAITING_AGENT');
        // The agent is free, and nobody says so; then the settings change.
        await agents.login(agent.id, {});
        const body = method === 'PUT' ? { ...settings, ringTimeoutSeconds: 25 } : { ringTimeoutSeconds: 25 };
        const call = method === 'PUT' ? api.api().put : api.api().patch;
        const res = await call
          .call(api.api(), `/v1/projects/${tenant.projectId}/call-settings`)
          .set(tenant.auth)
          .send(body);
        expect(res.status).toBe(200);
        await waitForStatus(handle, isTerminal, 30_000);
        expect(await handle.result()).toBe('COMPLETED');
        const events = (await handle.fetchHistory()).events ?? [];
        expect(
          events.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'agentMayBeFree'),
        ).toHaveLength(1);
        // Woken, not found by its first own look (5 s after it began to wait).
        const { waitingSince } = await t.prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
        const [attempt] = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
        expect(attempt!.startedAt.getTime() - waitingSince!.getTime()).toBeLessThan(5_000);
      });
    } finally {
      await api.close();
    }
  },
);
