// S43: an agent's own number (or the one given at login) in any common format, read with the
// agent's first project's default country, kept only when it is a dialable line (S21 types).
// Unlike a visitor's, it may be in any country: an expert abroad still answers at home.
import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';
import { checkDialableE164, type PhoneCheck } from '../domain/phone';

export function checkAgentPhone(raw: string, defaultCountry: string | undefined): PhoneCheck {
  const compact = raw.trim();
  const parsed = parsePhoneNumberFromString(compact, {
    ...(defaultCountry ? { defaultCountry: defaultCountry as CountryCode } : {}),
    extract: false,
  });
  if (!parsed) return { ok: false, code: 'NOT_A_NUMBER', reason: 'not a valid phone number' };
  return checkDialableE164(parsed.number);
}
