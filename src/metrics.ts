// Prometheus metrics (S60). Each process has its own registry: the API serves
// /metrics (bookings, plus callbacks by state and agents by presence read from the
// database at scrape time); the worker serves its own (dial latency, lateness).
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { Db } from './infra/prisma';

const LATENCY_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300];

export function createApiMetrics(prisma: Db) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callbacks_api_' });
  const bookingLatency = new Histogram({
    name: 'callbacks_booking_duration_seconds',
    help: 'POST /v1/callbacks handling time, by HTTP status',
    labelNames: ['status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  new Gauge({
    name: 'callbacks_by_status',
    help: 'Callbacks by status (S34), read from the database at scrape time',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.callback.groupBy({ by: ['status'], _count: { _all: true } });
      this.reset();
      for (const row of rows) this.set({ status: row.status }, row._count._all);
    },
  });
  new Gauge({
    name: 'callbacks_attempts_by_outcome',
    help: 'Attempts by outcome (S34); IN_PROGRESS: not ended yet; NONE: ended without an outcome (cancelled mid-attempt)',
    labelNames: ['outcome'] as const,
    registers: [registry],
    async collect() {
      const [rows, inProgress] = await Promise.all([
        prisma.attempt.groupBy({ by: ['outcome'], _count: { _all: true } }),
        prisma.attempt.count({ where: { endedAt: null } }),
      ]);
      this.reset();
      for (const row of rows) {
        if (row.outcome) this.set({ outcome: row.outcome }, row._count._all);
        // An attempt cut short by a cancel ends without an outcome: it is not in progress.
        else if (row._count._all > inProgress) this.set({ outcome: 'NONE' }, row._count._all - inProgress);
      }
      if (inProgress) this.set({ outcome: 'IN_PROGRESS' }, inProgress);
    },
  });
  new Gauge({
    name: 'callbacks_agents_by_presence',
    help: 'Agents by presence state (S44)',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      const rows = await prisma.agentPresence.groupBy({ by: ['state'], _count: { _all: true } });
      this.reset();
      for (const row of rows) this.set({ state: row.state }, row._count._all);
    },
  });
  const workflowStartFailures = startFailureCounter(registry);
  return { registry, bookingLatency, workflowStartFailures };
}

export type ApiMetrics = ReturnType<typeof createApiMetrics>;

export function createWorkerMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'callbacks_worker_' });
  return {
    registry,
    /** S2: request (callback created) -> first dial of an immediate callback. */
    dialLatency: new Histogram({
      name: 'callbacks_immediate_dial_latency_seconds',
      help: 'Immediate callbacks: time from the request to the first dial',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    /** S3/S20: first dial minus the booked position, for deferred callbacks. */
    lateness: new Histogram({
      name: 'callbacks_deferred_dial_lateness_seconds',
      help: 'Deferred callbacks: first dial time minus the due time',
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    }),
    workflowStartFailures: startFailureCounter(registry),
    dials: new Counter({
      name: 'callbacks_dials_total',
      help: 'Legs placed, by leg and provider',
      labelNames: ['leg', 'provider'] as const,
      registers: [registry],
    }),
  };
}

export type WorkerMetrics = ReturnType<typeof createWorkerMetrics>;

/** Workflow starts that failed (the reconciliation retries them), by gRPC code and permanence. */
function startFailureCounter(registry: Registry) {
  return new Counter({
    name: 'callbacks_workflow_start_failures_total',
    help: 'Workflow starts that failed, by gRPC code; permanent="true" needs an operator (see /readyz)',
    labelNames: ['code', 'permanent'] as const,
    registers: [registry],
  });
}
