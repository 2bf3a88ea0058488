// API.md "Settings": the call-settings document, read, replaced (PUT) or merged (PATCH).
//
// Existing bookings are never moved or dropped by a settings change. A booked callback keeps
// its slot start, position and due time (its workflow already holds that instant): a slot
// removed from the planning, shortened, moved or given a smaller capacity, or a new time
// zone, only changes what is offered and booked from now on. New bookings take the lowest
// position free under the new capacity, timed on the new slot (S20), so after a capacity
// change an old and a new booking may share a minute; `remaining` never goes below 0.
//
// Concurrent editors: every answer carries an `ETag` (a hash of the stored document); a PUT
// or PATCH with `If-Match` is refused with 412 PRECONDITION_FAILED when the document changed
// since (optimistic concurrency; without If-Match the last write wins, as before).
import { createHash } from 'node:crypto';
import { Router, type Response } from 'express';
import { z } from 'zod';
import { callSettingsSchema, type CallSettings } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { loadCallSettings, saveCallSettings } from '../../src/store/call-settings';
import { ownedProject } from '../auth';
import { ApiError } from '../errors';
import { HEADERS, registerOperation } from '../openapi/registry';
import { projectParamsSchema, validate, type ValidRequest } from '../validate';

const settingsSchema = callSettingsSchema.meta({ id: 'CallSettings' });

const ifMatchHeaders = z.object({
  'If-Match': z
    .string()
    .max(1000)
    .optional()
    .meta({ description: 'The ETag of the document this change was made from; 412 if it changed since' }),
});

const read = { params: projectParamsSchema };
const replace = { params: projectParamsSchema, body: settingsSchema, headers: ifMatchHeaders };
// The PATCH body is checked in the handler: parsing would fill in defaults, and only the
// fields given may change.
const merge = { params: projectParamsSchema, headers: ifMatchHeaders };

export function settingsEtag(settings: CallSettings): string {
  return `"${createHash('sha256').update(JSON.stringify(settings)).digest('base64url').slice(0, 27)}"`;
}

/** RFC 9110 If-Match: `*` or a list of (strong) entity tags. */
function matches(ifMatch: string | undefined, etag: string): boolean {
  if (ifMatch === undefined) return true;
  const tags = ifMatch.split(',').map((t) => t.trim());
  return tags.includes('*') || tags.includes(etag);
}

/**
 * JSON merge patch (RFC 7386) without deletion: objects merge key by key, anything else
 * replaces. An object whose `mode` changes (`distribution`: AGENTS or ACD) is replaced whole:
 * the old mode's fields do not apply to the new one, and without deletion a merge could never
 * leave ACD (found by the black-box API-client checks).
 */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) return patch;
  const base =
    target !== null && typeof target === 'object' && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  const mode = (patch as Record<string, unknown>).mode;
  if (mode !== undefined && 'mode' in base && base.mode !== mode) return patch;
  for (const [key, value] of Object.entries(patch)) {
    base[key] = mergePatch(base[key], value);
  }
  return base;
}

const tags = ['Settings'];
const stored = { description: 'The stored settings', schema: settingsSchema, headers: { ETag: HEADERS.etag } };
registerOperation({
  method: 'get',
  path: '/v1/projects/{projectId}/call-settings',
  summary: "The project's call settings document",
  tags,
  scope: 'secret',
  request: { params: projectParamsSchema },
  responses: { 200: stored },
  errors: ['FORBIDDEN'],
});
registerOperation({
  method: 'put',
  path: '/v1/projects/{projectId}/call-settings',
  summary: 'Replace the whole document atomically; omitted fields take their defaults',
  description: 'Existing bookings keep their time. To change some fields only, use PATCH.',
  tags,
  scope: 'secret',
  request: { params: projectParamsSchema, body: settingsSchema, headers: ifMatchHeaders },
  responses: { 200: stored },
  errors: ['FORBIDDEN', 'PRECONDITION_FAILED'],
});
registerOperation({
  method: 'patch',
  path: '/v1/projects/{projectId}/call-settings',
  summary: 'Change some fields; the others keep their stored values',
  description:
    'A JSON merge patch (RFC 7386) of the document: objects are merged key by key (e.g. ' +
    '`{"retry":{"intervalSeconds":60}}` keeps `retry.maxRetries`), arrays and values replace; ' +
    'an object whose `mode` changes (`distribution`) is replaced whole. ' +
    'The body is checked like a PUT body, then the merged document is checked again.',
  tags,
  scope: 'secret',
  request: { params: projectParamsSchema, headers: ifMatchHeaders, body: settingsSchema, bodyRequired: false },
  responses: { 200: stored },
  errors: ['FORBIDDEN', 'PRECONDITION_FAILED'],
});

export function createSettingsRouter(deps: {
  prisma: Db;
  /** #11.2: wakes the project's callbacks waiting for an agent once its settings changed. */
  settingsChanged?: (projectId: string) => Promise<void>;
}): Router {
  const { prisma } = deps;
  const router = Router();
  const changed = (projectId: string) => deps.settingsChanged?.(projectId);

  async function settingsOf(projectId: string) {
    const settings = await loadCallSettings(prisma, projectId);
    if (!settings) throw new ApiError('NOT_FOUND', `project ${projectId} not found`);
    return settings;
  }

  function send(res: Response, settings: CallSettings) {
    res.set('ETag', settingsEtag(settings)).json(settings);
  }

  async function current(res: Response, projectId: string, ifMatch: string | undefined) {
    await ownedProject(prisma, res, projectId);
    const settings = await settingsOf(projectId);
    if (!matches(ifMatch, settingsEtag(settings)))
      throw new ApiError('PRECONDITION_FAILED', 'the settings changed since this If-Match; read them again');
    return settings;
  }

  router.get('/projects/:projectId/call-settings', validate(read), async (req: ValidRequest<typeof read>, res) => {
    await ownedProject(prisma, res, req.params.projectId);
    send(res, await settingsOf(req.params.projectId));
  });

  // S13 and every other rule are in callSettingsSchema: one 422 detail per bad path.
  router.put(
    '/projects/:projectId/call-settings',
    validate(replace),
    async (req: ValidRequest<typeof replace>, res) => {
      await current(res, req.params.projectId, req.validHeaders['If-Match']);
      await saveCallSettings(prisma, req.params.projectId, req.body);
      await changed(req.params.projectId);
      send(res, await settingsOf(req.params.projectId));
    },
  );

  router.patch('/projects/:projectId/call-settings', validate(merge), async (req: ValidRequest<typeof merge>, res) => {
    // ValidRequest types the unvalidated body as empty; it is whatever JSON was sent.
    const patch: unknown = (req.body as unknown) ?? {};
    const given = callSettingsSchema.safeParse(patch);
    if (!given.success) throw ApiError.validation(given.error);
    const before = await current(res, req.params.projectId, req.validHeaders['If-Match']);
    const parsed = callSettingsSchema.safeParse(mergePatch(before, patch));
    if (!parsed.success) throw ApiError.validation(parsed.error);
    await saveCallSettings(prisma, req.params.projectId, parsed.data);
    await changed(req.params.projectId);
    send(res, await settingsOf(req.params.projectId));
  });

  return router;
}
