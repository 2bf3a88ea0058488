// Agent workflows under test: the real time-skipping server, a worker with the real presence
// projection on PostgreSQL, agent rows created the way POST /v1/agents creates them.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkflowBundle } from '@temporalio/worker';
import { createPresenceActivities } from '../../activities/presence';
import { loadAgentWorkflowState } from '../../src/agents/agent-store';
import type { AgentWorkflowDeps } from '../../src/agents/agent-workflow-client';
import { callSettingsSchema } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { saveCallSettings } from '../../src/store/call-settings';
import { agentWorkflow } from '../../workflows/agent';
import { presenceQuery } from '../../workflows/agent-messages';
import { agentWorkflowId, type PresenceView } from '../../workflows/agent-types';
import { createAgent } from '../helpers/agents';
import { createProjectFixture } from '../helpers/db';

export function newAgentWorker(env: TestWorkflowEnvironment, bundle: WorkflowBundle, prisma: Db, taskQueue: string) {
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue,
    workflowBundle: bundle,
    activities: createPresenceActivities({ prisma }),
  });
}

export interface AgentFields {
  kind?: 'EMPLOYEE' | 'EXPERT';
  callEnabled?: boolean;
  answerMode?: 'DESK' | 'PHONE';
  phoneNumber?: string | null;
  askNumberAtLogin?: boolean;
  allowChatAndCall?: boolean;
  autoAnswer?: boolean | null;
  priority?: boolean;
}

/** An account and project of their own (optional auto-answer pause), and one agent in them. */
export async function agentFixture(
  prisma: Db,
  fields: AgentFields = {},
  options: { accountAutoAnswer?: boolean; autoAnswerDelaySeconds?: number } = {},
) {
  const { account, project } = await createProjectFixture(prisma);
  if (options.accountAutoAnswer !== undefined) {
    await prisma.account.update({ where: { id: account.id }, data: { autoAnswerEnabled: options.accountAutoAnswer } });
  }
  if (options.autoAnswerDelaySeconds !== undefined) {
    await saveCallSettings(
      prisma,
      project.id,
      callSettingsSchema.parse({ autoAnswer: { delaySeconds: options.autoAnswerDelaySeconds } }),
    );
  }
  // The one agent factory, with this harness's defaults: a phone agent with a number.
  const agent = await createAgent(
    prisma,
    { accountId: account.id, projectId: project.id },
    {
      ...fields,
      answerMode: fields.answerMode ?? 'PHONE',
      phoneNumber: fields.phoneNumber === undefined ? '+33612345678' : fields.phoneNumber,
    },
  );
  return { account, project, agent };
}

/** Starts `agent-<id>` from the database, as ensureAgentWorkflow does, with an optional history cap. */
export async function startAgentWorkflow(
  env: TestWorkflowEnvironment,
  prisma: Db,
  taskQueue: string,
  agentId: string,
  options: { maxHistoryEvents?: number } = {},
) {
  const state = await loadAgentWorkflowState(prisma, agentId, await env.currentTimeMs());
  if (!state) throw new Error(`no agent ${agentId}`);
  return env.client.workflow.start(agentWorkflow, {
    workflowId: agentWorkflowId(agentId),
    taskQueue,
    args: [{ ...state, ...options }],
  });
}

export function workflowDeps(env: TestWorkflowEnvironment, prisma: Db, taskQueue: string): AgentWorkflowDeps {
  return { temporal: env.client, prisma, taskQueue };
}

/** Polls the workflow's presence in real time (time skipping stays locked) until `accept`. */
export async function waitForPresence(
  handle: WorkflowHandle,
  accept: (view: PresenceView) => boolean,
  timeoutMs = 15_000,
): Promise<PresenceView> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const view = await handle.query(presenceQuery);
    if (accept(view)) return view;
    if (Date.now() > deadline) throw new Error(`presence still ${JSON.stringify(view)} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Polls the read model until its row reaches `revision`. */
export async function waitForRow(
  prisma: Db,
  agentId: string,
  accept: (row: { state: string; revision: number }) => boolean,
) {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const row = await prisma.agentPresence.findUniqueOrThrow({ where: { agentId } });
    if (accept(row)) return row;
    if (Date.now() > deadline) throw new Error(`agent_presence still ${JSON.stringify(row)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** RECORD_HISTORIES=1 writes workflows/__histories__/agent-<scenario>.json (replayed by test/workflows/replay.test.ts). */
export async function saveAgentHistory(
  env: TestWorkflowEnvironment,
  workflowId: string,
  scenario: string,
  runId?: string,
) {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await env.client.workflow.getHandle(workflowId, runId).fetchHistory();
  const file = path.join(__dirname, '..', '..', 'workflows', '__histories__', `agent-${scenario}.json`);
  writeFileSync(file, JSON.stringify(history, null, 2));
}
