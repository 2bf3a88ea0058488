// Every TwiML document the service answers or hands to Twilio: the conference a leg joins
// (S30, S31, S50), the ACD identification (S42) and the hold-music loop (S31).
import twilio from 'twilio';
import type { DialRequest } from './port';
import { DEFAULT_LANGUAGE, PROMPTS, VOICE_LANGUAGE, type Language } from './prompts';
import { acdIdentifyUrl, recordingStatusCallbackUrl } from './urls';

type VoiceResponse = InstanceType<typeof twilio.twiml.VoiceResponse>;
type Sayer = Pick<VoiceResponse, 'say'>;

/** #14.7: every <Say> goes through here: the words of PROMPTS, the voice of the language. */
function say(to: Sayer, language: Language, text: string): void {
  to.say({ language: VOICE_LANGUAGE[language] }, text);
}

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

/**
 * S42 TwiML: let the ACD's welcome message play, then gather the identifier (ends with #),
 * asking for it in the project's language; the agent may key it in during the prompt.
 * A retry (`retry`: the previous identifier was not recognised) says so first.
 */
export function acdGatherTwiml(
  identifyUrl: string,
  welcomeMessageSeconds: number,
  options: { language?: Language; retry?: boolean } = {},
): string {
  const language = options.language ?? DEFAULT_LANGUAGE;
  const prompts = PROMPTS[language];
  const response = new twilio.twiml.VoiceResponse();
  if (welcomeMessageSeconds > 0) response.pause({ length: welcomeMessageSeconds });
  const gather = response.gather({
    input: ['dtmf'],
    finishOnKey: '#',
    timeout: ACD_GATHER_TIMEOUT_SECONDS,
    action: identifyUrl,
    method: 'POST',
  });
  say(gather, language, options.retry ? prompts.acdRetry : prompts.acdIdentify);
  // No digits before the timeout: the same action, without Digits, counts as a failed try.
  response.redirect({ method: 'POST' }, identifyUrl);
  return response.toString();
}

/** S42: the last try failed: say so in the project's language and hang up the ACD leg. */
export function acdFailedTwiml(language: Language = DEFAULT_LANGUAGE): string {
  const response = new twilio.twiml.VoiceResponse();
  say(response, language, PROMPTS[language].acdFailed);
  response.hangup();
  return response.toString();
}

/** The TwiML a placed leg runs once answered: the ACD identification (S42) or the conference. */
export function answeredLegTwiml(publicBaseUrl: string, req: DialRequest): string {
  return req.acd
    ? acdGatherTwiml(acdIdentifyUrl(publicBaseUrl, req, 1), req.acd.welcomeMessageSeconds, {
        ...(req.language ? { language: req.language } : {}),
      })
    : conferenceTwiml(req, recordingStatusCallbackUrl(publicBaseUrl, req.key));
}

/**
 * S31: the wait URL's TwiML: a short hold message in the project's language, then the audio
 * looped until the second party starts the conference.
 */
export function holdMusicTwiml(audioUrl: string, language: Language = DEFAULT_LANGUAGE): string {
  const response = new twilio.twiml.VoiceResponse();
  say(response, language, PROMPTS[language].hold);
  response.play({ loop: 0 }, audioUrl);
  return response.toString();
}
