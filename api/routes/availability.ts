// API.md "Availability" (S5–S7): called on website page views, so it reads the settings, at
// most one presence count and one grouped count of bookings, and never asks a workflow.
import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { presenceMatters } from '../../src/callbacks/presence-read';
import { availabilityStableUntil, computeAvailability, LONGEST_SLOT_MS } from '../../src/domain/availability';
import type { Db } from '../../src/infra/prisma';
import { uncachedAvailability, type AvailabilityCache } from '../../src/store/availability-cache';
import { checkOwnership } from '../auth';
import { ApiError } from '../errors';
import { registerOperation } from '../openapi/registry';
import { isoInstant, projectParamsSchema, validate, type ValidRequest } from '../validate';

const DAY_MS = 86_400_000;
export const DEFAULT_WINDOW_DAYS = 7;
/** Bounds the slot expansion and the grouped scan one page view can ask for. */
export const MAX_WINDOW_DAYS = 31;

export const availabilityQuerySchema = z.object({
  from: isoInstant.optional().meta({ description: 'Default: now' }),
  to: isoInstant
    .optional()
    .meta({ description: `Default: from + ${DEFAULT_WINDOW_DAYS} days; at most ${MAX_WINDOW_DAYS} days after from` }),
});

export const availabilitySchema = z
  .object({
    immediate: z.object({ available: z.boolean() }),
    deferred: z.object({
      available: z.boolean(),
      slots: z.array(
        z.object({
          start: z.string().meta({ description: "ISO 8601 with the project's offset; book with it as slotStart" }),
          end: z.string(),
          capacity: z.int(),
          remaining: z.int().meta({
            description:
              'Free positions at least deferred.minimumLeadSeconds ahead (a started slot keeps its later ones)',
          }),
          nextPositionAt: z
            .string()
            .optional()
            .meta({ description: 'When a booking made now would be called; absent when remaining is 0' }),
        }),
      ),
    }),
  })
  .meta({ id: 'Availability' });

const MAX_ANSWERS_PER_INPUTS = 64;
/** Answers by window, per inputs object (dropped with it). */
const answersOf = new WeakMap<object, Map<string, { body: string; etag: string; since: number; until: number }>>();

/** The JSON answer, with its validator: express answers 304 to a matching If-None-Match. */
function send(res: Response, answer: { body: string; etag: string }): void {
  res.set('ETag', answer.etag).type('application/json').send(answer.body);
}

function windowOf(query: { from?: Date | undefined; to?: Date | undefined }, now: Date): { from: Date; to: Date } {
  const from = query.from ?? now;
  const to = query.to ?? new Date(from.getTime() + DEFAULT_WINDOW_DAYS * DAY_MS);
  const invalid = (message: string) =>
    new ApiError('VALIDATION_FAILED', 'the request is not valid', [{ path: 'query.to', message }]);
  if (to <= from) throw invalid('must be after from');
  if (to.getTime() - from.getTime() > MAX_WINDOW_DAYS * DAY_MS)
    throw invalid(`must be at most ${MAX_WINDOW_DAYS} days after from`);
  return { from, to };
}

const request = { params: projectParamsSchema, query: availabilityQuerySchema };

registerOperation({
  method: 'get',
  path: '/v1/projects/{projectId}/availability',
  summary: 'What the callbox may offer now, and deferred slots with remaining places (S5–S7)',
  tags: ['Availability'],
  scope: 'secretOrPublishable',
  request,
  responses: { 200: { description: 'Availability', schema: availabilitySchema } },
  errors: ['FORBIDDEN'],
});

export function createAvailabilityRouter(deps: {
  prisma: Db;
  clock: () => Date;
  /** #15.3: the process's cache of availability inputs (api/main.ts); default: none. */
  cache?: Pick<AvailabilityCache, 'read'>;
}): Router {
  const { clock } = deps;
  const inputsOf = deps.cache ?? uncachedAvailability(deps.prisma);
  const router = Router();
  router.get('/projects/:projectId/availability', validate(request), async (req: ValidRequest<typeof request>, res) => {
    const { projectId } = req.params;
    const now = clock();
    // The window's 422 comes after tenancy's 404/403, as for every project route.
    let window: { from: Date; to: Date } | undefined;
    let invalidWindow: unknown;
    try {
      window = windowOf(req.query, now);
    } catch (err) {
      invalidWindow = err;
    }
    // #15.3: the project (tenancy), its settings, the presence count and the bookings in one statement.
    const bookedFrom = new Date((window?.from ?? now).getTime() - LONGEST_SLOT_MS);
    const inputs = await inputsOf.read(projectId, bookedFrom, window?.to ?? now);
    if (!inputs) throw new ApiError('NOT_FOUND', `project ${projectId} not found`);
    checkOwnership(res, inputs.project);
    if (!window) throw invalidWindow;
    const { settings } = inputs;
    // #15.3: an answer computed from these inputs is served again, as the same bytes, until
    // the clock could change it (availabilityStableUntil); new inputs (a booking, presence,
    // settings) are a new object, so a change never meets an old answer.
    const key = `${req.query.from?.getTime() ?? ''}|${req.query.to?.getTime() ?? ''}`;
    let answers = answersOf.get(inputs);
    const kept = answers?.get(key);
    if (kept && kept.since <= now.getTime() && now.getTime() < kept.until) return send(res, kept);
    const input = {
      settings,
      now,
      ...window,
      availableAgents: presenceMatters(settings) ? inputs.availableAgents : 0,
      bookedPositions: settings.deferred.enabled ? inputs.bookedPositions : new Map<number, number[]>(),
    };
    const body = JSON.stringify(computeAvailability(input));
    const answer = {
      body,
      since: now.getTime(),
      etag: `W/"${createHash('sha1').update(body).digest('base64url')}"`,
      until: availabilityStableUntil(input, !req.query.from && !req.query.to),
    };
    if (!answers) answersOf.set(inputs, (answers = new Map()));
    // Explicit windows are as many as clients make up: a few are kept.
    if (answers.size >= MAX_ANSWERS_PER_INPUTS) answers.clear();
    answers.set(key, answer);
    send(res, answer);
  });
  return router;
}
