// The HTTP API under test: createApp with the issue #3 routers, listening on a loopback port
// (one server for many concurrent supertest requests), and tenants with their API keys.
// Test files set it up through useApi (./use-api.ts); startApi is for more apps beside it.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import request from 'supertest';
import { createApp, requestListener } from '../../api/app';
import { hashApiKey } from '../../src/auth/api-keys';
import type { BookingRateLimits } from '../../api/rate-limit';
import { createOpenApiRouter, createV1Routers } from '../../api/routes';
import { loadConfig } from '../../src/config';
import type { Db } from '../../src/infra/prisma';
import { createLogger, type Logger } from '../../src/logger';
import { createProjectFixture } from './db';

// The settings fixture lives in ./settings; re-exported here for the files that import it from here.
export { dailySlotSettings, putSettings } from './settings';

export interface ApiHarness {
  api: () => ReturnType<typeof request>;
  server: Server;
  app: ReturnType<typeof createApp>;
  /** http://127.0.0.1:<port> */
  base: string;
  close: () => Promise<void>;
}

export async function startApi(options: {
  prisma: Db;
  temporal: Client;
  taskQueue: string;
  rateLimits?: Partial<BookingRateLimits>;
  clock?: () => Date;
  /** The client the booking routes use, when it must differ from `temporal` (a failing one). */
  bookingTemporal?: Client;
  /** More environment for loadConfig (e.g. #13's Twilio Voice settings). */
  env?: Record<string, string>;
  /** More routers without API-key auth (webhooks), beside the OpenAPI document. */
  publicRouters?: Router[];
  /** The app's logger (default: silent), e.g. one writing to a stream the test reads. */
  logger?: Logger;
  /** pino-http access logs (as api/main.ts turns them on). */
  accessLog?: boolean;
  /** The per-request time limit (config REQUEST_TIMEOUT_MS in api/main.ts). */
  requestTimeoutMs?: number;
}): Promise<ApiHarness> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = options.logger ?? createLogger({ level: 'silent' });
  const app = createApp({
    prisma: options.prisma,
    temporal: options.temporal,
    config,
    logger,
    ...(options.accessLog ? { accessLog: true } : {}),
    ...(options.requestTimeoutMs !== undefined ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    publicRouters: [createOpenApiRouter(), ...(options.publicRouters ?? [])],
    v1Routers: createV1Routers({
      prisma: options.prisma,
      temporal: options.bookingTemporal ?? options.temporal,
      config,
      logger,
      rateLimits: { perApiKeyPerMinute: 100_000, perPhonePerHour: 1_000, perIpPerHour: 100_000, ...options.rateLimits },
      ...(options.clock ? { clock: options.clock } : {}),
    }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  let closing: Promise<void> | undefined;
  const close = async () => {
    await (app.locals.closeCallbox as (() => Promise<void>) | undefined)?.();
    await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
  };
  return {
    api: () => request(base),
    server,
    app,
    base,
    // Once, however often it is called (a test may close an app useApi closes again).
    close: () => (closing ??= close()),
  };
}

export interface Tenant {
  accountId: string;
  projectId: string;
  apiKey: string;
  auth: { Authorization: string };
}

/** An account with an API key and a project, optionally with call settings saved. */
export async function createTenant(
  prisma: Db,
  options: { timezone?: string; countries?: string[] } = {},
): Promise<Tenant> {
  const { account, project } = await createProjectFixture(prisma, options);
  const apiKey = `key-${randomUUID()}`;
  await prisma.apiKey.create({ data: { accountId: account.id, hash: hashApiKey(apiKey) } });
  return { accountId: account.id, projectId: project.id, apiKey, auth: { Authorization: `Bearer ${apiKey}` } };
}

// 06 12 xx xx xx: inside the ranges libphonenumber knows as mobile (some 06 ranges are not).
let nextMobile = 12_000_000 + Math.floor(Math.random() * 900_000);
/** A distinct valid French mobile number per call (+33 6 …). */
export function frenchMobile(): string {
  nextMobile += 1;
  return `+336${nextMobile}`;
}

export interface AvailabilityBody {
  immediate: { available: boolean };
  deferred: { available: boolean; slots: { start: string; end: string; capacity: number; remaining: number }[] };
}

export async function availability(harness: ApiHarness, tenant: Tenant, query: Record<string, string> = {}) {
  const res = await harness.api().get(`/v1/projects/${tenant.projectId}/availability`).query(query).set(tenant.auth);
  if (res.status !== 200) throw new Error(`availability: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as AvailabilityBody;
}

export function book(
  harness: ApiHarness,
  tenant: Tenant,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
) {
  return harness
    .api()
    .post('/v1/callbacks')
    .set({ ...tenant.auth, ...headers })
    .send({ projectId: tenant.projectId, phone: frenchMobile(), ...body });
}

/**
 * Serves an app as api/main.ts does (`requestListener`: the availability short path first) on a
 * free port, once its change feed listens (memory answers nothing before); `close` stops the
 * feed, the callbox surfaces and the server.
 */
export async function serveAsMain(
  app: ReturnType<typeof createApp>,
  feed: { live: boolean; close(): Promise<void> },
): Promise<{ base: string; close: () => Promise<void> }> {
  const server = createServer(requestListener(app)).listen(0, '127.0.0.1');
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  for (let i = 0; i < 200 && !feed.live; i++) await new Promise((r) => setTimeout(r, 25));
  if (!feed.live) throw new Error('the change feed did not start listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: async () => {
      await feed.close();
      await (app.locals.closeCallbox as (() => Promise<void>) | undefined)?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
