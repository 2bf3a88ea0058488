// The OpenAPI 3 document of the routes in api/routes, generated from the same zod schemas
// that validate requests, served without auth at GET /v1/openapi.json (API.md).
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import { callSettingsSchema } from '../src/domain/settings';
import type { ErrorCode } from './errors';
import { availabilityQuerySchema, availabilitySchema } from './routes/availability';
import {
  bookingRequestSchema,
  callbackDetailSchema,
  callbackListQuerySchema,
  callbackListSchema,
  callbackSchema,
  idempotencyKeySchema,
} from './routes/callbacks';
import { callbackParamsSchema, projectParamsSchema } from './validate';

/** API.md's error table; `satisfies` keeps it in step with api/errors.ts. */
const ERROR_CODES = [
  'INVALID_REQUEST',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'INVALID_SIGNATURE',
  'NOT_FOUND',
  'SLOT_FULL',
  'SLOT_UNAVAILABLE',
  'IMMEDIATE_UNAVAILABLE',
  'DUPLICATE_CALLBACK',
  'NOT_CANCELLABLE',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA',
  'VALIDATION_FAILED',
  'PHONE_NOT_ALLOWED',
  'RATE_LIMITED',
  'UNAVAILABLE',
] as const satisfies readonly ErrorCode[];

const errorSchema = z
  .object({
    error: z.object({
      code: z.enum(ERROR_CODES),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

const settings = callSettingsSchema.meta({ id: 'CallSettings' });

type Status = 400 | 401 | 403 | 404 | 409 | 413 | 422 | 429 | 503;

/** Each route's possible errors, by status, naming the codes it can return. */
function errors(codes: Partial<Record<Status, ErrorCode[]>>) {
  const all: Partial<Record<Status, ErrorCode[]>> = {
    400: ['INVALID_REQUEST'],
    401: ['UNAUTHENTICATED'],
    403: ['FORBIDDEN'],
    404: ['NOT_FOUND'],
    ...codes,
  };
  return Object.fromEntries(
    Object.entries(all).map(([status, list]) => [
      status,
      { description: list.join(', '), content: { 'application/json': { schema: errorSchema } } },
    ]),
  );
}

const json = <T extends z.ZodType>(schema: T, description: string) => ({
  description,
  content: { 'application/json': { schema } },
});

function buildRegistry(): OpenAPIRegistry {
  const registry = new OpenAPIRegistry();
  const bearer = registry.registerComponent('securitySchemes', 'apiKey', { type: 'http', scheme: 'bearer' });
  const security = [{ [bearer.name]: [] }];

  registry.registerPath({
    method: 'post',
    path: '/v1/callbacks',
    summary: 'Book a callback, immediate or in a deferred slot (S20–S22)',
    security,
    request: {
      headers: z.object({ 'Idempotency-Key': idempotencyKeySchema }),
      body: { content: { 'application/json': { schema: bookingRequestSchema } } },
    },
    responses: {
      201: json(callbackSchema, 'Created'),
      200: json(callbackSchema, 'Idempotent replay: the callback an earlier request with this Idempotency-Key created'),
      ...errors({
        409: ['SLOT_FULL', 'SLOT_UNAVAILABLE', 'IMMEDIATE_UNAVAILABLE', 'DUPLICATE_CALLBACK'],
        413: ['PAYLOAD_TOO_LARGE'],
        422: ['VALIDATION_FAILED', 'PHONE_NOT_ALLOWED'],
        429: ['RATE_LIMITED'],
      }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/callbacks/{id}',
    summary: 'A callback with its attempts (S23, S34)',
    security,
    request: { params: callbackParamsSchema },
    responses: { 200: json(callbackDetailSchema, 'The callback'), ...errors({}) },
  });
  registry.registerPath({
    method: 'post',
    path: '/v1/callbacks/{id}/cancel',
    summary: 'Cancel a callback before it connects (S23)',
    security,
    request: { params: callbackParamsSchema },
    responses: {
      200: json(callbackSchema, 'Cancelled'),
      ...errors({ 409: ['NOT_CANCELLABLE'], 503: ['UNAVAILABLE'] }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/projects/{projectId}/callbacks',
    summary: "A project's callbacks by due time",
    security,
    request: { params: projectParamsSchema, query: callbackListQuerySchema },
    responses: { 200: json(callbackListSchema, 'Callbacks'), ...errors({ 422: ['VALIDATION_FAILED'] }) },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/projects/{projectId}/availability',
    summary: 'What the callbox may offer now, and deferred slots with remaining places (S5–S7)',
    security,
    request: { params: projectParamsSchema, query: availabilityQuerySchema },
    responses: { 200: json(availabilitySchema, 'Availability'), ...errors({ 422: ['VALIDATION_FAILED'] }) },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/projects/{projectId}/call-settings',
    summary: "The project's call settings document",
    security,
    request: { params: projectParamsSchema },
    responses: { 200: json(settings, 'Settings'), ...errors({}) },
  });
  registry.registerPath({
    method: 'put',
    path: '/v1/projects/{projectId}/call-settings',
    summary: 'Replace the call settings document atomically; existing bookings keep their time',
    security,
    request: { params: projectParamsSchema, body: { content: { 'application/json': { schema: settings } } } },
    responses: {
      200: json(settings, 'The stored settings'),
      ...errors({ 413: ['PAYLOAD_TOO_LARGE'], 422: ['VALIDATION_FAILED'] }),
    },
  });
  registry.registerPath({
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This document',
    responses: {
      200: { description: 'OpenAPI 3 document', content: { 'application/json': { schema: z.object({}) } } },
    },
  });
  return registry;
}

let cached: ReturnType<OpenApiGeneratorV3['generateDocument']> | undefined;

export function openApiDocument() {
  cached ??= new OpenApiGeneratorV3(buildRegistry().definitions).generateDocument({
    openapi: '3.0.3',
    info: {
      title: 'Callback service',
      version: '1',
      description: `Errors: { "error": { "code", "message", "details"? } }; codes: ${ERROR_CODES.join(', ')}.`,
    },
    servers: [{ url: '/' }],
  });
  return cached;
}

/** GET /v1/openapi.json without auth; mount in createApp's publicRouters. */
export function createOpenApiRouter(): Router {
  const router = Router();
  router.get('/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument());
  });
  return router;
}
