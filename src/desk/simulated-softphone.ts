// #13 item 5 on the simulated network: a desk agent's leg (`client:agent-<id>`) rings on the
// simulated softphone of their open desk page. The worker writes the ringing call to
// desk_softphone_calls (its trigger wakes the desk through NOTIFY), then waits for the desk's
// answer or decline (the API updates the row). No open desk (no heartbeat within `freshMs`):
// null, and the simulated network answers by itself as before.
import type { DialRequest, SimulatedDeskPhone } from '../telephony/port';
import type { Db } from '../infra/prisma';

export function createSimulatedSoftphone(options: {
  prisma: Db;
  /** How often the worker re-reads a ringing call (the desk's click lands in the row). */
  pollMs?: number;
  /** A desk is open when its event stream registered within this (it does every 15 s). */
  freshMs?: number;
  logger?: { warn(obj: object, msg: string): void };
}): SimulatedDeskPhone {
  const { prisma, logger } = options;
  const pollMs = options.pollMs ?? 250;
  const freshMs = options.freshMs ?? 40_000;
  const ended = new Set<string>();

  return {
    async ring(req: DialRequest, callSid: string) {
      const agentId = /^client:agent-([0-9a-f-]{36})$/.exec(req.to)?.[1];
      if (!agentId) return null;
      const now = Date.now();
      const softphone = await prisma.deskSoftphone.findUnique({ where: { agentId } });
      if (!softphone || softphone.seenAt.getTime() < now - freshMs) return null;
      const ringUntil = new Date(now + req.ringTimeoutSeconds * 1000);
      await prisma.deskSoftphoneCall.upsert({
        where: { callSid },
        create: { callSid, agentId, callbackId: req.callbackId, ringUntil },
        update: {},
      });
      while (Date.now() < ringUntil.getTime() && !ended.has(callSid)) {
        await new Promise((resolve) => setTimeout(resolve, pollMs));
        const row = await prisma.deskSoftphoneCall.findUnique({ where: { callSid }, select: { state: true } });
        if (row?.state === 'answered' || row?.state === 'declined') return row.state;
      }
      // Not clicked in time: a no-answer, which the network's own ring timeout reports (a
      // decline here raced it and turned an unanswered desk into busy under load).
      return 'unanswered' as const;
    },
    ended(callSid: string) {
      ended.add(callSid);
      void prisma.deskSoftphoneCall
        .updateMany({ where: { callSid }, data: { state: 'ended' } })
        .then(
          () => undefined,
          (err: unknown) => logger?.warn({ err, callSid }, 'desk softphone call not marked ended'),
        )
        .finally(() => setTimeout(() => ended.delete(callSid), 60_000).unref());
    },
  };
}
