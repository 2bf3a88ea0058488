// S34: every attempt stored with its times, agent and outcome; and the dial plan a
// callback follows, read once from the project's settings when it falls due.
import type { Db } from '../src/infra/prisma';
import { loadCallSettings } from '../src/store/call-settings';
import type { AttemptOutcome, DialPlan } from '../workflows/types';

export function createAttemptActivities({ prisma }: { prisma: Db }) {
  return {
    async loadDialPlan({ callbackId }: { callbackId: string }): Promise<DialPlan> {
      const callback = await prisma.callback.findUniqueOrThrow({ where: { id: callbackId } });
      const settings = await loadCallSettings(prisma, callback.projectId);
      if (!settings) throw new Error(`project ${callback.projectId} of callback ${callbackId} is gone`);
      return {
        callOrder: settings.callOrder,
        maxRetries: settings.retry.maxRetries,
        retryIntervalSeconds: settings.retry.intervalSeconds,
        retry: settings.retry,
        ringTimeoutSeconds: settings.ringTimeoutSeconds,
        distribution: settings.distribution.mode,
        record: callback.recorded,
        ...(settings.distribution.mode === 'ACD'
          ? {
              acd: {
                welcomeMessageSeconds: settings.distribution.welcomeMessageSeconds,
                identificationAttempts: settings.distribution.identificationAttempts,
              },
            }
          : {}),
      };
    },

    async startAttempt(input: {
      callbackId: string;
      number: number;
      agentId: string | null;
      at: string;
    }): Promise<void> {
      const data = { startedAt: new Date(input.at), agentId: input.agentId };
      await prisma.attempt.upsert({
        where: { callbackId_number: { callbackId: input.callbackId, number: input.number } },
        create: { callbackId: input.callbackId, number: input.number, ...data },
        update: data,
      });
    },

    /** S42: the agent identified on the ACD is recorded on the attempt. */
    async setAttemptAgent(input: { callbackId: string; number: number; agentId: string }): Promise<void> {
      await prisma.attempt.update({
        where: { callbackId_number: { callbackId: input.callbackId, number: input.number } },
        data: { agentId: input.agentId },
      });
    },

    async finishAttempt(input: {
      callbackId: string;
      number: number;
      outcome: AttemptOutcome | null;
      at: string;
    }): Promise<void> {
      await prisma.attempt.update({
        where: { callbackId_number: { callbackId: input.callbackId, number: input.number } },
        data: { endedAt: new Date(input.at), outcome: input.outcome },
      });
    },
  };
}
