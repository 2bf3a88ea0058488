// The HTTP API under test: createApp with the issue #3 routers, listening on a loopback port
// (one server for many concurrent supertest requests), and tenants with their API keys.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import request from 'supertest';
import { createApp } from '../../api/app';
import { hashApiKey } from '../../src/auth/api-keys';
import type { BookingRateLimits } from '../../api/rate-limit';
import { createOpenApiRouter, createV1Routers } from '../../api/routes';
import { loadConfig } from '../../src/config';
import type { CallSettingsInput } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { createLogger } from '../../src/logger';
import { createProjectFixture } from './db';

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
}): Promise<ApiHarness> {
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: process.env.DATABASE_URL,
    TEMPORAL_TASK_QUEUE: options.taskQueue,
    LOG_LEVEL: 'silent',
    ...options.env,
  });
  const logger = createLogger({ level: 'silent' });
  const app = createApp({
    prisma: options.prisma,
    temporal: options.temporal,
    config,
    logger,
    publicRouters: [createOpenApiRouter()],
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
  return {
    api: () => request(base),
    server,
    app,
    base,
    close: async () => {
      await (app.locals.closeCallbox as (() => Promise<void>) | undefined)?.();
      await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
    },
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

/** A planning of one slot every day (holidays included), immediate off unless asked. */
export function dailySlotSettings(
  slot: { start: string; end: string; capacity: number },
  overrides: Partial<CallSettingsInput> = {},
): CallSettingsInput {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday'] as const;
  return {
    timezone: 'Europe/Paris',
    countries: ['FR'],
    immediate: { enabled: false },
    deferred: { enabled: true, offer: 'ALWAYS', planning: Object.fromEntries(days.map((d) => [d, [slot]])) },
    ...overrides,
  };
}

// 06 12 xx xx xx: inside the ranges libphonenumber knows as mobile (some 06 ranges are not).
let nextMobile = 12_000_000 + Math.floor(Math.random() * 900_000);
/** A distinct valid French mobile number per call (+33 6 …). */
export function frenchMobile(): string {
  nextMobile += 1;
  return `+336${nextMobile}`;
}

/** PUT the settings document; fails the test unless stored. */
export async function putSettings(harness: ApiHarness, tenant: Tenant, settings: CallSettingsInput) {
  const res = await harness.api().put(`/v1/projects/${tenant.projectId}/call-settings`).set(tenant.auth).send(settings);
  if (res.status !== 200) throw new Error(`settings not stored: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown;
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

/** A call-enabled agent of the project with the given presence (the read model #5 keeps). */
export async function createAgent(
  prisma: Db,
  tenant: Tenant,
  presence: { state: 'AVAILABLE' | 'UNAVAILABLE' | 'ON_CALL'; inChat?: boolean },
  agent: { callEnabled?: boolean; allowChatAndCall?: boolean } = {},
) {
  return prisma.agent.create({
    data: {
      accountId: tenant.accountId,
      name: `agent ${randomUUID()}`,
      kind: 'EMPLOYEE',
      callEnabled: agent.callEnabled ?? true,
      answerMode: 'DESK',
      allowChatAndCall: agent.allowChatAndCall ?? false,
      projects: { create: { projectId: tenant.projectId } },
      presence: { create: { state: presence.state, since: new Date(), inChat: presence.inChat ?? false } },
    },
  });
}
