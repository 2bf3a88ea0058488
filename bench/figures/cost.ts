// The cost of one completed callback (#15): CPU-seconds by process during a figure divided
// by the callbacks it completed, and what each callback asked of Temporal — history events,
// workflow tasks, activities — in its own workflow and in the agent workflows it used.
import type { Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import type { Db } from '../../src/infra/prisma';
import type { CpuSnapshot } from '../stack';
import { pool } from '../stats';

const EventType = temporal.api.enums.v1.EventType;

export interface WorkflowWork {
  /** runs read */
  runs: number;
  events: number;
  workflowTasks: number;
  activities: number;
  localActivities: number;
  timers: number;
  signals: number;
  updates: number;
}

export interface CostFigure {
  completedCallbacks: number;
  /**
   * CPU-seconds per completed callback: `total` of every process but the bench's own,
   * `product` the service's alone (Temporal, worker, API, PostgreSQL: the simulated network
   * left out), and each process. #15.1: `network` is the Twilio simulator's own process; with
   * --telephony=simulated the network runs inside the worker and `network` is 0.
   */
  cpuSecondsPerCallback: PerCallbackCpu;
  /** Mean per completed callback, over a sample of callback workflows. */
  callbackWorkflow: WorkflowWork;
  /** Everything the project's agent workflows recorded during the figure, per completed callback. */
  agentWorkflowsPerCallback: WorkflowWork;
  /**
   * The same CPU split over the open loop alone (first request until every one ended), per
   * callback it completed: the figure's setup (agents created and logged in, the warm-up and
   * one-at-a-time callbacks) left out.
   */
  steadyState?: { completedCallbacks: number; cpuSecondsPerCallback: PerCallbackCpu };
}

export type PerCallbackCpu = { total: number; product?: number } & Partial<CpuSnapshot>;

const round = (value: number, digits = 3) => Math.round(value * 10 ** digits) / 10 ** digits;

function emptyWork(): WorkflowWork {
  return { runs: 0, events: 0, workflowTasks: 0, activities: 0, localActivities: 0, timers: 0, signals: 0, updates: 0 };
}

/** Counts a history's events by kind, only those at or after `since` when given. */
function countHistory(events: temporal.api.history.v1.IHistoryEvent[], into: WorkflowWork, since?: number): void {
  into.runs += 1;
  for (const event of events) {
    const seconds = Number(event.eventTime?.seconds ?? 0);
    if (since !== undefined && seconds * 1000 < since) continue;
    into.events += 1;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
        into.workflowTasks += 1;
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        into.activities += 1;
        break;
      case EventType.EVENT_TYPE_MARKER_RECORDED:
        into.localActivities += 1;
        break;
      case EventType.EVENT_TYPE_TIMER_STARTED:
        into.timers += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        into.signals += 1;
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        into.updates += 1;
        break;
      default:
        break;
    }
  }
}

function perCallback(work: WorkflowWork, divisor: number): WorkflowWork {
  const d = divisor || 1;
  return Object.fromEntries(Object.entries(work).map(([k, v]) => [k, round(v / d, 2)])) as unknown as WorkflowWork;
}

export interface CostInput {
  prisma: Db;
  temporal: Client;
  projectId: string;
  /** The figure's window (ms since epoch). */
  since: number;
  /** CPU-seconds by process during the figure. */
  cpu: CpuSnapshot;
  /** Callback histories read for the per-callback mean. */
  sample?: number;
  /** CPU-seconds of the open loop alone and the callbacks it completed (P1). */
  steady?: { cpu: CpuSnapshot; completed: number };
}

export async function measureCost(input: CostInput): Promise<CostFigure> {
  const { prisma, temporal: client, projectId, since, cpu } = input;
  const completed = await prisma.$queryRaw<{ id: string }[]>`
    SELECT id::text AS id FROM callbacks
    WHERE project_id = ${projectId} AND status = 'COMPLETED' AND created_at >= ${new Date(since)}
    ORDER BY created_at`;
  const n = completed.length;
  const cpuSecondsPerCallback = perCallbackCpu(cpu, n);

  // Callback workflows: a sample spread over the figure.
  const sampleSize = Math.min(n, input.sample ?? 40);
  const step = n / (sampleSize || 1);
  const sampled = Array.from({ length: sampleSize }, (_, i) => completed[Math.floor(i * step)]!.id);
  const callbackWork = emptyWork();
  await pool(sampled.length, 8, async (i) => {
    const history = await client.workflow.getHandle(`callback-${sampled[i]}`).fetchHistory();
    countHistory(history.events ?? [], callbackWork);
  });
  const callbackWorkflow = perCallback(callbackWork, sampleSize);
  callbackWorkflow.runs = sampleSize;

  // Agent workflows: every run of every agent of the project that was open during the figure.
  const agents = await prisma.$queryRaw<{ agent_id: string }[]>`
    SELECT agent_id::text AS agent_id FROM agent_projects WHERE project_id = ${projectId}`;
  const agentWork = emptyWork();
  await pool(agents.length, 8, async (i) => {
    const workflowId = `agent-${agents[i]!.agent_id}`;
    for await (const run of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
      if (run.closeTime && run.closeTime.getTime() < since) continue;
      const history = await client.workflow.getHandle(workflowId, run.runId).fetchHistory();
      countHistory(history.events ?? [], agentWork, since);
    }
  });
  const agentRuns = agentWork.runs;
  const agentWorkflowsPerCallback = perCallback(agentWork, n);
  agentWorkflowsPerCallback.runs = agentRuns;

  const steadyState = input.steady && {
    completedCallbacks: input.steady.completed,
    cpuSecondsPerCallback: perCallbackCpu(input.steady.cpu, input.steady.completed),
  };
  return {
    completedCallbacks: n,
    cpuSecondsPerCallback,
    callbackWorkflow,
    agentWorkflowsPerCallback,
    ...(steadyState ? { steadyState } : {}),
  };
}

/** CPU-seconds by process (the bench itself left out), their total and the product's, per callback. */
function perCallbackCpu(cpu: CpuSnapshot, n: number): PerCallbackCpu {
  const { bench: _bench, ...processes } = cpu;
  const total = Object.values(processes).reduce((sum, s) => sum + (s ?? 0), 0);
  return {
    total: round(total / (n || 1)),
    product: round((total - (processes.network ?? 0)) / (n || 1)),
    ...Object.fromEntries(Object.entries(processes).map(([name, s]) => [name, round((s ?? 0) / (n || 1))])),
  };
}
