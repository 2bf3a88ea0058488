// API.md error format: { error: { code, message, details? } } with stable codes.
import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { z } from 'zod';
import { formatValidationIssues } from '../src/domain/settings';
import type { Logger } from '../src/logger';

export type ErrorCode =
  | 'INVALID_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'INVALID_SIGNATURE'
  | 'NOT_FOUND'
  | 'SLOT_FULL'
  | 'SLOT_UNAVAILABLE'
  | 'IMMEDIATE_UNAVAILABLE'
  | 'DUPLICATE_CALLBACK'
  | 'NOT_CANCELLABLE'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA'
  | 'VALIDATION_FAILED'
  | 'PHONE_NOT_ALLOWED'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

const STATUS: Record<ErrorCode, number> = {
  INVALID_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  INVALID_SIGNATURE: 403,
  NOT_FOUND: 404,
  SLOT_FULL: 409,
  SLOT_UNAVAILABLE: 409,
  IMMEDIATE_UNAVAILABLE: 409,
  DUPLICATE_CALLBACK: 409,
  NOT_CANCELLABLE: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA: 415,
  VALIDATION_FAILED: 422,
  PHONE_NOT_ALLOWED: 422,
  RATE_LIMITED: 429,
  UNAVAILABLE: 503,
};

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
  if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
    return new ApiError('INVALID_REQUEST', e.message ?? 'bad request');
  }
  return null;
}
