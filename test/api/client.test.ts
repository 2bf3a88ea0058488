// The typed client (api/client: openapi-fetch over types generated from the OpenAPI document)
// compiles against the document and works against the running API; the checked-in types are
// what `npm run client:generate` makes today.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { createCallbackClient, type components } from '../../api/client';
import { useApi } from '../helpers/use-api';

// None of these routes reaches a workflow.
const t = useApi({ temporal: 'none', tenant: true });

test('the checked-in client types are those the document generates (npm run client:generate)', () => {
  // In a child process: openapi-typescript is an ES module jest does not load.
  const root = path.join(__dirname, '..', '..');
  const out = execFileSync(process.execPath, ['--import', 'tsx', 'scripts/generate-client.ts', '--check'], {
    cwd: root,
    encoding: 'utf8',
  });
  expect(out).toContain('client types up to date');
});

test('settings read, patched with If-Match and refused when stale, through the typed client', async () => {
  const api = createCallbackClient({ baseUrl: t.base, apiKey: t.tenant.apiKey });
  const path = { projectId: t.tenant.projectId };
  const read = await api.GET('/v1/projects/{projectId}/call-settings', { params: { path } });
  expect(read.response.status).toBe(200);
  const settings: components['schemas']['CallSettings'] | undefined = read.data;
  const etag = read.response.headers.get('etag')!;

  const patched = await api.PATCH('/v1/projects/{projectId}/call-settings', {
    params: { path, header: { 'If-Match': etag } },
    body: { ringTimeoutSeconds: 12 },
  });
  expect(patched.data?.ringTimeoutSeconds).toBe(12);
  expect(patched.data?.timezone).toBe(settings?.timezone);

  const stale = await api.PATCH('/v1/projects/{projectId}/call-settings', {
    params: { path, header: { 'If-Match': etag } },
    body: { ringTimeoutSeconds: 13 },
  });
  expect(stale.response.status).toBe(412);
  expect(stale.error?.error.code).toBe('PRECONDITION_FAILED');
});

test('availability, the agent list and the keys answer typed bodies; a wrong key is a typed 401', async () => {
  const api = createCallbackClient({ baseUrl: t.base, apiKey: t.tenant.apiKey });
  const availability = await api.GET('/v1/projects/{projectId}/availability', {
    params: { path: { projectId: t.tenant.projectId } },
  });
  expect(availability.data?.immediate.available).toEqual(expect.any(Boolean));
  const agents = await api.GET('/v1/agents', { params: { query: { projectId: t.tenant.projectId, limit: 10 } } });
  expect(agents.data?.items).toEqual([]);
  const created = await api.POST('/v1/api-keys', { body: { name: 'from the typed client' } });
  expect(created.response.status).toBe(201);
  expect(created.data?.key).toMatch(/^sk_/);

  const anonymous = createCallbackClient({ baseUrl: t.base, apiKey: 'wrong' });
  const refused = await anonymous.GET('/v1/agents', { params: { query: {} } });
  expect(refused.response.status).toBe(401);
  expect(refused.error?.error.code).toBe('UNAUTHENTICATED');
});
