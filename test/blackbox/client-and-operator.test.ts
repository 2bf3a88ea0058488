// Found by the black-box checks of 2026-11-27 against `npm start` with every port moved (engineer
// bb): what an API client, an operator and a browser saw that the in-repo tests did not cover.
import { randomUUID } from 'node:crypto';
import { PUBLISHABLE_SCOPES } from '../../api/auth';
import { useApi } from '../helpers/use-api';

// No route reached here talks to Temporal.
const t = useApi({ temporal: 'none', tenant: true });

test('a 401 names the scheme it wants: WWW-Authenticate: Bearer (RFC 9110 §11.6.1, RFC 6750 §3)', async () => {
  const missing = await t.api().get(`/v1/projects/${t.tenant.projectId}/call-settings`).expect(401);
  expect(missing.headers['www-authenticate']).toMatch(/^Bearer\b/);
  expect(missing.body.error.code).toBe('UNAUTHENTICATED');
  const wrong = await t
    .api()
    .post('/v1/callbacks')
    .set('Authorization', 'Bearer not-a-key')
    .send({ projectId: t.tenant.projectId, phone: '0612345678', mode: 'immediate' })
    .expect(401);
  expect(wrong.headers['www-authenticate']).toMatch(/^Bearer\b/);
  // Other statuses carry no challenge.
  const forbidden = await t.api().get('/v1/projects/nope/call-settings').set(t.tenant.auth);
  expect(forbidden.status).toBe(404);
  expect(forbidden.headers['www-authenticate']).toBeUndefined();
});

test('the web pages carry their own icon: a browser does not ask for /favicon.ico and log a 404', async () => {
  for (const path of ['/demo', '/demo?lang=en', '/desk', `/visit/${randomUUID()}.x.y`]) {
    const page = await t.api().get(path).expect(200);
    expect(page.text).toMatch(/<link rel="icon" href="data:image\/svg\+xml,[^"]+">/);
  }
  // Swagger UI at /docs: its own icon, served beside its assets.
  const docs = await t.api().get('/docs').expect(200);
  const icon = /<link rel="icon" type="image\/png" href="([^"]+)">/.exec(docs.text)?.[1];
  expect(icon).toBeDefined();
  const png = await t.api().get(icon!).expect(200);
  expect(png.headers['content-type']).toBe('image/png');
});

test('S23 list: to not after from is 422 on query.to, as for availability (was 200 with an empty list)', async () => {
  const base = `/v1/projects/${t.tenant.projectId}/callbacks`;
  for (const query of [
    'from=2026-12-01T00:00:00Z&to=2026-11-01T00:00:00Z',
    'from=2026-12-01T00:00:00Z&to=2026-12-01T01:00:00%2B01:00',
  ]) {
    const res = await t.api().get(`${base}?${query}`).set(t.tenant.auth).expect(422);
    expect(res.body.error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: [{ path: 'query.to', message: 'must be after from' }],
    });
  }
  await t.api().get(`${base}?from=2026-11-01T00:00:00Z&to=2026-12-01T00:00:00Z`).set(t.tenant.auth).expect(200);
});

test('S60 /metrics: an attempt that ended without an outcome (cancelled mid-call) is NONE, not IN_PROGRESS', async () => {
  const callback = await t.prisma.callback.create({
    data: {
      projectId: t.tenant.projectId,
      mode: 'IMMEDIATE',
      status: 'CANCELLED',
      phone: '+33612345678',
      dueAt: new Date(),
      endedAt: new Date(),
    },
  });
  await t.prisma.attempt.create({
    data: { callbackId: callback.id, number: 1, startedAt: new Date(), endedAt: new Date(), outcome: null },
  });
  const inProgress = await t.prisma.attempt.count({ where: { endedAt: null } });
  const text = (await t.api().get('/metrics').expect(200)).text;
  const value = (outcome: string) => {
    const line = text.split('\n').find((l) => l.startsWith(`callbacks_attempts_by_outcome{outcome="${outcome}"} `));
    return line ? Number(line.split(' ')[1]) : 0;
  };
  expect(value('NONE')).toBeGreaterThanOrEqual(1);
  expect(value('IN_PROGRESS')).toBe(inProgress);
});

test('GET /v1/openapi.json documents the web surfaces API.md lists; another method on them is 405', async () => {
  const doc = (await t.api().get('/v1/openapi.json').expect(200)).body as { paths: Record<string, object> };
  for (const path of ['/widget.js', '/demo', '/desk', '/visit/{token}', '/docs']) {
    expect(doc.paths[path]).toHaveProperty('get');
  }
  for (const path of ['/widget.js', '/demo', '/desk', '/visit/abc']) {
    const res = await t.api().post(path).send({});
    expect(res.status).toBe(405);
    expect(res.headers.allow).toBe('GET, HEAD');
  }
});

test('S40 PATCH call-settings: distribution goes to ACD and back to AGENTS (a change of mode replaces the object)', async () => {
  const url = `/v1/projects/${t.tenant.projectId}/call-settings`;
  const acd = { mode: 'ACD', number: '+33612345678', welcomeMessageSeconds: 7, identificationAttempts: 2 };
  const toAcd = await t.api().patch(url).set(t.tenant.auth).send({ distribution: acd }).expect(200);
  expect(toAcd.body.distribution).toEqual(acd);
  // Same mode: still a merge, the other fields are kept.
  const merged = await t
    .api()
    .patch(url)
    .set(t.tenant.auth)
    .send({ distribution: { mode: 'ACD', number: '+33612345679' } })
    .expect(200);
  expect(merged.body.distribution).toEqual({ ...acd, number: '+33612345679' });
  // Was 422 "distribution.number: unknown field": PATCH could never leave ACD.
  const back = await t
    .api()
    .patch(url)
    .set(t.tenant.auth)
    .send({ distribution: { mode: 'AGENTS' } })
    .expect(200);
  expect(back.body.distribution).toEqual({ mode: 'AGENTS' });
  expect((await t.api().get(url).set(t.tenant.auth).expect(200)).body.distribution).toEqual({ mode: 'AGENTS' });
});

test('API keys show their scopes (API.md "Keys": a name, scopes, revocation), the ones the API enforces', async () => {
  const created = await t
    .api()
    .post('/v1/api-keys')
    .set(t.tenant.auth)
    .send({ name: 'widget', kind: 'publishable', projectId: t.tenant.projectId })
    .expect(201);
  const enforced = [...new Set(PUBLISHABLE_SCOPES.map((s) => s.scope))].sort();
  expect([...created.body.scopes].sort()).toEqual(enforced);
  const listed = await t.api().get('/v1/api-keys').set(t.tenant.auth).expect(200);
  const byKind = (kind: string) =>
    (listed.body.items as { kind: string; scopes: string[] }[]).filter((k) => k.kind === kind);
  expect(byKind('secret').length).toBeGreaterThan(0);
  for (const key of byKind('secret')) expect(key.scopes).toEqual(['*']);
  for (const key of byKind('publishable')) expect([...key.scopes].sort()).toEqual(enforced);
  // What the 403 names is not among a publishable key's scopes.
  const refused = await t
    .api()
    .get(`/v1/projects/${t.tenant.projectId}/call-settings`)
    .set('Authorization', `Bearer ${created.body.key as string}`)
    .expect(403);
  expect(refused.body.error.message).toContain('projects:read');
  expect(created.body.scopes).not.toContain('projects:read');
});
