// #15.3 (S7): the short path of `GET /v1/projects/{id}/availability`. Every page view with the
// callbox calls it; once its answer is in memory (src/store/availability-cache.ts and the
// kept answers of api/routes/availability.ts) what it cost was express: the app's and /v1's
// middleware stack, body parsing set-up, validation, re-encoding the same JSON to bytes,
// pino-http. Here a read that memory can answer entirely is answered before express (the
// server's listener, api/app.ts requestListener) in a few steps, with
// exactly what the full stack would send: the same bytes, ETag, Content-Type, X-Request-Id,
// 304 to the same If-None-Match, one access-log line, and for a publishable key from one of
// its project's allowed origins the CORS headers. Anything else (another method, a query,
// another Origin, a key not in the key cache, another account's project, no kept answer,
// a conditional request other than the plain one) goes on to the full stack, which answers
// it as before, errors included. Booking limits are untouched (they are per booking).
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { maskPhonesInText, type Logger } from '../src/logger';
import { CORS_EXPOSED_HEADERS, type AuthContext } from './auth';
import type { AvailabilityAnswer } from './routes/availability';
import { AVAILABILITY_CONTENT_TYPE } from './routes/availability';

const EXPOSE = ['Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS.join(',')];

/** The exact path, no query, no trailing slash, nothing percent-encoded (else: the full stack). */
const AVAILABILITY_PATH = /^\/v1\/projects\/([^/?%]+)\/availability$/;
/** As the app's request-id middleware accepts an incoming X-Request-Id. */
export const REQUEST_ID = /^[\w.:-]{1,64}$/;

export interface ShortPathDeps {
  /** The key check from memory (api/auth.ts apiKeyAuth().fromMemory). */
  authFromMemory: (
    authorization: string | undefined,
    method: string,
    path: string,
    origin: string | undefined,
  ) => AuthContext | undefined;
  /** The default-window answer from memory (api/routes/availability.ts availabilityFromMemory). */
  availability: (projectId: string, auth: AuthContext) => AvailabilityAnswer | undefined;
  logger: Logger;
  /** Access logs as pino-http writes them (api/app.ts accessLog). */
  accessLog: boolean;
}

/** A plain revalidation: one tag, ours, and no request to bypass caches. */
function notModified(ifNoneMatch: string, etag: string, cacheControl: string | undefined): boolean | undefined {
  if (cacheControl !== undefined && /(?:^|,)\s*no-cache/.test(cacheControl)) return undefined;
  const tag = ifNoneMatch.trim();
  if (tag === etag || `W/${tag}` === etag) return true;
  // A list, `*`, or another tag: the full stack decides (it answers 200 or 304 as express does).
  return undefined;
}

/** Answers the request and returns true, or returns false without touching it (the app answers). */
export type ShortPath = (req: IncomingMessage, res: ServerResponse) => boolean;

export function availabilityShortPath(deps: ShortPathDeps): ShortPath {
  const { logger } = deps;
  return (req, res) => {
    if (req.method !== 'GET') return false;
    const headers = req.headers;
    const url = req.url ?? '';
    const match = AVAILABILITY_PATH.exec(url);
    if (!match) return false;
    const started = performance.now();
    // An Origin is answered here only for a publishable key of a project listing it (else
    // CORS and the key's origin check decide, in the full stack).
    const origin = headers.origin;
    const auth = deps.authFromMemory(headers.authorization, 'GET', url.slice('/v1'.length), origin);
    if (!auth) return false;
    const answer = deps.availability(match[1]!, auth);
    if (!answer) return false;
    let status = 200;
    const ifNoneMatch = headers['if-none-match'];
    if (ifNoneMatch !== undefined) {
      if (!notModified(ifNoneMatch, answer.etag, headers['cache-control'])) return false;
      status = 304;
    }
    // As the app's first middleware: X-Request-Id in, or a new one, echoed.
    const incoming = headers['x-request-id'];
    const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
    // As corsForProjects answers a listed origin.
    const cors = origin === undefined ? [] : ['Access-Control-Allow-Origin', origin, 'Vary', 'Origin', ...EXPOSE];
    if (status === 200) {
      res.writeHead(200, [
        'X-Request-Id',
        id,
        ...cors,
        'ETag',
        answer.etag,
        'Content-Type',
        AVAILABILITY_CONTENT_TYPE,
        'Content-Length',
        String(answer.body.length),
      ]);
      res.end(answer.body);
    } else {
      res.writeHead(304, ['X-Request-Id', id, ...cors, 'ETag', answer.etag]);
      res.end();
    }
    if (deps.accessLog && logger.isLevelEnabled('info')) {
      logger.info(
        {
          req: { id, method: 'GET', url: maskPhonesInText(url) },
          res: { statusCode: status },
          responseTime: Math.round(performance.now() - started),
        },
        'request completed',
      );
    }
    return true;
  };
}
