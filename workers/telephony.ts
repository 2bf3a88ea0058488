// Chooses the telephony adapter (S56): real Twilio when credentials are set, otherwise
// the simulated network (S57), whose events go through our own webhook like Twilio's.
import type { Config } from '../src/config';
import type { Db } from '../src/infra/prisma';
import type { Logger } from '../src/logger';
import type { TelephonyPort } from '../src/telephony/port';
import {
  createAcdKeypad,
  createRecordingEmitter,
  createSimulatedTelephony,
  createWebhookEmitter,
  type SimulatedClock,
} from '../activities/telephony/simulated';
import { createTwilioClient, createTwilioTelephony } from '../activities/telephony/twilio';
import { createSimulatedSoftphone } from '../src/desk/simulated-softphone';

export function createTelephony(
  config: Config,
  prisma: Db,
  logger: Logger,
  options: { timeScale?: number; clock?: SimulatedClock } = {},
): TelephonyPort & { close?: () => void } {
  if (config.telephony === 'twilio') {
    const client = createTwilioClient({
      accountSid: config.TWILIO_ACCOUNT_SID!,
      authToken: config.TWILIO_AUTH_TOKEN!,
      ...(config.TWILIO_API_BASE_URL ? { apiBaseUrl: config.TWILIO_API_BASE_URL } : {}),
    });
    return createTwilioTelephony({ client, publicBaseUrl: config.publicBaseUrl, logger });
  }
  // Talk time is a project setting (API.md talkTimeSeconds); read per call.
  const talkTime = new Map<string, number>();
  const simulated = createSimulatedTelephony({
    emit: createWebhookEmitter({ baseUrl: config.publicBaseUrl, authToken: config.webhookAuthToken }),
    emitRecording: createRecordingEmitter({ baseUrl: config.publicBaseUrl, authToken: config.webhookAuthToken }),
    talkTimeSeconds: (req) => talkTime.get(req.key) ?? 5,
    // #15: only the events the service acts on (answered, final) go through the webhook.
    progressEvents: false,
    acdKeypad: createAcdKeypad({
      baseUrl: config.publicBaseUrl,
      authToken: config.webhookAuthToken,
      digits: config.SIMULATED_ACD_IDENTIFIER,
    }),
    // #13: desk agents answer on their open desk's simulated softphone.
    deskPhone: createSimulatedSoftphone({ prisma, logger }),
    logger,
    ...options,
  });
  return {
    async placeCall(req) {
      const callback = await prisma.callback.findUnique({
        where: { id: req.callbackId },
        select: { project: { select: { callSettings: { select: { talkTimeSeconds: true } } } } },
      });
      talkTime.set(req.key, callback?.project.callSettings?.talkTimeSeconds ?? 5);
      return simulated.placeCall(req);
    },
    hangup: (callSid) => simulated.hangup(callSid),
    getCallStatus: (callSid) => simulated.getCallStatus(callSid),
    close: () => simulated.close(),
  };
}
