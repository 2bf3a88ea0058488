// The Twilio adapter of the telephony port (S56): each leg is an outbound call that dials
// into the attempt's conference, with status callbacks to our signed webhook (S58).
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import type { Logger } from 'pino';
import { maskPhone } from '../../src/domain/phone';
import { maskPhonesInText } from '../../src/logger';
import { fromTwilioCallStatus, PermanentDialError, type DialRequest, type TelephonyPort } from './port';

export type TelephonyLogger = Pick<Logger, 'info' | 'warn' | 'error'>;

const TWILIO_API_ORIGIN = 'https://api.twilio.com';

/** Status callback events we ask for; Twilio reports no-answer/busy/failed as the final one. */
export const STATUS_CALLBACK_EVENTS = ['initiated', 'ringing', 'answered', 'completed'];

/** Sends the SDK's requests to a stand-in for Twilio's REST API (DESIGN "Twilio in tests"). */
class RebasedRequestClient extends twilio.RequestClient {
  constructor(private readonly baseUrl: string) {
    super();
  }

  override request<TData>(opts: RequestClient.RequestOptions<TData>) {
    const uri = opts.uri.startsWith(TWILIO_API_ORIGIN)
      ? this.baseUrl + opts.uri.slice(TWILIO_API_ORIGIN.length)
      : opts.uri;
    return super.request({ ...opts, uri });
  }
}

export function createTwilioClient(options: {
  accountSid: string;
  authToken: string;
  apiBaseUrl?: string;
}): twilio.Twilio {
  const clientOpts: twilio.ClientOpts = {};
  if (options.apiBaseUrl) clientOpts.httpClient = new RebasedRequestClient(options.apiBaseUrl.replace(/\/+$/, ''));
  return twilio(options.accountSid, options.authToken, clientOpts);
}

