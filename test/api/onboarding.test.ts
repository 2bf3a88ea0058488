// #14 onboarding: accounts, projects and keys made with the admin CLI (`npm run admin`, run
// in-process), keys through the API, agent deletion. A second account made through the CLI
// can neither see nor change anything of the first on any route of the OpenAPI document;
// a revoked key is refused by the very next request.
import { randomUUID } from 'node:crypto';
import { openApiDocument } from '../../api/openapi';
import { runAdmin } from '../../scripts/admin';
import { ensureAgentWorkflow } from '../../src/agents/agent-workflow-client';
import { agentWorkflowId } from '../../workflows/agent-types';
import { createAgent } from '../helpers/agents';
import { createCallbackRow } from '../helpers/db';
import { useApi } from '../helpers/use-api';

// No worker: agent workflows are only started and terminated here.
const t = useApi({ temporal: 'time-skipping' });

/** `npm run admin -- …args --json`, in-process; returns the printed JSON. */
async function admin<T = Record<string, string>>(...args: string[]): Promise<T> {
  let printed: unknown;
  await runAdmin([...args, '--json'], {
    prisma: t.prisma,
    temporal: async () => t.env.client,
    out: (value) => {
      printed = value;
    },
  });
  return printed as T;
}

interface Customer {
  accountId: string;
  projectId: string;
  key: string;
  keyId: string;
  auth: { Authorization: string };
}

async function onboard(name: string): Promise<Customer> {
  const { id: accountId } = await admin('accounts', 'create', '--name', name);
  const projectId = `p-${randomUUID()}`;
  await admin('projects', 'create', '--account', accountId!, '--id', projectId, '--name', `${name} shop`);
  const created = await admin('keys', 'create', '--account', accountId!, '--name', 'backend');
  return {
    accountId: accountId!,
    projectId,
    key: created.key!,
    keyId: created.id!,
    auth: { Authorization: `Bearer ${created.key}` },
  };
}

test('the CLI onboards an account: project with default settings, a key shown once and stored hashed', async () => {
  const customer = await onboard('Acme');
  expect(customer.key).toMatch(/^sk_[A-Za-z0-9_-]{43}$/);
  const row = await t.prisma.apiKey.findUniqueOrThrow({ where: { id: customer.keyId } });
  expect(row).toMatchObject({ kind: 'secret', label: 'backend', prefix: customer.key.slice(0, 12) });
  expect(row.hash).not.toContain(customer.key);
  const settings = await t.harness.api().get(`/v1/projects/${customer.projectId}/call-settings`).set(customer.auth);
  expect(settings.status).toBe(200);
  expect(settings.body.timezone).toBe('Europe/Paris');

  const listed = await admin<{ id: string; prefix: string; key?: string }[]>(
    'keys',
    'list',
    '--account',
    customer.accountId,
  );
  expect(listed).toEqual([expect.objectContaining({ id: customer.keyId, prefix: customer.key.slice(0, 12) })]);
  expect(listed[0]).not.toHaveProperty('key');
});

test('a publishable key needs a project of the account; keys through the API are listed without their secret', async () => {
  const customer = await onboard('Globex');
  await expect(
    admin('keys', 'create', '--account', customer.accountId, '--name', 'x', '--kind', 'publishable'),
  ).rejects.toThrow(/projectId/);
  const created = await t.harness
    .api()
    .post('/v1/api-keys')
    .set(customer.auth)
    .send({ name: 'widget', kind: 'publishable', projectId: customer.projectId });
  expect(created.status).toBe(201);
  expect(created.body).toMatchObject({
    kind: 'publishable',
    projectId: customer.projectId,
    key: expect.stringMatching(/^pk_/),
  });
  const list = await t.harness.api().get('/v1/api-keys').set(customer.auth);
  expect(list.body.items.map((k: { name: string }) => k.name).sort()).toEqual(['backend', 'widget']);
  expect(JSON.stringify(list.body)).not.toContain(created.body.key);
  // Publishable keys do not manage keys.
  const byPublishable = await t.harness
    .api()
    .get('/v1/api-keys')
    .set({ Authorization: `Bearer ${created.body.key}` });
  expect(byPublishable.status).toBe(403);
});

