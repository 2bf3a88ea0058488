// API.md "Callbacks": book (S20–S22), read with attempts, list, cancel (S23). Handlers stay
// thin; the rules live in src/callbacks/booking.ts.
import { Router, type ErrorRequestHandler, type Response } from 'express';
import { z } from 'zod';
import type { Callback } from '../../generated/prisma/client';
import {
  bookCallback,
  cancelCallback,
  CallbackRefused,
  findReplay,
  preparedBooking,
  type BookingDeps,
  type PreparedBooking,
} from '../../src/callbacks/booking';
import { formatInZone } from '../../src/domain/time';
import type { Db } from '../../src/infra/prisma';
import { uncachedAvailability, type AvailabilityCache } from '../../src/store/availability-cache';
import { ATTEMPT_OUTCOMES, CALLBACK_END_REASONS, CALLBACK_STATUSES } from '../../workflows/types';
import type { VisitorLinks } from '../../src/visitor/link';
import { authOf, checkOwnership, ownedProject } from '../auth';
import { ApiError } from '../errors';
import { HEADERS, registerOperation } from '../openapi/registry';
import { cursorSchema, limitSchema, nextCursorSchema, pageOf } from '../pagination';
import { bookingRateLimiters, setRateLimitedPhone, type BookingRateLimits } from '../rate-limit';
import {
  callbackIdOrNotFound,
  callbackParamsSchema,
  isoInstant,
  plainText,
  projectIdSchema,
  projectParamsSchema,
  validate,
  type ValidRequest,
} from '../validate';

export const bookingRequestSchema = z
  .strictObject({
    projectId: projectIdSchema,
    phone: plainText(1, 200).meta({ description: "Any common format; the project's first country is the default" }),
    mode: z.enum(['immediate', 'deferred']),
    slotStart: isoInstant.optional().meta({ description: "Deferred: the slot's start, as listed by availability" }),
    recordingOptOut: z.boolean().default(false),
  })
  .superRefine((body, ctx) => {
    if (body.mode === 'deferred' && !body.slotStart) {
      ctx.addIssue({ code: 'custom', path: ['slotStart'], message: 'is required for a deferred callback' });
    }
    if (body.mode === 'immediate' && body.slotStart) {
      ctx.addIssue({ code: 'custom', path: ['slotStart'], message: 'must be left out for an immediate callback' });
    }
  })
  .meta({
    id: 'BookingRequest',
    description: 'slotStart is required for mode "deferred" and must be left out for "immediate"',
  });

export const idempotencyKeySchema = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x20-\x7e]+$/, { error: 'must be printable ASCII' })
  .optional()
  .meta({ description: 'S22: a repeat with the same key answers 200 with the callback the first created' });
const bookingHeaders = z.object({ 'Idempotency-Key': idempotencyKeySchema });

export const callbackSchema = z
  .object({
    id: z.string(),
    projectId: z.string(),
    mode: z.enum(['immediate', 'deferred']),
    status: z.enum(CALLBACK_STATUSES),
    phone: z.string().meta({ description: 'E.164' }),
    scheduledAt: z.string().meta({ description: "When the call is due: ISO 8601 with the project's offset (S20)" }),
    slotStart: z.string().optional(),
    position: z.int().optional().meta({ description: 'S20: 0-based position in the slot' }),
    recordingOptOut: z.boolean(),
    recorded: z.boolean(),
    createdAt: z.string(),
    endedAt: z.string().optional().meta({ description: 'Once ended' }),
    endReason: z
      .enum(CALLBACK_END_REASONS)
      .optional()
      .meta({ description: 'With status ABORTED (#11): how its workflow closed without ending it' }),
    manageUrl: z.string().optional().meta({
      description:
        "#13: the visitor's signed link to see, cancel or move the callback (when visitor links are configured)",
    }),
  })
  .meta({ id: 'Callback' });

export const attemptSchema = z
  .object({
    number: z.int(),
    startedAt: z.string(),
    endedAt: z.string().optional(),
    outcome: z.enum(ATTEMPT_OUTCOMES).optional().meta({ description: 'Once the attempt ended' }),
    agentId: z.string().optional().meta({ description: 'The agent who took or was offered the call' }),
  })
  .meta({ id: 'Attempt' });

