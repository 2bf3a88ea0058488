// #13: what the callbox widget needs to draw itself before the visitor types anything: the
// project's time zone, default country (the phone field validates as the server does, S21),
// whether calls may be recorded (S51: the opt-out shows only then) and which modes exist.
import { Router } from 'express';
import { z } from 'zod';
import type { Db } from '../../src/infra/prisma';
import { loadCallSettings } from '../../src/store/call-settings';
import { ownedProject } from '../auth';
import { ApiError } from '../errors';
import { registerOperation } from '../openapi/registry';
import { projectParamsSchema, validate, type ValidRequest } from '../validate';

export const widgetConfigSchema = z
  .object({
    projectId: z.string(),
    name: z.string(),
    timezone: z.string().meta({ description: "The project's IANA time zone (slot times are local to it)" }),
    defaultCountry: z.string().meta({ description: 'ISO 3166 alpha-2: national numbers are read in it' }),
    countries: z.array(z.string()),
    recording: z.object({ enabled: z.boolean().meta({ description: 'S51: show the recording opt-out' }) }),
    immediate: z.object({ enabled: z.boolean() }),
    deferred: z.object({ enabled: z.boolean() }),
  })
  .meta({ id: 'WidgetConfig' });

const request = { params: projectParamsSchema };

registerOperation({
  method: 'get',
  path: '/v1/projects/{projectId}/widget-config',
  summary: 'What the callbox widget needs to draw itself: time zone, countries, recording, modes (#13)',
  description:
    "A publishable key reads only its own project's (403 FORBIDDEN otherwise, or from an origin the project " +
    'does not allow); 404 NOT_FOUND for an unknown project or one without call settings.',
  tags: ['Callbox'],
  scope: 'secretOrPublishable',
  request,
  responses: { 200: { description: 'The widget configuration', schema: widgetConfigSchema } },
  errors: ['FORBIDDEN'],
});

export function createWidgetConfigRouter(deps: { prisma: Db }): Router {
  const { prisma } = deps;
  const router = Router();
  router.get(
    '/projects/:projectId/widget-config',
    validate(request),
    async (req: ValidRequest<typeof request>, res) => {
      const project = await ownedProject(prisma, res, req.params.projectId);
      const settings = await loadCallSettings(prisma, project.id);
      if (!settings) throw new ApiError('NOT_FOUND', `project ${project.id} has no call settings`);
      const body: z.output<typeof widgetConfigSchema> = {
        projectId: project.id,
        name: project.name,
        timezone: settings.timezone,
        defaultCountry: settings.countries[0] ?? 'FR',
        countries: settings.countries,
        recording: { enabled: settings.recording.enabled && settings.recording.ratio > 0 },
        immediate: { enabled: settings.immediate.enabled },
        deferred: { enabled: settings.deferred.enabled },
      };
      res.json(body);
    },
  );
  return router;
}
