// Issue #10 item 4: with NODE_ENV=production the API and the worker refuse unsafe
// configuration (clear message, exit code ≠ 0) instead of running with public defaults.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { configSchema, ConfigError, loadConfig } from '../../src/config';

const ROOT = path.join(__dirname, '..', '..');
const SAFE = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgresql://u:p@db:5432/callbacks',
  SEED_API_KEY: 'a-long-secret-api-key',
  SIMULATED_AUTH_TOKEN: 'a-long-secret-network-token',
  METRICS_TOKEN: 'a-long-secret-metrics-token',
  VISITOR_LINK_SECRET: 'a-long-secret-visitor-link-key',
  PHONE_SEALING_KEY: 'a-long-secret-phone-sealing-key-of-32-chars',
};
const TWILIO = {
  TWILIO_ACCOUNT_SID: 'AC00000000000000000000000000000000',
  TWILIO_AUTH_TOKEN: 'twilio-secret',
  TWILIO_FROM_NUMBER: '+33100000001',
};

function refusal(env: Record<string, string | undefined>): string {
  try {
    loadConfig(env as NodeJS.ProcessEnv);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('the configuration was accepted');
}

test('a production configuration with secrets of its own is accepted', () => {
  expect(loadConfig(SAFE).telephony).toBe('simulated');
  expect(loadConfig({ ...SAFE, ...TWILIO, PUBLIC_BASE_URL: 'https://callbacks.example.com' }).telephony).toBe('twilio');
  // Twilio configured: the simulated network's token does not matter.
  expect(() =>
    loadConfig({ ...SAFE, ...TWILIO, SIMULATED_AUTH_TOKEN: undefined, PUBLIC_BASE_URL: 'https://x.example.com' }),
  ).not.toThrow();
  // A separate metrics bind instead of a token.
  expect(() => loadConfig({ ...SAFE, METRICS_TOKEN: undefined, API_METRICS_PORT: '9465' })).not.toThrow();
});

test.each([
  ['the development API key', { SEED_API_KEY: 'dev-api-key' }, /SEED_API_KEY/],
  ['no API key (the default)', { SEED_API_KEY: undefined }, /SEED_API_KEY/],
  ['the default simulated network token', { SIMULATED_AUTH_TOKEN: 'simulated-network-token' }, /SIMULATED_AUTH_TOKEN/],
  ['no simulated network token (the default)', { SIMULATED_AUTH_TOKEN: undefined }, /SIMULATED_AUTH_TOKEN/],
  [
    'only some TWILIO_* variables',
    { TWILIO_ACCOUNT_SID: TWILIO.TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN: 'x' },
    /TWILIO_FROM_NUMBER missing/,
  ],
  ['Twilio without PUBLIC_BASE_URL', TWILIO, /PUBLIC_BASE_URL/],
  ['/metrics unprotected', { METRICS_TOKEN: undefined }, /METRICS_TOKEN/],
  ['the development visitor-link secret (the default)', { VISITOR_LINK_SECRET: undefined }, /VISITOR_LINK_SECRET/],
  ['no phone sealing key', { PHONE_SEALING_KEY: undefined }, /PHONE_SEALING_KEY/],
])('refuses %s', (_what, change, message) => {
  const text = refusal({ ...SAFE, ...change });
  expect(text).toMatch(/refusing to start with NODE_ENV=production/);
  expect(text).toMatch(message);
});

test('development keeps its defaults', () => {
  expect(loadConfig({}).SEED_API_KEY).toBe('dev-api-key');
});

test.each([
  ['api', 'api/main.ts'],
  ['worker', 'workers/main.ts'],
])('the %s process exits non-zero with the reasons, before connecting anywhere', (name, entry) => {
  const run = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, entry)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_ENV: 'production', DATABASE_URL: SAFE.DATABASE_URL, ...TWILIO },
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(run.status).not.toBe(0);
  expect(run.status).not.toBeNull();
  expect(run.stderr).toContain(`${name}: refusing to start with NODE_ENV=production`);
  for (const variable of ['SEED_API_KEY', 'PUBLIC_BASE_URL', 'METRICS_TOKEN']) expect(run.stderr).toContain(variable);
  expect(run.stderr).not.toMatch(/\n\s+at /); // a message, not a stack trace
});

test('.env.example lists every variable the configuration reads, and its values parse', () => {
  const text = readFileSync(path.join(ROOT, '.env.example'), 'utf8');
  const listed = new Set([...text.matchAll(/^#? ?([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
  for (const name of Object.keys(configSchema.shape)) expect(listed).toContain(name);
  const active = Object.fromEntries([...text.matchAll(/^([A-Z][A-Z0-9_]+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  expect(loadConfig(active).NODE_ENV).toBe('production');
});
