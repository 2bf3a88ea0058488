// #14.7 / S42: an ACD callback of a project whose language is English, run by the real
// workflow under the time-skipping server on the simulated network and our signed
// webhooks: the ACD agent hears every prompt in English (en-US) — the first ask, the
// "not recognised" retry and the goodbye — and the callback ends as S42 says.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowBundle } from '@temporalio/worker';
import { createTwilioWebhookRouter } from '../../api/webhooks/twilio';
import { createAcdKeypad, createSimulatedTelephony, createWebhookEmitter } from '../../activities/telephony/simulated';
import { createAcdIdentifier } from '../../src/callbacks/acd';
import { createLegEventDelivery } from '../../src/callbacks/leg-events';
import type { Db } from '../../src/infra/prisma';
import type { DialRequest } from '../../src/telephony/port';
import { PROMPTS } from '../../src/telephony/prompts';
import { answeredLegTwiml } from '../../src/telephony/twiml';
import { isTerminal } from '../../workflows/types';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import {
  TIME_SCALE,
  bookCallback,
  newWorker,
  projectWith,
  terminateAgentWorkflows,
  waitForStatus,
  type Harness,
} from '../helpers/callback-harness';

const AUTH_TOKEN = 'acd-english-token';
const ACD_NUMBER = '+33140000007';

let env: TestWorkflowEnvironment;
let bundle: WorkflowBundle;
let prisma: Db;
let harness: Harness;
/** Every leg the worker placed, and every TwiML our identification webhook answered. */
const dialled: DialRequest[] = [];
const identifyAnswers: string[] = [];

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  bundle = await workflowBundle();
  prisma = testPrisma();
  const app = express();
  const mounted: { router?: express.Router } = {};
  app.use((req, res, next) => (mounted.router ? mounted.router(req, res, next) : next()));
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  mounted.router = createTwilioWebhookRouter({
    authToken: AUTH_TOKEN,
    publicBaseUrl: baseUrl,
    onLegEvent: createLegEventDelivery(env.client),
    acdIdentify: createAcdIdentifier({ prisma, temporal: env.client, publicBaseUrl: baseUrl }),
  });
  const acdDigits = { value: '' };
  // The simulated ACD agent keys in digits; what our webhook answers is kept for the test.
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, init);
    identifyAnswers.push(await response.clone().text());
    return response;
  };
  const simulated = createSimulatedTelephony({
    emit: createWebhookEmitter({ baseUrl, authToken: AUTH_TOKEN }),
    talkTimeSeconds: () => 5,
    timeScale: TIME_SCALE,
    acdKeypad: (req, tryNumber) =>
      createAcdKeypad({ baseUrl, authToken: AUTH_TOKEN, digits: acdDigits.value, fetch: recordingFetch })(
        req,
        tryNumber,
      ),
  });
  harness = {
    server,
    baseUrl,
    placed: [],
    acdDigits,
    telephony: {
      placeCall: async (req) => {
        dialled.push(req);
        return simulated.placeCall(req);
      },
      hangup: (sid) => simulated.hangup(sid),
      getCallStatus: (sid) => simulated.getCallStatus(sid),
      close: () => simulated.close(),
    },
    close: async () => {
      simulated.close();
      await new Promise((resolve) => server.close(resolve));
    },
  };
});
afterEach(() => terminateAgentWorkflows(env));
afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

async function englishAcdProject(identificationAttempts: number) {
  const fixture = await projectWith(prisma, {
    language: 'en',
    distribution: { mode: 'ACD', number: ACD_NUMBER, welcomeMessageSeconds: 2, identificationAttempts },
    retry: { maxRetries: 0, intervalSeconds: 60 },
  });
  const agent = await prisma.agent.create({
    data: {
      accountId: fixture.account.id,
      name: 'ACD agent (en)',
      kind: 'EMPLOYEE',
      callEnabled: true,
      answerMode: 'PHONE',
      acdIdentifier: '7070',
      projects: { create: { projectId: fixture.project.id } },
    },
  });
  return { ...fixture, agent };
}

const say = (text: string) => `<Say language="en-US">${text}</Say>`;

test('#14.7 S42: English project, unknown identifier: asked, told it is not recognised, then goodbye — in English', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { project } = await englishAcdProject(2);
  harness.acdDigits.value = '9999';
  identifyAnswers.length = 0;
  const worker = await newWorker(env, bundle, prisma, harness, taskQueue);
  await worker.runUntil(async () => {
    const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: '+33698765467' });
    await waitForStatus(handle, isTerminal);
    expect(await handle.result()).toBe('FAILED');
    const attempts = await prisma.attempt.findMany({ where: { callbackId: row.id } });
    expect(attempts.map((a) => a.outcome)).toEqual(['AGENT_NOT_IDENTIFIED']);

    // The ACD leg was placed with the project's language; its first TwiML asks in English.
    const legs = dialled.filter((req) => req.key.startsWith(row.id));
    expect(legs.map((req) => [req.leg, req.to, req.language])).toEqual([['agent', ACD_NUMBER, 'en']]);
    const first = answeredLegTwiml(harness.baseUrl, legs[0]!);
    expect(first).toContain('<Pause length="2"/>');
    expect(first).toContain(say(PROMPTS.en.acdIdentify));

    // Try 1 → retry prompt (English), try 2 → goodbye (English) and hang up. Nothing French.
    expect(identifyAnswers).toHaveLength(2);
    expect(identifyAnswers[0]).toContain(say(PROMPTS.en.acdRetry));
    expect(identifyAnswers[0]).toContain('<Gather');
    expect(identifyAnswers[1]).toContain(`${say(PROMPTS.en.acdFailed)}<Hangup/>`);
    for (const twiml of [first, ...identifyAnswers]) expect(twiml).not.toContain('fr-FR');
  });
});

test('#14.7 S42: English project, known identifier: the agent joins the conference and the callback completes', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { project, agent } = await englishAcdProject(3);
  harness.acdDigits.value = '7070';
  identifyAnswers.length = 0;
  const worker = await newWorker(env, bundle, prisma, harness, taskQueue);
  await worker.runUntil(async () => {
    const { row, handle } = await bookCallback(prisma, env, taskQueue, project.id, { phone: '+33698765468' });
    await waitForStatus(handle, isTerminal);
    expect(await handle.result()).toBe('COMPLETED');
    const [attempt] = await prisma.attempt.findMany({ where: { callbackId: row.id } });
    expect(attempt).toMatchObject({ outcome: 'CONNECTED', agentId: agent.id });
    expect(identifyAnswers).toHaveLength(1);
    expect(identifyAnswers[0]).toContain('<Conference');
    const legs = dialled.filter((req) => req.key.startsWith(row.id));
    expect(legs.map((req) => [req.leg, req.language])).toEqual([
      ['agent', 'en'],
      ['visitor', undefined],
    ]);
  });
});
