// Process configuration, parsed once from the environment (fails fast, readably).
import { z } from 'zod';

/** Public: the manage links of a laptop run; production refuses it (productionProblems). */
export const DEV_VISITOR_LINK_SECRET = 'dev-visitor-link-secret-change-me';
/** Public: seals agents' numbers on a laptop run; production refuses it (productionProblems). */
export const DEV_PHONE_SEALING_KEY = 'development-only-phone-sealing-key-change-me';

const bool = z.enum(['true', 'false', '1', '0']).transform((value) => value === 'true' || value === '1');

export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  /** Any PostgreSQL; unset: `npm start` runs an embedded server. */
  DATABASE_URL: z.string().url().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  EMBEDDED_POSTGRES_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  TEMPORAL_ADDRESS: z.string().default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  TEMPORAL_TASK_QUEUE: z.string().default('callbacks'),
  /**
   * #15, opt-in: agent workflows on a task queue of their own, polled by a second Worker of each
   * worker process (docs/agent-task-queue.md). Unset: the callbacks' queue (no split). On its
   * own the split costs P3 lateness (measured); it is the base for local agent steps.
   */
  TEMPORAL_AGENT_TASK_QUEUE: z.string().min(1).optional(),
  /** Unset: `npm start` runs `temporal server start-dev`; set: use that cluster. */
  TEMPORAL_EXTERNAL: bool.default(false),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  HOST: z.string().default('127.0.0.1'),
  /**
   * Workflows the worker keeps in memory between tasks (≈ 1 MB of RSS each, docs/worker-memory.md).
   * Sleeping callbacks beyond it are evicted and replayed (a few dozen events) when they wake:
   * memory stays bounded with 10,000 scheduled callbacks (bench P4). #15.5: 100 (was 500) keeps
   * the worker under 400 MB; it must hold the active set (agents logged in + callbacks being
   * dialled), or their tasks replay.
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(100),
  /** The worker's Prometheus endpoint (dial latency, lateness); 0 disables it. */
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  PORT: z.coerce.number().int().min(1).max(65535).default(3000),
  /** Public base URL Twilio reaches for webhooks, TwiML and hold music. */
  PUBLIC_BASE_URL: z.string().url().optional(),
  SEED_API_KEY: z.string().min(8).default('dev-api-key'),
  TWILIO_ACCOUNT_SID: z.string().optional(),
  TWILIO_AUTH_TOKEN: z.string().optional(),
  TWILIO_FROM_NUMBER: z.string().optional(),
  /** Signs the simulated network's status webhooks when Twilio is not configured. */
  SIMULATED_AUTH_TOKEN: z.string().min(8).default('simulated-network-token'),
  /** S42: the identifier the simulated ACD's agent keys in (the seeded agent Alice is 101). */
  SIMULATED_ACD_IDENTIFIER: z
    .string()
    .regex(/^\d{1,16}$/)
    .default('101'),
  /** Caller id of simulated calls. */
  SIMULATED_FROM_NUMBER: z.string().default('+33100000000'),
  /** Lets tests point the real Twilio SDK at a local stand-in for its REST API. */
  TWILIO_API_BASE_URL: z.string().url().optional(),
  RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE: z.coerce.number().int().min(1).default(600),
  RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR: z.coerce.number().int().min(1).default(5),
  /** #11: how often the worker ends rows whose workflow closed without ending them (docs/operations.md). */
  CALLBACK_REPAIR_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  /** #13: public bookings (publishable keys) per client IP per hour. */
  RATE_LIMIT_BOOKINGS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** #13: signs the visitor's manage link (HMAC-SHA256); set a long random value in production. */
  VISITOR_LINK_SECRET: z.string().min(16).default(DEV_VISITOR_LINK_SECRET),
  /**
   * #10.8: seals agents' phone numbers before they enter workflow histories (AES-256-GCM,
   * src/agents/phone-seal.ts); the same value for the API and the worker. Required in production.
   */
  PHONE_SEALING_KEY: z.string().min(32).optional(),
  /** #13: how long a visitor's manage link stays valid after the callback is due. */
  VISITOR_LINK_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** #13: desk answering on real Twilio: an API key (SK…) and its secret, and the TwiML app. */
  TWILIO_API_KEY_SID: z.string().optional(),
  TWILIO_API_KEY_SECRET: z.string().optional(),
  TWILIO_TWIML_APP_SID: z.string().optional(),
  /** #13: lifetime of a desk agent's Twilio Voice access token. */
  TWILIO_VOICE_TOKEN_TTL_SECONDS: z.coerce.number().int().min(60).max(86_400).default(3600),
  /** #13: lifetime of an agent token issued by POST /v1/agents/{id}/tokens. */
  AGENT_TOKEN_TTL_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Waiting for a PostgreSQL connection (pool's connectionTimeoutMillis): an outage answers, not hangs. */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(100).default(3000),
  /** statement_timeout (server side) and query_timeout (client side, + 1 s) of every query. */
  DATABASE_STATEMENT_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  /** Deadline of every Temporal client call that does not set its own (long polls excepted). */
  TEMPORAL_CALL_TIMEOUT_MS: z.coerce.number().int().min(100).default(5000),
  /** An API request not answered by then gets 503 UNAVAILABLE with Retry-After. */
  REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(4000),
  /** Bearer token /metrics requires (API and worker); required in production unless API_METRICS_PORT. */
  METRICS_TOKEN: z.string().min(16).optional(),
  /** Serve the API's /metrics on this port of METRICS_HOST instead of the API's own (0: same port). */
  API_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
  METRICS_HOST: z.string().default('127.0.0.1'),
  /**
   * #15.3: the API keeps each project's availability inputs in memory, dropped on every change
   * the database announces (docs/availability-cache.md); an entry is reloaded after this long
   * anyway. 0: no cache (every read queries PostgreSQL).
   */
  AVAILABILITY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /** #15.3: API keys checked from memory, dropped on every key change announced; 0: no cache. */
  API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
});

