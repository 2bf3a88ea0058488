// S5: "at least one agent logged in and free for calls right now", read from the
// agent_presence read model the agent workflows keep (never from the workflows: S7 cheap).
import type { CallbackMode } from '../../workflows/types';
import type { CallSettings } from '../domain/settings';
import type { Db } from '../infra/prisma';

/**
 * Whether the presence count can change what is offered (S5 immediate by presence), for
 * every mode or only for a booking of `mode`: a deferred booking depends on presence only
 * when deferred is offered "when immediate is unavailable" (S6).
 */
export function presenceMatters(settings: CallSettings, mode?: CallbackMode): boolean {
  const immediateByPresence = settings.immediate.enabled && settings.immediate.availability === 'AGENT_PRESENCE';
  if (!immediateByPresence || mode === 'IMMEDIATE' || mode === undefined) return immediateByPresence;
  return settings.deferred.offer === 'WHEN_IMMEDIATE_UNAVAILABLE';
}

/**
 * Call-enabled agents of the project whose presence is AVAILABLE, minus those in a chat who
 * may not mix chat and call (S41, S46). One indexed query.
 */
export function countAvailableAgents(prisma: Db, projectId: string): Promise<number> {
  return prisma.agentPresence.count({
    where: {
      state: 'AVAILABLE',
      agent: { callEnabled: true, projects: { some: { projectId } } },
      OR: [{ inChat: false }, { agent: { allowChatAndCall: true } }],
    },
  });
}

/** The presence count when it matters (see presenceMatters), else 0 without a query. */
export async function availableAgentsFor(
  prisma: Db,
  projectId: string,
  settings: CallSettings,
  mode?: CallbackMode,
): Promise<number> {
  return presenceMatters(settings, mode) ? countAvailableAgents(prisma, projectId) : 0;
}
