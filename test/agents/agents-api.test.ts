// API.md "Agents" and PUT /v1/accounts/me/auto-answer through supertest, with real agent
// workflows (time-skipping server) and PostgreSQL: tenancy (403/404), validation (422 with
// paths, PHONE_NOT_ALLOWED), S42 desk refused in ACD mode, S43 login numbers, S45 switches,
// 409 INVALID_STATE, and presence read from the read model.
import { randomUUID } from 'node:crypto';
import { AgentInactiveError, createAgentWorkflowClient } from '../../src/agents/agent-workflow-client';
import { agentWorkflowId } from '../../workflows/agent-types';
import { availability, createTenant, dailySlotSettings, putSettings, type Tenant } from '../helpers/api';
import { createCallbackRow } from '../helpers/db';
import { saveSettings } from '../helpers/settings';
import { useApi } from '../helpers/use-api';
import { workerActivities } from '../helpers/worker';
import { agentRequestBody } from '../helpers/agents';

// One worker for the file: the routes reach agent workflows on every request.
const t = useApi({ temporal: 'time-skipping', worker: workerActivities.presence });

const agents = () => createAgentWorkflowClient({ temporal: t.env.client, prisma: t.prisma, taskQueue: t.taskQueue });

function agentBody(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  return agentRequestBody([tenant.projectId], overrides);
}

