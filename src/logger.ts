// Structured logs (S60). Phone-shaped values are masked wherever they appear — E.164 and
// national formats (06 12 34 56 78, 0612345678, (415) 555-0123) — so a careless log line
// cannot leak a visitor's number. Errors keep what an operator needs: type, message, stack,
// cause chain, gRPC/pg codes (masked the same way).
import pino, { type Logger } from 'pino';
import { maskPhone } from './domain/phone';

const E164_ANYWHERE = /\+[1-9]\d{6,14}/g;
// A national number: starts with 0 (trunk or international prefix) and has 9 to 15 digits,
// optionally grouped by spaces, dots or dashes; or the North-American (NPA) NXX-XXXX form.
// Not inside a longer word, id or number (uuids, timestamps, hashes are left alone).
const NATIONAL_ANYWHERE = /(?<![\w+\-.])(?:0\d(?:[ .-]?\d){7,13}|\(\d{3}\) ?\d{3}[ .-]\d{4})(?!\w|[-.]\w)/g;

function maskNational(match: string): string {
  const digits = match.replace(/\D/g, '');
  let seen = 0;
  // Keep the separators and the last two digits, as maskPhone does for E.164.
  return match.replace(/\d/g, (d) => (++seen > digits.length - 2 ? d : '*'));
}

export { maskDeep as maskForLog };

export function maskPhonesInText(text: string): string {
  return text.replace(E164_ANYWHERE, (match) => maskPhone(match)).replace(NATIONAL_ANYWHERE, maskNational);
}

const ERROR_FIELDS = ['code', 'errno', 'syscall', 'details', 'kind', 'status', 'statusCode'] as const;

/** An error as a plain object (pino's shape: type, message, stack), cause chain included. */
function maskError(error: Error, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {
    type: error.constructor?.name && error.constructor.name !== 'Object' ? error.constructor.name : error.name,
    message: maskPhonesInText(error.message),
    stack: maskPhonesInText(error.stack ?? ''),
  };
  if (error.name && error.name !== out.type) out.name = error.name;
  const fields = error as unknown as Record<string, unknown>;
  for (const key of ERROR_FIELDS) {
    if (fields[key] !== undefined && typeof fields[key] !== 'function') out[key] = maskDeep(fields[key], depth + 1);
  }
  if (error.cause !== undefined && depth < 6) out.cause = maskDeep(error.cause, depth + 1);
  if (error instanceof AggregateError) out.errors = error.errors.slice(0, 5).map((e) => maskDeep(e, depth + 1));
  return out;
}

function isErrorLike(value: object): value is Error {
  return (
    value instanceof Error ||
    (typeof (value as Error).message === 'string' && typeof (value as Error).stack === 'string')
  );
}

function maskDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskPhonesInText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (isErrorLike(value)) return maskError(value, depth);
  if (Array.isArray(value)) return value.map((item) => maskDeep(item, depth + 1));
  const proto = Object.getPrototypeOf(value) as unknown;
  // Class instances (requests, responses, clients) are left to pino's serializers.
  if (proto !== Object.prototype && proto !== null) return value;
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
        paths: [
          'phone',
          '*.phone',
          'phoneNumber',
          '*.phoneNumber',
          'req.headers.authorization',
          'req.headers.cookie',
          'res.headers["set-cookie"]',
        ],
        censor: '[masked]',
      },
      serializers: {
        // pino's own err serializer would rename an already-masked error "Object".
        err: (value: unknown) => maskDeep(value),
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
