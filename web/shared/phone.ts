// The phone check the server does (S21), with the small metadata: a valid number of one of
// the project's countries, the first one being the default. The server has the last word
// (line types are checked there with the full metadata).
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/min';

export type PhoneCheck = { ok: true; e164: string } | { ok: false; reason: 'invalid' | 'country' };

export function checkPhone(raw: string, countries: string[]): PhoneCheck {
  const defaultCountry = (countries[0] ?? 'FR') as CountryCode;
  if (raw.trim().length === 0 || raw.length > 64) return { ok: false, reason: 'invalid' };
  const parsed = parsePhoneNumberFromString(raw, { defaultCountry, extract: false });
  if (!parsed || !parsed.isValid() || parsed.ext) return { ok: false, reason: 'invalid' };
  if (!countries.includes(parsed.country ?? '001')) return { ok: false, reason: 'country' };
  return { ok: true, e164: parsed.number };
}

/** An example of a national number of the default country, for the field's hint. */
export function phoneExample(country: string): string {
  return country === 'FR' ? '06 12 34 56 78' : country === 'GB' ? '07400 123456' : '';
}
