// The worker's activities, built from their dependencies (the worker is the composition root).
import type { Db } from '../src/infra/prisma';
import { createAgentActivities, type AgentActivityDeps } from './agents';
import { createAttemptActivities } from './attempts';
import { createCallbackActivities } from './callbacks';
import { createDialingActivities, type DialingDeps } from './dialing';
import { createPresenceActivities } from './presence';

export type ActivityDeps = { prisma: Db } & Omit<DialingDeps, 'prisma'> & Omit<AgentActivityDeps, 'prisma'>;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCallbackActivities(deps),
    ...createAttemptActivities(deps),
    ...createAgentActivities(deps),
    ...createDialingActivities(deps),
    ...createPresenceActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
