// #14.7: every sentence the service speaks on a call, per project language (call settings
// `language`, default French: the product is French). One table; the TwiML builders take a
// language and read their words here, with the matching `language` attribute on <Say>.

export const LANGUAGES = ['fr', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];
export const DEFAULT_LANGUAGE: Language = 'fr';

/** Twilio <Say language="…"> per project language. */
export const VOICE_LANGUAGE: Readonly<Record<Language, 'fr-FR' | 'en-US'>> = { fr: 'fr-FR', en: 'en-US' };

export interface Prompts {
  /** S42: after the ACD's welcome message, asks the agent for their identifier. */
  acdIdentify: string;
  /** S42: the identifier keyed in is unknown (or nothing was keyed in); another try follows. */
  acdRetry: string;
  /** S42: the last try failed; the call ends (AGENT_NOT_IDENTIFIED). */
  acdFailed: string;
  /** S31: said once to the first party before the hold music loops. */
  hold: string;
}

export const PROMPTS: Readonly<Record<Language, Readonly<Prompts>>> = {
  fr: {
    acdIdentify: 'Veuillez saisir votre identifiant, puis la touche dièse.',
    acdRetry: 'Identifiant non reconnu. Veuillez saisir votre identifiant, puis la touche dièse.',
    acdFailed: 'Identification impossible. Au revoir.',
    hold: 'Merci de patienter, nous vous mettons en relation.',
  },
  en: {
    acdIdentify: 'Please key in your identifier, then the hash key.',
    acdRetry: 'Identifier not recognised. Please key in your identifier, then the hash key.',
    acdFailed: 'Identification failed. Goodbye.',
    hold: 'Please hold, we are connecting your call.',
  },
};

/** A language read from storage or a URL; anything unknown speaks the default. */
export function languageOf(value: unknown): Language {
  return (LANGUAGES as readonly unknown[]).includes(value) ? (value as Language) : DEFAULT_LANGUAGE;
}
