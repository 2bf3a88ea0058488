// #15.3 (S7): the short path of GET availability (api/short-path.ts) answers a read memory
// can answer entirely with exactly what the full stack answers, and leaves everything else
// (errors, CORS, windows, unknown or revoked keys, other tenants, other conditionals) to it.
// Two apps on the same PostgreSQL: one built as api/main.ts builds it (short path on), one
// with the same caches but no short path; a counting router mounted before /v1 tells which
// requests reached the full stack (the app's routers after the short path).
import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import request from 'supertest';
import { createApp } from '../../api/app';
import { createV1Routers } from '../../api/routes';
import { availabilityFromMemory } from '../../api/routes/availability';
import { loadConfig } from '../../src/config';
import { capturingLogger } from '../helpers/log-capture';
import { createAvailabilityCache } from '../../src/store/availability-cache';
import { loadAvailabilityInputs } from '../../src/store/call-settings';
import { startChangeFeed } from '../../src/store/change-feed';
import { createTenant, dailySlotSettings, serveAsMain, type Tenant } from '../helpers/api';
import { useApi } from '../helpers/use-api';

const MONDAY_NOON = new Date('2027-02-15T12:00:00+01:00');
const t = useApi({ temporal: 'time-skipping', clock: () => MONDAY_NOON });

interface TestApi {
  api: () => ReturnType<typeof request>;
  /** Requests that reached the /v1 routers (the full stack). */
  fullStack: () => number;
  logLines: string[];
}

const closers: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(closers.map((close) => close()));
});

async function startApi(shortPath: boolean): Promise<TestApi> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    TEMPORAL_TASK_QUEUE: t.taskQueue,
    LOG_LEVEL: 'silent',
  });
  const { logger, lines: logLines } = capturingLogger();
  const feed = startChangeFeed({ connectionString: process.env.DATABASE_URL! });
  const cache = createAvailabilityCache(
    (projectId, from, to) => loadAvailabilityInputs(t.prisma, projectId, from, to),
    feed,
    { maxAgeMs: 600_000 },
  );
  let reached = 0;
  const counter = Router();
  counter.use((req, _res, next) => {
    if (req.path.startsWith('/v1/')) reached++;
    next();
  });
  const app = createApp({
    prisma: t.prisma,
    temporal: t.temporal,
    config,
    logger,
    accessLog: true,
    apiKeyCache: { feed, maxAgeMs: 600_000 },
    ...(shortPath ? { availabilityFromMemory: availabilityFromMemory({ cache, clock: () => MONDAY_NOON }) } : {}),
    // Mounted after the short path, before /v1 and its key check.
    publicRouters: [counter],
    v1Routers: createV1Routers({
      prisma: t.prisma,
      temporal: t.temporal,
      config,
      logger,
      rateLimits: { perApiKeyPerMinute: 100_000, perPhonePerHour: 1_000, perIpPerHour: 100_000 },
      clock: () => MONDAY_NOON,
      availabilityCache: cache,
    }),
  });
  const { base, close } = await serveAsMain(app, feed);
  closers.push(close);
  return { api: () => request(base), fullStack: () => reached, logLines };
}

let short: TestApi;
let full: TestApi;
let tenant: Tenant;
const path = () => `/v1/projects/${tenant.projectId}/availability`;

beforeAll(async () => {
  short = await startApi(true);
  full = await startApi(false);
  tenant = await createTenant(t.prisma);
  const settings = dailySlotSettings({ start: '09:00', end: '11:00', capacity: 3 });
  expect(
    (await full.api().put(`/v1/projects/${tenant.projectId}/call-settings`).set(tenant.auth).send(settings)).status,
  ).toBe(200);
});

/** The headers a client can see, without those that differ per response. */
function visibleHeaders(res: request.Response): Record<string, unknown> {
  const { date: _date, 'x-request-id': _id, ...rest } = res.headers as Record<string, unknown>;
  return rest;
}

