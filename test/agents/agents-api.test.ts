// API.md "Agents" and PUT /v1/accounts/me/auto-answer through supertest, with real agent
// workflows (time-skipping server) and PostgreSQL: tenancy (403/404), validation (422 with
// paths, PHONE_NOT_ALLOWED), S42 desk refused in ACD mode, S43 login numbers, S45 switches,
// 409 INVALID_STATE, and presence read from the read model.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker } from '@temporalio/worker';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createAgentsRouter } from '../../api/routes/agents';
import { createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { loadConfig } from '../../src/config';
import { callSettingsSchema } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { createLogger } from '../../src/logger';
import { saveCallSettings } from '../../src/store/call-settings';
import { agentWorkflowId } from '../../workflows/agent-types';
import { createTenant, type Tenant } from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv, workflowBundle } from '../helpers/temporal';
import { newAgentWorker } from './agent-harness';

let env: TestWorkflowEnvironment;
let prisma: Db;
let worker: Worker;
let running: Promise<void>;
let app: ReturnType<typeof createApp>;
const taskQueue = `agents-api-${randomUUID()}`;

// One worker for the file: the routes reach workflows on every request.
beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  worker = await newAgentWorker(env, await workflowBundle(), prisma, taskQueue);
  running = worker.run();
  const logger = createLogger({ level: 'silent' });
  app = createApp({
    prisma,
    temporal: env.client,
    config: loadConfig({ NODE_ENV: 'test', TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'silent' }),
    logger,
    v1Routers: [createAgentsRouter({ prisma, temporal: env.client, taskQueue, logger })],
  });
});
afterAll(async () => {
  worker?.shutdown();
  await running;
  await prisma?.$disconnect();
  await env?.teardown();
});

const agents = () => createAgentWorkflowClient({ temporal: env.client, prisma, taskQueue });

function agentBody(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  return {
    projectIds: [tenant.projectId],
    name: 'Alice',
    kind: 'EMPLOYEE',
    callEnabled: true,
    answerMode: 'PHONE',
    phoneNumber: '+33612345678',
    priority: false,
    askNumberAtLogin: false,
    allowChatAndCall: false,
    ...overrides,
  };
}

