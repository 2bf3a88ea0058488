// Agent rows -> what the agent workflow holds (S43, S45) and the presence read model -> the
// API's presence view (S44, S46). The database is the system of record for settings; the
// workflow for presence, mirrored in agent_presence.
import type { AgentPresence } from '../../generated/prisma/client';
import {
  busyForChat,
  DEFAULT_AUTO_ANSWER_DELAY_SECONDS,
  effectiveAutoAnswer,
  loggedOut,
  type AgentSettings,
  type Presence,
} from '../domain/presence';
import type { Db } from '../infra/prisma';
import { sealPhone } from './phone-seal';
import type { AgentWorkflowState, PresenceView } from '../../workflows/agent-types';

const agentWithContext = {
  account: { select: { autoAnswerEnabled: true } },
  projects: { select: { project: { select: { callSettings: { select: { autoAnswerDelaySeconds: true } } } } } },
} as const;

type AgentRow = NonNullable<Awaited<ReturnType<typeof findAgent>>>;

function findAgent(prisma: Db, agentId: string) {
  return prisma.agent.findUnique({ where: { id: agentId }, include: { ...agentWithContext, presence: true } });
}

/**
 * S45: auto-answer after the account switch and the kind's default. The pause is the longest
 * of the agent's projects' `autoAnswer.delaySeconds` (a reservation may name its project's own).
 */
export function agentSettingsOf(agent: Omit<AgentRow, 'presence'>): AgentSettings {
  const delays = agent.projects.flatMap((p) =>
    p.project.callSettings ? [p.project.callSettings.autoAnswerDelaySeconds] : [],
  );
  return {
    callEnabled: agent.callEnabled,
    allowChatAndCall: agent.allowChatAndCall,
    askNumberAtLogin: agent.askNumberAtLogin,
    autoAnswer: effectiveAutoAnswer({
      accountEnabled: agent.account.autoAnswerEnabled,
      agentSetting: agent.autoAnswer,
      kind: agent.kind,
    }),
    autoAnswerDelaySeconds: delays.length > 0 ? Math.max(...delays) : DEFAULT_AUTO_ANSWER_DELAY_SECONDS,
    answerMode: agent.answerMode,
    // #10.8: the workflow holds numbers sealed, never in clear.
    phoneNumber: sealPhone(agent.phoneNumber),
  };
}

export async function loadAgentSettings(prisma: Db, agentId: string): Promise<AgentSettings | null> {
  const agent = await prisma.agent.findUnique({ where: { id: agentId }, include: agentWithContext });
  return agent ? agentSettingsOf(agent) : null;
}

/** The read-model row as a presence: the last state a workflow projected (or logged out). */
export function presenceOfRow(row: AgentPresence | null, settings: AgentSettings, nowMs: number): Presence {
  if (!row) return loggedOut(nowMs);
  const since = row.since.toISOString();
  return {
    state: row.state,
    since,
    call: row.callbackId
      ? {
          callbackId: row.callbackId,
          autoAnswer: settings.autoAnswer,
          wrapUpSeconds: settings.autoAnswerDelaySeconds,
          accepted: false,
        }
      : null,
    inChat: row.inChat,
    loginNumber: sealPhone(row.loginNumber),
    lastCallEndedAt: row.lastCallEndedAt?.toISOString() ?? null,
    // A restarted wrap-up keeps its original end: since + the pause (S45).
    wrapUpUntil:
      row.state === 'WRAP_UP' && settings.autoAnswer
        ? new Date(row.since.getTime() + settings.autoAnswerDelaySeconds * 1000).toISOString()
        : null,
    unavailableAfterCall: false,
  };
}

/** A new run's input, from the database (null: no such agent). */
export async function loadAgentWorkflowState(
  prisma: Db,
  agentId: string,
  nowMs = Date.now(),
): Promise<AgentWorkflowState | null> {
  const agent = await findAgent(prisma, agentId);
  if (!agent) return null;
  const settings = agentSettingsOf(agent);
  const revision = agent.presence?.revision ?? 0;
  return {
    agentId,
    settings,
    presence: presenceOfRow(agent.presence, settings, nowMs),
    revision,
    projectedRevision: agent.presence ? revision : -1,
    handled: [],
  };
}

/** API.md GET /agents/{id}/presence, from the read model (cheap, never ahead of the workflow). */
export function presenceViewOfRow(row: AgentPresence | null, allowChatAndCall: boolean): PresenceView {
  if (!row) return { state: 'LOGGED_OUT', since: new Date(0).toISOString(), inChat: false, busyForChat: false };
  return {
    state: row.state,
    since: row.since.toISOString(),
    ...(row.callbackId ? { callbackId: row.callbackId } : {}),
    inChat: row.inChat,
    ...(row.loginNumber ? { loginNumber: row.loginNumber } : {}),
    busyForChat: busyForChat(row, { allowChatAndCall }),
  };
}
