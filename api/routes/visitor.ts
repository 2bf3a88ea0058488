// #13 item 3: the visitor's own callback, through the signed link of the booking answer
// (`manageUrl`, src/visitor/link.ts). The token is the only credential: it names one callback
// and expires; no phone number is in it or in these answers (only its last two digits).
// Moving to another slot keeps the booking rules (capacity S14, one open callback per number
// S22): the new slot is checked first, the old callback is cancelled, the new one booked.
import express, { Router, type ErrorRequestHandler, type Request } from 'express';
import { z } from 'zod';
import type { Callback } from '../../generated/prisma/client';
import {
  bookCallback,
  bookedPositions,
  cancelCallback,
  CallbackRefused,
  prepareBooking,
  type BookingDeps,
} from '../../src/callbacks/booking';
import { availableAgentsFor } from '../../src/callbacks/presence-read';
import { computeAvailability, isSlotBookable, LONGEST_SLOT_MS } from '../../src/domain/availability';
import { formatInZone } from '../../src/domain/time';
import { loadCallSettings } from '../../src/store/call-settings';
import type { VisitorLinks } from '../../src/visitor/link';
import { isCancellable } from '../../workflows/types';
import { ApiError } from '../errors';
import { requireJsonBody } from '../json-body';
import { isoInstant, validate, type ValidRequest } from '../validate';

const DAY_MS = 86_400_000;

export const rebookSchema = z.strictObject({ slotStart: isoInstant }).meta({ id: 'VisitorRebook' });

export interface VisitorRouterDeps extends BookingDeps {
  links: VisitorLinks;
}

export function visitorView(row: Callback, timezone: string, links: VisitorLinks) {
  return {
    id: row.id,
    projectId: row.projectId,
    mode: row.mode === 'IMMEDIATE' ? 'immediate' : 'deferred',
    status: row.status,
    scheduledAt: formatInZone(row.dueAt, timezone),
    ...(row.slotStart ? { slotStart: formatInZone(row.slotStart, timezone) } : {}),
    timezone,
    phoneEnding: row.phone.slice(-2),
    cancellable: isCancellable(row.status),
    // Only a callback not yet started can move: one already dialling keeps its course.
    movable: row.status === 'SCHEDULED' && row.mode === 'DEFERRED',
    endedAt: row.endedAt ? formatInZone(row.endedAt, timezone) : null,
    manageUrl: links.url(links.sign({ callbackId: row.id, expiresAt: links.expiryFor(row.dueAt) })),
  };
}

const refusalsAsApiErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  next(err instanceof CallbackRefused ? new ApiError(err.code, err.message, err.details) : err);
};

const rebook = { body: rebookSchema };

export function createVisitorRouter(deps: VisitorRouterDeps): Router {
  const { prisma, links, clock } = deps;
  const router = Router();
  // JSON in (S59): another body is 400 INVALID_REQUEST, not parsed as nothing and answered 422.
  router.use('/visit/:token/api', requireJsonBody(), express.json({ limit: '4kb' }));

  async function callbackOf(req: Request) {
    const claims = links.verify(String(req.params.token ?? ''), clock());
    if (!claims) throw new ApiError('NOT_FOUND', 'this link is not valid or has expired');
    const row = await prisma.callback.findUnique({
      where: { id: claims.callbackId },
      include: { project: { select: { timezone: true } } },
    });
    if (!row) throw new ApiError('NOT_FOUND', 'this callback no longer exists');
    return row;
  }

  router.get('/visit/:token/api/callback', async (req, res) => {
    const row = await callbackOf(req);
    res.set('Cache-Control', 'no-store').json(visitorView(row, row.project.timezone, links));
  });

  router.post('/visit/:token/api/cancel', async (req, res) => {
    const row = await callbackOf(req);
    await cancelCallback(deps, row);
    const cancelled = await prisma.callback.findUniqueOrThrow({ where: { id: row.id } });
    res.json(visitorView(cancelled, row.project.timezone, links));
  });

  router.get('/visit/:token/api/availability', async (req, res) => {
    const row = await callbackOf(req);
    const settings = await loadCallSettings(prisma, row.projectId);
    if (!settings) throw new ApiError('NOT_FOUND', 'project not found');
    const now = clock();
    const to = new Date(now.getTime() + 7 * DAY_MS);
    const [availableAgents, booked] = await Promise.all([
      availableAgentsFor(prisma, row.projectId, settings),
      settings.deferred.enabled
        ? bookedPositions(prisma, row.projectId, new Date(now.getTime() - LONGEST_SLOT_MS), to)
        : new Map<number, number[]>(),
    ]);
    const availability = computeAvailability({
      settings,
      now,
      from: now,
      to,
      availableAgents,
      bookedPositions: booked,
    });
    res.set('Cache-Control', 'no-store').json({ deferred: availability.deferred });
  });

  router.post('/visit/:token/api/rebook', validate(rebook), async (req: ValidRequest<typeof rebook>, res) => {
    const row = await callbackOf(req);
    if (row.status !== 'SCHEDULED') throw new ApiError('NOT_CANCELLABLE', `callback is ${row.status}`);
    const slotStart = req.body.slotStart;
    if (row.slotStart?.getTime() === slotStart.getTime()) {
      return void res.json(visitorView(row, row.project.timezone, links));
    }
    const prepared = await prepareBooking(prisma, {
      projectId: row.projectId,
      phone: row.phone,
      mode: 'DEFERRED',
      slotStart,
      recordingOptOut: row.recordingOptOut,
    });
    // Check the new slot before letting go of the old one (S14: the booking re-checks it).
    const now = clock();
    const availableAgents = await availableAgentsFor(prisma, row.projectId, prepared.settings, 'DEFERRED');
    const bookable = isSlotBookable({ settings: prepared.settings, now, slotStart, availableAgents });
    if (!bookable.ok) throw new ApiError('SLOT_UNAVAILABLE', bookable.message);
    const held = (await bookedPositions(prisma, row.projectId, slotStart, new Date(slotStart.getTime() + 1))).get(
      slotStart.getTime(),
    );
    // A quick refusal only: the booking itself re-checks the positions still ahead (#16).
    if ((held?.length ?? 0) >= bookable.slot.capacity)
      throw new ApiError('SLOT_FULL', 'every position of this slot is booked');

    // S22: the number may have one open callback: the old one ends first.
    await cancelCallback(deps, row);
    try {
      const { callback } = await bookCallback(deps, prepared);
      res.status(201).json(visitorView(callback, row.project.timezone, links));
    } catch (err) {
      // Lost a race for the last place: put the visitor back in their old slot if it still has room.
      if (row.slotStart) {
        const restored = await bookCallback(deps, { ...prepared, slotStart: row.slotStart }).catch(() => null);
        if (restored) {
          deps.logger.info({ callbackId: restored.callback.id }, 'visitor move failed; previous slot booked again');
          const refusal = err instanceof CallbackRefused ? err : new CallbackRefused('UNAVAILABLE', 'retry');
          throw new ApiError(
            refusal.code === 'NOT_FOUND' ? 'UNAVAILABLE' : refusal.code,
            `${refusal.message}; your callback stays in its previous slot`,
            [{ path: 'manageUrl', message: visitorView(restored.callback, row.project.timezone, links).manageUrl }],
          );
        }
      }
      throw err;
    }
  });

  router.use('/visit', refusalsAsApiErrors);
  return router;
}
