// API.md "Availability" (S5–S7): called on website page views, so it reads the settings, at
// most one presence count and one grouped count of bookings, and never asks a workflow.
import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { presenceMatters } from '../../src/callbacks/presence-read';
import { availabilityStableUntil, computeAvailability, LONGEST_SLOT_MS } from '../../src/domain/availability';
import type { Db } from '../../src/infra/prisma';
import { uncachedAvailability, type AvailabilityCache } from '../../src/store/availability-cache';
import { checkOwnership, type AuthContext } from '../auth';
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
export const AVAILABILITY_CONTENT_TYPE = 'application/json; charset=utf-8';

/** An answer as sent: the JSON bytes and their weak ETag, valid from `since` until `until` (ms). */
export interface AvailabilityAnswer {
  body: Buffer;
  etag: string;
  since: number;
  until: number;
}

/** Answers by window, per inputs object (dropped with it). */
const answersOf = new WeakMap<object, Map<string, AvailabilityAnswer>>();

/** The window key of a request without `from` / `to` (the default, moving window). */
export const DEFAULT_WINDOW_KEY = '|';

/**
 * The answer already computed from these inputs for this window key that is still exact at
 * `nowMs`, or undefined (then the route computes it). Used by the route and by the short path.
 */
export function keptAvailabilityAnswer(inputs: object, key: string, nowMs: number): AvailabilityAnswer | undefined {
  const kept = answersOf.get(inputs)?.get(key);
  return kept && kept.since <= nowMs && nowMs < kept.until ? kept : undefined;
}

/** The JSON answer, with its validator: express answers 304 to a matching If-None-Match. */
function send(res: Response, answer: AvailabilityAnswer): void {
  res.set('ETag', answer.etag).set('Content-Type', AVAILABILITY_CONTENT_TYPE).send(answer.body);
}

/** The bookings an answer for a window starting at `from` needs (a slot started before it may still be open). */
export function bookedFromOf(fromMs: number): number {
  return fromMs - LONGEST_SLOT_MS;
}

/** The end of the default window for a read at `nowMs`. */
export function defaultWindowEnd(nowMs: number): number {
  return nowMs + DEFAULT_WINDOW_DAYS * DAY_MS;
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

/**
 * #15.3: the default-window answer of a project straight from memory, for the short path
 * (api/short-path.ts): the cached inputs (peek: no load), the tenancy check of the route
 * (a refusal is left to the route, which answers it), the kept answer still exact now.
 * Undefined whenever any of it is missing: the route then answers, as it always could.
 */
export function availabilityFromMemory(deps: {
  cache: Pick<AvailabilityCache, 'peek'>;
  clock: () => Date;
}): (projectId: string, auth: AuthContext) => AvailabilityAnswer | undefined {
  return (projectId, auth) => {
    const now = deps.clock().getTime();
    const inputs = deps.cache.peek(projectId, bookedFromOf(now), defaultWindowEnd(now));
    if (!inputs) return undefined;
    const { project } = inputs;
    if (project.id !== projectId || project.accountId !== auth.accountId) return undefined;
    if (auth.projectId !== null && auth.projectId !== project.id) return undefined;
    return keptAvailabilityAnswer(inputs, DEFAULT_WINDOW_KEY, now);
  };
}

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
    const bookedFrom = new Date(bookedFromOf((window?.from ?? now).getTime()));
    const inputs = await inputsOf.read(projectId, bookedFrom, window?.to ?? now);
    if (!inputs) throw new ApiError('NOT_FOUND', `project ${projectId} not found`);
    checkOwnership(res, inputs.project);
    if (!window) throw invalidWindow;
    const { settings } = inputs;
    // #15.3: an answer computed from these inputs is served again, as the same bytes, until
    // the clock could change it (availabilityStableUntil); new inputs (a booking, presence,
    // settings) are a new object, so a change never meets an old answer.
    const key = `${req.query.from?.getTime() ?? ''}|${req.query.to?.getTime() ?? ''}`;
    const kept = keptAvailabilityAnswer(inputs, key, now.getTime());
    if (kept) return send(res, kept);
    const input = {
      settings,
      now,
      ...window,
      availableAgents: presenceMatters(settings) ? inputs.availableAgents : 0,
      bookedPositions: settings.deferred.enabled ? inputs.bookedPositions : new Map<number, number[]>(),
    };
    const body = Buffer.from(JSON.stringify(computeAvailability(input)), 'utf8');
    const answer: AvailabilityAnswer = {
      body,
      since: now.getTime(),
      etag: `W/"${createHash('sha1').update(body).digest('base64url')}"`,
      until: availabilityStableUntil(input, !req.query.from && !req.query.to),
    };
    let answers = answersOf.get(inputs);
    if (!answers) answersOf.set(inputs, (answers = new Map()));
    // Explicit windows are as many as clients make up: a few are kept.
    if (answers.size >= MAX_ANSWERS_PER_INPUTS) answers.clear();
    answers.set(key, answer);
    send(res, answer);
  });
  return router;
}
