// API.md "Agents": database rows → the JSON the API answers (absent, never null, for unset fields).
import type { z } from 'zod';
import type { Prisma } from '../../../generated/prisma/client';
import { presenceViewOfRow } from '../../../src/agents/agent-store';
import { effectiveAutoAnswer } from '../../../src/domain/presence';
import type { agentSchema, presenceSchema } from './schemas';

export const agentInclude = {
  account: { select: { autoAnswerEnabled: true } },
  projects: { select: { projectId: true }, orderBy: { projectId: 'asc' } },
  presence: true,
} satisfies Prisma.AgentInclude;

export type AgentWithContext = Prisma.AgentGetPayload<{ include: typeof agentInclude }>;

type PresenceRow = AgentWithContext['presence'];

/** An agent never seen by its workflow has no row: LOGGED_OUT, with no `since`. */
export function presenceView(row: PresenceRow, allowChatAndCall: boolean): z.output<typeof presenceSchema> {
  if (!row) return { state: 'LOGGED_OUT', inChat: false, busyForChat: false };
  return presenceViewOfRow(row, allowChatAndCall);
}

export function agentView(agent: AgentWithContext): z.output<typeof agentSchema> {
  return {
    id: agent.id,
    projectIds: agent.projects.map((p) => p.projectId),
    name: agent.name,
    kind: agent.kind,
    callEnabled: agent.callEnabled,
    answerMode: agent.answerMode,
    ...(agent.phoneNumber !== null ? { phoneNumber: agent.phoneNumber } : {}),
    priority: agent.priority,
    askNumberAtLogin: agent.askNumberAtLogin,
    allowChatAndCall: agent.allowChatAndCall,
    ...(agent.autoAnswer !== null ? { autoAnswer: agent.autoAnswer } : {}),
    autoAnswerEffective: effectiveAutoAnswer({
      accountEnabled: agent.account.autoAnswerEnabled,
      agentSetting: agent.autoAnswer,
      kind: agent.kind,
    }),
    ...(agent.acdIdentifier !== null ? { acdIdentifier: agent.acdIdentifier } : {}),
    createdAt: agent.createdAt.toISOString(),
    active: agent.deactivatedAt === null,
    ...(agent.deactivatedAt !== null ? { deactivatedAt: agent.deactivatedAt.toISOString() } : {}),
    presence: presenceView(agent.presence, agent.allowChatAndCall),
  };
}
