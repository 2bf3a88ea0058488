// S31: a project's hold music — WAV or MP3, at most 200 KB, checked by content (not by
// name or declared type) — uploaded here and served to Twilio as the conference wait audio.
import { createHash } from 'node:crypto';
import express, { type Router } from 'express';
import { MAX_HOLD_MUSIC_BYTES, checkHoldMusic } from '../../src/media/audio';
import type { Db } from '../../src/infra/prisma';
import { ownedProject } from '../auth';
import { ApiError } from '../errors';
import { registerOperation } from '../openapi/registry';
import { projectParamsSchema, validate } from '../validate';

const AUDIO_TYPES = ['audio/mpeg', 'audio/mp3', 'audio/wav', 'audio/x-wav', 'audio/wave', 'application/octet-stream'];

registerOperation({
  method: 'put',
  path: '/v1/projects/{projectId}/hold-music',
  summary: "Upload the project's hold music: WAV or MP3, at most 200 KB, checked by content (S31)",
  tags: ['Settings'],
  scope: 'secret',
  request: {
    params: projectParamsSchema,
    content: {
      'audio/mpeg': { schema: { type: 'string', format: 'binary' } },
      'audio/wav': { schema: { type: 'string', format: 'binary' } },
      'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
    },
  },
  responses: { 204: { description: 'Stored' } },
  errors: ['FORBIDDEN', 'PAYLOAD_TOO_LARGE', 'UNSUPPORTED_MEDIA'],
});

const NO_BODY = 'the request has no body: send the audio file (audio/mpeg or audio/wav)';

/** PUT /v1/projects/:projectId/hold-music (behind API-key auth). */
export function createHoldMusicRouter({ prisma }: { prisma: Db }): Router {
  const router = express.Router();
  router.put(
    '/projects/:projectId/hold-music',
    (req, _res, next) => {
      // req.is() is null (not false) without a body: that reaches the handler's empty-body check.
      if (req.is(AUDIO_TYPES) === false)
        return next(new ApiError('UNSUPPORTED_MEDIA', 'Content-Type must be audio/mpeg or audio/wav'));
      next();
    },
    // One byte over the limit is enough to answer 413 without reading the rest.
    express.raw({ type: () => true, limit: MAX_HOLD_MUSIC_BYTES }),
    validate({ params: projectParamsSchema }),
    async (req, res) => {
      const projectId = String(req.params.projectId);
      await ownedProject(prisma, res, projectId);
      const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      if (body.length === 0) throw new ApiError('UNSUPPORTED_MEDIA', NO_BODY);
      const check = checkHoldMusic(body);
      if (!check.ok) throw new ApiError(check.code, check.message);
      const row = {
        contentType: check.contentType,
        data: new Uint8Array(body),
        sha256: createHash('sha256').update(body).digest('hex'),
      };
      await prisma.holdMusic.upsert({ where: { projectId }, create: { projectId, ...row }, update: row });
      res.status(204).end();
    },
  );
  return router;
}

/** GET /media/hold-music/:projectId (public: Twilio's <Play> fetches it). */
export function createHoldMusicMediaRouter({ prisma }: { prisma: Db }): Router {
  const router = express.Router();
  router.get('/media/hold-music/:projectId', async (req, res) => {
    const music = await prisma.holdMusic.findUnique({ where: { projectId: String(req.params.projectId) } });
    if (!music) throw new ApiError('NOT_FOUND', 'no hold music for this project');
    res.set('cache-control', 'public, max-age=300').set('etag', `"${music.sha256}"`);
    if (req.get('if-none-match') === `"${music.sha256}"`) return void res.status(304).end();
    res.type(music.contentType).send(Buffer.from(music.data));
  });
  return router;
}