export const recordingSchema = z
  .object({
    id: z.string().meta({ description: "The provider's recording id (Twilio's RecordingSid)" }),
    attempt: z.int().optional().meta({ description: 'Number of the recorded attempt' }),
    status: z.enum(['in-progress', 'completed', 'absent', 'failed']),
    durationSeconds: z.int().optional(),
    url: z.string().optional().meta({ description: 'Where the provider serves the audio (its credentials apply)' }),
    createdAt: z.string(),
  })
  .meta({ id: 'Recording' });

export const callbackDetailSchema = callbackSchema
  .extend({
    attempts: z.array(attemptSchema),
    recordings: z.array(recordingSchema).meta({ description: 'S50: recordings reported by the telephony provider' }),
  })
  .meta({ id: 'CallbackDetail' });

export const callbackListQuerySchema = z.object({
  status: z
    .string()
    .regex(new RegExp(`^(${CALLBACK_STATUSES.join('|')})(,(${CALLBACK_STATUSES.join('|')}))*$`), {
      error: `must be one or more of ${CALLBACK_STATUSES.join(', ')}, comma-separated`,
    })
    .transform((text) => text.split(','))
    .pipe(z.array(z.enum(CALLBACK_STATUSES)))
    .optional()
    .meta({ description: 'One status or a comma-separated list' }),
  from: isoInstant.optional().meta({ description: 'Due at or after' }),
  to: isoInstant.optional().meta({ description: 'Due before' }),
  limit: limitSchema,
  cursor: cursorSchema(z.tuple([z.iso.datetime(), z.guid()])).optional(),
});

export const callbackListSchema = z
  .object({ items: z.array(callbackSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'CallbackList' });

type CallbackView = z.output<typeof callbackSchema>;

function callbackView(row: Callback, timezone: string): CallbackView {
  const at = (date: Date) => formatInZone(date, timezone);
  return {
    id: row.id,
    projectId: row.projectId,
    mode: row.mode === 'IMMEDIATE' ? 'immediate' : 'deferred',
    status: row.status,
    phone: row.phone,
    scheduledAt: at(row.dueAt),
    ...(row.slotStart ? { slotStart: at(row.slotStart), position: row.position ?? undefined } : {}),
    recordingOptOut: row.recordingOptOut,
    recorded: row.recorded,
    createdAt: at(row.createdAt),
    ...(row.endedAt ? { endedAt: at(row.endedAt) } : {}),
    ...(row.endReason ? { endReason: row.endReason } : {}),
  };
}

/** 404 when missing, 403 when it belongs to another account's project. */
async function ownedCallback(prisma: Db, res: Response, id: string) {
  const callback = await prisma.callback.findUnique({
    where: { id: callbackIdOrNotFound(id) },
    include: {
      project: { select: { accountId: true, timezone: true } },
      attempts: { orderBy: { number: 'asc' } },
      recordings: { orderBy: { createdAt: 'asc' }, include: { attempt: { select: { number: true } } } },
    },
  });
  if (!callback) throw new ApiError('NOT_FOUND', `callback ${id} not found`);
  if (callback.project.accountId !== authOf(res).accountId)
    throw new ApiError('FORBIDDEN', 'callback of another account');
  return callback;
}

/** The booking rules' refusals in API.md's error format. */
const refusalsAsApiErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  next(err instanceof CallbackRefused ? new ApiError(err.code, err.message, err.details) : err);
};

export interface CallbacksRouterDeps extends BookingDeps {
  rateLimits: BookingRateLimits;
  /** #13: signs the visitor's manage link returned as `manageUrl` with a booking. */
  visitorLinks?: VisitorLinks;
  /** #15.3: the project, settings and presence count of a booking from memory (api/main.ts). */
  availabilityCache?: Pick<AvailabilityCache, 'read'>;
}

const booking = { body: bookingRequestSchema, headers: bookingHeaders };
const projectList = { params: projectParamsSchema, query: callbackListQuerySchema };
const byId = { params: callbackParamsSchema };

