// #13 item 4: what one agent's desk shows, read from the presence projection (agent_presence),
// the agent's settings (auto-answer, S45), the call being offered (ring countdown: the callback
// waits `ringTimeoutSeconds` for the accept) and today's handled callbacks.
import { DateTime } from 'luxon';
import { agentSettingsOf, presenceOfRow } from '../agents/agent-store';
import type { Db } from '../infra/prisma';

export interface DeskState {
  agent: { id: string; name: string; kind: string; answerMode: 'DESK' | 'PHONE'; autoAnswer: boolean };
  presence: {
    state: string;
    since: string;
    callbackId: string | null;
    wrapUpUntil: string | null;
    inChat: boolean;
  };
  /** Auto-answer off and reserved: a call waits for accept until `ringUntil`. */
  offer: { callbackId: string; ringUntil: string; accepted: boolean } | null;
  /** Simulated network: the call ringing (or answered) on this desk's softphone. */
  softphoneCall: { callSid: string; callbackId: string; state: string; ringUntil: string } | null;
  handledToday: {
    callbackId: string;
    attempt: number;
    startedAt: string;
    endedAt: string | null;
    outcome: string | null;
  }[];
  timezone: string;
  serverTime: string;
}

export async function readDeskState(
  prisma: Db,
  agentId: string,
  now: Date,
  options: { accepted?: (callbackId: string) => Promise<boolean> } = {},
): Promise<DeskState | null> {
  const agent = await prisma.agent.findUnique({
    where: { id: agentId },
    include: {
      account: { select: { autoAnswerEnabled: true } },
      projects: {
        select: {
          project: {
            select: { timezone: true, callSettings: { select: { autoAnswerDelaySeconds: true } } },
          },
        },
      },
      presence: true,
    },
  });
  if (!agent) return null;
  const settings = agentSettingsOf(agent);
  const presence = presenceOfRow(agent.presence, settings, now.getTime());
  const timezone = agent.projects[0]?.project.timezone ?? 'UTC';
  const dayStart = DateTime.fromJSDate(now, { zone: timezone }).startOf('day').toJSDate();

  const callbackId = agent.presence?.callbackId ?? null;
  let offer: DeskState['offer'] = null;
  if (presence.state === 'RESERVED' && callbackId && !settings.autoAnswer) {
    const callback = await prisma.callback.findUnique({
      where: { id: callbackId },
      select: { project: { select: { callSettings: { select: { ringTimeoutSeconds: true } } } } },
    });
    const ringSeconds = callback?.project.callSettings?.ringTimeoutSeconds ?? 30;
    const accepted = options.accepted ? await options.accepted(callbackId).catch(() => false) : false;
    offer = {
      callbackId,
      ringUntil: new Date(Date.parse(presence.since) + ringSeconds * 1000).toISOString(),
      accepted,
    };
  }

  const [softphone, attempts] = await Promise.all([
    prisma.deskSoftphoneCall.findFirst({
      where: {
        agentId,
        state: { in: ['ringing', 'answered'] },
        ringUntil: { gt: new Date(now.getTime() - 3_600_000) },
      },
      orderBy: { createdAt: 'desc' },
    }),
    prisma.attempt.findMany({
      where: { agentId, startedAt: { gte: dayStart } },
      orderBy: { startedAt: 'desc' },
      take: 100,
    }),
  ]);
  // A softphone call belongs to the current reservation; an older one is stale.
  const liveSoftphone = softphone && softphone.callbackId === callbackId ? softphone : null;

  return {
    agent: {
      id: agent.id,
      name: agent.name,
      kind: agent.kind,
      answerMode: agent.answerMode,
      autoAnswer: settings.autoAnswer,
    },
    presence: {
      state: presence.state,
      since: presence.since,
      callbackId,
      wrapUpUntil: presence.wrapUpUntil,
      inChat: presence.inChat,
    },
    offer,
    softphoneCall: liveSoftphone
      ? {
          callSid: liveSoftphone.callSid,
          callbackId: liveSoftphone.callbackId,
          state: liveSoftphone.state,
          ringUntil: liveSoftphone.ringUntil.toISOString(),
        }
      : null,
    handledToday: attempts.map((a) => ({
      callbackId: a.callbackId,
      attempt: a.number,
      startedAt: a.startedAt.toISOString(),
      endedAt: a.endedAt?.toISOString() ?? null,
      outcome: a.outcome,
    })),
    timezone,
    serverTime: now.toISOString(),
  };
}
