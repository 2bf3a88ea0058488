// API.md "Settings": the whole call-settings document, read and replaced atomically.
//
// Existing bookings are never moved or dropped by a settings change. A booked callback keeps
// its slot start, position and due time (its workflow already holds that instant): a slot
// removed from the planning, shortened, moved or given a smaller capacity, or a new time
// zone, only changes what is offered and booked from now on. New bookings take the lowest
// position free under the new capacity, timed on the new slot (S20), so after a capacity
// change an old and a new booking may share a minute; `remaining` never goes below 0.
import { Router } from 'express';
import { callSettingsSchema } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { loadCallSettings, saveCallSettings } from '../../src/store/call-settings';
import { ownedProject } from '../auth';
import { ApiError } from '../errors';
import { projectParamsSchema, validate, type ValidRequest } from '../validate';

const read = { params: projectParamsSchema };
const replace = { params: projectParamsSchema, body: callSettingsSchema };

export function createSettingsRouter(deps: { prisma: Db }): Router {
  const { prisma } = deps;
  const router = Router();

  async function settingsOf(projectId: string) {
    const settings = await loadCallSettings(prisma, projectId);
    if (!settings) throw new ApiError('NOT_FOUND', `project ${projectId} not found`);
    return settings;
  }

  router.get('/projects/:projectId/call-settings', validate(read), async (req: ValidRequest<typeof read>, res) => {
    await ownedProject(prisma, res, req.params.projectId);
    res.json(await settingsOf(req.params.projectId));
  });

  // S13 and every other rule are in callSettingsSchema: one 422 detail per bad path.
  router.put(
    '/projects/:projectId/call-settings',
    validate(replace),
    async (req: ValidRequest<typeof replace>, res) => {
      await ownedProject(prisma, res, req.params.projectId);
      await saveCallSettings(prisma, req.params.projectId, req.body);
      res.json(await settingsOf(req.params.projectId));
    },
  );

  return router;
}
