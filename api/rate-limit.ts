// Abuse limits on booking (issue #3 "Tenancy and abuse"): per API key, and per visitor
// number so the service cannot be turned on one phone (S21's toll-fraud concern, harassment).
// In-memory counters: one API process. Several processes need a shared store (e.g. Redis).
import { createHash } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { ipKeyGenerator, rateLimit, type Options, type RateLimitInfo } from 'express-rate-limit';
import { authOf } from './auth';
import { ApiError } from './errors';

export interface BookingRateLimits {
  /** POST /v1/callbacks per API key per minute (RATE_LIMIT_BOOKINGS_PER_KEY_PER_MINUTE). */
  perApiKeyPerMinute: number;
  /** Callbacks created per phone number per hour (RATE_LIMIT_BOOKINGS_PER_PHONE_PER_HOUR). */
  perPhonePerHour: number;
  /** #13: public bookings (publishable keys) per client IP per hour (RATE_LIMIT_BOOKINGS_PER_IP_PER_HOUR). */
  perIpPerHour?: number;
}

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

/** The E.164 number the per-phone limiter counts, set once the number is parsed (S21). */
export function setRateLimitedPhone(res: Response, e164: string): void {
  res.locals.rateLimitedPhone = e164;
}

/** 429 in API.md's format, with Retry-After from the limiter's own window. */
function rateLimited(what: string) {
  return (req: Request, res: Response, next: NextFunction, options: Options) => {
    const info = (req as unknown as Record<string, RateLimitInfo | undefined>)[options.requestPropertyName];
    if (info?.resetTime)
      res.set('Retry-After', String(Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000))));
    next(new ApiError('RATE_LIMITED', `too many bookings ${what}; retry later`));
  };
}

export function bookingRateLimiters(limits: BookingRateLimits) {
  const perApiKey = rateLimit({
    windowMs: MINUTE_MS,
    limit: limits.perApiKeyPerMinute,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    requestPropertyName: 'apiKeyRateLimit',
    keyGenerator: (_req, res) => authOf(res).apiKeyId,
    handler: rateLimited('for this API key'),
  });

  const perPhone = rateLimit({
    windowMs: HOUR_MS,
    limit: limits.perPhonePerHour,
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: 'phoneRateLimit',
    // Hashed: the limiter's memory never holds a visitor's number in clear. All projects
    // share the count, since the person being called is the same.
    keyGenerator: (_req, res) => {
      const phone = res.locals.rateLimitedPhone;
      if (typeof phone !== 'string') throw new Error('per-phone limiter mounted before the number was parsed');
      return createHash('sha256').update(phone, 'utf8').digest('hex');
    },
    // Only created callbacks ring a phone; refusals and idempotent replays do not count.
    skipFailedRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode === 201,
    handler: rateLimited('for this phone number'),
  });

  // #13: a web page's visitors share the page's publishable key; each IP gets its own budget.
  // Secret keys (server to server, one IP for all visitors) are not limited per IP.
  const perIp = rateLimit({
    windowMs: HOUR_MS,
    limit: limits.perIpPerHour ?? 20,
    standardHeaders: false,
    legacyHeaders: false,
    requestPropertyName: 'ipRateLimit',
    keyGenerator: (req) => ipKeyGenerator(req.ip ?? 'unknown'),
    skip: (_req, res) => authOf(res).kind !== 'publishable',
    skipFailedRequests: true,
    requestWasSuccessful: (_req, res) => res.statusCode === 201,
    handler: rateLimited('from this address'),
  });

  return { perApiKey, perPhone, perIp };
}
