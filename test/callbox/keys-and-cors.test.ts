// #13 item 1: publishable keys (scopes, own project, allowed origins), CORS, the per-IP
// booking limit, and the visitor's signed link. Every /v1 route is enumerated from the app's
// router stack: a route added later is refused to publishable keys unless listed in
// PUBLISHABLE_SCOPES (default deny).
import { randomUUID } from 'node:crypto';
import { PUBLISHABLE_SCOPES } from '../../api/auth';
import { hashApiKey } from '../../src/auth/api-keys';
import { dailySlotSettings, frenchMobile, putSettings, type ApiHarness } from '../helpers/api';
import { useApi } from '../helpers/use-api';
import { workerActivities } from '../helpers/worker';

// The callback workflow runs (cancels go through it); these callbacks wait for their slot.
const t = useApi({ temporal: 'time-skipping', worker: workerActivities.callbackStatus, tenant: true });
let publishable: { Authorization: string };
let otherProjectId: string;
const SHOP = 'https://shop.example';

interface RouteLayer {
  rawPath?: string;
  route?: { path: string; methods: Record<string, boolean> };
  handle: { stack?: RouteLayer[] };
}

/** Every route of the router mounted at /v1, read from the app's own stack. */
function v1Routes(app: ApiHarness['app']): { method: string; path: string }[] {
  const stack = (app as unknown as { router: { stack: RouteLayer[] } }).router.stack;
  const v1 = stack.find((layer) => layer.rawPath === '/v1' && layer.handle.stack);
  if (!v1) throw new Error('no router mounted at /v1');
  const routes: { method: string; path: string }[] = [];
  const walk = (layers: RouteLayer[]) => {
    for (const layer of layers) {
      if (layer.route)
        for (const method of Object.keys(layer.route.methods))
          routes.push({ method: method.toUpperCase(), path: layer.route.path });
      else if (layer.handle.stack) walk(layer.handle.stack);
    }
  };
  walk(v1.handle.stack!);
  return routes;
}

beforeAll(async () => {
  await putSettings(t.harness, t.tenant, dailySlotSettings({ start: '10:00', end: '11:00', capacity: 4 }));
  // Stored as typed (case, trailing slash); compared as browsers send Origin.
  await t.prisma.project.update({
    where: { id: t.tenant.projectId },
    data: { allowedOrigins: ['https://Shop.example/'] },
  });
  const key = `pk_test_${randomUUID()}`;
  await t.prisma.apiKey.create({
    data: { accountId: t.tenant.accountId, hash: hashApiKey(key), kind: 'publishable', projectId: t.tenant.projectId },
  });
  publishable = { Authorization: `Bearer ${key}` };
  otherProjectId = `p-${randomUUID()}`;
  await t.prisma.project.create({
    data: {
      id: otherProjectId,
      accountId: t.tenant.accountId,
      name: 'other',
      timezone: 'Europe/Paris',
      countries: ['FR'],
    },
  });
});

function concrete(path: string): string {
  return path.replace(':projectId', t.tenant.projectId).replace(/:(id|callbackId|tokenId)/g, () => randomUUID());
}

test('a publishable key is refused, naming the scope, on every /v1 route but availability, widget config and booking', async () => {
  const routes = v1Routes(t.harness.app);
  expect(routes.length).toBeGreaterThanOrEqual(20);
  expect(routes).toEqual(expect.arrayContaining([{ method: 'PUT', path: '/projects/:projectId/call-settings' }]));
  const allowed = routes.filter((r) =>
    PUBLISHABLE_SCOPES.some((s) => s.method === r.method && s.path.test(concrete(r.path))),
  );
  expect(allowed.map((r) => `${r.method} ${r.path}`).sort()).toEqual([
    'GET /projects/:projectId/availability',
    'GET /projects/:projectId/widget-config',
    'POST /callbacks',
  ]);
  for (const route of routes.filter((r) => !allowed.includes(r))) {
    const path = `/v1${concrete(route.path)}`;
    const res = await t.harness
      .api()
      [route.method.toLowerCase() as 'get' | 'post' | 'put' | 'patch' | 'delete'](path)
      .set(publishable)
      .send({});
    expect({ route: `${route.method} ${route.path}`, status: res.status, code: res.body.error?.code }).toEqual({
      route: `${route.method} ${route.path}`,
      status: 403,
      code: 'FORBIDDEN',
    });
    expect(res.body.error.message).toMatch(/lacks the scope \S+:(read|write); this route needs a secret key/);
  }
});

test('default deny: a route mounted elsewhere (main.ts adds hold music) or not at all is refused before routing', async () => {
  const holdMusic = await t.harness
    .api()
    .put(`/v1/projects/${t.tenant.projectId}/hold-music`)
    .set(publishable)
    .set('Content-Type', 'audio/mpeg')
    .send('x');
  const future = await t.harness.api().post('/v1/some-future-route').set(publishable).send({});
  for (const res of [holdMusic, future]) {
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('FORBIDDEN');
  }
});

