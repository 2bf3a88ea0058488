// The operations whose handlers live outside api/routes (health, metrics, the document itself,
// the public media and the telephony webhooks owned by api/webhooks), registered here.
import { z } from 'zod';
import { HEADERS, registerOperation } from './registry';

const text = (description: string, type: string) => ({
  description,
  content: { [type]: { schema: z.string() } },
});

registerOperation({
  method: 'get',
  path: '/healthz',
  summary: 'Health: 200 when the database and Temporal answer, else 503 naming the failing part',
  tags: ['Operations'],
  scope: 'none',
  responses: {
    200: {
      description: 'Healthy',
      schema: z.object({ status: z.string(), database: z.string(), temporal: z.string() }).meta({ id: 'Health' }),
    },
    503: {
      description: 'A part is unreachable',
      schema: z.object({ status: z.string(), database: z.string(), temporal: z.string() }),
      headers: { 'Retry-After': HEADERS.retryAfter },
    },
  },
});
registerOperation({
  method: 'get',
  path: '/livez',
  summary: 'Liveness: 200 while the process is up (no dependency checked); restart it only when this fails',
  tags: ['Operations'],
  scope: 'none',
  responses: {
    200: {
      description: 'The process is up',
      schema: z
        .object({ status: z.literal('ok'), uptimeSeconds: z.int().min(0).meta({ description: 'Process uptime' }) })
        .meta({ id: 'Liveness' }),
    },
  },
});
const readinessCheck = z
  .object({
    status: z.enum(['ok', 'unreachable', 'failing']),
    latencyMs: z.number().min(0),
    error: z.string().optional().meta({ description: 'Why the check did not pass' }),
  })
  .loose()
  .meta({ id: 'ReadinessCheck' });
const readiness = z
  .object({
    status: z.enum(['ok', 'unavailable']),
    checks: z
      .object({
        database: readinessCheck,
        temporal: readinessCheck,
        workers: readinessCheck.meta({ description: 'A worker polls the task queue' }),
        workflowStarts: readinessCheck
          .optional()
          .meta({ description: 'Recent workflow starts succeed (when the API watches them)' }),
      })
      .loose(),
  })
  .meta({ id: 'Readiness' });
registerOperation({
  method: 'get',
  path: '/readyz',
  summary: 'Readiness: 200 when bookings can be served end to end (database, Temporal, a worker polling)',
  tags: ['Operations'],
  scope: 'none',
  responses: {
    200: { description: 'Ready: every check is ok', schema: readiness },
    503: { description: 'Not ready: `checks` names the part that is not ok', schema: readiness },
  },
});
registerOperation({
  method: 'get',
  path: '/metrics',
  summary: 'Prometheus metrics of the API process',
  tags: ['Operations'],
  scope: 'none',
  responses: { 200: text('Prometheus text exposition format', 'text/plain') },
});
registerOperation({
  method: 'get',
  path: '/v1/openapi.json',
  summary: 'This document (OpenAPI 3.1)',
  tags: ['Operations'],
  scope: 'none',
  responses: {
    200: { description: 'OpenAPI 3.1 document', schema: z.object({ openapi: z.string() }).loose() },
  },
});

registerOperation({
  method: 'get',
  path: '/docs',
  summary: 'This document rendered (Swagger UI)',
  tags: ['Operations'],
  scope: 'none',
  responses: { 200: text('The page', 'text/html') },
});

const projectIdParam = z.object({ projectId: z.string().min(1).max(200) });

registerOperation({
  method: 'get',
  path: '/media/hold-music/{projectId}',
  summary: "A project's hold music, as uploaded (fetched by the telephony provider)",
  tags: ['Media'],
  scope: 'none',
  request: {
    params: projectIdParam,
    headers: z.object({ 'If-None-Match': z.string().optional() }),
  },
  responses: {
    200: {
      description: 'The audio',
      content: { 'audio/mpeg': { schema: z.string() }, 'audio/wav': { schema: z.string() } },
      headers: { ETag: HEADERS.etag },
    },
    304: { description: 'Not modified since the If-None-Match ETag' },
  },
  errors: ['NOT_FOUND'],
});

// Telephony webhooks (S58): Twilio form posts, signature-checked; answers are empty or TwiML.
const statusForm = z
  .object({
    CallSid: z.string(),
    CallStatus: z.string(),
    SequenceNumber: z.string().optional(),
    Timestamp: z.string().optional(),
  })
  .loose()
  .meta({ id: 'TwilioStatusForm' });
const form = (schema: z.ZodType) => ({ 'application/x-www-form-urlencoded': { schema } });
const webhookErrors = ['INVALID_REQUEST', 'UNSUPPORTED_MEDIA', 'PAYLOAD_TOO_LARGE'] as const;

registerOperation({
  method: 'post',
  path: '/twilio/status',
  summary: "A call leg's status callback (initiated, ringing, answered, completed…)",
  tags: ['Webhooks'],
  scope: 'signature',
  request: {
    query: z.object({ key: z.string().meta({ description: 'The leg key the service gave the call' }) }),
    content: form(statusForm),
  },
  responses: { 204: { description: 'Taken into account (or ignored: an unknown call)' } },
  errors: [...webhookErrors, 'UNAVAILABLE'],
});
registerOperation({
  method: 'post',
  path: '/twilio/acd/identify',
  summary: 'S42: the digits the ACD agent keyed in; answers TwiML (bridge, ask again or hang up)',
  tags: ['Webhooks'],
  scope: 'signature',
  request: {
    query: z.object({
      key: z.string(),
      try: z.string(),
      first: z.enum(['0', '1']).optional(),
      rec: z.enum(['0', '1']).optional(),
    }),
    content: form(z.object({ Digits: z.string().optional() }).loose()),
  },
  responses: { 200: text('TwiML', 'text/xml') },
  errors: [...webhookErrors, 'NOT_FOUND', 'UNAVAILABLE'],
});
for (const method of ['get', 'post'] as const) {
  registerOperation({
    method,
    path: '/twilio/hold-music/{projectId}',
    summary: "TwiML playing the project's hold music in a loop (the conference's wait URL, S31)",
    tags: ['Webhooks'],
    scope: 'signature',
    request: {
      params: projectIdParam,
      ...(method === 'post' ? { content: form(z.object({ CallSid: z.string().optional() }).loose()) } : {}),
    },
    responses: { 200: text('TwiML', 'text/xml') },
    errors: method === 'post' ? [...webhookErrors] : ['INVALID_REQUEST'],
  });
}