export function statusCallbackUrl(publicBaseUrl: string, key: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/twilio/status?key=${encodeURIComponent(key)}`;
}

/**
 * #11.5: Twilio's connection overrides (a URL fragment, never sent to us): retry a status
 * callback up to 5 times on any failure (connection, timeout, 5xx while Temporal or the API
 * restarts), where Twilio by default retries once and only on a failed connection.
 */
export const STATUS_CALLBACK_RETRY = '#rc=5&rp=all';

/** S31: the wait URL of a project's first party, served by the webhook router as looped TwiML. */
export function holdMusicWaitUrl(publicBaseUrl: string, projectId: string): string {
  return `${publicBaseUrl.replace(/\/+$/, '')}/twilio/hold-music/${encodeURIComponent(projectId)}`;
}

/** TwiML that puts the answered leg into the attempt's conference (S30, S31, S50). */
export function conferenceTwiml(
  req: Pick<DialRequest, 'conference' | 'startConferenceOnEnter' | 'record' | 'holdMusicUrl'>,
): string {
  const response = new twilio.twiml.VoiceResponse();
  const firstParty = !req.startConferenceOnEnter;
  response.dial().conference(
    {
      startConferenceOnEnter: req.startConferenceOnEnter,
      // Either party hanging up ends the callback's conversation.
      endConferenceOnExit: true,
      beep: 'false',
      // S31: only the first party waits, on the looped hold-music TwiML.
      ...(firstParty && req.holdMusicUrl ? { waitUrl: req.holdMusicUrl, waitMethod: 'GET' } : {}),
      ...(req.record ? { record: 'record-from-start' as const } : {}),
    },
    req.conference,
  );
  return response.toString();
}

/** Where Twilio posts the DTMF an ACD agent keyed in (S42); `first`/`rec` rebuild the conference TwiML. */
export function acdIdentifyUrl(
  publicBaseUrl: string,
  req: Pick<DialRequest, 'key' | 'startConferenceOnEnter' | 'record'>,
  attempt: number,
): string {
  const query = new URLSearchParams({
    key: req.key,
    try: String(attempt),
    first: req.startConferenceOnEnter ? '0' : '1',
    rec: req.record ? '1' : '0',
  });
  return `${publicBaseUrl.replace(/\/+$/, '')}/twilio/acd/identify?${query.toString()}`;
}

/** How long the ACD agent has to key in their identifier, per try. */
export const ACD_GATHER_TIMEOUT_SECONDS = 10;

/** S42 TwiML: let the ACD's welcome message play, then gather the identifier (ends with #). */
export function acdGatherTwiml(identifyUrl: string, welcomeMessageSeconds: number, prompt?: string): string {
  const response = new twilio.twiml.VoiceResponse();
  if (prompt) response.say(prompt);
  if (welcomeMessageSeconds > 0) response.pause({ length: welcomeMessageSeconds });
  response.gather({
    input: ['dtmf'],
    finishOnKey: '#',
    timeout: ACD_GATHER_TIMEOUT_SECONDS,
    action: identifyUrl,
    method: 'POST',
  });
  // No digits before the timeout: the same action, without Digits, counts as a failed try.
  response.redirect({ method: 'POST' }, identifyUrl);
  return response.toString();
}

function forLogs(to: string): string {
  return to.startsWith('client:') ? to : maskPhone(to);
}

/** Twilio errors as typed errors; messages are masked (Twilio's may quote the number). */
function toDialError(err: unknown, action: string): Error {
  const e = err as { status?: unknown; code?: unknown; message?: unknown } | null;
  const status = typeof e?.status === 'number' ? e.status : undefined;
  const code = typeof e?.code === 'number' ? e.code : undefined;
  const detail = maskPhonesInText(typeof e?.message === 'string' ? e.message : String(err));
  if (status === undefined) {
    // Network failure: the axios error carries the request form (phone numbers), so it is not chained.
    const netCode = typeof e?.code === 'string' ? e.code : 'network error';
    return new Error(`Twilio unreachable while trying to ${action}: ${netCode}`);
  }
  const label = `HTTP ${status}${code !== undefined ? `, Twilio code ${code}` : ''}`;
  // 429 and 408 are worth retrying; any other 4xx will fail again.
  if (status >= 400 && status < 500 && status !== 429 && status !== 408) {
    return new PermanentDialError(`Twilio refused to ${action} (${label}): ${detail}`, status, code);
  }
  return new Error(`Twilio failed to ${action} (${label}): ${detail}`);
}

/** Twilio's answer when the call to hang up has already ended or never existed. */
const ALREADY_ENDED_CODES = new Set([20404, 21220]);

export function createTwilioTelephony(options: {
  client: twilio.Twilio;
  publicBaseUrl: string;
  logger?: TelephonyLogger;
}): TelephonyPort {
  const { client, publicBaseUrl, logger } = options;

  return {
    async placeCall(req) {
      let call: { sid: string };
      try {
        call = await client.calls.create({
          to: req.to,
          from: req.from,
          twiml: req.acd
            ? acdGatherTwiml(acdIdentifyUrl(publicBaseUrl, req, 1), req.acd.welcomeMessageSeconds)
            : conferenceTwiml(req),
          statusCallback: statusCallbackUrl(publicBaseUrl, req.key) + STATUS_CALLBACK_RETRY,
          statusCallbackEvent: STATUS_CALLBACK_EVENTS,
          statusCallbackMethod: 'POST',
          timeout: req.ringTimeoutSeconds,
          // S32: voicemail answers count, so detection only labels the answer.
          ...(req.detectMachine ? { machineDetection: 'Enable' } : {}),
        });
      } catch (err) {
        const error = toDialError(err, 'place the call');
        logger?.warn({ key: req.key, leg: req.leg, to: forLogs(req.to), err: error.message }, 'dial failed');
        throw error;
      }
      logger?.info({ key: req.key, leg: req.leg, to: forLogs(req.to), callSid: call.sid }, 'call placed');
      return { callSid: call.sid };
    },

    async hangup(callSid) {
      try {
        await client.calls(callSid).update({ status: 'completed' });
      } catch (err) {
        const code = (err as { code?: unknown } | null)?.code;
        if (typeof code === 'number' && ALREADY_ENDED_CODES.has(code)) {
          logger?.info({ callSid, code }, 'hangup: call already ended');
          return;
        }
        throw toDialError(err, 'hang up');
      }
      logger?.info({ callSid }, 'call hung up');
    },

    async getCallStatus(callSid) {
      try {
        const call = await client.calls(callSid).fetch();
        return fromTwilioCallStatus(call.status);
      } catch (err) {
        const status = (err as { status?: unknown } | null)?.status;
        if (status === 404) return null;
        throw toDialError(err, 'read the call status');
      }
    },
  };
}
