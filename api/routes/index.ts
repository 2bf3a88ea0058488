// The v1 routers of scheduling and booking (issue #3), built from the process's dependencies.
import type { Client } from '@temporalio/client';
import type { Router } from 'express';
import type { Config } from '../../src/config';
import type { Db } from '../../src/infra/prisma';
import type { Logger } from '../../src/logger';
import type { BookingRateLimits } from '../rate-limit';
import { createAgentsRouter } from './agents';
import { createAgentTokensRouter } from './agent-tokens';
import { callboxDepsOf, type CallboxConfigKeys } from './callbox-deps';
import { createWidgetConfigRouter } from './widget-config';
import { createApiKeysRouter } from './api-keys';
import { createAvailabilityRouter } from './availability';
import { createCallbacksRouter } from './callbacks';
import { createSettingsRouter } from './settings';
import { createCallbackWaker, wakeWaitingOfProject } from '../../src/callbacks/wake';
import type { AvailabilityCache } from '../../src/store/availability-cache';

export interface V1RouterDeps {
  prisma: Db;
  temporal: Client;
  config: Pick<
    Config,
    | 'TEMPORAL_TASK_QUEUE'
    | 'agentTaskQueue'
    | 'RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE'
    | 'RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR'
  > &
    Partial<Pick<Config, CallboxConfigKeys>>;
  logger: Logger;
  /** Default: the config's RATE_LIMIT_BOOKINGS_*; tests pass small ones. */
  rateLimits?: BookingRateLimits;
  /** Default: the system clock; tests pin "now" (e.g. before a DST change). */
  clock?: () => Date;
  /** #15.3: availability inputs from memory (api/main.ts); default: read per request. */
  availabilityCache?: Pick<AvailabilityCache, 'read'>;
}

/** Mount each with createApp({ v1Routers }) (behind API-key auth). */
export function createV1Routers(deps: V1RouterDeps): Router[] {
  const { prisma, temporal, config, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const rateLimits = deps.rateLimits ?? {
    perApiKeyPerMinute: config.RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE,
    perPhonePerHour: config.RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR,
    perIpPerHour: config.RATE_LIMIT_BOOKINGS_PER_IP_PER_HOUR ?? 20,
  };
  const callbox = callboxDepsOf(config);
  return [
    createAgentsRouter({ prisma, temporal, agentTaskQueue: config.agentTaskQueue, logger }),
    createSettingsRouter({
      prisma,
      // #11.2: best effort — the settings are saved; a waiting callback still looks by itself.
      settingsChanged: async (projectId) => {
        await wakeWaitingOfProject(prisma, createCallbackWaker(temporal), projectId).catch((err: unknown) =>
          logger.warn({ err, projectId }, 'waking waiting callbacks after a settings change failed'),
        );
      },
    }),
    createApiKeysRouter({ prisma }),
    createAvailabilityRouter({ prisma, clock, ...(deps.availabilityCache ? { cache: deps.availabilityCache } : {}) }),
    createCallbacksRouter({
      prisma,
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      // #15: agent workflows' queue, passed down (two apps in one process may differ).
      agentTaskQueue: config.agentTaskQueue,
      logger,
      clock,
      rateLimits,
      visitorLinks: callbox.visitorLinks,
      ...(deps.availabilityCache ? { availabilityCache: deps.availabilityCache } : {}),
    }),
    // #13: the widget's project info and agent tokens.
    createWidgetConfigRouter({ prisma }),
    createAgentTokensRouter({ prisma, tokenTtlDays: callbox.agentTokenTtlDays }),
  ];
}

export { createOpenApiRouter, openApiDocument } from '../openapi';
