// zod request validation (S59): a middleware parses params, query and body and puts the
// parsed values back on `req`, so handlers never re-read raw input.
import type { Request, RequestHandler } from 'express';
import { z } from 'zod';
import { ApiError } from './errors';

export interface RequestSchemas {
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Request headers by their documented names (e.g. `Idempotency-Key`); parsed into `req.validHeaders`. */
  headers?: z.ZodObject;
}

type Parsed<T> = T extends z.ZodType ? z.output<T> : Record<string, never>;
type ParsedHeaders<T> = T extends z.ZodType ? z.output<T> : RawHeaders;
type RawHeaders = Record<string, string | undefined>;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The headers a route's `validate({ headers })` parsed, by their documented names. */
      validHeaders: Record<string, string | undefined>;
    }
  }
}

/** The request type a handler sees after `validate(schemas)`. */
export type ValidRequest<S extends RequestSchemas> = Request<
  Parsed<S['params']>,
  unknown,
  Parsed<S['body']>,
  Parsed<S['query']>
> & { validHeaders: ParsedHeaders<S['headers']> };

/** 422 VALIDATION_FAILED with one detail per bad path (query paths are prefixed `query.`). */
export function validate<S extends RequestSchemas>(
  schemas: S,
): RequestHandler<Parsed<S['params']>, unknown, Parsed<S['body']>, Parsed<S['query']>> {
  return (req, _res, next) => {
    for (const part of ['params', 'query', 'body'] as const) {
      const schema = schemas[part];
      if (!schema) continue;
      // A missing JSON body (no Content-Length) reaches us as undefined; treat it as {}.
      const input: unknown =
        part === 'body' ? (req.body ?? {}) : part === 'query' ? restorePlusInOffsets(req.query) : req[part];
      const result = schema.safeParse(input);
      if (!result.success) {
        return next(ApiError.validation(result.error, part === 'body' ? undefined : part));
      }
      // Express 5 exposes req.query through a getter; an own property shadows it.
      Object.defineProperty(req, part, { value: result.data, writable: true, configurable: true, enumerable: true });
    }
    if (schemas.headers) {
      const input = Object.fromEntries(Object.keys(schemas.headers.shape).map((name) => [name, req.get(name)]));
      const result = schemas.headers.safeParse(input);
      if (!result.success) return next(ApiError.validation(result.error));
      (req as unknown as { validHeaders: unknown }).validHeaders = result.data;
    }
    next();
  };
}

/**
 * `?from=2026-11-27T00:00:00+01:00` typed into curl unencoded reaches us with a space where
 * the `+` was (a form-encoded `+`). A query value shaped exactly like a date-time with a
 * space-separated offset can only come from that, so the `+` is put back before validation.
 */
const SPACED_OFFSET = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?) (\d{2}(?::?\d{2})?)$/;
export function restorePlusInOffsets(query: unknown): unknown {
  if (!query || typeof query !== 'object') return query;
  return Object.fromEntries(
    Object.entries(query).map(([key, value]) => [
      key,
      typeof value === 'string' ? value.replace(SPACED_OFFSET, '$1+$2') : value,
    ]),
  );
}

/** An ISO 8601 instant that carries its offset (API.md: times are ISO 8601 with offset). */
export const isoInstant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with offset, e.g. 2026-03-30T09:00:00+02:00' })
  .transform((text) => new Date(text));

/** Callback ids are UUIDs; anything else cannot name a callback, so it is a 404, not a 422. */
export function callbackIdOrNotFound(id: string): string {
  if (!z.guid().safeParse(id).success) throw new ApiError('NOT_FOUND', `callback ${id} not found`);
  return id;
}

/** Text PostgreSQL can store and logs can show: no NUL nor other control characters. */
export function plainText(min: number, max: number) {
  return z
    .string()
    .min(min)
    .max(max)
    .regex(/^[^\x00-\x1f\x7f-\x9f]*$/, { error: 'must not contain control characters' });
}

export const projectIdSchema = plainText(1, 200);
export const projectParamsSchema = z.object({ projectId: projectIdSchema });
export const callbackParamsSchema = z.object({ id: z.string().min(1).max(100) });