/** POST /v1/agents (the route under test), 201 or the test fails. */
async function postAgent(tenant: Tenant, overrides: Record<string, unknown> = {}) {
  const res = await t.api().post('/v1/agents').set(tenant.auth).send(agentBody(tenant, overrides));
  if (res.status !== 201) throw new Error(`agent not created: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string } & Record<string, unknown>;
}

test('POST /agents creates the agent, its LOGGED_OUT presence and its workflow; GET shows autoAnswerEffective', async () => {
  const tenant = await createTenant(t.prisma);
  const res = await t
    .api()
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
  const description = await t.env.client.workflow.getHandle(agentWorkflowId(res.body.id)).describe();
  expect(description.status.name).toBe('RUNNING');

  const expert = await postAgent(tenant, { kind: 'EXPERT', name: 'Bob' });
  const read = await t.api().get(`/v1/agents/${expert.id}`).set(tenant.auth);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ id: expert.id, kind: 'EXPERT', autoAnswerEffective: false });
  expect(read.body).not.toHaveProperty('autoAnswer');
});

test('tenancy: another account gets 403 on the agent and on its projects; unknown ids are 404', async () => {
  const owner = await createTenant(t.prisma);
  const other = await createTenant(t.prisma);
  const agent = await postAgent(owner);
  for (const call of [
    t.api().get(`/v1/agents/${agent.id}`),
    t.api().get(`/v1/agents/${agent.id}/presence`),
    t.api().post(`/v1/agents/${agent.id}/login`),
    t.api().patch(`/v1/agents/${agent.id}`).send({ name: 'stolen' }),
    t.api().put(`/v1/agents/${agent.id}/status`).send({ status: 'UNAVAILABLE' }),
  ]) {
    const res = await call.set(other.auth);
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  }
  const foreignProject = await t.api().post('/v1/agents').set(other.auth).send(agentBody(owner));
  expect(foreignProject.status).toBe(403);
  const listForeign = await t.api().get('/v1/agents').query({ projectId: owner.projectId }).set(other.auth);
  expect(listForeign.status).toBe(403);

  expect((await t.api().get(`/v1/agents/${randomUUID()}`).set(owner.auth)).status).toBe(404);
  expect((await t.api().get('/v1/agents/not-a-uuid').set(owner.auth)).status).toBe(404);
  const unknownProject = await t
    .api()
    .post('/v1/agents')
    .set(owner.auth)
    .send(agentBody(owner, { projectIds: ['nope'] }));
  expect(unknownProject.status).toBe(404);
  expect((await t.api().get(`/v1/agents/${agent.id}`)).status).toBe(401);
});

test('validation: 422 VALIDATION_FAILED naming each bad path; PHONE_NOT_ALLOWED for a premium number', async () => {
  const tenant = await createTenant(t.prisma);
  const bad = await t
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send({ projectIds: [], kind: 'INTERN', callEnabled: 'yes', answerMode: 'PHONE', acdIdentifier: '12a', extra: 1 });
  expect(bad.status).toBe(422);
  expect(bad.body.error.code).toBe('VALIDATION_FAILED');
  expect(bad.body.error.details.map((d: { path: string }) => d.path).sort()).toEqual(
    ['acdIdentifier', 'callEnabled', 'extra', 'kind', 'name', 'projectIds'].sort(),
  );

  const noNumber = await t
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { phoneNumber: undefined }));
  expect(noNumber.status).toBe(422);
  expect(noNumber.body.error.details).toEqual([{ path: 'phoneNumber', message: expect.stringContaining('required') }]);
  // Asked at each login instead: no number needed now.
  expect(
    (
      await t
        .api()
        .post('/v1/agents')
        .set(tenant.auth)
        .send(agentBody(tenant, { phoneNumber: undefined, askNumberAtLogin: true }))
    ).status,
  ).toBe(201);

  const premium = await t
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { phoneNumber: '+33899234567' }));
  expect(premium.status).toBe(422);
  expect(premium.body.error).toMatchObject({ code: 'PHONE_NOT_ALLOWED', details: [{ path: 'phoneNumber' }] });

  await postAgent(tenant, { acdIdentifier: '4711' });
  const duplicate = await t
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { acdIdentifier: '4711' }));
  expect(duplicate.status).toBe(422);
  expect(duplicate.body.error.details).toEqual([{ path: 'acdIdentifier', message: expect.any(String) }]);
});

test('S42: desk answering is refused on a project in ACD mode, on create and on patch', async () => {
  const tenant = await createTenant(t.prisma);
  const phoneAgent = await postAgent(tenant);
  await saveSettings(t.prisma, tenant.projectId, {
    distribution: { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: 5, identificationAttempts: 3 },
  });

  const desk = await t
    .api()
    .post('/v1/agents')
    .set(tenant.auth)
    .send(agentBody(tenant, { answerMode: 'DESK', phoneNumber: undefined }));
  expect(desk.status).toBe(422);
  expect(desk.body.error.details).toEqual([{ path: 'answerMode', message: expect.stringContaining('ACD') }]);
  const patched = await t.api().patch(`/v1/agents/${phoneAgent.id}`).set(tenant.auth).send({ answerMode: 'DESK' });
  expect(patched.status).toBe(422);
  expect(patched.body.error.details[0].path).toBe('answerMode');
  expect(
    (
      await t
        .api()
        .post('/v1/agents')
        .set(tenant.auth)
        .send(agentBody(tenant, { acdIdentifier: '12' }))
    ).status,
  ).toBe(201);
});

test('S43: login without a number is 422 when asked; with one (national format) the agent is AVAILABLE there', async () => {
  const tenant = await createTenant(t.prisma);
  const agent = await postAgent(tenant, { phoneNumber: undefined, askNumberAtLogin: true });
  const refused = await t.api().post(`/v1/agents/${agent.id}/login`).set(tenant.auth).send({});
  expect(refused.status).toBe(422);
  expect(refused.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ path: 'phoneNumber' }] });
  const premium = await t
    .api()
    .post(`/v1/agents/${agent.id}/login`)
    .set(tenant.auth)
    .send({ phoneNumber: '+33899234567' });
  expect(premium.status).toBe(422);
  expect(premium.body.error.code).toBe('PHONE_NOT_ALLOWED');

  const login = await t
    .api()
    .post(`/v1/agents/${agent.id}/login`)
    .set(tenant.auth)
    .send({ phoneNumber: '06 98 76 54 34' });
  expect(login.status).toBe(200);
  expect(login.body).toMatchObject({ state: 'AVAILABLE', loginNumber: '+33698765434' });
  const presence = await t.api().get(`/v1/agents/${agent.id}/presence`).set(tenant.auth);
  expect(presence.body).toEqual({
    state: 'AVAILABLE',
    since: login.body.since,
    inChat: false,
    loginNumber: '+33698765434',
    busyForChat: false,
  });
  const out = await t.api().post(`/v1/agents/${agent.id}/logout`).set(tenant.auth);
  expect(out.body.state).toBe('LOGGED_OUT');
});

test('S44/S46: status and chats through the API, read back from the presence read model', async () => {
  const tenant = await createTenant(t.prisma);
  const agent = await postAgent(tenant);
  const path = `/v1/agents/${agent.id}`;
  expect((await t.api().put(`${path}/status`).set(tenant.auth).send({ status: 'AVAILABLE' })).status).toBe(409);
  await t.api().post(`${path}/login`).set(tenant.auth).expect(200);
  const badStatus = await t.api().put(`${path}/status`).set(tenant.auth).send({ status: 'AWAY' });
  expect(badStatus.status).toBe(422);
  expect(badStatus.body.error.details[0].path).toBe('status');

  expect((await t.api().put(`${path}/status`).set(tenant.auth).send({ status: 'UNAVAILABLE' })).body.state).toBe(
    'UNAVAILABLE',
  );
  expect((await t.api().get(`${path}/presence`).set(tenant.auth)).body.state).toBe('UNAVAILABLE');
  await t.api().put(`${path}/status`).set(tenant.auth).send({ status: 'AVAILABLE' }).expect(200);

  expect((await t.api().post(`${path}/chats/start`).set(tenant.auth)).body).toMatchObject({ inChat: true });
  expect((await t.api().get(`${path}/presence`).set(tenant.auth)).body).toMatchObject({
    state: 'AVAILABLE',
    inChat: true,
  });
  expect(await agents().reserve(agent.id, { callbackId: randomUUID() })).toEqual({ ok: false, reason: 'IN_CHAT' });
  await t.api().post(`${path}/chats/end`).set(tenant.auth).expect(200);

  // On a call, the chat side is told the agent is busy (S46).
  const callbackId = randomUUID();
  expect(await agents().reserve(agent.id, { callbackId })).toMatchObject({ ok: true });
  expect((await t.api().get(`${path}/presence`).set(tenant.auth)).body).toMatchObject({
    state: 'RESERVED',
    callbackId,
    busyForChat: true,
  });
  const chat = await t.api().post(`${path}/chats/start`).set(tenant.auth);
  expect(chat.status).toBe(409);
  expect(chat.body.error.code).toBe('INVALID_STATE');
});

test('accept when not reserved for that callback is 409 INVALID_STATE', async () => {
  const tenant = await createTenant(t.prisma);
  const agent = await postAgent(tenant, { kind: 'EXPERT' });
  const callback = await createCallbackRow(t.prisma, tenant.projectId, { dueAt: new Date() });
  await t.api().post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);
  const res = await t.api().post(`/v1/agents/${agent.id}/calls/${callback.id}/accept`).set(tenant.auth);
  expect(res.status).toBe(409);
  expect(res.body).toEqual({ error: { code: 'INVALID_STATE', message: expect.stringContaining('not reserved') } });
});

test("accept of a callback the account does not have (unknown, another account's, not a UUID) is 404", async () => {
  const tenant = await createTenant(t.prisma);
  const other = await createTenant(t.prisma);
  const agent = await postAgent(tenant, { kind: 'EXPERT' });
  const foreign = await createCallbackRow(t.prisma, other.projectId, { dueAt: new Date() });
  await t.api().post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);
  for (const callbackId of [randomUUID(), foreign.id, 'xyz']) {
    const res = await t.api().post(`/v1/agents/${agent.id}/calls/${callbackId}/accept`).set(tenant.auth);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  }
});

test('an Idempotency-Key makes a repeated status change return the first answer', async () => {
  const tenant = await createTenant(t.prisma);
  const agent = await postAgent(tenant);
  await t.api().post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);
  const first = await t
    .api()
    .put(`/v1/agents/${agent.id}/status`)
    .set({ ...tenant.auth, 'Idempotency-Key': 'k1' })
    .send({ status: 'UNAVAILABLE' });
  await t.api().put(`/v1/agents/${agent.id}/status`).set(tenant.auth).send({ status: 'AVAILABLE' }).expect(200);
  const repeat = await t
    .api()
    .put(`/v1/agents/${agent.id}/status`)
    .set({ ...tenant.auth, 'Idempotency-Key': 'k1' })
    .send({ status: 'UNAVAILABLE' });
  expect(repeat.body).toEqual(first.body);
  expect((await t.api().get(`/v1/agents/${agent.id}/presence`).set(tenant.auth)).body.state).toBe('AVAILABLE');
});

test('GET /agents lists the account agents with answer mode and number, filtered by project and callEnabled', async () => {
  const tenant = await createTenant(t.prisma);
  const caller = await postAgent(tenant, { name: 'A caller' });
  await postAgent(tenant, { name: 'B chat only', callEnabled: false, answerMode: 'DESK', phoneNumber: undefined });
  await createTenant(t.prisma).then((other) => postAgent(other));
  const all = await t.api().get('/v1/agents').set(tenant.auth);
  expect(all.body.items.map((a: { name: string }) => a.name)).toEqual(['A caller', 'B chat only']);
  const callers = await t
    .api()
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
  const badFilter = await t.api().get('/v1/agents').query({ callEnabled: 'maybe' }).set(tenant.auth);
  expect(badFilter.status).toBe(422);
  expect(badFilter.body.error.details[0].path).toBe('query.callEnabled');
});

test('S45: the account switch off turns auto-answer off for its running agents; PATCH pushes agent settings', async () => {
  const tenant = await createTenant(t.prisma);
  const agent = await postAgent(tenant);
  await t.api().post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);

  const off = await t.api().put('/v1/accounts/me/auto-answer').set(tenant.auth).send({ enabled: false });
  expect(off.status).toBe(200);
  expect(off.body).toEqual({ enabled: false });
  expect((await t.api().get('/v1/accounts/me/auto-answer').set(tenant.auth)).body).toEqual({ enabled: false });
  expect((await t.api().get(`/v1/agents/${agent.id}`).set(tenant.auth)).body.autoAnswerEffective).toBe(false);
  const first = randomUUID();
  expect(await agents().reserve(agent.id, { callbackId: first })).toMatchObject({ ok: true, autoAnswer: false });
  await agents().callEnded(agent.id, { callbackId: first, talked: false });

  await t.api().put('/v1/accounts/me/auto-answer').set(tenant.auth).send({ enabled: true }).expect(200);
  const second = randomUUID();
  expect(await agents().reserve(agent.id, { callbackId: second })).toMatchObject({ ok: true, autoAnswer: true });
  await agents().callEnded(agent.id, { callbackId: second, talked: false });
  expect((await t.api().put('/v1/accounts/me/auto-answer').set(tenant.auth).send({ enabled: 'no' })).status).toBe(422);

  // PATCH: per-agent override, pushed to the workflow at once.
  const patched = await t
    .api()
    .patch(`/v1/agents/${agent.id}`)
    .set(tenant.auth)
    .send({ autoAnswer: false, priority: true });
  expect(patched.status).toBe(200);
  expect(patched.body).toMatchObject({ autoAnswer: false, autoAnswerEffective: false, priority: true });
  expect(await agents().reserve(agent.id, { callbackId: randomUUID() })).toMatchObject({ ok: true, autoAnswer: false });
});

describe('#14.1: deactivating and activating an agent', () => {
  const status = (agentId: string) =>
    t.env.client.workflow
      .getHandle(agentWorkflowId(agentId))
      .describe()
      .then((d) => d.status.name);

  /** An agent of its own tenant, logged in and AVAILABLE. */
  async function availableAgent(settings?: Parameters<typeof putSettings>[2]) {
    const tenant = await createTenant(t.prisma);
    if (settings) await putSettings(t.harness, tenant, settings);
    const agent = await postAgent(tenant);
    await t.api().post(`/v1/agents/${agent.id}/login`).set(tenant.auth).expect(200);
    return { tenant, agent, path: `/v1/agents/${agent.id}` };
  }

  test('deactivate logs the agent out, ends its workflow as DELETE does, and shows active: false', async () => {
    const { tenant, agent, path } = await availableAgent();
    expect((await t.api().get(path).set(tenant.auth)).body.active).toBe(true);

    const res = await t.api().post(`${path}/deactivate`).set(tenant.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: agent.id, active: false, presence: { state: 'LOGGED_OUT' } });
    expect(Date.parse(res.body.deactivatedAt)).not.toBeNaN();
    expect(await status(agent.id)).toBe('TERMINATED');
    const row = await t.prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } });
    expect(row).toMatchObject({ state: 'LOGGED_OUT', callbackId: null, loginNumber: null });

    // Repeating it changes nothing.
    const again = await t.api().post(`${path}/deactivate`).set(tenant.auth);
    expect(again.status).toBe(200);
    expect(again.body.deactivatedAt).toBe(res.body.deactivatedAt);
  });

  test('GET /agents?active= lists only active or only deactivated agents; both by default', async () => {
    const tenant = await createTenant(t.prisma);
    const kept = await postAgent(tenant, { name: 'A kept' });
    const gone = await postAgent(tenant, { name: 'B deactivated' });
    await t.api().post(`/v1/agents/${gone.id}/deactivate`).set(tenant.auth).expect(200);
    const list = async (query: Record<string, string>) => {
      const res = await t
        .api()
        .get('/v1/agents')
        .query({ projectId: tenant.projectId, ...query })
        .set(tenant.auth);
      expect(res.status).toBe(200);
      return (res.body.items as { id: string; active: boolean }[]).map((a) => [a.id, a.active]);
    };
    expect(await list({})).toEqual([
      [kept.id, true],
      [gone.id, false],
    ]);
    expect(await list({ active: 'true' })).toEqual([[kept.id, true]]);
    expect(await list({ active: 'false' })).toEqual([[gone.id, false]]);
    const bad = await t.api().get('/v1/agents').query({ active: 'maybe' }).set(tenant.auth);
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe('query.active');
  });

  test('a deactivated agent cannot log in or change its presence: 409 AGENT_INACTIVE, no workflow started', async () => {
    const { tenant, agent, path } = await availableAgent();
    await t.api().post(`${path}/deactivate`).set(tenant.auth).expect(200);
    for (const call of [
      t.api().post(`${path}/login`).send({}),
      t.api().post(`${path}/logout`),
      t.api().put(`${path}/status`).send({ status: 'AVAILABLE' }),
      t.api().post(`${path}/chats/start`),
      t.api().post(`${path}/chats/end`),
      t.api().post(`${path}/calls/${randomUUID()}/accept`),
    ]) {
      const res = await call.set(tenant.auth);
      expect(res.status).toBe(409);
      expect(res.body.error).toEqual({ code: 'AGENT_INACTIVE', message: expect.stringContaining(agent.id) });
    }
    expect(await status(agent.id)).toBe('TERMINATED');
  });

  test('S41: a deactivated agent is never reserved, and immediate availability by presence (S5) stops counting it', async () => {
    const { tenant, agent, path } = await availableAgent(
      dailySlotSettings(
        { start: '09:00', end: '10:00', capacity: 6 },
        { immediate: { enabled: true, availability: 'AGENT_PRESENCE' } },
      ),
    );
    expect((await availability(t.harness, tenant)).immediate.available).toBe(true);
    await t.api().post(`${path}/deactivate`).set(tenant.auth).expect(200);
    expect((await availability(t.harness, tenant)).immediate.available).toBe(false);
    // The assignment's reserve (its workflow is gone; none is started for a deactivated agent).
    await expect(agents().reserve(agent.id, { callbackId: randomUUID() })).rejects.toBeInstanceOf(AgentInactiveError);
    expect(await status(agent.id)).toBe('TERMINATED');
  });

  test('a reservation the agent holds is released: the read model no longer shows it held', async () => {
    const { tenant, agent, path } = await availableAgent();
    const callbackId = randomUUID();
    expect(await agents().reserve(agent.id, { callbackId })).toMatchObject({ ok: true });
    expect((await t.api().get(`${path}/presence`).set(tenant.auth)).body).toMatchObject({
      state: 'RESERVED',
      callbackId,
    });

    const res = await t.api().post(`${path}/deactivate`).set(tenant.auth);
    expect(res.status).toBe(200);
    expect(res.body.presence).toEqual({
      state: 'LOGGED_OUT',
      since: expect.any(String),
      inChat: false,
      busyForChat: false,
    });
    expect(await t.prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).toMatchObject({
      state: 'LOGGED_OUT',
      callbackId: null,
    });
    // Released inside the workflow before it ended: its last updates gave the call back, then logged out.
    const history = await t.env.client.workflow.getHandle(agentWorkflowId(agent.id)).fetchHistory();
    const updates = history
      .events!.filter((e) => e.workflowExecutionUpdateAcceptedEventAttributes)
      .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes!.acceptedRequest!.input!.name);
    expect(updates.slice(-2)).toEqual(['callEnded', 'logout']);
    expect(await status(agent.id)).toBe('TERMINATED');
  });

  test('deactivation is refused while the agent is on a call (409 INVALID_STATE): the call is never cut', async () => {
    const { tenant, agent, path } = await availableAgent();
    const callbackId = randomUUID();
    await agents().reserve(agent.id, { callbackId });
    await agents().callStarted(agent.id, { callbackId });
    const res = await t.api().post(`${path}/deactivate`).set(tenant.auth);
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('INVALID_STATE');
    expect((await t.api().get(path).set(tenant.auth)).body).toMatchObject({
      active: true,
      presence: { state: 'ON_CALL' },
    });
    expect(await status(agent.id)).toBe('RUNNING');
  });

  test('activate brings the agent back: its workflow runs again and it can log in', async () => {
    const { tenant, agent, path } = await availableAgent();
    await t.api().post(`${path}/deactivate`).set(tenant.auth).expect(200);
    const res = await t.api().post(`${path}/activate`).set(tenant.auth);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: agent.id, active: true, presence: { state: 'LOGGED_OUT' } });
    expect(res.body).not.toHaveProperty('deactivatedAt');
    expect(await status(agent.id)).toBe('RUNNING');
    const login = await t.api().post(`${path}/login`).set(tenant.auth).send({});
    expect(login.status).toBe(200);
    expect(login.body.state).toBe('AVAILABLE');
    // Repeating it changes nothing.
    expect((await t.api().post(`${path}/activate`).set(tenant.auth)).body).toMatchObject({ active: true });
    expect((await t.api().get(`${path}/presence`).set(tenant.auth)).body.state).toBe('AVAILABLE');
  });

  test('tenancy: another account gets 403 on deactivate and activate; unknown agents are 404', async () => {
    const { agent, path } = await availableAgent();
    const other = await createTenant(t.prisma);
    for (const action of ['deactivate', 'activate']) {
      const res = await t.api().post(`${path}/${action}`).set(other.auth);
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('FORBIDDEN');
      const missing = await t.api().post(`/v1/agents/${randomUUID()}/${action}`).set(other.auth);
      expect(missing.status).toBe(404);
    }
    expect(await status(agent.id)).toBe('RUNNING');
  });
});
