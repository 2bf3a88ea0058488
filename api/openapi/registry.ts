// One OpenAPI registry. Each route module registers its operations beside its handlers,
// with the same zod schemas `validate()` uses, so the document and the validation cannot
// drift. api/openapi/index.ts renders the document (OpenAPI 3.1).
import { OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { ERROR_STATUS, type ErrorCode } from '../errors';

export const registry = new OpenAPIRegistry();

registry.registerComponent('securitySchemes', 'secretKey', {
  type: 'http',
  scheme: 'bearer',
  description: 'A secret key (`sk_…`): everything the account owns. Keep it on servers.',
});
registry.registerComponent('securitySchemes', 'publishableKey', {
  type: 'http',
  scheme: 'bearer',
  description:
    "A project's publishable key (`pk_…`): availability and booking of that project only, " +
    'from the web origins the project allows.',
});
registry.registerComponent('securitySchemes', 'twilioSignature', {
  type: 'apiKey',
  in: 'header',
  name: 'X-Twilio-Signature',
  description: "HMAC-SHA1 of the webhook's URL and form fields with the telephony account's token.",
});

export type Scope = 'secret' | 'secretOrPublishable' | 'none' | 'signature';

const SECURITY: Record<Scope, RouteConfig['security']> = {
  secret: [{ secretKey: [] }],
  secretOrPublishable: [{ secretKey: [] }, { publishableKey: [] }],
  none: [],
  signature: [{ twilioSignature: [] }],
};

const errorDetail = z.object({ path: z.string(), message: z.string() }).meta({ id: 'ErrorDetail' });

/** The error body, with `code` limited to the codes a given status can carry on a route. */
function errorBody(codes: ErrorCode[]) {
  return z.object({
    error: z.object({
      code: z.enum(codes as [ErrorCode, ...ErrorCode[]]),
      message: z.string(),
      details: z.array(errorDetail).optional(),
    }),
  });
}

/** Every code the API can answer (each response narrows `code` to its own). */
export const errorSchema = errorBody(Object.keys(ERROR_STATUS) as ErrorCode[]);
registry.registerComponent(
  'schemas',
  'Error',
  z.toJSONSchema(errorSchema, { target: 'draft-2020-12' }) as Record<string, unknown>,
);

const integerHeader = (description: string) => ({ description, schema: { type: 'integer' as const, minimum: 0 } });
const stringHeader = (description: string) => ({ description, schema: { type: 'string' as const } });

export const HEADERS = {
  retryAfter: integerHeader('Seconds to wait before retrying'),
  rateLimit: stringHeader('IETF draft-7 `RateLimit`: `limit=…, remaining=…, reset=…` (seconds)'),
  rateLimitPolicy: stringHeader('IETF draft-7 `RateLimit-Policy`: `<limit>;w=<window seconds>`'),
  idempotentReplayed: {
    description: '`true` when the answer replays an earlier request with the same Idempotency-Key',
    schema: { type: 'string' as const, enum: ['true'] },
  },
  etag: stringHeader('Version of the document; send it back in If-Match to update it'),
};

const ERROR_HEADERS: Partial<Record<number, Record<string, unknown>>> = {
  429: { 'Retry-After': HEADERS.retryAfter, RateLimit: HEADERS.rateLimit, 'RateLimit-Policy': HEADERS.rateLimitPolicy },
  503: { 'Retry-After': HEADERS.retryAfter },
};

export interface Success {
  description: string;
  /** JSON body; absent for 204 or a non-JSON body given by `content`. */
  schema?: z.ZodType;
  content?: Record<string, { schema: z.ZodType | Record<string, unknown> }>;
  headers?: Record<string, unknown>;
}

export interface Operation {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** OpenAPI path, e.g. /v1/agents/{id}. */
  path: string;
  summary: string;
  description?: string;
  tags: string[];
  scope: Scope;
  request?: {
    params?: z.ZodObject;
    query?: z.ZodObject;
    headers?: z.ZodObject;
    body?: z.ZodType;
    /** A non-JSON body (e.g. audio). */
    content?: Record<string, { schema: z.ZodType | Record<string, unknown> }>;
    bodyRequired?: boolean;
  };
  responses: Record<number, Success>;
  /** Codes beyond those implied by the scope and the request (auth, validation, not found). */
  errors?: ErrorCode[];
}

/** The codes any operation can answer given its scope and request parts. */
function impliedErrors(op: Operation): ErrorCode[] {
  const codes: ErrorCode[] = [];
  const v1 = op.path.startsWith('/v1/');
  if (op.scope === 'secret' || op.scope === 'secretOrPublishable') codes.push('UNAUTHENTICATED', 'UNAVAILABLE');
  if (op.scope === 'signature') codes.push('INVALID_SIGNATURE');
  // The /v1 JSON body parser: malformed JSON or a non-JSON Content-Type, and its size limit.
  if (v1 && op.method !== 'get' && op.method !== 'delete') codes.push('INVALID_REQUEST', 'PAYLOAD_TOO_LARGE');
  const r = op.request;
  // Only /v1 routes validate with zod (422); the webhooks and media answer 400 / 404 themselves.
  if (v1 && (r?.params || r?.query || r?.headers || r?.body)) codes.push('VALIDATION_FAILED');
  if (v1 && r?.params) codes.push('NOT_FOUND');
  return codes;
}

/** Registers one operation; call it beside the route it documents. */
export function registerOperation(op: Operation): void {
  const codes = [...new Set([...impliedErrors(op), ...(op.errors ?? [])])];
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: RouteConfig['responses'] = {};
  for (const [status, success] of Object.entries(op.responses)) {
    responses[status] = {
      description: success.description,
      ...(success.headers ? { headers: success.headers } : {}),
      ...(success.schema
        ? { content: { 'application/json': { schema: success.schema } } }
        : success.content
          ? { content: success.content }
          : {}),
    } as RouteConfig['responses'][string];
  }
  for (const [status, list] of [...byStatus].sort(([a], [b]) => a - b)) {
    responses[String(status)] = {
      description: list.join(', '),
      ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
      content: { 'application/json': { schema: errorBody(list) } },
    } as RouteConfig['responses'][string];
  }
  const r = op.request;
  registry.registerPath({
    method: op.method,
    path: op.path,
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    tags: op.tags,
    security: SECURITY[op.scope],
    request: {
      ...(r?.params ? { params: r.params } : {}),
      ...(r?.query ? { query: r.query } : {}),
      ...(r?.headers ? { headers: r.headers } : {}),
      ...(r?.body
        ? { body: { required: r.bodyRequired ?? true, content: { 'application/json': { schema: r.body } } } }
        : r?.content
          ? { body: { required: true, content: r.content } }
          : {}),
    },
    responses,
  } as RouteConfig);
}
