// API.md error format: { error: { code, message, details? } } with stable codes.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { formatValidationIssues } from '../src/domain/settings';
import type { Logger } from '../src/logger';

/** API.md's error table plus the compatible additions; status per code, defined once. */
export const ERROR_STATUS = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INVALID_SIGNATURE: 403,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  SLOT_FULL: 409,
  SLOT_UNAVAILABLE: 409,
  IMMEDIATE_UNAVAILABLE: 409,
  DUPLICATE_CALLBACK: 409,
  NOT_CANCELLABLE: 409,
  INVALID_STATE: 409,
  AGENT_INACTIVE: 409,
  PRECONDITION_FAILED: 412,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  VALIDATION_FAILED: 422,
  PHONE_NOT_ALLOWED: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;
export const ERROR_CODES = Object.keys(ERROR_STATUS) as [ErrorCode, ...ErrorCode[]];
const STATUS: Record<ErrorCode, number> = ERROR_STATUS;

export interface ErrorDetail {
  path: string;
  message: string;
}

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = STATUS[code];
  }

  static validation(error: z.ZodError, prefix?: string): ApiError {
    const details = formatValidationIssues(error).map((d) => ({
      ...d,
      path: prefix ? (d.path ? `${prefix}.${d.path}` : prefix) : d.path,
    }));
    return new ApiError('VALIDATION_FAILED', 'the request is not valid', details);
  }

  toBody() {
    return { error: { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) } };
  }
}

export const notFoundHandler: RequestHandler = (_req, _res, next) => {
  next(new ApiError('NOT_FOUND', 'no such route'));
};

/** Maps everything thrown by a route to API.md's format; unknown errors are 500 and logged. */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const apiError = toApiError(err);
    if (apiError) {
      // RFC 9110 §11.6.1: a 401 names the scheme it wants (here Bearer, RFC 6750 §3).
      if (apiError.status === 401) res.set('WWW-Authenticate', 'Bearer realm="callbacks"');
      res.status(apiError.status).json(apiError.toBody());
      return;
    }
    logger.error({ err, method: req.method, path: req.path }, 'unhandled error');
    res.status(500).json({ error: { code: 'INTERNAL', message: 'internal error' } });
  };
}

function toApiError(err: unknown): ApiError | null {
  if (err instanceof ApiError) return err;
  const e = err as { type?: string; status?: number; message?: string };
  // body-parser's errors carry a `type`.
  if (e?.type === 'entity.parse.failed') return new ApiError('INVALID_REQUEST', 'malformed JSON body');
  if (e?.type === 'entity.too.large') return new ApiError('PAYLOAD_TOO_LARGE', 'request body too large');
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') {
    return new ApiError('UNSUPPORTED_MEDIA', e.message ?? 'unsupported encoding');
  }
  // PostgreSQL refuses text it cannot store (a NUL byte, an invalid encoding): bad input, not a
  // server fault. Routes validate such fields; this is the safety net for any that slip through.
  if (/invalid byte sequence|unsupported Unicode escape sequence|\\u0000 cannot be converted/i.test(e?.message ?? '')) {
    return new ApiError('INVALID_REQUEST', 'text with a NUL byte or an invalid encoding cannot be stored');
  }
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ApiError('INVALID_REQUEST', e.message ?? 'bad request');
  }
  return null;
}