test('a revoked key is refused by the next request (CLI and API); last use is recorded', async () => {
  const customer = await onboard('Initech');
  const path = `/v1/projects/${customer.projectId}/call-settings`;
  expect((await t.harness.api().get(path).set(customer.auth)).status).toBe(200);
  // Recorded without delaying the request: wait for the write.
  let lastUsedAt: Date | null = null;
  for (let i = 0; i < 50 && !lastUsedAt; i += 1) {
    lastUsedAt = (await t.prisma.apiKey.findUniqueOrThrow({ where: { id: customer.keyId } })).lastUsedAt;
    if (!lastUsedAt) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  expect(lastUsedAt).toBeInstanceOf(Date);
  await admin('keys', 'revoke', '--id', customer.keyId);
  const refused = await t.harness.api().get(path).set(customer.auth);
  expect(refused.status).toBe(401);
  expect(refused.body.error.code).toBe('UNAUTHENTICATED');

  const second = await admin('keys', 'create', '--account', customer.accountId, '--name', 'second');
  const third = await t.harness
    .api()
    .post('/v1/api-keys')
    .set({ Authorization: `Bearer ${second.key}` })
    .send({ name: 'third' });
  expect(third.status).toBe(201);
  const revoked = await t.harness
    .api()
    .post(`/v1/api-keys/${third.body.id}/revoke`)
    .set({ Authorization: `Bearer ${second.key}` });
  expect(revoked.status).toBe(200);
  expect(revoked.body.revokedAt).toEqual(expect.any(String));
  expect(
    (
      await t.harness
        .api()
        .get(path)
        .set({ Authorization: `Bearer ${third.body.key}` })
    ).status,
  ).toBe(401);
});

test('an agent is deleted: its workflow terminated, its attempts kept without it; refused while on a call', async () => {
  const customer = await onboard('Umbrella');
  const agent = await createAgent(t.prisma, customer, { name: 'to delete' });
  await ensureAgentWorkflow({ temporal: t.env.client, prisma: t.prisma, taskQueue: t.taskQueue }, agent.id);
  const callback = await createCallbackRow(t.prisma, customer.projectId, { dueAt: new Date() });
  await t.prisma.attempt.create({
    data: { callbackId: callback.id, number: 1, startedAt: new Date(), agentId: agent.id },
  });

  await t.prisma.agentPresence.update({
    where: { agentId: agent.id },
    data: { state: 'ON_CALL', callbackId: callback.id },
  });
  const busy = await t.harness.api().delete(`/v1/agents/${agent.id}`).set(customer.auth);
  expect(busy.status).toBe(409);
  expect(busy.body.error.code).toBe('INVALID_STATE');

  await t.prisma.agentPresence.update({
    where: { agentId: agent.id },
    data: { state: 'LOGGED_OUT', callbackId: null },
  });
  expect((await t.harness.api().delete(`/v1/agents/${agent.id}`).set(customer.auth)).status).toBe(204);
  expect((await t.harness.api().get(`/v1/agents/${agent.id}`).set(customer.auth)).status).toBe(404);
  const description = await t.env.client.workflow.getHandle(agentWorkflowId(agent.id)).describe();
  expect(description.status.name).toBe('TERMINATED');
  const attempt = await t.prisma.attempt.findFirstOrThrow({ where: { callbackId: callback.id } });
  expect(attempt.agentId).toBeNull();
});

describe('tenancy: a second account made with the CLI, on every route of the document', () => {
  let first: Customer;
  let second: Customer;
  let ids: Record<string, string>;

  beforeAll(async () => {
    first = await onboard('First');
    second = await onboard('Second');
    const agent = await createAgent(t.prisma, first, { name: 'first agent', presence: null });
    const callback = await createCallbackRow(t.prisma, first.projectId, { dueAt: new Date(Date.now() + 3_600_000) });
    ids = { projectId: first.projectId, id: agent.id, callbackId: callback.id };
  });

  /** Each secret-key operation, its path filled with the first account's resources. */
  function operations() {
    const doc = openApiDocument();
    return Object.entries(doc.paths ?? {}).flatMap(([template, item]) =>
      Object.entries(item as Record<string, { security?: Record<string, unknown>[] }>)
        .filter(([, op]) => op.security?.some((s) => 'secretKey' in s))
        .map(([method, op]) => ({ method, template, op })),
    );
  }

  function pathFor(template: string): string {
    const resource = template.startsWith('/v1/callbacks/')
      ? ids['callbackId']!
      : template.startsWith('/v1/api-keys/')
        ? first.keyId
        : ids['id']!;
    return template
      .replace('{projectId}', ids['projectId']!)
      .replace('{callbackId}', ids['callbackId']!)
      .replace('{id}', resource);
  }

  const bodies: Record<string, unknown> = {
    'post /v1/callbacks': { projectId: 'PROJECT', phone: '+33612345678', mode: 'immediate' },
    'post /v1/agents': { projectIds: ['PROJECT'], name: 'x', kind: 'EMPLOYEE', callEnabled: true, answerMode: 'DESK' },
    'put /v1/agents/{id}/status': { status: 'AVAILABLE' },
    'patch /v1/agents/{id}': { name: 'taken over' },
    'patch /v1/projects/{projectId}/call-settings': { ringTimeoutSeconds: 7 },
    'put /v1/projects/{projectId}/call-settings': { ringTimeoutSeconds: 7 },
    'put /v1/accounts/me/auto-answer': { enabled: false },
    'post /v1/api-keys': { name: 'x' },
  };

  test('every route: 403/404 on the first account’s resources, lists and "me" show only the second’s own', async () => {
    const before = {
      settings: (await t.harness.api().get(`/v1/projects/${first.projectId}/call-settings`).set(first.auth)).body,
      agent: (await t.harness.api().get(`/v1/agents/${ids['id']}`).set(first.auth)).body,
      autoAnswer: (await t.harness.api().get('/v1/accounts/me/auto-answer').set(first.auth)).body,
    };
    const ops = operations();
    expect(ops.length).toBeGreaterThanOrEqual(25);
    const answers: string[] = [];
    for (const { method, template } of ops) {
      const path = pathFor(template);
      const key = `${method} ${template}`;
      const raw = bodies[key];
      const body =
        raw === undefined
          ? undefined
          : JSON.parse(JSON.stringify(raw).replace('"PROJECT"', JSON.stringify(first.projectId)));
      let req = t.harness.api()[method as 'get'](path).set(second.auth);
      if (template.endsWith('/hold-music'))
        req = req.set('Content-Type', 'audio/wav').send(Buffer.from('RIFF0000WAVEfmt '));
      else if (body !== undefined) req = req.send(body as object);
      const res = await req;
      answers.push(`${key} → ${res.status}`);
      const own = [
        'get /v1/agents',
        'get /v1/api-keys',
        'get /v1/accounts/me/auto-answer',
        'put /v1/accounts/me/auto-answer',
        'post /v1/api-keys',
      ];
      if (own.includes(key)) {
        expect([200, 201]).toContain(res.status);
        expect(JSON.stringify(res.body)).not.toContain(first.projectId);
        expect(JSON.stringify(res.body)).not.toContain(ids['id']);
        expect(JSON.stringify(res.body)).not.toContain(first.keyId);
      } else {
        expect({ key, denied: [403, 404].includes(res.status) }).toEqual({ key, denied: true });
      }
    }
    // Nothing of the first account changed.
    expect((await t.harness.api().get(`/v1/projects/${first.projectId}/call-settings`).set(first.auth)).body).toEqual(
      before.settings,
    );
    expect((await t.harness.api().get(`/v1/agents/${ids['id']}`).set(first.auth)).body).toEqual(before.agent);
    expect((await t.harness.api().get('/v1/accounts/me/auto-answer').set(first.auth)).body).toEqual(before.autoAnswer);
    expect((await t.prisma.callback.findUniqueOrThrow({ where: { id: ids['callbackId'] } })).status).toBe('SCHEDULED');
    expect((await t.prisma.apiKey.findUniqueOrThrow({ where: { id: first.keyId } })).revokedAt).toBeNull();
    expect(await t.prisma.holdMusic.findUnique({ where: { projectId: first.projectId } })).toBeNull();
    expect(answers.length).toBe(ops.length);
  });
});