const tags = ['Callbacks'];
registerOperation({
  method: 'post',
  path: '/v1/callbacks',
  summary: 'Book a callback, immediate or in a deferred slot (S20–S22)',
  tags,
  scope: 'secretOrPublishable',
  request: { body: bookingRequestSchema, headers: bookingHeaders },
  responses: {
    201: {
      description: 'Created',
      schema: callbackSchema,
      headers: { RateLimit: HEADERS.rateLimit, 'RateLimit-Policy': HEADERS.rateLimitPolicy },
    },
    200: {
      description: 'Idempotent replay: the callback an earlier request with this Idempotency-Key created',
      schema: callbackSchema,
      headers: { 'Idempotent-Replayed': HEADERS.idempotentReplayed, RateLimit: HEADERS.rateLimit },
    },
  },
  errors: [
    'FORBIDDEN',
    'NOT_FOUND',
    'SLOT_FULL',
    'SLOT_UNAVAILABLE',
    'IMMEDIATE_UNAVAILABLE',
    'DUPLICATE_CALLBACK',
    'PHONE_NOT_ALLOWED',
    'RATE_LIMITED',
  ],
});
registerOperation({
  method: 'get',
  path: '/v1/callbacks/{id}',
  summary: 'A callback with its attempts (S23, S34)',
  tags,
  scope: 'secret',
  request: { params: callbackParamsSchema },
  responses: { 200: { description: 'The callback', schema: callbackDetailSchema } },
  errors: ['FORBIDDEN'],
});
registerOperation({
  method: 'post',
  path: '/v1/callbacks/{id}/cancel',
  summary: 'Cancel a callback before it connects (S23)',
  tags,
  scope: 'secret',
  request: { params: callbackParamsSchema },
  responses: { 200: { description: 'Cancelled', schema: callbackSchema } },
  errors: ['FORBIDDEN', 'NOT_CANCELLABLE'],
});
registerOperation({
  method: 'get',
  path: '/v1/projects/{projectId}/callbacks',
  summary: "A project's callbacks by due time (cursor-paged)",
  tags,
  scope: 'secret',
  request: { params: projectParamsSchema, query: callbackListQuerySchema },
  responses: { 200: { description: 'Callbacks', schema: callbackListSchema } },
  errors: ['FORBIDDEN'],
});

