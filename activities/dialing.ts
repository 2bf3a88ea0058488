// Placing and ending the legs of an attempt through the telephony port (Twilio or the
// simulated network). S35: a leg's row is written before the call is placed; a retried
// activity that finds the row never dials again.
import { ApplicationFailure } from '@temporalio/activity';
import type { Db } from '../src/infra/prisma';
import type { WorkerMetrics } from '../src/metrics';
import { PermanentDialError, type DialRequest, type LegStatus, type TelephonyPort } from '../src/telephony/port';
import { languageOf } from '../src/telephony/prompts';
import { conferenceName, holdMusicWaitUrl } from '../src/telephony/urls';
import { legKeyOf, type DialLegInput } from '../workflows/types';

export interface DialingDeps {
  prisma: Db;
  telephony: TelephonyPort;
  provider: 'twilio' | 'simulated';
  /** Caller id shown to agents and visitors. */
  fromNumber: string;
  publicBaseUrl: string;
  metrics?: WorkerMetrics;
}

export function createDialingActivities({
  prisma,
  telephony,
  provider,
  fromNumber,
  publicBaseUrl,
  metrics,
}: DialingDeps) {
  /** S2/S3: how long after the request (immediate) or the due time (deferred) the first dial went out. */
  async function observeFirstDial(input: DialLegInput): Promise<void> {
    if (!metrics) return;
    metrics.dials.inc({ leg: input.leg, provider });
    if (!(input.first && input.attempt === 1)) return;
    const callback = await prisma.callback.findUnique({
      where: { id: input.callbackId },
      select: { mode: true, createdAt: true, dueAt: true },
    });
    if (!callback) return;
    const now = Date.now();
    if (callback.mode === 'IMMEDIATE') metrics.dialLatency.observe((now - callback.createdAt.getTime()) / 1000);
    else metrics.lateness.observe(Math.max(0, now - callback.dueAt.getTime()) / 1000);
  }

  async function destination(input: DialLegInput): Promise<string> {
    if (input.leg === 'visitor') {
      const callback = await prisma.callback.findUniqueOrThrow({ where: { id: input.callbackId } });
      return callback.phone;
    }
    if (!input.agentId) {
      // S40/S42: ACD mode calls the customer's own ACD number instead of an agent.
      const settings = await prisma.callSettings.findUnique({ where: { projectId: input.projectId } });
      if (!settings?.acdNumber)
        throw ApplicationFailure.nonRetryable('project has no ACD number', 'PermanentDialError');
      return settings.acdNumber;
    }
    const agent = await prisma.agent.findUniqueOrThrow({ where: { id: input.agentId }, include: { presence: true } });
    // S43: desk agents answer in the browser (Twilio Client identity); others on their phone.
    if (agent.answerMode === 'DESK') return `client:agent-${agent.id}`;
    const number = agent.presence?.loginNumber ?? agent.phoneNumber;
    if (!number) throw ApplicationFailure.nonRetryable('agent has no phone number', 'PermanentDialError');
    return number;
  }

  /** S42: the ACD leg's identification, prompted in the project's language (#14.7). */
  async function acdOf(input: DialLegInput): Promise<Pick<DialRequest, 'acd' | 'language'>> {
    if (!input.acd || input.leg !== 'agent') return {};
    const settings = await prisma.callSettings.findUnique({
      where: { projectId: input.projectId },
      select: { language: true },
    });
    return { acd: input.acd, language: languageOf(settings?.language) };
  }

  return {
    async dialLeg(input: DialLegInput): Promise<{ callSid: string }> {
      const key = legKeyOf(input.callbackId, input.attempt, input.leg);
      const attempt = await prisma.attempt.findUniqueOrThrow({
        where: { callbackId_number: { callbackId: input.callbackId, number: input.attempt } },
      });
      const existing = await prisma.telephonyCall.findUnique({ where: { key } });
      if (existing?.callSid) return { callSid: existing.callSid };
      if (existing) {
        // An earlier try may have rung the phone and died before saving the call id:
        // never dial twice (S35); the attempt fails and the next one has a new key.
        throw ApplicationFailure.nonRetryable(`outcome of dialing ${key} is unknown`, 'DialOutcomeUnknown');
      }
      const to = await destination(input);
      const acd = await acdOf(input);
      const holdMusic = input.first
        ? await prisma.holdMusic.findUnique({ where: { projectId: input.projectId }, select: { projectId: true } })
        : null;
      await prisma.telephonyCall.create({
        data: { key, attemptId: attempt.id, leg: input.leg, provider, status: 'placing' },
      });
      try {
        const { callSid } = await telephony.placeCall({
          key,
          callbackId: input.callbackId,
          attempt: input.attempt,
          leg: input.leg,
          to,
          from: fromNumber,
          conference: conferenceName(input.callbackId, input.attempt),
          ringTimeoutSeconds: input.ringTimeoutSeconds,
          startConferenceOnEnter: !input.first,
          ...(holdMusic ? { holdMusicUrl: holdMusicWaitUrl(publicBaseUrl, input.projectId) } : {}),
          detectMachine: input.leg === 'visitor',
          record: input.record,
          ...acd,
        });
        await prisma.telephonyCall.update({ where: { key }, data: { callSid, status: 'placed' } });
        await observeFirstDial(input);
        return { callSid };
      } catch (err) {
        if (err instanceof PermanentDialError) {
          // Refused by the provider: nothing rang, so the row may go.
          await prisma.telephonyCall.delete({ where: { key } });
          throw ApplicationFailure.nonRetryable(err.message, 'PermanentDialError');
        }
        throw err;
      }
    },

    async hangupLeg({ callSid }: { callSid: string }): Promise<void> {
      await telephony.hangup(callSid);
    },

    /** #11.5: the provider's status of a leg (a lost terminal event); null: unknown call. */
    async legStatus({ callSid }: { callSid: string }): Promise<LegStatus | null> {
      return telephony.getCallStatus(callSid);
    },
  };
}