test('a repeated read is answered from memory without the full stack, with the same bytes and headers', async () => {
  const first = await short.api().get(path()).set(tenant.auth).set('X-Request-Id', 'req-short-1');
  expect(first.status).toBe(200);
  const reached = short.fullStack();
  const again = await short.api().get(path()).set(tenant.auth).set('X-Request-Id', 'req-short-2');
  expect(short.fullStack()).toBe(reached); // the short path answered
  const reference = await full.api().get(path()).set(tenant.auth);
  expect(reference.status).toBe(200);
  expect(again.status).toBe(200);
  expect(again.text).toBe(reference.text);
  expect(again.text).toBe(first.text);
  expect(visibleHeaders(again)).toEqual(visibleHeaders(reference));
  expect(again.headers['content-type']).toBe('application/json; charset=utf-8');
  expect(again.headers.etag).toMatch(/^W\/"/);
  expect(again.headers['x-request-id']).toBe('req-short-2');
  // A request id it cannot take is replaced, as the app's middleware does.
  const generated = await short.api().get(path()).set(tenant.auth).set('X-Request-Id', 'not ok!');
  expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  // One access-log line per read, with its id, masked url and status.
  const access = short.logLines
    .map(
      (line) => JSON.parse(line) as { req?: { id: string; url: string; method: string }; res?: { statusCode: number } },
    )
    .filter((entry) => entry.req?.id === 'req-short-2');
  expect(access).toEqual([
    expect.objectContaining({ req: { id: 'req-short-2', method: 'GET', url: path() }, res: { statusCode: 200 } }),
  ]);
});

test('the plain revalidation is a 304 from memory; anything else is decided by the full stack', async () => {
  const { etag } = (await short.api().get(path()).set(tenant.auth)).headers as { etag: string };
  const reached = short.fullStack();
  const notModified = await short.api().get(path()).set(tenant.auth).set('If-None-Match', etag);
  expect(notModified.status).toBe(304);
  expect(notModified.headers.etag).toBe(etag);
  expect(notModified.headers['content-type']).toBeUndefined();
  expect(notModified.text).toBe('');
  expect(short.fullStack()).toBe(reached);
  // A list of tags, another tag, or no-cache: the full stack answers, as express does.
  for (const [ifNoneMatch, cacheControl, status] of [
    [`W/"other", ${etag}`, undefined, 304],
    ['W/"other"', undefined, 200],
    [etag, 'no-cache', 200],
  ] as const) {
    let req = short.api().get(path()).set(tenant.auth).set('If-None-Match', ifNoneMatch);
    if (cacheControl) req = req.set('Cache-Control', cacheControl);
    const before = short.fullStack();
    const res = await req;
    expect(res.status).toBe(status);
    expect(short.fullStack()).toBe(before + 1);
  }
});

test('what memory cannot answer alone goes to the full stack, with the same status and error code', async () => {
  await short.api().get(path()).set(tenant.auth); // the answer is kept
  const other = await createTenant(t.prisma);
  const cases: { name: string; send: (api: TestApi) => request.Test }[] = [
    { name: 'no key', send: (a) => a.api().get(path()) },
    { name: 'unknown key', send: (a) => a.api().get(path()).set('Authorization', 'Bearer nope-nope') },
    { name: 'malformed', send: (a) => a.api().get(path()).set('Authorization', 'Basic abc') },
    { name: 'another account', send: (a) => a.api().get(path()).set(other.auth) },
    { name: 'unknown project', send: (a) => a.api().get('/v1/projects/nope/availability').set(tenant.auth) },
    { name: 'a window', send: (a) => a.api().get(`${path()}?from=2027-02-16T00:00:00Z`).set(tenant.auth) },
    { name: 'a bad window', send: (a) => a.api().get(`${path()}?to=2020-01-01T00:00:00Z`).set(tenant.auth) },
    { name: 'trailing slash', send: (a) => a.api().get(`${path()}/`).set(tenant.auth) },
    { name: 'HEAD', send: (a) => a.api().head(path()).set(tenant.auth) },
    { name: 'POST', send: (a) => a.api().post(path()).set(tenant.auth).send({}) },
    { name: 'an unknown origin', send: (a) => a.api().get(path()).set(tenant.auth).set('Origin', 'https://x.example') },
  ];
  for (const c of cases) {
    const before = short.fullStack();
    const got = await c.send(short);
    const expected = await c.send(full);
    expect({ case: c.name, status: got.status, body: got.body as unknown }).toEqual({
      case: c.name,
      status: expected.status,
      body: expected.body as unknown,
    });
    // Each reached the full stack: the short path never answers an error.
    expect({ case: c.name, reached: short.fullStack() - before }).toEqual({ case: c.name, reached: 1 });
  }
});

test('a publishable key reads its own project from memory (CORS from its allowed origins), never another one', async () => {
  const created = await full
    .api()
    .post('/v1/api-keys')
    .set(tenant.auth)
    .send({ name: 'widget', kind: 'publishable', projectId: tenant.projectId });
  expect(created.status).toBe(201);
  const widget = { Authorization: `Bearer ${created.body.key as string}` };
  const first = await short.api().get(path()).set(widget);
  expect(first.status).toBe(200);
  const reached = short.fullStack();
  const again = await short.api().get(path()).set(widget);
  expect(again.status).toBe(200);
  expect(short.fullStack()).toBe(reached);
  // From a page on one of the project's allowed origins (the widget): from memory too, with
  // the CORS headers the full stack sends; from another origin: the full stack's 403.
  const shop = 'https://Shop.example';
  await t.prisma.project.update({
    where: { id: tenant.projectId },
    data: { allowedOrigins: ['https://shop.example/'] },
  });
  const fromShop = async (api: TestApi, origin = shop) => {
    let res = await api.api().get(path()).set(widget).set('Origin', origin);
    // The key cache drops the key once the project's change is announced.
    for (let i = 0; i < 100 && res.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 50));
      res = await api.api().get(path()).set(widget).set('Origin', origin);
    }
    return res;
  };
  const reference = await fromShop(full);
  expect(reference.status).toBe(200);
  expect(reference.headers['access-control-allow-origin']).toBe(shop);
  await fromShop(short);
  const beforeShop = short.fullStack();
  const cors = await fromShop(short);
  expect(short.fullStack()).toBe(beforeShop);
  expect(cors.text).toBe(reference.text);
  expect(visibleHeaders(cors)).toEqual(visibleHeaders(reference));
  const cached = await short
    .api()
    .get(path())
    .set(widget)
    .set('Origin', shop)
    .set('If-None-Match', cors.headers.etag as string);
  expect(cached.status).toBe(304);
  expect(cached.headers['access-control-allow-origin']).toBe(shop);
  expect(short.fullStack()).toBe(beforeShop);
  for (const api of [short, full]) {
    const evil = await api.api().get(path()).set(widget).set('Origin', 'https://evil.example');
    expect(evil.status).toBe(403);
    expect(evil.headers['access-control-allow-origin']).toBeUndefined();
  }
  expect(short.fullStack()).toBe(beforeShop + 1);

  // Another project of the same account: 403 from the full stack.
  const sibling = await t.prisma.project.create({
    data: {
      id: `p-${randomUUID()}`,
      accountId: tenant.accountId,
      name: 'sibling',
      timezone: 'Europe/Paris',
      countries: ['FR'],
    },
  });
  const refused = await short.api().get(`/v1/projects/${sibling.id}/availability`).set(widget);
  expect(refused.status).toBe(403);
  expect(refused.body.error.code).toBe('FORBIDDEN');
});

