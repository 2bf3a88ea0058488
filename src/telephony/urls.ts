// Every URL the telephony provider is given (S56, S58): status and recording callbacks,
// the ACD identification action (S42), the hold-music wait URL and its audio (S31). The
// webhook routes in api/webhooks/ serve these paths; Twilio signs the exact URL.
import type { DialRequest } from './port';

function base(publicBaseUrl: string): string {
  return publicBaseUrl.replace(/\/+$/, '');
}

export function statusCallbackUrl(publicBaseUrl: string, key: string): string {
  return `${base(publicBaseUrl)}/twilio/status?key=${encodeURIComponent(key)}`;
}

/**
 * #11.5: Twilio's connection overrides (a URL fragment, never sent to us): retry a status
 * callback up to 5 times on any failure (connection, timeout, 5xx while Temporal or the API
 * restarts), where Twilio by default retries once and only on a failed connection.
 */
export const STATUS_CALLBACK_RETRY = '#rc=5&rp=all';

/** S50: where the provider reports a recorded conference's recording (api/webhooks/recordings.ts). */
export function recordingStatusCallbackUrl(publicBaseUrl: string, key: string): string {
  return `${base(publicBaseUrl)}/twilio/recording?key=${encodeURIComponent(key)}`;
}

/** S31: the wait URL of a project's first party, served by the webhook router as looped TwiML. */
export function holdMusicWaitUrl(publicBaseUrl: string, projectId: string): string {
  return `${base(publicBaseUrl)}/twilio/hold-music/${encodeURIComponent(projectId)}`;
}

/** S31: the audio the wait URL's TwiML plays (api/routes/hold-music.ts serves it). */
export function holdMusicAudioUrl(publicBaseUrl: string, projectId: string): string {
  return `${base(publicBaseUrl)}/media/hold-music/${encodeURIComponent(projectId)}`;
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
  return `${base(publicBaseUrl)}/twilio/acd/identify?${query.toString()}`;
}

/** S30: the conference room of an attempt; both legs join it. */
export function conferenceName(callbackId: string, attempt: number): string {
  return `cb-${callbackId}-${attempt}`;
}
