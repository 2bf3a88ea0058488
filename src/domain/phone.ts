import { parsePhoneNumberFromString, type CountryCode, type NumberType, type PhoneNumber } from 'libphonenumber-js/max';

export type PhoneRefusal = 'NOT_A_NUMBER' | 'COUNTRY_NOT_ALLOWED' | 'TYPE_NOT_ALLOWED';
export type PhoneCheck =
  { ok: true; e164: string; country: string } | { ok: false; code: PhoneRefusal; reason: string };

// S21: lines a person answers and that cost a normal call; premium-rate, shared-cost, UAN and
// personal numbers (UK 070, a known fraud range) bill the caller extra, pagers/voicemail take no call.
const DIALABLE_TYPES: ReadonlySet<NumberType> = new Set<NumberType>([
  'MOBILE',
  'FIXED_LINE',
  'FIXED_LINE_OR_MOBILE',
  'VOIP',
  'TOLL_FREE',
]);

/** No phone number, in any format, is this long; longer input is refused unparsed. */
const MAX_RAW_LENGTH = 64;
const E164 = /^\+[1-9]\d{1,14}$/;

export function isE164(text: string): boolean {
  return E164.test(text);
}

function refuse(code: PhoneRefusal, reason: string): PhoneCheck {
  return { ok: false, code, reason };
}

/** Number validity and type (S21), without the project's country list. */
function checkParsed(parsed: PhoneNumber | undefined): PhoneCheck {
  // isValid() with the full metadata refuses short codes ("3949"), wrong lengths and unassigned ranges.
  if (!parsed || !parsed.isValid()) return refuse('NOT_A_NUMBER', 'not a valid phone number');
  if (parsed.ext) return refuse('NOT_A_NUMBER', 'numbers with an extension cannot be dialed');
  const type = parsed.getType();
  if (type === undefined || !DIALABLE_TYPES.has(type)) {
    return refuse('TYPE_NOT_ALLOWED', `${(type ?? 'unknown').toLowerCase().replace(/_/g, '-')} numbers are not called`);
  }
  return { ok: true, e164: parsed.number, country: parsed.country ?? '001' };
}

/**
 * S21: a visitor's number in any common format, countries[0] being the default country;
 * accepted only when it is a dialable line of one of the project's countries.
 */
export function parseVisitorPhone(raw: string, countries: readonly string[]): PhoneCheck {
  const defaultCountry = countries[0];
  if (defaultCountry === undefined) return refuse('COUNTRY_NOT_ALLOWED', 'the project calls no country');
  if (raw.length > MAX_RAW_LENGTH) return refuse('NOT_A_NUMBER', 'not a valid phone number');
  const checked = checkParsed(
    parsePhoneNumberFromString(raw, { defaultCountry: defaultCountry as CountryCode, extract: false }),
  );
  if (checked.ok && !countries.includes(checked.country)) {
    return refuse(
      'COUNTRY_NOT_ALLOWED',
      `numbers of ${checked.country === '001' ? 'no country' : checked.country} are not called by this project`,
    );
  }
  return checked;
}

/** An E.164 number (e.g. the ACD's, S42) that is valid and of a dialable type, in any country. */
export function checkDialableE164(text: string): PhoneCheck {
  if (!isE164(text)) return refuse('NOT_A_NUMBER', 'must be an E.164 number, e.g. +33123456789');
  return checkParsed(parsePhoneNumberFromString(text, { extract: false }));
}

/** For logs (S55 / DESIGN "no number in clear"): "+33612345678" → "+33*******78". */
export function maskPhone(e164: string): string {
  if (e164.length < 8) return '*'.repeat(e164.length);
  return e164.slice(0, 3) + '*'.repeat(e164.length - 5) + e164.slice(-2);
}
