// Structured logs (S60). Phone-shaped values are masked wherever they appear, so a
// careless log line cannot leak a visitor's number.
import pino, { type Logger } from 'pino';
import { maskPhone } from './domain/phone';

const E164_ANYWHERE = /\+[1-9]\d{6,14}/g;

export function maskPhonesInText(text: string): string {
  return text.replace(E164_ANYWHERE, (match) => maskPhone(match));
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhonesInText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { type: value.name, message: maskPhonesInText(value.message) };
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, depth + 1)]));
}

export function createLogger(
  options: { level?: string; name?: string; destination?: pino.DestinationStream } = {},
): Logger {
  return pino(
    {
      name: options.name ?? 'callbacks',
      level: options.level ?? 'info',
      redact: {
        paths: ['phone', '*.phone', 'phoneNumber', '*.phoneNumber', 'req.headers.authorization'],
        censor: '[masked]',
      },
      hooks: {
        logMethod(args, method) {
          method.apply(this, args.map((arg) => maskDeep(arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

export type { Logger };
