// Twilio webhooks: call status callbacks (real and simulated, S57) become LegEvents, and the
// hold-music wait URL (S31). Every request must carry a valid X-Twilio-Signature (S58);
// bad input is a 4xx with a stable code, never a 5xx that is our fault (S59).
import express, { type ErrorRequestHandler, type RequestHandler, type Router } from 'express';
import twilio from 'twilio';
import type { Logger } from 'pino';
import { UnknownCallError, type AcdDigits, type LegEvent } from '../../src/telephony/port';
import { DEFAULT_LANGUAGE, type Language } from '../../src/telephony/prompts';
import { mapTwilioStatus } from '../../src/telephony/twilio-status';
import { holdMusicTwiml } from '../../src/telephony/twiml';
import { holdMusicAudioUrl, STATUS_CALLBACK_RETRY } from '../../src/telephony/urls';
import { ApiError } from '../errors';

type WebhookLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

const PROJECT_ID = /^[A-Za-z0-9_-]{1,64}$/;
// Status callbacks are a few hundred bytes; anything near this is not Twilio.
const FORM_LIMIT = '16kb';

export interface TwilioWebhookDeps {
  authToken: string;
  /** The base URL Twilio was given; signatures are computed over it plus the request path. */
  publicBaseUrl: string;
  onLegEvent: (event: LegEvent) => Promise<void>;
  /** Audio URL for a project's hold music; default `${publicBaseUrl}/media/hold-music/<projectId>`. */
  holdMusicAudioUrl?: (projectId: string) => string;
  logger?: WebhookLogger;
  /** S42: answers the DTMF an ACD agent keyed in with the next TwiML. */
  acdIdentify?: (input: AcdDigits) => Promise<string>;
  /** #14.7: the language of a project's hold message; default French. */
  projectLanguage?: (projectId: string) => Promise<Language>;
}

function sendError(res: express.Response, error: ApiError) {
  res.status(error.status).json(error.toBody());
}

/** The form as flat strings, or null when a field is repeated or nested. */
function flatForm(body: unknown): Record<string, string> | null {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object') return null;
  const form: Record<string, string> = {};
  for (const [name, value] of Object.entries(body)) {
    if (typeof value !== 'string') return null;
    form[name] = value;
  }
  return form;
}

