// Every TwiML document of src/telephony/twiml.ts: the ACD identification (S42) and the hold
// message (S31) in the project's language (#14.7: French by default, English on request),
// each <Say> with its Twilio `language` and the words of the one prompts table.
import { PROMPTS, VOICE_LANGUAGE, languageOf, type Language } from '../../src/telephony/prompts';
import type { DialRequest } from '../../src/telephony/port';
import { acdFailedTwiml, acdGatherTwiml, answeredLegTwiml, holdMusicTwiml } from '../../src/telephony/twiml';
import { acdIdentifyUrl } from '../../src/telephony/urls';

const IDENTIFY = acdIdentifyUrl('https://cb.example', { key: 'k', startConferenceOnEnter: false, record: true }, 1);
const GATHER_OPEN =
  '<Gather input="dtmf" finishOnKey="#" timeout="10" action="https://cb.example/twilio/acd/identify?key=k&amp;try=1&amp;first=1&amp;rec=1" method="POST">';

/** XML text as TwiML writes it. */
const xml = (text: string) => text.replace(/'/g, '&apos;');

test('S42: the ACD leg waits out the welcome message, then gathers the identifier ending with #', () => {
  const twiml = acdGatherTwiml(IDENTIFY, 5);
  expect(twiml).toContain('<Pause length="5"/>');
  expect(twiml.indexOf('<Pause')).toBeLessThan(twiml.indexOf('<Gather'));
  expect(twiml).toContain(GATHER_OPEN);
  // No digits before the timeout: the same action again, without Digits (a failed try).
  expect(twiml).toContain(`<Redirect method="POST">${IDENTIFY.replace(/&/g, '&amp;')}</Redirect>`);
});

describe.each([
  ['fr', 'fr-FR', 'Veuillez saisir votre identifiant, puis la touche dièse.'],
  ['en', 'en-US', 'Please key in your identifier, then the hash key.'],
] as const)('#14.7 prompts in %s', (language, voice, identify) => {
  test('the first gather asks for the identifier inside <Gather> (digits may come during the prompt)', () => {
    expect(acdGatherTwiml(IDENTIFY, 5, { language })).toContain(
      `${GATHER_OPEN}<Say language="${voice}">${xml(identify)}</Say></Gather>`,
    );
  });

  test('a retry says the identifier was not recognised, in the same voice', () => {
    const twiml = acdGatherTwiml(IDENTIFY, 0, { language, retry: true });
    expect(twiml).not.toContain('<Pause');
    expect(twiml).toContain(`<Say language="${voice}">${xml(PROMPTS[language].acdRetry)}</Say></Gather>`);
  });

  test('the last failed try says goodbye and hangs up', () => {
    expect(acdFailedTwiml(language)).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Say language="${voice}">${xml(PROMPTS[language].acdFailed)}</Say><Hangup/></Response>`,
    );
  });

  test('S31: the hold message is said once, then the music loops', () => {
    expect(holdMusicTwiml('https://cb.example/media/hold-music/demo', language)).toBe(
      `<?xml version="1.0" encoding="UTF-8"?><Response><Say language="${voice}">${xml(PROMPTS[language].hold)}</Say>` +
        '<Play loop="0">https://cb.example/media/hold-music/demo</Play></Response>',
    );
  });

  test("a placed ACD leg's TwiML speaks the request's language", () => {
    const req: DialRequest = {
      key: 'k',
      callbackId: 'c',
      attempt: 1,
      leg: 'agent',
      to: '+33140000005',
      from: '+33100000000',
      conference: 'cb-c-1',
      ringTimeoutSeconds: 30,
      startConferenceOnEnter: false,
      detectMachine: false,
      record: true,
      acd: { welcomeMessageSeconds: 5, identificationAttempts: 3 },
      language,
    };
    expect(answeredLegTwiml('https://cb.example', req)).toContain(`<Say language="${voice}">${xml(identify)}</Say>`);
  });
});

test('#14.7: French is the default voice, and every language has every prompt', () => {
  expect(acdGatherTwiml(IDENTIFY, 0)).toContain('<Say language="fr-FR">');
  expect(acdFailedTwiml()).toContain('<Say language="fr-FR">');
  expect(holdMusicTwiml('https://cb.example/a.mp3')).toContain('<Say language="fr-FR">');
  expect(languageOf('en')).toBe('en');
  expect(languageOf('de')).toBe('fr');
  expect(languageOf(undefined)).toBe('fr');
  const keys = Object.keys(PROMPTS.fr).sort();
  for (const language of Object.keys(PROMPTS) as Language[]) {
    expect(Object.keys(PROMPTS[language]).sort()).toEqual(keys);
    expect(VOICE_LANGUAGE[language]).toMatch(/^[a-z]{2}-[A-Z]{2}$/);
    for (const text of Object.values(PROMPTS[language])) expect(text.trim()).not.toBe('');
  }
  expect(PROMPTS.fr.acdIdentify).not.toBe(PROMPTS.en.acdIdentify);
});

test('no TwiML builder says anything outside the prompts table', () => {
  const said = [
    ...(['fr', 'en'] as const).flatMap((language) => [
      acdGatherTwiml(IDENTIFY, 5, { language }),
      acdGatherTwiml(IDENTIFY, 0, { language, retry: true }),
      acdFailedTwiml(language),
      holdMusicTwiml('https://cb.example/a.mp3', language),
    ]),
  ].flatMap((twiml) => [...twiml.matchAll(/<Say[^>]*>([^<]*)<\/Say>/g)].map((m) => m[1]!));
  const table = new Set(Object.values(PROMPTS).flatMap((p) => Object.values(p).map(xml)));
  expect(said.length).toBe(8);
  for (const text of said) expect(table).toContain(text);
});
