// Process configuration, parsed once from the environment (fails fast, readably).
import { z } from 'zod';

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
  /** Unset: `npm start` runs `temporal server start-dev`; set: use that cluster. */
  TEMPORAL_EXTERNAL: bool.default(false),
  TEMPORAL_UI_PORT: z.coerce.number().int().default(8233),
  HOST: z.string().default('127.0.0.1'),
  /**
   * Workflows the worker keeps in memory between tasks. Sleeping callbacks beyond it are
   * evicted and replayed (a few dozen events) when they wake: memory stays bounded with
   * 10,000 scheduled callbacks (bench P4).
   */
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
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
  /** #13: public bookings (publishable keys) per client IP per hour. */
  RATE_LIMIT_BOOKINGS_PER_IP_PER_HOUR: z.coerce.number().int().min(1).default(20),
  /** #13: signs the visitor's manage link (HMAC-SHA256); set a long random value in production. */
  VISITOR_LINK_SECRET: z.string().min(16).default('dev-visitor-link-secret-change-me'),
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
});

export type Config = z.infer<typeof configSchema> & {
  publicBaseUrl: string;
  telephony: 'twilio' | 'simulated';
  /** The token status webhooks are signed with: Twilio's, or the simulated network's. */
  webhookAuthToken: string;
  fromNumber: string;
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = configSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  const twilio = Boolean(c.TWILIO_ACCOUNT_SID && c.TWILIO_AUTH_TOKEN && c.TWILIO_FROM_NUMBER);
  return {
    ...c,
    publicBaseUrl: c.PUBLIC_BASE_URL ?? `http://${c.HOST}:${c.PORT}`,
    telephony: twilio ? 'twilio' : 'simulated',
    webhookAuthToken: twilio ? c.TWILIO_AUTH_TOKEN! : c.SIMULATED_AUTH_TOKEN,
    fromNumber: twilio ? c.TWILIO_FROM_NUMBER! : c.SIMULATED_FROM_NUMBER,
  };
}