test('a key revoked elsewhere is refused by the short path once announced; a booking shows at once', async () => {
  const owner = await createTenant(t.prisma);
  const settings = dailySlotSettings({ start: '09:00', end: '11:00', capacity: 3 });
  expect(
    (await short.api().put(`/v1/projects/${owner.projectId}/call-settings`).set(owner.auth).send(settings)).status,
  ).toBe(200);
  const own = `/v1/projects/${owner.projectId}/availability`;
  const slot = (
    (await short.api().get(own).set(owner.auth)).body as { deferred: { slots: { start: string; remaining: number }[] } }
  ).deferred.slots[0]!;
  expect(slot.remaining).toBe(3);
  const booked = await short
    .api()
    .post('/v1/callbacks')
    .set(owner.auth)
    .send({ projectId: owner.projectId, phone: '+33612398765', mode: 'deferred', slotStart: slot.start });
  expect(booked.status).toBe(201);
  const after = (await short.api().get(own).set(owner.auth)).body as {
    deferred: { slots: { start: string; remaining: number }[] };
  };
  expect(after.deferred.slots.find((s) => s.start === slot.start)!.remaining).toBe(2);

  await t.prisma.apiKey.updateMany({ where: { accountId: owner.accountId }, data: { revokedAt: new Date() } });
  let status = 200;
  for (let i = 0; i < 100 && status !== 401; i++) {
    status = (await short.api().get(own).set(owner.auth)).status;
    if (status !== 401) await new Promise((r) => setTimeout(r, 50));
  }
  expect(status).toBe(401);
});
