// Every TwiML document the service answers or hands to Twilio: the conference a leg joins
// (S30, S31, S50), the ACD identification (S42) and the hold-music loop (S31).
import twilio from 'twilio';
import type { DialRequest } from './port';
import { acdIdentifyUrl, recordingStatusCallbackUrl } from './urls';

/** TwiML that puts the answered leg into the attempt's conference (S30, S31, S50). */
export function conferenceTwiml(
  req: Pick<DialRequest, 'conference' | 'startConferenceOnEnter' | 'record' | 'holdMusicUrl'>,
  /** S50: recordingStatusCallbackUrl of the leg, told when the recording is ready. */
  recordingStatusCallback?: string,
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
      ...(req.record && recordingStatusCallback
        ? {
            recordingStatusCallback,
            recordingStatusCallbackMethod: 'POST' as const,
            recordingStatusCallbackEvent: ['completed' as const, 'absent' as const],
          }
        : {}),
    },
    req.conference,
  );
  return response.toString();
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

/** S42: the last try failed: say so and hang up the ACD leg. */
export function acdFailedTwiml(message: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.say(message);
  response.hangup();
  return response.toString();
}

/** The TwiML a placed leg runs once answered: the ACD identification (S42) or the conference. */
export function answeredLegTwiml(publicBaseUrl: string, req: DialRequest): string {
  return req.acd
    ? acdGatherTwiml(acdIdentifyUrl(publicBaseUrl, req, 1), req.acd.welcomeMessageSeconds)
    : conferenceTwiml(req, recordingStatusCallbackUrl(publicBaseUrl, req.key));
}

/** S31: the wait URL's TwiML loops the audio until the second party starts the conference. */
export function holdMusicTwiml(audioUrl: string): string {
  const response = new twilio.twiml.VoiceResponse();
  response.play({ loop: 0 }, audioUrl);
  return response.toString();
}