async function createAgent(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await request(app).post('/v1/agents').set(tenant.auth).send(agentBody(tenant, overrides));
  if (res.status !== 201) throw new Error(`agent not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string } & Record<string, unknown>;
}

test('POST /agents creates the agent, its LOGGED_OUT presence and its workflow; GET shows autoAnswerEffective', async () => {
  const tenant = await createTenant(prisma);
  const res = await request(app)
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { phoneNumber: '06 12 34 56 78' }));
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({
    projectIds: [tenant.projectId],
    kind: 'EMPLOYEE',
    answerMode: 'PHONE',
    phoneNumber: '+33612345678',
    autoAnswerEffective: true,
    presence: { state: 'LOGGED_OUT', inChat: false },
  });
  expect(res.body).not.toHaveProperty('autoAnswer'); // unset: absent, not null (#14)
  const description = await env.client.workflow.getHandle(agentWorkflowId(res.body.id)).describe();
  expect(description.status.name).toBe('RUNNING');

  const expert = await createAgent(tenant, { kind: 'EXPERT', name: 'Bob' });
  const read = await request(app).get(`/v1/agents/${expert.id}`).set(tenant.auth);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ id: expert.id, kind: 'EXPERT', autoAnswerEffective: false });
  expect(read.body).not.toHaveProperty('autoAnswer');
});

test('tenancy: another account gets 403 on the agent and on its projects; unknown ids are 404', async () => {
  const owner = await createTenant(prisma);
  const other = await createTenant(prisma);
  const agent = await createAgent(owner);
  for (const call of [
    request(app).get(`/v1/agents/${agent.id}`),
    request(app).get(`/v1/agents/${agent.id}/presence`),
    request(app).post(`/v1/agents/${agent.id}/login`),
    request(app).patch(`/v1/agents/${agent.id}`).send({ name: 'stolen' }),
    request(app).put(`/v1/agents/${agent.id}/status`).send({ status: 'UNAVAILABLE' }),
  ]) {
    const res = await call.set(other.auth);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  }
  const foreignProject = await request(app).post('/v1/agents').set(other.auth).send(agentBody(owner));
  expect(foreignProject.status).toBe(403);
  const listForeign = await request(app).get('/v1/agents').query({ projectId: owner.projectId }).set(other.auth);
  expect(listForeign.status).toBe(403);

  expect((await request(app).get(`/v1/agents/${randomUUID()}`).set(owner.auth)).status).toBe(404);
  expect((await request(app).get('/v1/agents/not-a-uuid').set(owner.auth)).status).toBe(404);
  const unknownProject = await request(app)
    .post('/v1/agents')
    .set(owner.auth)
    .send(agentBody(owner, { projectIds: ['nope'] }));
  expect(unknownProject.status).toBe(404);
  expect((await request(app).get(`/v1/agents/${agent.id}`)).status).toBe(401);
});

test('validation: 422 VALIDATION_FAILED naming each bad path; PHONE_NOT_ALLOWED for a premium number', async () => {
  const tenant = await createTenant(prisma);
  const bad = await request(app)
    .post('/v1/agents')
    .set(tenant.auth)
    .send({ projectIds: [], kind: 'INTERN', callEnabled: 'yes', answerMode: 'PHONE', acdIdentifier: '12a', extra: 1 });
  expect(bad.status).toBe(422);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
    ['acdIdentifier', 'callEnabled', 'extra', 'kind', 'name', 'projectIds'].sort(),
  );

  const noNumber = await request(app)
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { phoneNumber: undefined }));
  expect(noNumber.status).toBe(422);
  expect(noNumber.body.error.details).toEqual([{ path: 'phoneNumber', message: expect.stringContaining('required') }]);
  // Asked at each login instead: no number needed now.
  expect(
    (
      await request(app)
        .post('/v1/agents')
        .set(tenant.auth)
        .send(agentBody(tenant, { phoneNumber: undefined, askNumberAtLogin: true }))
    ).status,
  ).toBe(201);

  const premium = await request(app)
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { phoneNumber: '+33899234567' }));
  expect(premium.status).toBe(422);
  expect(premium.body.error).toMatchObject({ code: 'PHONE_NOT_ALLOWED', details: [{ path: 'phoneNumber' }] });

  await createAgent(tenant, { acdIdentifier: '4711' });
  const duplicate = await request(app)
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { acdIdentifier: '4711' }));
  expect(duplicate.status).toBe(422);
  expect(duplicate.body.error.details).toEqual([{ path: 'acdIdentifier', message: expect.any(String) }]);
});

test('S42: desk answering is refused on a project in ACD mode, on create and on patch', async () => {
  const tenant = await createTenant(prisma);
  const phoneAgent = await createAgent(tenant);
  await saveCallSettings(
    prisma,
    tenant.projectId,
    callSettingsSchema.parse({
      distribution: { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: 5, identificationAttempts: 3 },
    }),
  );
  const desk = await request(app)
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { answerMode: 'DESK', phoneNumber: undefined }));
  expect(desk.status).toBe(422);
  expect(desk.body.error.details).toEqual([{ path: 'answerMode', message: expect.stringContaining('ACD') }]);
  const patched = await request(app).patch(`/v1/agents/${phoneAgent.id}`).set(tenant.auth).send({ answerMode: 'DESK' });
  expect(patched.status).toBe(422);
  expect(patched.body.error.details[0].path).toBe('answerMode');
  expect(
    (
      await request(app)
        .post('/v1/agents')
        .set(tenant.auth)
        .send(agentBody(tenant, { acdIdentifier: '12' }))
    ).status,
  ).toBe(201);
});

test('S43: login without a number is 422 when asked; with one (national format) the agent is AVAILABLE there', async () => {
  const tenant = await createTenant(prisma);
  const agent = await createAgent(tenant, { phoneNumber: undefined, askNumberAtLogin: true });
  const refused = await request(app).post(`/v1/agents/${agent.id}/login`).set(tenant.auth).send({});
  expect(refused.status).toBe(422);
  expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'phoneNumber' }] });
  const premium = await request(app)
    .post(`/v1/agents/${agent.id}/login`)
    .set(tenant.auth)
    .send({ phoneNumber: '+33899234567' });
  expect(premium.status).toBe(422);
  expect(premium.body.error.code).toBe('PHONE_NOT_ALLOWED');

  const login = await request(app)
    .post(`/v1/agents/${agent.id}/login`)
    .set(tenant.auth)
    .send({ phoneNumber: '06 98 76 54 34' });
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ state: 'AVAILABLE', loginNumber: '+33698765434' });
  const presence = await request(app).get(`/v1/agents/${agent.id}/presence`).set(tenant.auth);
  expect(presence.body).toEqual({
    state: 'AVAILABLE',
    since: login.body.since,
    inChat: false,
    loginNumber: '+33698765434',
    busyForChat: false,
  });
  const out = await request(app).post(`/v1/agents/${agent.id}/logout`).set(tenant.auth);
  expect(out.body.state).toBe('LOGGED_OUT');
});

test('S44/S46: status and chats through the API, read back from the presence read model', async () => {
  const tenant = await createTenant(prisma);
  const agent = await createAgent(tenant);
  const path = `/v1/agents/${agent.id}`;
  expect((await request(app).put(`${path}/status`).set(tenant.auth).send({ status: 'AVAILABLE' })).status).toBe(409);
  await request(app).post(`${path}/login`).set(tenant.auth).expect(200);
  const badStatus = await request(app).put(`${path}/status`).set(tenant.auth).send({ status: 'AWAY' });
  expect(badStatus.status).toBe(422);
  expect(badStatus.body.error.details[0].path).toBe('status');

  expect((await request(app).put(`${path}/status`).set(tenant.auth).send({ status: 'UNAVAILABLE' })).body.state).toBe(
    'UNAVAILABLE',
  );
  expect((await request(app).get(`${path}/presence`).set(tenant.auth)).body.state).toBe('UNAVAILABLE');
  await request(app).put(`${path}/status`).set(tenant.auth).send({ status: 'AVAILABLE' }).expect(200);

  expect((await request(app).post(`${path}/chats/start`).set(tenant.auth)).body).toMatchObject({ inChat: true });
  expect((await request(app).get(`${path}/presence`).set(tenant.auth)).body).toMatchObject({
    state: 'AVAILABLE',
    inChat: true,
  });
  expect(await agents().reserve(agent.id, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'IN_CHAT' });
  await request(app).post(`${path}/chats/end`).set(tenant.auth).expect(200);

  // On a call, the chat side is told the agent is busy (S46).
  const callbackId = randomUUID();
  expect(await agents().reserve(agent.id, { callbackId })).toMatchObject({ ok: true });
  expect((await request(app).get(`${path}/presence`).set(tenant.auth)).body).toMatchObject({
    state: 'RESERVED',
    callbackId,
    busyForChat: true,
  });
  const chat = await request(app).post(`${path}/chats/start`).set(tenant.auth);
  expect(chat.status).toBe(409);
  expect(chat.body.error.code).toBe('INVALID_STATE');
});

test('accept when not reserved for that callback is 409 INVALID_STATE; a non-UUID callback is 404', async () => {
  const tenant = await createTenant(prisma);
  const agent = await createAgent(tenant, { kind: 'EXPERT' });
  await request(app).post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);
  const res = await request(app).post(`/v1/agents/${agent.id}/calls/${randomUUID()}/accept`).set(tenant.auth);
  expect(res.status).toBe(409);
  expect(res.body).toEqual({ error: { code: 'INVALID_STATE', message: expect.stringContaining('not reserved') } });
  expect((await request(app).post(`/v1/agents/${agent.id}/calls/xyz/accept`).set(tenant.auth)).status).toBe(404);
});

test('an Idempotency-Key makes a repeated status change return the first answer', async () => {
  const tenant = await createTenant(prisma);
  const agent = await createAgent(tenant);
  await request(app).post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);
  const first = await request(app)
    .put(`/v1/agents/${agent.id}/status`)
    .set({ ...tenant.auth, 'Idempotency-Key': 'k1' })
    .send({ status: 'UNAVAILABLE' });
  await request(app).put(`/v1/agents/${agent.id}/status`).set(tenant.auth).send({ status: 'AVAILABLE' }).expect(200);
  const repeat = await request(app)
    .put(`/v1/agents/${agent.id}/status`)
    .set({ ...tenant.auth, 'Idempotency-Key': 'k1' })
    .send({ status: 'UNAVAILABLE' });
  expect(repeat.body).toEqual(first.body);
  expect((await request(app).get(`/v1/agents/${agent.id}/presence`).set(tenant.auth)).body.state).toBe('AVAILABLE');
});

test('GET /agents lists the account agents with answer mode and number, filtered by project and callEnabled', async () => {
  const tenant = await createTenant(prisma);
  const caller = await createAgent(tenant, { name: 'A caller' });
  await createAgent(tenant, { name: 'B chat only', callEnabled: false, answerMode: 'DESK', phoneNumber: undefined });
  await createTenant(prisma).then((other) => createAgent(other));
  const all = await request(app).get('/v1/agents').set(tenant.auth);
  expect(all.body.items.map((a: { name: string }) => a.name)).toEqual(['A caller', 'B chat only']);
  const callers = await request(app)
    .get('/v1/agents')
    .query({ projectId: tenant.projectId, callEnabled: 'true' })
    .set(tenant.auth);
  expect(callers.status).toBe(200);
  expect(callers.body.items).toEqual([
    expect.objectContaining({
      id: caller.id,
      answerMode: 'PHONE',
      phoneNumber: '+33612345678',
      presence: expect.objectContaining({ state: 'LOGGED_OUT' }),
    }),
  ]);
  const badFilter = await request(app).get('/v1/agents').query({ callEnabled: 'maybe' }).set(tenant.auth);
  expect(badFilter.status).toBe(422);
  expect(badFilter.body.error.details[0].path).toBe('query.callEnabled');
});

test('S45: the account switch off turns auto-answer off for its running agents; PATCH pushes agent settings', async () => {
  const tenant = await createTenant(prisma);
  const agent = await createAgent(tenant);
  await request(app).post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);

  const off = await request(app).put('/v1/accounts/me/auto-answer').set(tenant.auth).send({ enabled: false });
  expect(off.status).toBe(200);
  expect(off.body).toEqual({ enabled: false });
  expect((await request(app).get('/v1/accounts/me/auto-answer').set(tenant.auth)).body).toEqual({ enabled: false });
  expect((await request(app).get(`/v1/agents/${agent.id}`).set(tenant.auth)).body.autoAnswerEffective).toBe(false);
  const first = randomUUID();
  expect(await agents().reserve(agent.id, { callbackId: first })).toMatchObject({ ok: true, autoAnswer: false });
  await agents().callEnded(agent.id, { callbackId: first, talked: false });

  await request(app).put('/v1/accounts/me/auto-answer').set(tenant.auth).send({ enabled: true }).expect(200);
  const second = randomUUID();
  expect(await agents().reserve(agent.id, { callbackId: second })).toMatchObject({ ok: true, autoAnswer: true });
  await agents().callEnded(agent.id, { callbackId: second, talked: false });
  expect((await request(app).put('/v1/accounts/me/auto-answer').set(tenant.auth).send({ enabled: 'no' })).status).toBe(
    422,
  );

  // PATCH: per-agent override, pushed to the workflow at once.
  const patched = await request(app)
    .patch(`/v1/agents/${agent.id}`)
    .set(tenant.auth)
    .send({ autoAnswer: false, priority: true });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ autoAnswer: false, autoAnswerEffective: false, priority: true });
  expect(await agents().reserve(agent.id, { callbackId: randomUUID() })).toMatchObject({ ok: true, autoAnswer: false });
});