export function createCallbacksRouter(deps: CallbacksRouterDeps): Router {
  const { prisma } = deps;
  const limiters = bookingRateLimiters(deps.rateLimits);
  const inputsOf = deps.availabilityCache ?? uncachedAvailability(prisma);
  const router = Router();
  /** #13: the visitor's signed link to see, cancel or move this callback (no phone number in it). */
  const manageUrlOf = (row: Callback) => {
    const links = deps.visitorLinks;
    if (!links) return {};
    return { manageUrl: links.url(links.sign({ callbackId: row.id, expiresAt: links.expiryFor(row.dueAt) })) };
  };

  router.post(
    '/callbacks',
    limiters.perApiKey,
    limiters.perIp,
    validate(booking),
    // Tenancy, settings, the phone check (S21) and idempotent replays (S22), before the
    // per-number limiter so that it counts numbers, and so replays are never limited.
    async (req: ValidRequest<typeof booking>, res, next) => {
      const idempotencyKey = req.validHeaders['Idempotency-Key'];
      const { body } = req;
      // #15.3: the project (tenancy), its settings and the presence count in one read (none
      // when the availability cache holds them), instead of three.
      const now = deps.clock();
      const inputs = await inputsOf.read(body.projectId, now, new Date(now.getTime() + 1));
      if (!inputs) throw new ApiError('NOT_FOUND', `project ${body.projectId} not found`);
      checkOwnership(res, inputs.project);
      const prepared = preparedBooking(
        {
          projectId: body.projectId,
          phone: body.phone,
          mode: body.mode === 'immediate' ? 'IMMEDIATE' : 'DEFERRED',
          ...(body.slotStart ? { slotStart: body.slotStart } : {}),
          recordingOptOut: body.recordingOptOut,
          ...(idempotencyKey ? { idempotencyKey } : {}),
        },
        inputs.settings,
        inputs.availableAgents,
      );
      const replay = await findReplay(prisma, prepared);
      // A replay answers 200 (not 201) with the same callback, as it is now.
      if (replay)
        return void res
          .status(200)
          .set('Idempotent-Replayed', 'true')
          .json({ ...callbackView(replay, prepared.settings.timezone), ...manageUrlOf(replay) });
      res.locals.booking = prepared;
      setRateLimitedPhone(res, prepared.e164);
      next();
    },
    limiters.perPhone,
    async (_req, res) => {
      const prepared = res.locals.booking as PreparedBooking;
      const { callback, created } = await bookCallback(deps, prepared);
      if (!created) res.set('Idempotent-Replayed', 'true');
      res
        .status(created ? 201 : 200)
        .json({ ...callbackView(callback, prepared.settings.timezone), ...manageUrlOf(callback) });
    },
  );

  router.get('/callbacks/:id', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const callback = await ownedCallback(prisma, res, req.params.id);
    const at = (date: Date) => formatInZone(date, callback.project.timezone);
    res.json({
      ...callbackView(callback, callback.project.timezone),
      // #13: the visitor's link again (e.g. to send it by SMS or e-mail from a back office).
      ...manageUrlOf(callback),
      attempts: callback.attempts.map((attempt) => ({
        number: attempt.number,
        startedAt: at(attempt.startedAt),
        ...(attempt.endedAt ? { endedAt: at(attempt.endedAt) } : {}),
        ...(attempt.outcome ? { outcome: attempt.outcome } : {}),
        ...(attempt.agentId ? { agentId: attempt.agentId } : {}),
      })),
      recordings: callback.recordings.map((recording) => ({
        id: recording.providerId,
        ...(recording.attempt ? { attempt: recording.attempt.number } : {}),
        status: recording.status as z.output<typeof recordingSchema>['status'],
        ...(recording.durationSeconds !== null ? { durationSeconds: recording.durationSeconds } : {}),
        ...(recording.url ? { url: recording.url } : {}),
        createdAt: at(recording.createdAt),
      })),
    } satisfies z.input<typeof callbackDetailSchema>);
  });

  router.post('/callbacks/:id/cancel', validate(byId), async (req: ValidRequest<typeof byId>, res) => {
    const callback = await ownedCallback(prisma, res, req.params.id);
    await cancelCallback(deps, callback);
    const cancelled = await prisma.callback.findUniqueOrThrow({ where: { id: callback.id } });
    res.json(callbackView(cancelled, callback.project.timezone));
  });

  router.get(
    '/projects/:projectId/callbacks',
    validate(projectList),
    async (req: ValidRequest<typeof projectList>, res) => {
      const project = await ownedProject(prisma, res, req.params.projectId);
      const { status, from, to, limit, cursor } = req.query;
      // As the availability window: an empty range is a client mistake, not an empty list.
      if (from && to && to <= from) {
        throw new ApiError('VALIDATION_FAILED', 'the request is not valid', [
          { path: 'query.to', message: 'must be after from' },
        ]);
      }
      const after = cursor ? { dueAt: new Date(cursor[0]), id: cursor[1] } : undefined;
      const rows = await prisma.callback.findMany({
        where: {
          projectId: project.id,
          ...(status ? { status: { in: status } } : {}),
          ...(from || to ? { dueAt: { ...(from ? { gte: from } : {}), ...(to ? { lt: to } : {}) } } : {}),
          ...(after ? { OR: [{ dueAt: { gt: after.dueAt } }, { dueAt: after.dueAt, id: { gt: after.id } }] } : {}),
        },
        orderBy: [{ dueAt: 'asc' }, { id: 'asc' }],
        take: limit + 1,
      });
      res.json(
        pageOf(
          rows,
          limit,
          (row) => callbackView(row, project.timezone),
          (row) => [row.dueAt.toISOString(), row.id],
        ),
      );
    },
  );

  router.use(refusalsAsApiErrors);
  return router;
}
