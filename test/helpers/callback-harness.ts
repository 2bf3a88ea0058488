// A callback workflow world for tests: real time-skipping Temporal server, real
// PostgreSQL, the simulated phone network (S57) posting signed webhooks to a real
// listening express server, which signals the workflow — the production path.
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { WorkflowNotFoundError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { createActivities } from '../../activities';
import {
  createAcdKeypad,
  createSimulatedTelephony,
  createWebhookEmitter,
  simulatedOutcome,
} from '../../activities/telephony/simulated';
import { createAcdIdentifier } from '../../src/callbacks/acd';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import type { TelephonyPort } from '../../src/telephony/port';
import { createTwilioWebhookRouter } from '../../api/webhooks/twilio';
import { createLegEventDelivery } from '../../src/callbacks/leg-events';
import { startCallbackWorkflow } from '../../src/callbacks/workflow-start';
import { createCallbackWaker } from '../../src/callbacks/wake';
import { callSettingsSchema, type CallSettingsInput } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { saveCallSettings } from '../../src/store/call-settings';
import { callbackStateQuery } from '../../workflows/messages';
import { CALLBACK_STATUS } from '../../workflows/search-attributes';
import { CALLBACK_STATUSES, callbackWorkflowId, type CallbackStatus } from '../../workflows/types';
import { createProjectFixture } from './db';

const AUTH_TOKEN = 'test-webhook-token';
/** Simulated delays are real milliseconds × this: a 1 s ring takes 10 ms. */
export const TIME_SCALE = 0.01;
/**
 * #15.6: a leg nobody answers (S57: a number ending in 0) rings at this scale instead: its
 * 30 s ring timeout takes 30 ms, not 300. Nothing happens while it rings (its one event, the
 * no-answer, comes at the ring timeout), so a shorter ring changes no outcome; at TIME_SCALE the
 * six unanswered legs of the S33 scenario were 1.8 s of real time that time skipping cannot
 * shorten (the network's clock is real, not the test server's).
 */
export const RING_OUT_TIME_SCALE = 0.001;

/** How often waitForStatus reads the status (a describe: server only, no worker task). */
const STATUS_POLL_MS = 20;

export interface Harness {
  server: Server;
  baseUrl: string;
  telephony: TelephonyPort & { close(): void };
  placed: { key: string; to: string }[];
  /** What the simulated ACD's agent keys in (S42). */
  acdDigits: { value: string };
  close(): Promise<void>;
}

export async function startHarness(env: TestWorkflowEnvironment, prisma: Db): Promise<Harness> {
  // The signature covers the URL, so the router needs the port: listen first, mount after.
  const app = express();
  const mounted: { webhooks?: express.Router } = {};
  app.use((req, res, next) => (mounted.webhooks ? mounted.webhooks(req, res, next) : next()));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mounted.webhooks = createTwilioWebhookRouter({
    authToken: AUTH_TOKEN,
    publicBaseUrl: baseUrl,
    onLegEvent: createLegEventDelivery(env.client),
    acdIdentify: createAcdIdentifier({ prisma, temporal: env.client, publicBaseUrl: baseUrl }),
  });
  const acdDigits = { value: '101' };
  const placed: { key: string; to: string }[] = [];
  const network = (timeScale: number) =>
    createSimulatedTelephony({
      emit: createWebhookEmitter({ baseUrl, authToken: AUTH_TOKEN }),
      talkTimeSeconds: () => 5,
      timeScale,
      acdKeypad: (req, tryNumber) =>
        createAcdKeypad({ baseUrl, authToken: AUTH_TOKEN, digits: acdDigits.value })(req, tryNumber),
    });
  const simulated = network(TIME_SCALE);
  const ringOut = network(RING_OUT_TIME_SCALE);
  /** Which of the two networks placed a call (a leg key always goes to the same one: S35 holds). */
  const networkOf = new Map<string, typeof simulated>();
  const telephony = {
    placeCall: async (req: Parameters<TelephonyPort['placeCall']>[0]) => {
      placed.push({ key: req.key, to: req.to });
      const chosen = simulatedOutcome(req.to) === 'no-answer' ? ringOut : simulated;
      const result = await chosen.placeCall(req);
      networkOf.set(result.callSid, chosen);
      return result;
    },
    hangup: (sid: string) => (networkOf.get(sid) ?? simulated).hangup(sid),
    getCallStatus: (sid: string) => (networkOf.get(sid) ?? simulated).getCallStatus(sid),
    close: () => {
      simulated.close();
      ringOut.close();
    },
  };
  return {
    server,
    baseUrl,
    telephony,
    placed,
    acdDigits,
    close: async () => {
      telephony.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

export function newWorker(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundle,
  prisma: Db,
  harness: Harness,
  taskQueue: string,
  options: {
    maxCachedWorkflows?: number;
    stickyQueueScheduleToStartTimeout?: string;
    /** #15: where the activities start agent workflows (config.agentTaskQueue); default `taskQueue`. */
    agentTaskQueue?: string;
  } = {},
) {
  const { agentTaskQueue = taskQueue, ...workerOptions } = options;
  return Worker.create({
    ...workerOptions,
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({
      prisma,
      telephony: harness.telephony,
      provider: 'simulated',
      fromNumber: '+33100000000',
      publicBaseUrl: harness.baseUrl,
      wakeCallback: createCallbackWaker(env.client),
      agents: createAgentWorkflowClient({ temporal: env.client, prisma, taskQueue: agentTaskQueue }),
    }),
  });
}

export async function projectWith(prisma: Db, settings: CallSettingsInput) {
  const fixture = await createProjectFixture(prisma);
  await saveCallSettings(prisma, fixture.project.id, callSettingsSchema.parse(settings));
  return fixture;
}

const agentsCreated = new Set<string>();

/**
 * Agent workflows outlive a test; once their worker is gone, their timers (wrap-up) would
 * leave tasks no one runs and stall the test server's time skipping. Tests end them.
 */
export async function terminateAgentWorkflows(env: TestWorkflowEnvironment): Promise<void> {
  for (const agentId of agentsCreated) {
    await env.client.workflow
      .getHandle(`agent-${agentId}`)
      .terminate('test over')
      .catch((err: unknown) => {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      });
  }
  agentsCreated.clear();
}

export async function addAgent(
  prisma: Db,
  accountId: string,
  projectId: string,
  fields: { phone?: string; priority?: boolean; state?: 'AVAILABLE' | 'LOGGED_OUT'; idleSinceMs?: number } = {},
) {
  const agent = await prisma.agent.create({
    data: {
      accountId,
      name: `agent ${randomUUID().slice(0, 8)}`,
      kind: 'EMPLOYEE',
      callEnabled: true,
      answerMode: 'PHONE',
      phoneNumber: fields.phone ?? '+33612340005',
      priority: fields.priority ?? false,
      projects: { create: { projectId } },
      presence: { create: { state: fields.state ?? 'AVAILABLE', since: new Date(fields.idleSinceMs ?? Date.now()) } },
    },
  });
  agentsCreated.add(agent.id);
  return agent;
}

export async function bookCallback(
  prisma: Db,
  env: TestWorkflowEnvironment,
  taskQueue: string,
  projectId: string,
  fields: {
    phone: string;
    dueInMs?: number;
    maxHandlingDelaySeconds?: number;
    /** #15: the agent workflows' queue, as config.agentTaskQueue; default `taskQueue`. */
    agentTaskQueue?: string;
  },
) {
  const dueAt = new Date((await env.currentTimeMs()) + (fields.dueInMs ?? 0));
  const row = await prisma.callback.create({
    data: { projectId, mode: 'IMMEDIATE', status: 'SCHEDULED', phone: fields.phone, openPhone: fields.phone, dueAt },
  });
  const settings = callSettingsSchema.parse({ maxHandlingDelaySeconds: fields.maxHandlingDelaySeconds ?? 120 });
  await startCallbackWorkflow(
    env.client,
    taskQueue,
    { ...row, slotStart: null, position: null },
    settings,
    fields.agentTaskQueue,
  );
  return { row, handle: env.client.workflow.getHandle(callbackWorkflowId(row.id)) as WorkflowHandle };
}

/**
 * The callback's status as its workflow's current run last declared it: the CallbackStatus search attribute
 * (S55), which every status change upserts in the workflow task that makes it. Read with a
 * describe, it costs the worker nothing: a query is a worker round trip, and on the
 * time-skipping test server a query that lands while a workflow task is in flight is answered
 * by one more (empty) workflow task once that task completes — the 20 ms polls of a waiting
 * test added several tasks per attempt to the very runs they watched (#15.6). The raw call
 * decodes only that attribute (about 1.6 ms of client CPU, 2.4 through handle.describe, 4.8 for
 * a query). A run that has not declared one (a continued-as-new run without the attribute) is
 * asked by query.
 */
export async function statusOf(handle: WorkflowHandle): Promise<CallbackStatus> {
  const { workflowExecutionInfo } = await handle.client.workflowService.describeWorkflowExecution({
    namespace: handle.client.options.namespace,
    execution: { workflowId: handle.workflowId },
  });
  const field = workflowExecutionInfo?.searchAttributes?.indexedFields?.[CALLBACK_STATUS.name];
  const declared: unknown = field ? defaultPayloadConverter.fromPayload(field) : undefined;
  if (typeof declared === 'string' && (CALLBACK_STATUSES as readonly string[]).includes(declared)) {
    return declared as CallbackStatus;
  }
  return (await handle.query(callbackStateQuery)).status;
}

/** Polls the callback's status (statusOf) in real time (time skipping stays locked) until `accept`. */
export async function waitForStatus(
  handle: WorkflowHandle,
  accept: (status: CallbackStatus) => boolean,
  timeoutMs = 20_000,
): Promise<CallbackStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(handle);
    if (accept(status)) return status;
    if (Date.now() > deadline) {
      // Say where it stands: its last events, activities by name, failures by message.
      const events = (await handle.fetchHistory()).events ?? [];
      const trail = events.map((e) => {
        const kind =
          Object.keys(e)
            .find((k) => k.endsWith('EventAttributes'))
            ?.replace('EventAttributes', '') ?? '?';
        const name =
          e.activityTaskScheduledEventAttributes?.activityType?.name ??
          e.workflowExecutionSignaledEventAttributes?.signalName;
        const failure =
          e.activityTaskFailedEventAttributes?.failure?.message ??
          e.workflowTaskFailedEventAttributes?.failure?.message;
        return [kind, name, failure].filter(Boolean).join(' ');
      });
      throw new Error(
        `${handle.workflowId} still ${status} after ${timeoutMs} ms; last events: ${trail.slice(-15).join(', ')}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, STATUS_POLL_MS));
  }
}

/** Polls the callback row's status (what activities recorded) until `accept`. */
export async function waitForDbStatus(
  prisma: Db,
  callbackId: string,
  accept: (status: CallbackStatus) => boolean,
  timeoutMs = 30_000,
): Promise<CallbackStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await prisma.callback.findUniqueOrThrow({ where: { id: callbackId } });
    if (accept(status)) return status;
    if (Date.now() > deadline) throw new Error(`callback still ${status} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** With RECORD_HISTORIES=1, saves the run's history for the replay gate (workflows/__histories__). */
export async function recordHistory(env: TestWorkflowEnvironment, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  writeFileSync(
    path.join(__dirname, '..', '..', 'workflows', '__histories__', `${name}.json`),
    JSON.stringify(history, null, 2),
  );
}