export type Config = z.infer<typeof configSchema> & {
  publicBaseUrl: string;
  telephony: 'twilio' | 'simulated';
  /** The token status webhooks are signed with: Twilio's, or the simulated network's. */
  webhookAuthToken: string;
  fromNumber: string;
  /** #10.8: PHONE_SEALING_KEY, or the development key outside production (src/agents/phone-seal.ts). */
  phoneSealingKey: string;
  /** TEMPORAL_AGENT_TASK_QUEUE, or TEMPORAL_TASK_QUEUE (one queue for both, the default). */
  agentTaskQueue: string;
};

/** The development defaults production must not run with. */
export const DEV_API_KEY = 'dev-api-key';
export const DEV_SIMULATED_AUTH_TOKEN = 'simulated-network-token';
const TWILIO_VARS = ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM_NUMBER'] as const;

/** Configuration error: the process prints the message and exits non-zero. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * Settings that are fine on a laptop and dangerous in production (issue #10 item 4). With
 * NODE_ENV=production they stop the process; the list names every problem at once.
 */
export function productionProblems(env: NodeJS.ProcessEnv, c: z.infer<typeof configSchema>): string[] {
  const problems: string[] = [];
  if (c.NODE_ENV !== 'production') return problems;
  if (!env.SEED_API_KEY || c.SEED_API_KEY === DEV_API_KEY) {
    problems.push(
      `SEED_API_KEY: set a secret API key of your own (the development default "${DEV_API_KEY}" is public)`,
    );
  }
  const twilioSet = TWILIO_VARS.filter((name) => Boolean(c[name]));
  if (twilioSet.length > 0 && twilioSet.length < TWILIO_VARS.length) {
    const missing = TWILIO_VARS.filter((name) => !c[name]);
    problems.push(`TWILIO_*: ${twilioSet.join(', ')} set but ${missing.join(', ')} missing (set all three, or none)`);
  }
  if (twilioSet.length === TWILIO_VARS.length && !c.PUBLIC_BASE_URL) {
    problems.push('PUBLIC_BASE_URL: Twilio is configured, and needs the public URL it posts call events to');
  }
  if (
    twilioSet.length < TWILIO_VARS.length &&
    (!env.SIMULATED_AUTH_TOKEN || c.SIMULATED_AUTH_TOKEN === DEV_SIMULATED_AUTH_TOKEN)
  ) {
    problems.push(
      `SIMULATED_AUTH_TOKEN: the simulated network signs webhooks with the public default "${DEV_SIMULATED_AUTH_TOKEN}"; set a secret one (or configure Twilio)`,
    );
  }
  if (c.VISITOR_LINK_SECRET === DEV_VISITOR_LINK_SECRET) {
    problems.push(
      "VISITOR_LINK_SECRET: visitors' manage links would be signed with the public development default; set a long random secret",
    );
  }
  if (!c.PHONE_SEALING_KEY) {
    problems.push(
      "PHONE_SEALING_KEY: agents' phone numbers would be sealed in workflow histories with the public development key; set a secret of 32+ characters (the same for API and worker)",
    );
  }
  if (!c.METRICS_TOKEN && !c.API_METRICS_PORT) {
    problems.push(
      'METRICS_TOKEN: /metrics must be protected in production (set METRICS_TOKEN, or API_METRICS_PORT for a separate bind)',
    );
  }
  return problems;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const problems = productionProblems(env, c);
  if (problems.length > 0) {
    throw new ConfigError(
      `refusing to start with NODE_ENV=production:\n${problems.map((line) => `  ${line}`).join('\n')}\nSee .env.example.`,
    );
  }

  const twilio = Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_FROM_NUMBER);
  return {
    ...c,
    publicBaseUrl: c.PUBLIC_BASE_URL ?? `http://${c.HOST}:${c.PORT}`,
    telephony: twilio ? 'twilio' : 'simulated',
    webhookAuthToken: twilio ? c.TWILIO_AUTH_TOKEN! : c.SIMULATED_AUTH_TOKEN,
    fromNumber: twilio ? c.TWILIO_FROM_NUMBER! : c.SIMULATED_FROM_NUMBER,
    phoneSealingKey: c.PHONE_SEALING_KEY ?? DEV_PHONE_SEALING_KEY,
    agentTaskQueue: c.TEMPORAL_AGENT_TASK_QUEUE ?? c.TEMPORAL_TASK_QUEUE,
  };
}
