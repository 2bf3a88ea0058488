// Abuse limits on booking (issue #3 "Tenancy and abuse"): per API key, and per visitor
// number per project so the service cannot be turned on one phone (S21's toll-fraud concern,
// harassment) and one tenant cannot use up another's allowance (issue #10 item 7).
// The counters live in PostgreSQL (rate-limiter-flexible's RateLimiterPostgres, table
// `rate_limits`): several API processes enforce one limit. Without a store (tests, tools),
// they are in memory.
import { createHash } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Pool } from 'pg';
import {
  RateLimiterMemory,
  RateLimiterPostgres,
  RateLimiterRes,
  type RateLimiterAbstract,
} from 'rate-limiter-flexible';
import { authOf } from './auth';
import { ApiError } from './errors';

export interface BookingRateLimits {
  /** POST /v1/callbacks per API key per minute (RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE). */
  perApiKeyPerMinute: number;
  /** Callbacks created per phone number per project per hour (RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR). */
  perPhonePerHour: number;
  /** Shared counters in PostgreSQL (api/main.ts passes its pool); unset: this process's memory. */
  store?: Pool;
  /** #13: public bookings (publishable keys) per client IP per hour (RATE_LIMIT_BOOKINGS_PER_IP_PER_HOUR). */
  perIpPerHour?: number;
}

/** The table of migration 20261126100000_rate_limits. */
export const RATE_LIMIT_TABLE = 'rate_limits';

const MINUTE_S = 60;
const HOUR_S = 3600;

/** The E.164 number the per-phone limiter counts, set once the number is parsed (S21). */
export function setRateLimitedPhone(res: Response, e164: string): void {
  res.locals.rateLimitedPhone = e164;
}

function limiter(store: Pool | undefined, keyPrefix: string, points: number, duration: number): RateLimiterAbstract {
  if (!store) return new RateLimiterMemory({ keyPrefix, points, duration });
  return new RateLimiterPostgres({
    storeClient: store,
    storeType: 'pool',
    tableName: RATE_LIMIT_TABLE,
    // The migration created it: no DDL from a request path.
    tableCreated: true,
    keyPrefix,
    points,
    duration,
    clearExpiredByTimeout: true,
  });
}

/** 429 in API.md's format, with Retry-After from the limiter's own window. */
function rateLimited(res: Response, limited: RateLimiterRes, what: string): ApiError {
  res.set('Retry-After', String(Math.max(1, Math.ceil(limited.msBeforeNext / 1000))));
  return new ApiError('RATE_LIMITED', `too many bookings ${what}; retry later`);
}

function limitHeaders(res: Response, limit: number, outcome: RateLimiterRes, windowS: number): void {
  // draft-7 `RateLimit` / `RateLimit-Policy` headers, as before.
  const reset = Math.max(0, Math.ceil(outcome.msBeforeNext / 1000));
  res.set('RateLimit-Policy', `${limit};w=${windowS}`);
  res.set('RateLimit', `limit=${limit}, remaining=${Math.max(0, outcome.remainingPoints)}, reset=${reset}`);
}

export function bookingRateLimiters(limits: BookingRateLimits): {
  perApiKey: RequestHandler;
  perPhone: RequestHandler;
  perIp: RequestHandler;
} {
  const perKey = limiter(limits.store, 'key', limits.perApiKeyPerMinute, MINUTE_S);
  const perPhone = limiter(limits.store, 'phone', limits.perPhonePerHour, HOUR_S);

  const perApiKeyHandler = (_req: Request, res: Response, next: NextFunction) => {
    perKey.consume(authOf(res).apiKeyId).then(
      (outcome) => {
        limitHeaders(res, limits.perApiKeyPerMinute, outcome, MINUTE_S);
        next();
      },
      (err: unknown) => {
        if (err instanceof RateLimiterRes) return next(rateLimited(res, err, 'for this API key'));
        next(err);
      },
    );
  };

  /** Counts one booking under `key`; only created callbacks count (refusals and replays give it back). */
  const countCreated = (
    bucket: RateLimiterAbstract,
    key: string,
    what: string,
    res: Response,
    next: NextFunction,
  ): void => {
    bucket.consume(key).then(
      () => {
        res.once('finish', () => {
          if (res.statusCode !== 201) void bucket.reward(key, 1).catch(() => undefined);
        });
        next();
      },
      (err: unknown) => {
        if (err instanceof RateLimiterRes) return next(rateLimited(res, err, what));
        next(err);
      },
    );
  };

  const perPhoneHandler = (req: Request, res: Response, next: NextFunction) => {
    const phone = res.locals.rateLimitedPhone;
    if (typeof phone !== 'string') return next(new Error('per-phone limiter mounted before the number was parsed'));
    const projectId = String((req.body as { projectId?: unknown } | undefined)?.projectId ?? '');
    // Hashed: the store never holds a visitor's number in clear. Per project: one tenant's
    // bookings do not use up another's allowance.
    const key = createHash('sha256').update(`${projectId}\n${phone}`, 'utf8').digest('hex');
    countCreated(perPhone, key, 'for this phone number', res, next);
  };

  // #13: a web page's visitors share the page's publishable key; each IP gets its own budget.
  // Secret keys (server to server, one IP for all visitors) are not limited per IP.
  const perIp = limiter(limits.store, 'ip', limits.perIpPerHour ?? 20, HOUR_S);
  const perIpHandler = (req: Request, res: Response, next: NextFunction) => {
    if (authOf(res).kind !== 'publishable') return next();
    countCreated(perIp, req.ip ?? 'unknown', 'from this address', res, next);
  };

  return { perApiKey: perApiKeyHandler, perPhone: perPhoneHandler, perIp: perIpHandler };
}
