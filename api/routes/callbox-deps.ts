// #13: what the callbox surfaces need from the configuration (visitor links, agent tokens).
import type { Config } from '../../src/config';
import { createVisitorLinks, type VisitorLinks } from '../../src/visitor/link';

export type CallboxConfigKeys =
  | 'VISITOR_LINK_SECRET'
  | 'VISITOR_LINK_TTL_DAYS'
  | 'AGENT_TOKEN_TTL_DAYS'
  | 'RATE_LIMIT_BOOKINGS_PER_IP_PER_HOUR'
  | 'publicBaseUrl';

export interface CallboxDeps {
  visitorLinks: VisitorLinks;
  agentTokenTtlDays: number;
}

/** Defaults match src/config.ts, for callers that pass a partial configuration. */
export function callboxDepsOf(config: Partial<Pick<Config, CallboxConfigKeys>>): CallboxDeps {
  return {
    visitorLinks: createVisitorLinks({
      secret: config.VISITOR_LINK_SECRET ?? 'dev-visitor-link-secret-change-me',
      publicBaseUrl: config.publicBaseUrl ?? 'http://127.0.0.1:3000',
      ttlDays: config.VISITOR_LINK_TTL_DAYS ?? 30,
    }),
    agentTokenTtlDays: config.AGENT_TOKEN_TTL_DAYS ?? 30,
  };
}
