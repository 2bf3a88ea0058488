// S59 / API.md: JSON in. A request that carries a body which is not JSON is 400 INVALID_REQUEST
// (API.md "wrong content type"), never parsed as an empty body and answered 422. A body is
// carried with a Content-Length above 0 *or* with Transfer-Encoding (chunked uploads have no
// Content-Length: found by the black-box client checks, where `curl -H 'Transfer-Encoding:
// chunked' -H 'Content-Type: text/plain'` got 422 "projectId: expected string").
import type { Request, RequestHandler } from 'express';
import { ApiError } from './errors';

/** Media types taken as JSON bodies: JSON, and JSON merge patch (RFC 7396) for PATCH routes. */
export const JSON_MEDIA_TYPES = ['application/json', 'application/merge-patch+json'];

/** Whether the request carries a body (the rule of Node's HTTP parser and type-is). */
export function carriesBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * 400 INVALID_REQUEST for a body that is not JSON on a body-carrying method; `exempt` routes
 * take other media (the hold-music upload).
 */
export function requireJsonBody(exempt: (req: Request) => boolean = () => false): RequestHandler {
  return (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'DELETE' || req.method === 'OPTIONS') {
      return next();
    }
    if (carriesBody(req) && !req.is(JSON_MEDIA_TYPES) && !exempt(req)) {
      return next(new ApiError('INVALID_REQUEST', 'Content-Type must be application/json'));
    }
    next();
  };
}
