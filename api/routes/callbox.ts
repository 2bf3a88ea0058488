// #13: the web surfaces the API serves — the callbox script (/widget.js), a sample site that
// embeds it (/demo), the visitor's link page (/visit/<token>) and the agent desk (/desk) —
// with their JSON routes (api/routes/visitor.ts, api/routes/desk.ts).
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Client } from '@temporalio/client';
import { DEMO_PROJECT_ID, DEMO_PUBLISHABLE_KEY } from '../../prisma/seed';
import type { Config } from '../../src/config';
import { createLiveFeed } from '../../src/desk/live-feed';
import type { Db } from '../../src/infra/prisma';
import type { Logger } from '../../src/logger';
import { registerOperation } from '../openapi/registry';
import { createBundleCache, type BundleName } from '../web/bundles';
import { demoPage, deskPage, visitPage } from '../web/pages';
import { callboxDepsOf } from './callbox-deps';
import { createDeskRouter } from './desk';
import { createVisitorRouter } from './visitor';

// API.md "Web surfaces served by the API": documented in GET /v1/openapi.json like every other
// route (and so answered 405, not 404, for another method).
const page = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
registerOperation({
  method: 'get',
  path: '/widget.js',
  summary: 'The embeddable callbox: <script src=".../widget.js" data-project="…" data-key="pk_…" async>',
  tags: ['Web'],
  scope: 'none',
  responses: { 200: { description: 'The script', content: { 'application/javascript': { schema: z.string() } } } },
});
registerOperation({
  method: 'get',
  path: '/demo',
  summary: 'A sample shop page embedding the callbox (the demo project and its publishable key by default)',
  tags: ['Web'],
  scope: 'none',
  request: {
    query: z.object({
      lang: z.string().optional().meta({ description: '`en` for English; anything else is French' }),
      project: z.string().optional().meta({ description: 'Project id the widget books for (default `demo`)' }),
      key: z.string().optional().meta({ description: "That project's publishable key" }),
    }),
  },
  responses: { 200: page('The page') },
});
registerOperation({
  method: 'get',
  path: '/desk',
  summary: 'The agent desk (sign in with a token from POST /v1/agents/{id}/tokens)',
  tags: ['Web'],
  scope: 'none',
  responses: { 200: page('The page') },
});
registerOperation({
  method: 'get',
  path: '/visit/{token}',
  summary: "The visitor's signed link page (a booking's manageUrl): see, cancel or move the callback",
  description: 'The page is served for any token; its script reports an invalid or expired link.',
  tags: ['Web'],
  scope: 'none',
  request: { params: z.object({ token: z.string().min(1) }) },
  responses: { 200: page('The page') },
});

export interface CallboxSurfaceDeps {
  prisma: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  clock?: () => Date;
}

export function createCallboxSurfaces(deps: CallboxSurfaceDeps): { router: Router; close: () => Promise<void> } {
  const { prisma, temporal, config, logger } = deps;
  const clock = deps.clock ?? (() => new Date());
  const bundles = createBundleCache({ usePrebuilt: config.NODE_ENV === 'production' });
  const { visitorLinks } = callboxDepsOf(config);
  const liveFeed = createLiveFeed({ databaseUrl: config.DATABASE_URL ?? '', logger });
  const voice =
    config.TWILIO_ACCOUNT_SID &&
    config.TWILIO_API_KEY_SID &&
    config.TWILIO_API_KEY_SECRET &&
    config.TWILIO_TWIML_APP_SID
      ? {
          accountSid: config.TWILIO_ACCOUNT_SID,
          apiKeySid: config.TWILIO_API_KEY_SID,
          apiKeySecret: config.TWILIO_API_KEY_SECRET,
          twimlAppSid: config.TWILIO_TWIML_APP_SID,
          ttlSeconds: config.TWILIO_VOICE_TOKEN_TTL_SECONDS,
        }
      : null;

  const router = Router();
  const script = (name: BundleName, cacheSeconds: number) => async (_req: unknown, res: Response) => {
    const bundle = await bundles(name);
    res
      .type('application/javascript')
      .set('Cache-Control', `public, max-age=${cacheSeconds}`)
      // Embedded by other sites' pages.
      .set('Cross-Origin-Resource-Policy', 'cross-origin')
      .send(bundle.code);
  };
  router.get('/widget.js', script('widget', 300));
  router.get('/desk.js', script('desk', 60));
  router.get('/desk-voice.js', script('voice', 3600));
  router.get('/visit.js', script('visit', 60));

  const html = (res: Response, body: string) =>
    res
      .type('html')
      .set('Cache-Control', 'no-store')
      .set('X-Frame-Options', 'DENY')
      .set('Referrer-Policy', 'no-referrer')
      .send(body);

  router.get('/demo', (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    html(
      res,
      demoPage({
        projectId: typeof q.project === 'string' ? q.project : DEMO_PROJECT_ID,
        publishableKey: typeof q.key === 'string' ? q.key : DEMO_PUBLISHABLE_KEY,
        lang: q.lang === 'en' ? 'en' : 'fr',
      }),
    );
  });
  router.get('/desk', (_req, res) => html(res, deskPage()));
  router.get('/visit/:token', (req, res) => html(res, visitPage(String(req.params.token))));

  router.use(
    createVisitorRouter({
      prisma,
      temporal,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      agentTaskQueue: config.agentTaskQueue,
      logger,
      clock,
      links: visitorLinks,
    }),
  );
  const desk = createDeskRouter({
    prisma,
    temporal,
    agentTaskQueue: config.agentTaskQueue,
    logger,
    liveFeed,
    voice,
    telephony: config.telephony,
    clock,
  });
  router.use(desk.router);
  return {
    router,
    close: async () => {
      desk.closeStreams();
      await liveFeed.close();
    },
  };
}
