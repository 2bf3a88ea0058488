// GET /healthz (no auth) checks the database and Temporal; /v1 needs an API key (API.md).
import { createApp } from '../../api/app';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createPrisma } from '../../src/infra/prisma';
import request from 'supertest';
import { useApi } from '../helpers/use-api';

// A reachable Temporal server, so /healthz can say 'ok' for it.
const t = useApi({ temporal: 'time-skipping' });

test('healthz answers 200 when the database and Temporal are reachable', async () => {
  const res = await t.api().get('/healthz').expect(200);
  expect(res.body).toEqual({ status: 'ok', database: 'ok', temporal: 'ok' });
});

test('healthz answers 503 naming the database when it is unreachable', async () => {
  // An app of its own on a database nobody listens for (useApi's apps share the run's database).
  const broken = createPrisma('postgresql://nobody:nothing@127.0.0.1:1/none', 1);
  const app = createApp({
    prisma: broken,
    temporal: t.temporal,
    config: loadConfig({}),
    logger: createLogger({ level: 'silent' }),
  });
  const res = await request(app).get('/healthz').expect(503);
  expect(res.body).toMatchObject({ status: 'unavailable', database: 'unreachable', temporal: 'ok' });
  await broken.$disconnect();
});

test('v1 routes without a valid API key get 401 UNAUTHENTICATED in the API.md format', async () => {
  const missing = await t.api().get('/v1/projects/demo/call-settings').expect(401);
  expect(missing.body.error.code).toBe('UNAUTHENTICATED');
  const wrong = await t.api().get('/v1/projects/demo/call-settings').set('Authorization', 'Bearer nope').expect(401);
  expect(wrong.body.error).toMatchObject({ code: 'UNAUTHENTICATED', message: expect.any(String) });
});

test('unknown routes answer 404 NOT_FOUND', async () => {
  const res = await t.api().get('/nope').expect(404);
  expect(res.body.error.code).toBe('NOT_FOUND');
});

test('S60: /metrics serves Prometheus text with callbacks by status and agents by presence', async () => {
  const res = await t.api().get('/metrics').expect(200);
  expect(res.headers['content-type']).toMatch(/text\/plain/);
  expect(res.text).toContain('# TYPE callbacks_by_status gauge');
  expect(res.text).toContain('# TYPE callbacks_agents_by_presence gauge');
  expect(res.text).toContain('# TYPE callbacks_booking_duration_seconds histogram');
});
