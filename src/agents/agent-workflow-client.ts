// Talking to agent workflows (`agent-<id>`, S55) from the API and activities: start one from
// the database when it is not running, run an update, and turn the workflow's typed failures
// into errors a caller can act on (409 INVALID_STATE, 422 phoneNumber, 503).
import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowIdReusePolicy,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
  type Client,
} from '@temporalio/client';
import { ApplicationFailure, type UpdateDefinition } from '@temporalio/common';
import type { Db } from '../infra/prisma';
import { agentWorkflow } from '../../workflows/agent';
import {
  acceptCallUpdate,
  callEndedUpdate,
  callStartedUpdate,
  endChatUpdate,
  loginUpdate,
  logoutUpdate,
  presenceQuery,
  refreshSettingsUpdate,
  reserveUpdate,
  setStatusUpdate,
  startChatUpdate,
} from '../../workflows/agent-messages';
import {
  AGENT_FAILURE,
  agentWorkflowId,
  type CallEndedInput,
  type CallInput,
  type LoginInput,
  type PresenceView,
  type RequestMeta,
  type ReserveInput,
  type ReserveResult,
  type SetStatusInput,
} from '../../workflows/agent-types';
import { loadAgentSettings, loadAgentWorkflowState } from './agent-store';
import { AGENT_PRESENCE, AGENT_PROJECTS } from '../../workflows/search-attributes';
import { openPhone, sealPhone } from './phone-seal';

/**
 * #10.8: numbers cross into the agent workflow sealed (login's phoneNumber) and come back
 * opened (a view's loginNumber, a reservation's answer target), so callers see no change.
 */
function sealedArgs(input: RequestMeta): RequestMeta {
  const phoneNumber = (input as { phoneNumber?: unknown }).phoneNumber;
  return typeof phoneNumber === 'string' ? ({ ...input, phoneNumber: sealPhone(phoneNumber) } as RequestMeta) : input;
}

function openedResult<Ret>(result: Ret): Ret {
  if (typeof result !== 'object' || result === null) return result;
  const r = result as { loginNumber?: unknown; answerTarget?: { mode: string; number?: unknown } };
  let opened: Record<string, unknown> = result as Record<string, unknown>;
  if (typeof r.loginNumber === 'string') opened = { ...opened, loginNumber: openPhone(r.loginNumber) };
  if (r.answerTarget?.mode === 'PHONE' && typeof r.answerTarget.number === 'string') {
    opened = { ...opened, answerTarget: { ...r.answerTarget, number: openPhone(r.answerTarget.number) } };
  }
  return opened as Ret;
}
import { createCallbackWaker, wakeOldestWaiting } from '../callbacks/wake';

export interface AgentWorkflowDeps {
  temporal: Client;
  prisma: Db;
  /**
   * The agent workflows' task queue (config.agentTaskQueue, #15): `agent-<id>` starts there.
   * Each composition root passes it; it is the callbacks' queue unless TEMPORAL_AGENT_TASK_QUEUE differs.
   */
  taskQueue: string;
  /** Update calls give up after this long (503 for the API); default 10 s. */
  updateTimeoutMs?: number;
}

/** The transition does not exist from the agent's current state (API: 409 INVALID_STATE). */
export class AgentStateError extends Error {
  readonly code = 'INVALID_STATE' as const;
  constructor(
    message: string,
    /** BUSY_ON_CALL: S46, the chat side is told the agent is busy. */
    readonly reason: 'INVALID_STATE' | 'BUSY_ON_CALL' = 'INVALID_STATE',
  ) {
    super(message);
    this.name = 'AgentStateError';
  }
}

/** S43: the agent must give a number at login (API: 422 VALIDATION_FAILED at `phoneNumber`). */
export class AgentNumberRequiredError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgentNumberRequiredError';
  }
}

/** The workflow did not answer in time (API: 503 UNAVAILABLE); the request may be repeated. */
export class AgentWorkflowUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'AgentWorkflowUnavailableError';
  }
}

/** #14.1: a deactivated agent has no workflow: none is started for it (API: 409 AGENT_INACTIVE). */
export class AgentInactiveError extends AgentStateError {
  constructor(readonly agentId: string) {
    super(`agent ${agentId} is deactivated: activate it first`);
    this.name = 'AgentInactiveError';
  }
}

export class AgentNotFoundError extends Error {
  constructor(agentId: string) {
    super(`agent ${agentId} not found`);
    this.name = 'AgentNotFoundError';
  }
}

/** The agent's projects, sorted: the AgentProjects search attribute (#14.5). */
async function agentProjectIds(prisma: Db, agentId: string): Promise<string[]> {
  const rows = await prisma.agentProject.findMany({
    where: { agentId },
    select: { projectId: true },
    orderBy: { projectId: 'asc' },
  });
  return rows.map((p) => p.projectId);
}

/**
 * Starts `agent-<id>` from the database unless it runs; a completed or failed run may be
 * replaced (ALLOW_DUPLICATE). true: started now; false: it was already running.
 */
