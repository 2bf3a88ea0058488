// Found by the black-box API-client checks against `npm start` (engineer bb): requests a client
// really sends that the in-repo tests did not cover. S59: bad input is a clear 4xx in API.md's
// format ("400 INVALID_REQUEST: malformed JSON, wrong content type"), never a misleading 422.
import { randomUUID } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/infra/prisma';
import { createTenant, putSettings, startApi, dailySlotSettings, type ApiHarness, type Tenant } from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let prisma: Db;
let harness: ApiHarness;
let tenant: Tenant;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  harness = await startApi({ prisma, temporal: env.client, taskQueue: `q-${randomUUID()}` });
  tenant = await createTenant(prisma);
  await putSettings(harness, tenant, dailySlotSettings({ start: '09:00', end: '10:00', capacity: 2 }));
});

afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

/** A request whose body is sent chunked (no Content-Length), as streaming clients do. */
function chunked(method: string, path: string, headers: Record<string, string>, body: string) {
  return new Promise<{ status: number; body: { error?: { code: string } } }>((resolve, reject) => {
    const req = httpRequest(`${harness.base}${path}`, { method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text || '{}') as never }));
    });
    req.on('error', reject);
    req.write(body.slice(0, 10));
    req.end(body.slice(10));
  });
}

const booking = () => JSON.stringify({ projectId: tenant.projectId, phone: '0612345678', mode: 'immediate' });

test('a chunked body that is not JSON is 400 INVALID_REQUEST, not 422 (S59)', async () => {
  const res = await chunked('POST', '/v1/callbacks', { ...tenant.auth, 'Content-Type': 'text/plain' }, booking());
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('INVALID_REQUEST');
});

test('a chunked body without any Content-Type is 400 INVALID_REQUEST', async () => {
  const res = await chunked('POST', '/v1/callbacks', { ...tenant.auth }, booking());
  expect(res.status).toBe(400);
  expect(res.body.error?.code).toBe('INVALID_REQUEST');
});

test('a chunked JSON body is read as JSON (it reaches validation)', async () => {
  const res = await chunked(
    'POST',
    '/v1/callbacks',
    { ...tenant.auth, 'Content-Type': 'application/json' },
    JSON.stringify({ projectId: tenant.projectId }),
  );
  expect(res.status).toBe(422);
  expect(res.body.error?.code).toBe('VALIDATION_FAILED');
});

test('PATCH call-settings takes RFC 7396 application/merge-patch+json', async () => {
  const res = await harness
    .api()
    .patch(`/v1/projects/${tenant.projectId}/call-settings`)
    .set(tenant.auth)
    .set('Content-Type', 'application/merge-patch+json')
    .send(JSON.stringify({ talkTimeSeconds: 7 }));
  expect(res.status).toBe(200);
  expect(res.body.talkTimeSeconds).toBe(7);
});

test("the visitor link's JSON routes refuse a body that is not JSON with 400 INVALID_REQUEST", async () => {
  const res = await harness
    .api()
    .post('/visit/not-a-token/api/rebook')
    .set('Content-Type', 'text/plain')
    .send('slotStart=2026-12-01T09:00:00+01:00');
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('INVALID_REQUEST');
});

test("the desk's JSON routes refuse a body that is not JSON with 400 INVALID_REQUEST", async () => {
  const res = await harness.api().post('/desk/api/session').set('Content-Type', 'text/plain').send('token=at_x');
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('INVALID_REQUEST');
});

describe('POST /v1/api-keys names the bad field (was `{ path: "", message: "Invalid input" }`)', () => {
  test.each([
    [{}, 'name'],
    [{ name: 'x', kind: 'public' }, 'kind'],
    [{ name: 'x', kind: 'publishable' }, 'projectId'],
    [{ name: 'x', projectId: 'demo' }, 'projectId'],
  ])('%j → 422 on %s', async (body, path) => {
    const res = await harness.api().post('/v1/api-keys').set(tenant.auth).send(body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
  });

  test('valid bodies still create both kinds', async () => {
    const secret = await harness.api().post('/v1/api-keys').set(tenant.auth).send({ name: 'bb secret' });
    expect(secret.status).toBe(201);
    expect(secret.body.kind).toBe('secret');
    const publishable = await harness
      .api()
      .post('/v1/api-keys')
      .set(tenant.auth)
      .send({ name: 'bb pub', kind: 'publishable', projectId: tenant.projectId });
    expect(publishable.status).toBe(201);
    expect(publishable.body).toMatchObject({ kind: 'publishable', projectId: tenant.projectId });
  });
});

test('POST /v1/openapi.json (no key) is 405 with Allow, not 401: the document is public', async () => {
  const res = await harness.api().post('/v1/openapi.json').send({});
  expect(res.status).toBe(405);
  expect(res.headers.allow).toContain('GET');
  expect(res.body.error.code).toBe('METHOD_NOT_ALLOWED');
  expect((await harness.api().get('/v1/openapi.json')).status).toBe(200);
});
