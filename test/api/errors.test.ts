// S59: bad input on the issue #3 routes gets a clear 4xx in API.md's error format, never a 5xx.
import { JSON_BODY_LIMIT } from '../../api/app';
import { useApi } from '../helpers/use-api';

// Every answer here is refused before a workflow could start: no Temporal server.
const t = useApi({ temporal: 'none', tenant: true });

const WRITES = [
  ['POST', '/v1/callbacks'],
  ['PUT', '/v1/projects/{p}/call-settings'],
] as const;

function send(method: 'POST' | 'PUT', path: string) {
  const url = path.replace('{p}', t.tenant.projectId);
  return method === 'POST' ? t.harness.api().post(url) : t.harness.api().put(url);
}

test.each(WRITES)('%s %s: malformed JSON is 400 INVALID_REQUEST', async (method, path) => {
  const res = await send(method, path).set(t.tenant.auth).set('Content-Type', 'application/json').send('{"phone": ');
  expect(res.status).toBe(400);
  expect(res.body).toEqual({ error: { code: 'INVALID_REQUEST', message: expect.any(String) } });
});

test.each(WRITES)('%s %s: a body that is not JSON is 400 INVALID_REQUEST', async (method, path) => {
  const res = await send(method, path).set(t.tenant.auth).set('Content-Type', 'text/plain').send('phone=0612345678');
  expect(res.status).toBe(400);
  expect(res.body.error.code).toBe('INVALID_REQUEST');
});

test.each(WRITES)(`%s %s: a body over ${JSON_BODY_LIMIT} is 413 PAYLOAD_TOO_LARGE`, async (method, path) => {
  const res = await send(method, path)
    .set(t.tenant.auth)
    .send({ projectId: t.tenant.projectId, padding: 'x'.repeat(40_000) });
  expect(res.status).toBe(413);
  expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
});

test.each(WRITES)('%s %s: a JSON body that is not an object is 422 VALIDATION_FAILED', async (method, path) => {
  const res = await send(method, path).set(t.tenant.auth).send([1, 2]);
  expect(res.status).toBe(422);
  expect(res.body.error.code).toBe('VALIDATION_FAILED');
});

test.each([
  ['POST', '/v1/callbacks'],
  ['GET', '/v1/callbacks/00000000-0000-0000-0000-000000000000'],
  ['POST', '/v1/callbacks/00000000-0000-0000-0000-000000000000/cancel'],
  ['GET', '/v1/projects/p/callbacks'],
  ['GET', '/v1/projects/p/availability'],
  ['GET', '/v1/projects/p/call-settings'],
  ['PUT', '/v1/projects/p/call-settings'],
])('%s %s without an API key is 401 UNAUTHENTICATED', async (method, path) => {
  const res = await t.harness.api()[method === 'GET' ? 'get' : method === 'PUT' ? 'put' : 'post'](path).send({});
  expect(res.status).toBe(401);
  expect(res.body.error.code).toBe('UNAUTHENTICATED');
});

test("booking into another account's project is 403 FORBIDDEN; into an unknown one 404", async () => {
  const other = await t.newTenant();
  const body = { phone: '0612345678', mode: 'immediate' };
  const forbidden = await t.harness
    .api()
    .post('/v1/callbacks')
    .set(t.tenant.auth)
    .send({ ...body, projectId: other.projectId });
  expect(forbidden.status).toBe(403);
  expect(forbidden.body.error.code).toBe('FORBIDDEN');
  const missing = await t.harness
    .api()
    .post('/v1/callbacks')
    .set(t.tenant.auth)
    .send({ ...body, projectId: 'no-such-project' });
  expect(missing.status).toBe(404);
  expect(missing.body.error.code).toBe('NOT_FOUND');
});