export async function ensureAgentWorkflow(deps: AgentWorkflowDeps, agentId: string): Promise<boolean> {
  const state = await loadAgentWorkflowState(deps.prisma, agentId);
  if (!state) throw new AgentNotFoundError(agentId);
  const row = await deps.prisma.agent.findUnique({ where: { id: agentId }, select: { deactivatedAt: true } });
  if (row?.deactivatedAt) throw new AgentInactiveError(agentId);
  const projectIds = await agentProjectIds(deps.prisma, agentId);
  try {
    await deps.temporal.workflow.start(agentWorkflow, {
      workflowId: agentWorkflowId(agentId),
      taskQueue: deps.taskQueue,
      args: [state],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
      // #14.5 operator views; ids only, never a phone number.
      typedSearchAttributes: [
        { key: AGENT_PROJECTS, value: projectIds },
        { key: AGENT_PRESENCE, value: state.presence.state },
      ],
      staticSummary: `Agent ${agentId}`,
      staticDetails: `Presence of agent ${agentId} (projects: ${projectIds.join(', ') || 'none'}); its truth for S44.`,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

function mapUpdateError(err: unknown): unknown {
  if (err instanceof WorkflowUpdateFailedError && err.cause instanceof ApplicationFailure) {
    switch (err.cause.type) {
      case AGENT_FAILURE.invalidState:
        return new AgentStateError(err.cause.message);
      case AGENT_FAILURE.busyOnCall:
        return new AgentStateError(err.cause.message, 'BUSY_ON_CALL');
      case AGENT_FAILURE.numberRequired:
        return new AgentNumberRequiredError(err.cause.message);
    }
  }
  if (err instanceof WorkflowUpdateRPCTimeoutOrCancelledError) {
    return new AgentWorkflowUnavailableError('the agent workflow did not answer in time; retry', { cause: err });
  }
  return err;
}

/**
 * Runs one update; a missing workflow is started from the database first (agents created
 * before their workflow, or whose run ended). The requestId doubles as the update id.
 */
export async function executeAgentUpdate<Ret, Args extends [RequestMeta?]>(
  deps: AgentWorkflowDeps,
  agentId: string,
  update: UpdateDefinition<Ret, Args>,
  ...args: Args
): Promise<Ret> {
  const handle = deps.temporal.workflow.getHandle(agentWorkflowId(agentId));
  const input: RequestMeta = sealedArgs(args[0] ?? {});
  // Every agent update takes one (possibly empty) object: send it always.
  const definition = update as unknown as UpdateDefinition<Ret, [RequestMeta]>;
  const options = {
    args: [input] as [RequestMeta],
    ...(input.requestId ? { updateId: `${update.name}:${input.requestId}` } : {}),
  };
  const deadline = Date.now() + (deps.updateTimeoutMs ?? 10_000);
  for (let round = 0; ; round++) {
    try {
      return openedResult(await deps.temporal.withDeadline(deadline, () => handle.executeUpdate(definition, options)));
    } catch (err) {
      if (err instanceof WorkflowNotFoundError && round === 0) {
        await ensureAgentWorkflow(deps, agentId);
        continue;
      }
      throw mapUpdateError(err);
    }
  }
}

/**
 * Pushes the agent's current settings (S43, S45) and projects (#14.5: the AgentProjects search
 * attribute) to its workflow if it runs; false: not running.
 */
export async function refreshAgentSettings(deps: AgentWorkflowDeps, agentId: string): Promise<boolean> {
  const [agentSettings, projectIds] = await Promise.all([
    loadAgentSettings(deps.prisma, agentId),
    agentProjectIds(deps.prisma, agentId),
  ]);
  if (!agentSettings) throw new AgentNotFoundError(agentId);
  const settings = { ...agentSettings, projectIds };
  try {
    await deps.temporal.withDeadline(Date.now() + (deps.updateTimeoutMs ?? 10_000), () =>
      deps.temporal.workflow
        .getHandle(agentWorkflowId(agentId))
        .executeUpdate(refreshSettingsUpdate, { args: [settings] }),
    );
    // #11.2: new settings may make the agent eligible (calls enabled, chat and call mixed):
    // the oldest waiting callback looks now rather than at its safety poll.
    await wakeOldestWaiting(deps.prisma, createCallbackWaker(deps.temporal), { agentId }).catch(() => undefined);
    return true;
  } catch (err) {
    // Not running: the next run reads these settings from the database when it starts.
    if (err instanceof WorkflowNotFoundError) return false;
    throw mapUpdateError(err);
  }
}

/** One method per update; each maps failures as above. */
export function createAgentWorkflowClient(deps: AgentWorkflowDeps) {
  return {
    ensure: (agentId: string) => ensureAgentWorkflow(deps, agentId),
    login: (agentId: string, input: LoginInput = {}) => executeAgentUpdate(deps, agentId, loginUpdate, input),
    logout: (agentId: string, meta: RequestMeta = {}) => executeAgentUpdate(deps, agentId, logoutUpdate, meta),
    setStatus: (agentId: string, input: SetStatusInput) => executeAgentUpdate(deps, agentId, setStatusUpdate, input),
    startChat: (agentId: string, meta: RequestMeta = {}) => executeAgentUpdate(deps, agentId, startChatUpdate, meta),
    endChat: (agentId: string, meta: RequestMeta = {}) => executeAgentUpdate(deps, agentId, endChatUpdate, meta),
    /** S41: `{ ok: false }` is an answer (try another agent), not an error. */
    reserve: (agentId: string, input: ReserveInput): Promise<ReserveResult> =>
      executeAgentUpdate(deps, agentId, reserveUpdate, input),
    callStarted: (agentId: string, input: CallInput) => executeAgentUpdate(deps, agentId, callStartedUpdate, input),
    callEnded: (agentId: string, input: CallEndedInput) => executeAgentUpdate(deps, agentId, callEndedUpdate, input),
    acceptCall: (agentId: string, input: CallInput) => executeAgentUpdate(deps, agentId, acceptCallUpdate, input),
    refreshSettings: (agentId: string) => refreshAgentSettings(deps, agentId),
    /** The workflow's own view (the API reads the cheaper read model instead). */
    presence: async (agentId: string): Promise<PresenceView> =>
      openedResult(await deps.temporal.workflow.getHandle(agentWorkflowId(agentId)).query(presenceQuery)),
  };
}

export type AgentWorkflowClient = ReturnType<typeof createAgentWorkflowClient>;
