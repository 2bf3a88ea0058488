// The Twilio adapter of the telephony port (S56): each leg is an outbound call that dials
// into the attempt's conference, with status callbacks to our signed webhook (S58).
import twilio from 'twilio';
import type RequestClient from 'twilio/lib/base/RequestClient';
import { maskPhone } from '../../src/domain/phone';
import { maskPhonesInText } from '../../src/logger';
import { PermanentDialError, type TelephonyLogger, type TelephonyPort } from '../../src/telephony/port';
import { fromTwilioCallStatus, STATUS_CALLBACK_EVENTS } from '../../src/telephony/twilio-status';
import { answeredLegTwiml } from '../../src/telephony/twiml';
import { STATUS_CALLBACK_RETRY, statusCallbackUrl } from '../../src/telephony/urls';

const TWILIO_API_ORIGIN = 'https://api.twilio.com';

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
          twiml: answeredLegTwiml(publicBaseUrl, req),
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