test('the publishable key reads availability and the widget config of its own project only', async () => {
  const availability = await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/availability`).set(publishable);
  expect(availability.status).toBe(200);
  expect(availability.body.deferred.slots.length).toBeGreaterThan(0);
  const config = await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/widget-config`).set(publishable);
  expect(config.status).toBe(200);
  expect(config.body).toMatchObject({ defaultCountry: 'FR', timezone: 'Europe/Paris', recording: { enabled: false } });

  const other = await t.harness.api().get(`/v1/projects/${otherProjectId}/availability`).set(publishable);
  expect(other.status).toBe(403);
  expect(other.body.error).toMatchObject({ code: 'FORBIDDEN', message: expect.stringContaining('own project') });
  const booking = await t.harness
    .api()
    .post('/v1/callbacks')
    .set(publishable)
    .send({ projectId: otherProjectId, phone: frenchMobile(), mode: 'immediate' });
  expect(booking.status).toBe(403);
  // The secret key of the same account still reads both.
  expect((await t.harness.api().get(`/v1/projects/${otherProjectId}/widget-config`).set(t.tenant.auth)).status).toBe(
    200,
  );
  expect((await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/callbacks`).set(t.tenant.auth)).status).toBe(
    200,
  );
});

test('CORS: preflight and requests from an allowed origin are answered; another origin gets no CORS and a 403', async () => {
  const preflight = await t.harness.api().options('/v1/callbacks').set({
    Origin: SHOP,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'authorization,content-type',
  });
  expect(preflight.status).toBe(204);
  expect(preflight.headers['access-control-allow-origin']).toBe(SHOP);
  expect(preflight.headers['access-control-allow-headers']).toMatch(/Authorization/i);
  expect(preflight.headers['access-control-allow-methods']).toMatch(/POST/);

  const allowed = await t.harness
    .api()
    .get(`/v1/projects/${t.tenant.projectId}/availability`)
    .set({ ...publishable, Origin: SHOP });
  expect(allowed.status).toBe(200);
  expect(allowed.headers['access-control-allow-origin']).toBe(SHOP);

  const evil = 'https://evil.example';
  const evilPreflight = await t.harness
    .api()
    .options('/v1/callbacks')
    .set({ Origin: evil, 'Access-Control-Request-Method': 'POST' });
  expect(evilPreflight.headers['access-control-allow-origin']).toBeUndefined();
  const denied = await t.harness
    .api()
    .get(`/v1/projects/${t.tenant.projectId}/availability`)
    .set({ ...publishable, Origin: evil });
  expect(denied.status).toBe(403);
  expect(denied.body.error.message).toContain(evil);
  expect(denied.headers['access-control-allow-origin']).toBeUndefined();

  // The API's own pages (/demo) are same-origin; a secret key ignores origins (server to server).
  const own = await t.harness
    .api()
    .get(`/v1/projects/${t.tenant.projectId}/availability`)
    .set({ ...publishable, Origin: t.harness.base });
  expect(own.status).toBe(200);
  const secret = await t.harness
    .api()
    .get(`/v1/projects/${t.tenant.projectId}/availability`)
    .set({ ...t.tenant.auth, Origin: evil });
  expect(secret.status).toBe(200);
});

test('a key records when it was last used (at most once a minute)', async () => {
  // A key this process has not seen yet: the once-a-minute throttle is per key.
  const fresh = `pk_test_${randomUUID()}`;
  const key = await t.prisma.apiKey.create({
    data: {
      accountId: t.tenant.accountId,
      hash: hashApiKey(fresh),
      kind: 'publishable',
      projectId: t.tenant.projectId,
    },
  });
  const auth = { Authorization: `Bearer ${fresh}` };
  const lastUsedAt = async () => (await t.prisma.apiKey.findUniqueOrThrow({ where: { id: key.id } })).lastUsedAt;
  const before = Date.now();
  await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/availability`).set(auth);
  // Written beside the request (never delays it): wait for it, bounded.
  let first: Date | null = null;
  for (let i = 0; i < 50 && !first; i++) {
    first = await lastUsedAt();
    if (!first) await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(first).not.toBeNull();
  expect(first!.getTime()).toBeGreaterThanOrEqual(before - 5);
  await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/availability`).set(auth);
  await new Promise((resolve) => setTimeout(resolve, 200));
  expect(await lastUsedAt()).toEqual(first);
});

test('a revoked publishable key is unauthenticated', async () => {
  const key = `pk_test_${randomUUID()}`;
  await t.prisma.apiKey.create({
    data: {
      accountId: t.tenant.accountId,
      hash: hashApiKey(key),
      kind: 'publishable',
      projectId: t.tenant.projectId,
      revokedAt: new Date(),
    },
  });
  const res = await t.harness
    .api()
    .get(`/v1/projects/${t.tenant.projectId}/availability`)
    .set({ Authorization: `Bearer ${key}` });
  expect(res.status).toBe(401);
});

test('booking with the publishable key answers a signed manage link without the phone; the link shows, refuses tampering, cancels', async () => {
  const phone = frenchMobile();
  const slots = (await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/availability`).set(publishable)).body
    .deferred.slots as { start: string }[];
  const booked = await t.harness
    .api()
    .post('/v1/callbacks')
    .set({ ...publishable, Origin: SHOP })
    .send({ projectId: t.tenant.projectId, phone, mode: 'deferred', slotStart: slots[0]!.start });
  expect(booked.status).toBe(201);
  const manageUrl = booked.body.manageUrl as string;
  expect(manageUrl).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:\\d+/visit/${booked.body.id}\\.[0-9a-z]+\\.[\\w-]+$`));
  expect(manageUrl).not.toContain(phone.slice(3));
  const path = new URL(manageUrl).pathname;

  const seen = await t.harness.api().get(`${path}/api/callback`);
  expect(seen.status).toBe(200);
  expect(seen.body).toMatchObject({
    id: booked.body.id,
    status: 'SCHEDULED',
    phoneEnding: phone.slice(-2),
    movable: true,
  });
  expect(JSON.stringify(seen.body)).not.toContain(phone);
  expect((await t.harness.api().get(path)).text).toContain('/visit.js');

  const tampered = path.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A'));
  expect((await t.harness.api().get(`${tampered}/api/callback`)).status).toBe(404);
  const otherId = path.replace(booked.body.id, randomUUID());
  expect((await t.harness.api().get(`${otherId}/api/callback`)).status).toBe(404);

  const cancelled = await t.harness.api().post(`${path}/api/cancel`);
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe('CANCELLED');
  expect((await t.harness.api().post(`${path}/api/cancel`)).body.error.code).toBe('NOT_CANCELLABLE');
});

test('moving through the link keeps the rules: a full slot is refused and the callback stays; a free one moves it', async () => {
  const slots = (await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/availability`).set(publishable)).body
    .deferred.slots as { start: string; remaining: number }[];
  const [first, second] = [slots[1]!, slots[2]!];
  const booked = await t.harness
    .api()
    .post('/v1/callbacks')
    .set(publishable)
    .send({ projectId: t.tenant.projectId, phone: frenchMobile(), mode: 'deferred', slotStart: first.start });
  const path = new URL(booked.body.manageUrl as string).pathname;
  // Fill the second slot with the secret key.
  for (let i = 0; i < 4; i++) {
    const res = await t.harness
      .api()
      .post('/v1/callbacks')
      .set(t.tenant.auth)
      .send({ projectId: t.tenant.projectId, phone: frenchMobile(), mode: 'deferred', slotStart: second.start });
    expect(res.status).toBe(201);
  }
  const full = await t.harness.api().post(`${path}/api/rebook`).send({ slotStart: second.start });
  expect(full.status).toBe(409);
  expect(full.body.error.code).toBe('SLOT_FULL');
  expect((await t.harness.api().get(`${path}/api/callback`)).body.status).toBe('SCHEDULED');

  const third = slots[3]!;
  const moved = await t.harness.api().post(`${path}/api/rebook`).send({ slotStart: third.start });
  expect(moved.status).toBe(201);
  expect(moved.body.id).not.toBe(booked.body.id);
  expect(moved.body.status).toBe('SCHEDULED');
  expect((await t.harness.api().get(`${path}/api/callback`)).body.status).toBe('CANCELLED');
  // One open callback per number: the number has exactly the moved one open.
  const open = await t.prisma.callback.count({
    where: {
      phone: (await t.prisma.callback.findUniqueOrThrow({ where: { id: moved.body.id } })).phone,
      endedAt: null,
    },
  });
  expect(open).toBe(1);
});

