// The agent factory (#12): ONE way for tests to make an agent row, the way POST /v1/agents
// makes it (its project links, a LOGGED_OUT presence at revision 0), with any field and
// presence overridden. Tests OF the agent routes post through the API instead (agents-api).
//
//   const agent = await createAgent(prisma, tenant);                                   // desk agent, logged out
//   await createAgent(prisma, tenant, { presence: { state: 'AVAILABLE' } });           // in the read model
//   await createAgent(prisma, tenant, { answerMode: 'PHONE', phoneNumber: '+33612345678', kind: 'EXPERT' });
import { randomUUID } from 'node:crypto';
import type { PresenceState } from '../../src/domain/presence';
import type { Db } from '../../src/infra/prisma';

export interface AgentFields {
  name?: string;
  kind?: 'EMPLOYEE' | 'EXPERT';
  callEnabled?: boolean;
  answerMode?: 'DESK' | 'PHONE';
  phoneNumber?: string | null;
  priority?: boolean;
  askNumberAtLogin?: boolean;
  allowChatAndCall?: boolean;
  /** null: the kind's default (S45). */
  autoAnswer?: boolean | null;
  acdIdentifier?: string | null;
  /** The read model's row (default LOGGED_OUT, revision 0); null: no row (an agent never seen). */
  presence?: { state: PresenceState; inChat?: boolean; since?: Date; revision?: number; callbackId?: string } | null;
}

/** Who owns the agent: any tenant or project fixture (`createTenant`, `createProjectFixture`). */
export interface AgentOwner {
  accountId: string;
  projectId: string;
}

export async function createAgent(prisma: Db, owner: AgentOwner, fields: AgentFields = {}) {
  const presence = fields.presence === undefined ? { state: 'LOGGED_OUT' as const } : fields.presence;
  return prisma.agent.create({
    data: {
      accountId: owner.accountId,
      name: fields.name ?? `agent ${randomUUID().slice(0, 8)}`,
      kind: fields.kind ?? 'EMPLOYEE',
      callEnabled: fields.callEnabled ?? true,
      answerMode: fields.answerMode ?? 'DESK',
      phoneNumber: fields.phoneNumber ?? null,
      priority: fields.priority ?? false,
      askNumberAtLogin: fields.askNumberAtLogin ?? false,
      allowChatAndCall: fields.allowChatAndCall ?? false,
      autoAnswer: fields.autoAnswer ?? null,
      acdIdentifier: fields.acdIdentifier ?? null,
      projects: { create: { projectId: owner.projectId } },
      ...(presence
        ? {
            presence: {
              create: {
                state: presence.state,
                since: presence.since ?? new Date(),
                inChat: presence.inChat ?? false,
                revision: presence.revision ?? 0,
                callbackId: presence.callbackId ?? null,
              },
            },
          }
        : {}),
    },
  });
}

/**
 * S45: after a call an auto-answering agent is in WRAP_UP for exactly `seconds`; skipped time
 * may already have ended it, and then the agent is AVAILABLE since exactly its end.
 */
export async function expectWrapUpAfterCall(prisma: Db, agentId: string, seconds = 20): Promise<void> {
  const presence = await prisma.agentPresence.findUniqueOrThrow({ where: { agentId } });
  expect(presence.lastCallEndedAt).not.toBeNull();
  if (presence.state === 'AVAILABLE') {
    const wrapUpMs = presence.since.getTime() - presence.lastCallEndedAt!.getTime();
    expect(wrapUpMs).toBeGreaterThanOrEqual(seconds * 1000);
    expect(wrapUpMs).toBeLessThan((seconds + 1) * 1000);
  } else {
    expect(presence.state).toBe('WRAP_UP');
  }
}

/** A valid POST /v1/agents body (API.md): an employee answering on a phone, for `projectIds`. */
export function agentRequestBody(projectIds: string[], overrides: Record<string, unknown> = {}) {
  return {
    projectIds,
    name: 'Alice',
    kind: 'EMPLOYEE',
    callEnabled: true,
    answerMode: 'PHONE',
    phoneNumber: '+33612345678',
    priority: false,
    askNumberAtLogin: false,
    allowChatAndCall: false,
    ...overrides,
  };
}