export function createTwilioWebhookRouter(deps: TwilioWebhookDeps): Router {
  const { authToken, onLegEvent, logger } = deps;
  const publicBaseUrl = deps.publicBaseUrl.replace(/\/+$/, '');
  const audioUrl = deps.holdMusicAudioUrl ?? ((projectId: string) => holdMusicAudioUrl(publicBaseUrl, projectId));

  const router = express.Router();
  const parseForm = express.urlencoded({ extended: false, limit: FORM_LIMIT, parameterLimit: 100 });

  // S58: Twilio signs the exact URL it was given plus the POST form (none for GET).
  const requireSignature: RequestHandler = (req, res, next) => {
    const signature = req.get('x-twilio-signature');
    if (!signature) return sendError(res, new ApiError('INVALID_SIGNATURE', 'missing X-Twilio-Signature header'));
    const form = flatForm(req.body);
    let valid = false;
    try {
      const url = publicBaseUrl + req.originalUrl;
      // #11.5: status callback URLs carry Twilio's retry override fragment (never sent to
      // us); whether Twilio signs the URL with or without it, both are accepted.
      valid =
        form !== null &&
        (twilio.validateRequest(authToken, signature, url, form) ||
          (req.path === '/twilio/status' &&
            twilio.validateRequest(authToken, signature, url + STATUS_CALLBACK_RETRY, form)));
    } catch {
      valid = false; // an unparsable URL cannot carry a valid signature
    }
    if (!valid)
      return sendError(res, new ApiError('INVALID_SIGNATURE', 'X-Twilio-Signature does not match the request'));
    next();
  };

  const requireForm: RequestHandler = (req, res, next) => {
    if (!req.is('application/x-www-form-urlencoded')) {
      return sendError(
        res,
        new ApiError('UNSUPPORTED_MEDIA', 'Content-Type must be application/x-www-form-urlencoded'),
      );
    }
    next();
  };

  router.post('/twilio/status', parseForm, requireForm, requireSignature, async (req, res) => {
    const form = flatForm(req.body);
    const key = req.query['key'];
    if (typeof key !== 'string' || key === '' || form === null) {
      return sendError(
        res,
        new ApiError('INVALID_REQUEST', 'a status callback needs one `key` query parameter and a flat form'),
      );
    }
    const event = mapTwilioStatus(form, { key, receivedAt: new Date() });
    if (!event) {
      return sendError(
        res,
        new ApiError('INVALID_REQUEST', 'CallSid, a known CallStatus, SequenceNumber and Timestamp must be valid'),
      );
    }
    try {
      await onLegEvent(event);
    } catch (err) {
      if (err instanceof UnknownCallError) {
        // Late or stray callbacks (e.g. after the callback ended) are ignored, not retried.
        logger?.info(
          { key, callSid: event.callSid, status: event.status },
          'status callback for an unknown call ignored',
        );
        return res.status(204).end();
      }
      // Nothing is lost: a 503 makes the sender (Twilio, or the simulated emitter) try again.
      logger?.error({ key, callSid: event.callSid, status: event.status, err }, 'status callback not delivered');
      res.set('Retry-After', '1');
      return sendError(res, new ApiError('UNAVAILABLE', 'the status event could not be delivered; retry'));
    }
    res.status(204).end();
  });

  // S42: the ACD agent's identifier, gathered by DTMF (signature-checked like every webhook).
  router.post('/twilio/acd/identify', parseForm, requireForm, requireSignature, async (req, res) => {
    const form = flatForm(req.body);
    const { key, try: tryText, first, rec } = req.query;
    const tryNumber = Number(tryText);
    if (!deps.acdIdentify) return sendError(res, new ApiError('NOT_FOUND', 'ACD identification is not configured'));
    if (typeof key !== 'string' || !Number.isInteger(tryNumber) || tryNumber < 1 || tryNumber > 20 || form === null) {
      return sendError(
        res,
        new ApiError('INVALID_REQUEST', 'an identification needs `key` and `try` query parameters'),
      );
    }
    const digits = form['Digits']?.replace(/#$/, '');
    try {
      const twiml = await deps.acdIdentify({
        key,
        tryNumber,
        ...(digits ? { digits } : {}),
        first: first === '1',
        record: rec === '1',
      });
      res.type('text/xml').send(twiml);
    } catch (err) {
      if (err instanceof UnknownCallError) return sendError(res, new ApiError('NOT_FOUND', 'unknown call'));
      logger?.error({ key, err }, 'ACD identification failed');
      res.set('Retry-After', '1');
      return sendError(res, new ApiError('UNAVAILABLE', 'identification could not be processed; retry'));
    }
  });

  const holdMusic: RequestHandler = async (req, res) => {
    const projectId = req.params['projectId'];
    if (typeof projectId !== 'string' || !PROJECT_ID.test(projectId))
      return sendError(res, new ApiError('INVALID_REQUEST', 'invalid project id'));
    let language: Language = DEFAULT_LANGUAGE;
    try {
      if (deps.projectLanguage) language = await deps.projectLanguage(projectId);
    } catch (err) {
      // The caller waits on this answer: the music in the default language beats silence.
      logger?.warn({ projectId, err }, 'hold message language unavailable; default used');
    }
    res.type('text/xml').send(holdMusicTwiml(audioUrl(projectId), language));
  };
  router.get('/twilio/hold-music/:projectId', requireSignature, holdMusic);
  router.post('/twilio/hold-music/:projectId', parseForm, requireForm, requireSignature, holdMusic);

  // Body-parser failures on these routes (too large, bad charset, bad encoding) stay 4xx.
  const formErrors: ErrorRequestHandler = (err, _req, res, next) => {
    const e = err as { type?: string; status?: number } | null;
    if (e?.type === 'entity.too.large') return sendError(res, new ApiError('PAYLOAD_TOO_LARGE', 'form too large'));
    if (e?.type === 'charset.unsupported' || e?.type === 'encoding.unsupported') {
      return sendError(res, new ApiError('UNSUPPORTED_MEDIA', 'unsupported form encoding'));
    }
    if (typeof e?.status === 'number' && e.status >= 400 && e.status < 500) {
      return sendError(res, new ApiError('INVALID_REQUEST', 'malformed form'));
    }
    next(err);
  };
  router.use('/twilio', formErrors);

  return router;
}
