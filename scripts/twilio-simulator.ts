// `npm run twilio-sim`: the Twilio REST simulator (scripts/twilio-simulator/server.ts) as a
// process of its own. Point the worker's Twilio adapter at it with TWILIO_API_BASE_URL; the
// API validates its signed webhooks with TWILIO_AUTH_TOKEN. docs/twilio-simulator.md.
import { parseArgs } from 'node:util';
import { createLogger } from '../src/logger';
import { startTwilioSimulator } from './twilio-simulator/server';

const DEFAULT_SIM_ACCOUNT_SID = `AC${'0'.repeat(32)}`;
const DEFAULT_SIM_AUTH_TOKEN = 'twilio-simulator-auth-token';

const USAGE = `npm run twilio-sim [-- options]   (every option also from the environment)

  --port N             listen port (TWILIO_SIM_PORT; default 0: a free port, printed)
  --host H             listen address (TWILIO_SIM_HOST; default 127.0.0.1)
  --account-sid AC…    the account (TWILIO_ACCOUNT_SID; default ${DEFAULT_SIM_ACCOUNT_SID})
  --auth-token T       Basic auth password and webhook signing key (TWILIO_AUTH_TOKEN; default ${DEFAULT_SIM_AUTH_TOKEN})
  --webhook-base URL   post webhooks to this origin instead of the URLs' own (TWILIO_SIM_WEBHOOK_BASE_URL);
                       signatures still cover the URL the call was given
  --talk-time S        seconds the second party talks before hanging up (TWILIO_SIM_TALK_TIME_SECONDS; default 5)
  --time-scale X       multiplies every simulated delay (TWILIO_SIM_TIME_SCALE; default 1)
  --acd-identifier D   what the simulated ACD agent keys in (SIMULATED_ACD_IDENTIFIER; default 101)
`;

function main(): void {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'account-sid': { type: 'string' },
      'auth-token': { type: 'string' },
      'webhook-base': { type: 'string' },
      'talk-time': { type: 'string' },
      'time-scale': { type: 'string' },
      'acd-identifier': { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const env = process.env;
  const number = (name: string, raw: string | undefined, fallback: number, min: number) => {
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number >= ${min}, not ${raw}`);
    return value;
  };
  const accountSid = values['account-sid'] ?? env.TWILIO_ACCOUNT_SID ?? DEFAULT_SIM_ACCOUNT_SID;
  if (!/^AC[0-9a-fA-F]{32}$/.test(accountSid)) throw new Error('the account sid must be AC followed by 32 hex digits');
  const webhookBaseUrl = values['webhook-base'] ?? env.TWILIO_SIM_WEBHOOK_BASE_URL;
  if (webhookBaseUrl) new URL(webhookBaseUrl); // a bad URL stops here, not at the first call
  const logger = createLogger({ level: env.LOG_LEVEL ?? 'info', name: 'twilio-simulator' });
  void startTwilioSimulator({
    accountSid,
    authToken: values['auth-token'] ?? env.TWILIO_AUTH_TOKEN ?? DEFAULT_SIM_AUTH_TOKEN,
    host: values.host ?? env.TWILIO_SIM_HOST ?? '127.0.0.1',
    port: number('--port', values.port ?? env.TWILIO_SIM_PORT, 0, 0),
    talkTimeSeconds: number('--talk-time', values['talk-time'] ?? env.TWILIO_SIM_TALK_TIME_SECONDS, 5, 0),
    timeScale: number('--time-scale', values['time-scale'] ?? env.TWILIO_SIM_TIME_SCALE, 1, 0),
    acdIdentifier: values['acd-identifier'] ?? env.SIMULATED_ACD_IDENTIFIER ?? '101',
    ...(webhookBaseUrl ? { webhookBaseUrl } : {}),
    logger,
  }).then(
    (simulator) => {
      process.stdout.write(
        `Twilio simulator listening on ${simulator.url}\n` +
          `  TWILIO_API_BASE_URL=${simulator.url} TWILIO_ACCOUNT_SID=${accountSid} TWILIO_AUTH_TOKEN=<the token>\n`,
      );
      const stop = (signal: string) => {
        logger.info({ signal, ...simulator.stats() }, 'twilio simulator stopping');
        void simulator.close().finally(() => process.exit(0));
      };
      process.once('SIGINT', () => stop('SIGINT'));
      process.once('SIGTERM', () => stop('SIGTERM'));
    },
    (err: unknown) => {
      process.stderr.write(`twilio simulator: ${(err as Error).message}\n`);
      process.exit(1);
    },
  );
}

try {
  main();
} catch (err) {
  process.stderr.write(`twilio simulator: ${(err as Error).message}\n\n${USAGE}`);
  process.exit(2);
}
