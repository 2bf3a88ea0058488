// End to end on the production telephony path (#15 item 1): a callback booked through the
// API completes with the worker's activities on the Twilio adapter (real `twilio` SDK) pointed
// at the Twilio REST simulator, whose signed status and recording callbacks reach the API's
// own webhook routers, which signal the workflow. Real PostgreSQL, real Temporal (time-skipping
// server, time locked: it runs in real time), real HTTP everywhere.
import express from 'express';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { createTwilioClient, createTwilioTelephony } from '../../activities/telephony/twilio';
import { createRecordingWebhookRouter } from '../../api/webhooks/recordings';
import { createTwilioWebhookRouter } from '../../api/webhooks/twilio';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { createAcdIdentifier } from '../../src/callbacks/acd';
import { createLegEventDelivery } from '../../src/callbacks/leg-events';
import { createCallbackWaker } from '../../src/callbacks/wake';
import { startTwilioSimulator, type TwilioSimulator } from '../../scripts/twilio-simulator/server';
import { callbackWorkflowId } from '../../workflows/types';
import { createAgent } from '../helpers/agents';
import { book, frenchMobile } from '../helpers/api';
import { waitForDbStatus } from '../helpers/callback-harness';
import { saveSettings } from '../helpers/settings';
import { workflowBundle } from '../helpers/temporal';
import { useApi } from '../helpers/use-api';

const ACCOUNT_SID = `AC${'e2'.repeat(16)}`;
const AUTH_TOKEN = 'simulator-e2e-token';

let simulator: TwilioSimulator | undefined;
let worker: { worker: Worker; running: Promise<void> } | undefined;

// Declared before useApi: jest runs afterAll hooks in declaration order, and the worker must
// stop before the Temporal server goes.
afterAll(async () => {
  if (worker) {
    if (worker.worker.getState() === 'RUNNING') worker.worker.shutdown();
    await worker.running;
  }
  await simulator?.close();
});

// The webhook routers need the API's own URL (signatures cover it): mounted once it listens.
const late: { routers: express.Router[] } = { routers: [] };
const lateRouter = express.Router();
lateRouter.use((req, res, next) => {
  const chain = [...late.routers];
  const step = (err?: unknown): void => {
    if (err) return next(err);
    const router = chain.shift();
    if (!router) return next();
    router(req, res, step);
  };
  step();
});

const t = useApi({ temporal: 'time-skipping', tenant: true, publicRouters: () => [lateRouter] });

beforeAll(async () => {
  const publicBaseUrl = t.base;
  late.routers = [
    createRecordingWebhookRouter({ prisma: t.prisma, authToken: AUTH_TOKEN, publicBaseUrl, provider: 'twilio' }),
    createTwilioWebhookRouter({
      authToken: AUTH_TOKEN,
      publicBaseUrl,
      onLegEvent: createLegEventDelivery(t.temporal),
      acdIdentify: createAcdIdentifier({ prisma: t.prisma, temporal: t.temporal, publicBaseUrl }),
    }),
  ];
  // 0.01: an answer after 10 ms, the 5 s talk in 50 ms.
  simulator = await startTwilioSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    timeScale: 0.01,
    talkTimeSeconds: 5,
  });
  const client = createTwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: simulator.url });
  const created = await Worker.create({
    connection: t.env.nativeConnection,
    taskQueue: t.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({
      prisma: t.prisma,
      telephony: createTwilioTelephony({ client, publicBaseUrl }),
      provider: 'twilio',
      fromNumber: '+33100000000',
      publicBaseUrl,
      wakeCallback: createCallbackWaker(t.temporal),
      agents: createAgentWorkflowClient({ temporal: t.temporal, prisma: t.prisma, taskQueue: t.taskQueue }),
    }),
  });
  worker = { worker: created, running: created.run() };
});

test('a callback booked through the API completes on the Twilio adapter against the simulator (S2, S30, S50, S56-S58)', async () => {
  const tenant = t.tenant;
  await saveSettings(t.prisma, tenant.projectId, {
    immediate: { enabled: true, availability: 'AGENT_PRESENCE' },
    recording: { enabled: true, ratio: 1 },
  });
  const agent = await createAgent(t.prisma, tenant, {
    answerMode: 'PHONE',
    phoneNumber: '+33612340005',
    presence: { state: 'AVAILABLE' },
  });
  const statsBefore = simulator!.stats();

  // A number ending in 5 answers (S57); the agent's too.
  const phone = frenchMobile().replace(/\d$/, '5');
  const res = await book(t.harness, tenant, { mode: 'immediate', phone });
  expect(res.status).toBe(201);
  const callbackId = (res.body as { id: string }).id;

  expect(await waitForDbStatus(t.prisma, callbackId, (s) => s === 'COMPLETED' || s === 'FAILED', 60_000)).toBe(
    'COMPLETED',
  );
  const attempts = await t.prisma.attempt.findMany({ where: { callbackId } });
  expect(attempts).toHaveLength(1);
  expect(attempts[0]).toMatchObject({ outcome: 'CONNECTED', agentId: agent.id });

  // Both legs were placed through the simulator (Twilio call sids), and their callbacks arrived.
  const legs = await t.prisma.telephonyCall.findMany({ where: { attemptId: attempts[0]!.id } });
  expect(legs.map((l) => l.provider).sort()).toEqual(['twilio', 'twilio']);
  for (const leg of legs) expect(leg.callSid).toMatch(/^CA[0-9a-f]{32}$/);
  const stats = simulator!.stats();
  expect(stats.calls - statsBefore.calls).toBe(2);
  // answered + completed per leg, all accepted by the signature-checking webhook.
  expect(stats.statusCallbacks - statsBefore.statusCallbacks).toBeGreaterThanOrEqual(4);
  expect(stats.statusCallbackFailures).toBe(0);

  // S50: the recorded conversation is reported by the simulator's recording callback.
  const recording = await (async () => {
    for (let i = 0; i < 100; i++) {
      const found = await t.prisma.recording.findFirst({ where: { callbackId } });
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return null;
  })();
  expect(recording).toMatchObject({ provider: 'twilio', status: 'completed', durationSeconds: 5 });

  const history = await t.temporal.workflow.getHandle(callbackWorkflowId(callbackId)).fetchHistory();
  expect(JSON.stringify(history)).not.toContain(phone.slice(3));
});