test('public bookings are limited per IP; secret keys are not', async () => {
  const limited = await t.startApi({ rateLimits: { perIpPerHour: 2 } });
  try {
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) {
      const res = await limited
        .api()
        .post('/v1/callbacks')
        .set(publishable)
        .send({
          projectId: t.tenant.projectId,
          phone: frenchMobile(),
          mode: 'deferred',
          slotStart: await firstFreeSlot(),
        });
      statuses.push(res.status);
      if (res.status === 429) {
        expect(res.body.error.code).toBe('RATE_LIMITED');
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      }
    }
    expect(statuses).toEqual([201, 201, 429]);
    const secret = await limited
      .api()
      .post('/v1/callbacks')
      .set(t.tenant.auth)
      .send({
        projectId: t.tenant.projectId,
        phone: frenchMobile(),
        mode: 'deferred',
        slotStart: await firstFreeSlot(),
      });
    expect(secret.status).toBe(201);
  } finally {
    await limited.close();
  }
});

async function firstFreeSlot(): Promise<string> {
  const slots = (await t.harness.api().get(`/v1/projects/${t.tenant.projectId}/availability`).set(t.tenant.auth)).body
    .deferred.slots as { start: string; remaining: number }[];
  return slots.find((s) => s.remaining > 0)!.start;
}
