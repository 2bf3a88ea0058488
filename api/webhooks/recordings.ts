// S50: recording status callbacks. Twilio (and the simulated network, S57) posts one, signed
// like every webhook (S58), when a recorded conference's recording changes status; the
// leg key in the URL names the callback and the attempt, and the recording's provider id,
// duration and URL are stored against them (GET /v1/callbacks/{id} lists them).
import express, { type Router } from 'express';
import twilio from 'twilio';
import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client';
import type { Db } from '../../src/infra/prisma';
import type { Logger } from '../../src/logger';
import { parseLegKey } from '../../workflows/types';
import { ApiError } from '../errors';
import { registerOperation } from '../openapi/registry';

export const RECORDING_STATUSES = ['in-progress', 'completed', 'absent', 'failed'] as const;

export const recordingFormSchema = z
  .object({
    RecordingSid: z.string().regex(/^[A-Za-z0-9]{2,64}$/),
    RecordingStatus: z.enum(RECORDING_STATUSES),
    RecordingUrl: z.url().max(2000).optional(),
    RecordingDuration: z
      .string()
      .regex(/^\d{1,7}$/)
      .optional(),
    CallSid: z.string().max(64).optional(),
    ConferenceSid: z.string().max(64).optional(),
  })
  .loose()
  .meta({ id: 'RecordingStatusForm' });

const recordingQuerySchema = z.object({
  key: z.string().max(200).meta({ description: 'The leg key of the recorded attempt' }),
});

registerOperation({
  method: 'post',
  path: '/twilio/recording',
  summary: "S50: a recording's status (provider id, duration, URL), stored against the callback and attempt",
  tags: ['Webhooks'],
  scope: 'signature',
  request: {
    query: recordingQuerySchema,
    content: { 'application/x-www-form-urlencoded': { schema: recordingFormSchema } },
  },
  responses: { 204: { description: 'Stored (or ignored: an unknown callback)' } },
  errors: ['INVALID_REQUEST', 'UNSUPPORTED_MEDIA', 'PAYLOAD_TOO_LARGE', 'UNAVAILABLE'],
});

export interface RecordingWebhookDeps {
  prisma: Db;
  authToken: string;
  publicBaseUrl: string;
  /** 'twilio' or 'simulated': who reports the recordings. */
  provider: string;
  logger?: Logger;
}

function send(res: express.Response, error: ApiError) {
  res.status(error.status).json(error.toBody());
}

export function createRecordingWebhookRouter(deps: RecordingWebhookDeps): Router {
  const { prisma, logger } = deps;
  const publicBaseUrl = deps.publicBaseUrl.replace(/\/+$/, '');
  const router = express.Router();
  const parseForm = express.urlencoded({ extended: false, limit: '16kb', parameterLimit: 100 });

  router.post('/twilio/recording', parseForm, async (req, res) => {
    if (!req.is('application/x-www-form-urlencoded'))
      return send(res, new ApiError('UNSUPPORTED_MEDIA', 'Content-Type must be application/x-www-form-urlencoded'));
    const signature = req.get('x-twilio-signature');
    const form = (req.body ?? {}) as Record<string, unknown>;
    const flat = Object.values(form).every((v) => typeof v === 'string') ? (form as Record<string, string>) : null;
    let valid = false;
    try {
      valid =
        !!signature &&
        flat !== null &&
        twilio.validateRequest(deps.authToken, signature, publicBaseUrl + req.originalUrl, flat);
    } catch {
      valid = false;
    }
    if (!valid) return send(res, new ApiError('INVALID_SIGNATURE', 'X-Twilio-Signature missing or not matching'));
    const query = recordingQuerySchema.safeParse(req.query);
    const parsed = recordingFormSchema.safeParse(flat);
    const leg = query.success ? parseLegKey(query.data.key) : null;
    if (!parsed.success || !leg)
      return send(res, new ApiError('INVALID_REQUEST', 'a recording callback needs a leg `key` and a valid form'));
    const recording = parsed.data;
    try {
      const attempt = await prisma.attempt.findUnique({
        where: { callbackId_number: { callbackId: leg.callbackId, number: leg.attempt } },
        select: { id: true },
      });
      const fields = {
        status: recording.RecordingStatus,
        ...(recording.RecordingDuration !== undefined ? { durationSeconds: Number(recording.RecordingDuration) } : {}),
        ...(recording.RecordingUrl ? { url: recording.RecordingUrl } : {}),
      };
      await prisma.recording.upsert({
        where: { providerId: recording.RecordingSid },
        create: {
          callbackId: leg.callbackId,
          attemptId: attempt?.id ?? null,
          provider: deps.provider,
          providerId: recording.RecordingSid,
          ...fields,
        },
        update: fields,
      });
    } catch (err) {
      if (err instanceof Prisma.PrismaClientKnownRequestError && err.code === 'P2003') {
        logger?.info({ key: query.data?.key }, 'recording for an unknown callback ignored');
        return res.status(204).end();
      }
      logger?.error({ err, key: query.data?.key }, 'recording status not stored');
      res.set('Retry-After', '1');
      return send(res, new ApiError('UNAVAILABLE', 'the recording could not be stored; retry'));
    }
    res.status(204).end();
  });
  return router;
}
