// The API fixture (#12): one call at the top of a test file sets up what the file needs and
// tears it down, instead of a copied env + prisma + startApi block.
//
//   const t = useApi({ temporal: 'none' });                         // routes that never reach Temporal
//   const t = useApi({ temporal: 'time-skipping' });                // bookings start workflows, no worker
//   const t = useApi({ temporal: 'time-skipping', worker: workerActivities.presence, tenant: true });
//   const t = useApi({ temporal: 'dev' });                          // a real dev server (restarts, real time)
//
//   test('…', async () => {
//     const res = await t.api().get('/v1/…').set(t.tenant.auth);    // supertest against the listening app
//     const other = await t.newTenant();                             // an account of its own, with a key
//     await t.prisma.agent.count();  t.env.client;  t.taskQueue;
//   });
//
// beforeAll: the PostgreSQL client, the Temporal server asked for (none, time-skipping or
// dev), a worker on the API's task queue when `worker` names its activities, the app on a
// loopback port (test/helpers/api.ts startApi), and `tenant` when asked. afterAll tears all
// of it down in reverse order, plus every extra app made with `t.startApi(...)`.
// Exports (stable, for other test folders): useApi, UseApiOptions, ApiFixture, noTemporal.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Router } from 'express';
import type request from 'supertest';
import type { Db } from '../../src/infra/prisma';
import { createTenant, startApi, type ApiHarness, type Tenant } from './api';
import { testPrisma } from './db';
import { createTemporalEnv } from './temporal';
import { startWorker, type RunningWorker } from './worker';

type StartApiOptions = Parameters<typeof startApi>[0];
type ExtraApiOptions = Omit<StartApiOptions, 'prisma' | 'temporal' | 'taskQueue'>;

export interface UseApiOptions extends Omit<ExtraApiOptions, 'publicRouters'> {
  /** More routers without API-key auth (webhooks), made once the database client exists. */
  publicRouters?: (prisma: Db) => Router[];
  /** 'none': no server; the app gets a client that fails loudly if a route reaches Temporal. */
  temporal: 'none' | 'time-skipping' | 'dev';
  /** Activities of a worker polling the API's task queue (e.g. workerActivities.presence). */
  worker?: (prisma: Db) => object;
  /** Make `t.tenant` in beforeAll (an account, a project, a secret key). */
  tenant?: boolean;
  /** PostgreSQL connections of the file's client (default 5; more for concurrency tests). */
  pool?: number;
}

export interface ApiFixture {
  readonly prisma: Db;
  /** The Temporal test environment (not with temporal: 'none'). */
  readonly env: TestWorkflowEnvironment;
  /** The client the app uses. */
  readonly temporal: Client;
  readonly taskQueue: string;
  readonly harness: ApiHarness;
  /** http://127.0.0.1:<port> of the app. */
  readonly base: string;
  /** The tenant made in beforeAll (`tenant: true`). */
  readonly tenant: Tenant;
  /** A supertest request against the app. */
  api(): ReturnType<typeof request>;
  newTenant(options?: Parameters<typeof createTenant>[1]): Promise<Tenant>;
  /** Another app on the same database and Temporal (other limits, a clock, a failing client…). */
  startApi(options?: ExtraApiOptions): Promise<ApiHarness>;
}

/** A client for apps of files that start no server: any use fails, naming what was reached. */
export function noTemporal(): Client {
  return new Proxy({} as Client, {
    get(_target, property) {
      if (typeof property === 'symbol' || property === 'then') return undefined;
      throw new Error(`this test file uses useApi({ temporal: 'none' }) but reached temporal.${property}`);
    },
  });
}

export function useApi(options: UseApiOptions): ApiFixture {
  const { temporal: kind, worker: activities, tenant: wantTenant, publicRouters, pool, ...apiOptions } = options;
  const taskQueue = `api-${randomUUID()}`;
  let prisma: Db | undefined;
  let env: TestWorkflowEnvironment | undefined;
  let client: Client | undefined;
  let worker: RunningWorker | undefined;
  let harness: ApiHarness | undefined;
  let tenant: Tenant | undefined;
  const extra: ApiHarness[] = [];

  const ready = <T>(value: T | undefined, name: string): T => {
    if (value === undefined) throw new Error(`useApi: ${name} is not set up (read it inside a test or hook)`);
    return value;
  };

  beforeAll(async () => {
    prisma = testPrisma(pool);
    if (kind !== 'none') {
      const started = await createTemporalEnv(kind);
      env = started;
      client = started.client;
    } else {
      client = noTemporal();
    }
    if (activities) {
      worker = await startWorker(ready(env, 'env'), { taskQueue, activities: activities(prisma) });
    }
    harness = await startApi({
      prisma,
      temporal: client,
      taskQueue,
      ...apiOptions,
      ...(publicRouters ? { publicRouters: publicRouters(prisma) } : {}),
    });
    if (wantTenant) tenant = await createTenant(prisma);
  });

  afterAll(async () => {
    for (const h of [...extra, ...(harness ? [harness] : [])]) await h.close();
    await worker?.shutdown();
    await prisma?.$disconnect();
    await env?.teardown();
  });

  return {
    get prisma() {
      return ready(prisma, 'prisma');
    },
    get env() {
      if (kind === 'none') throw new Error("useApi({ temporal: 'none' }) starts no Temporal server");
      return ready(env, 'env');
    },
    get temporal() {
      return ready(client, 'temporal');
    },
    taskQueue,
    get harness() {
      return ready(harness, 'harness');
    },
    get base() {
      return ready(harness, 'harness').base;
    },
    get tenant() {
      if (!wantTenant) throw new Error('useApi: pass { tenant: true } to get t.tenant');
      return ready(tenant, 'tenant');
    },
    api: () => ready(harness, 'harness').api(),
    newTenant: (tenantOptions) => createTenant(ready(prisma, 'prisma'), tenantOptions),
    startApi: async (more = {}) => {
      const started = await startApi({
        prisma: ready(prisma, 'prisma'),
        temporal: ready(client, 'temporal'),
        taskQueue,
        ...apiOptions,
        ...more,
      });
      extra.push(started);
      return started;
    },
  };
}
