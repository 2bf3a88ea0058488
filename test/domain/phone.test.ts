import { checkDialableE164, isE164, maskPhone, parseVisitorPhone, type PhoneRefusal } from '../../src/domain/phone';

describe('parseVisitorPhone (S21): accepted', () => {
  it.each<[string, string[], string, string]>([
    // French mobile in every common format
    ['06 12 34 56 78', ['FR'], '+33612345678', 'FR'],
    ['0612345678', ['FR'], '+33612345678', 'FR'],
    ['+33612345678', ['FR'], '+33612345678', 'FR'],
    ['+33 6 12 34 56 78', ['FR'], '+33612345678', 'FR'],
    ['+33 (0)6 12 34 56 78', ['FR'], '+33612345678', 'FR'],
    ['0033 6 12 34 56 78', ['FR'], '+33612345678', 'FR'],
    ['06.12.34.56.78', ['FR'], '+33612345678', 'FR'],
    ['06-12-34-56-78', ['FR'], '+33612345678', 'FR'],
    [' 06 12 34 56 78 ', ['FR'], '+33612345678', 'FR'],
    ['07 81 23 45 67', ['FR'], '+33781234567', 'FR'],
    // French fixed line, VoIP (09) and toll-free (0800)
    ['01 23 45 67 89', ['FR'], '+33123456789', 'FR'],
    ['+33 4 72 00 00 00', ['FR'], '+33472000000', 'FR'],
    ['09 12 34 56 78', ['FR'], '+33912345678', 'FR'],
    ['0800 12 34 56', ['FR'], '+33800123456', 'FR'],
    // Several countries: the first is the default for national formats
    ['+49 30 12345678', ['FR', 'DE'], '+493012345678', 'DE'],
    ['+4915123456789', ['FR', 'DE'], '+4915123456789', 'DE'],
    ['030 12345678', ['DE', 'FR'], '+493012345678', 'DE'],
    ['06 12 34 56 78', ['FR', 'DE'], '+33612345678', 'FR'],
    ['+33 6 12 34 56 78', ['DE', 'FR'], '+33612345678', 'FR'],
    ['+590 590 12 34 56', ['FR', 'GP'], '+590590123456', 'GP'],
    ['(212) 555-0123', ['US'], '+12125550123', 'US'],
  ])('%j with %j → %s (%s)', (raw, countries, e164, country) => {
    expect(parseVisitorPhone(raw, countries)).toEqual({ ok: true, e164, country });
  });
});

describe('parseVisitorPhone (S21): refused', () => {
  it.each<[string, string, string[], PhoneRefusal, RegExp]>([
    ['French premium rate 0892', '08 92 12 34 56', ['FR'], 'TYPE_NOT_ALLOWED', /premium-rate/],
    ['French premium rate 0899', '0899123456', ['FR'], 'TYPE_NOT_ALLOWED', /premium-rate/],
    ['French premium rate, international format', '+33 8 97 12 34 56', ['FR'], 'TYPE_NOT_ALLOWED', /premium-rate/],
    ['French shared cost 0810', '0810 12 34 56', ['FR'], 'TYPE_NOT_ALLOWED', /shared-cost/],
    ['French shared cost 0820', '0820123456', ['FR'], 'TYPE_NOT_ALLOWED', /shared-cost/],
    ['UK personal number 070', '+44 70 1123 4567', ['GB'], 'TYPE_NOT_ALLOWED', /personal-number/],
    ['UK universal access number 03', '+44 300 123 4567', ['GB'], 'TYPE_NOT_ALLOWED', /uan/],
    ['short number 3949', '3949', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['emergency short code 112', '112', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['short number 36 15', '36 15', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['too few digits', '06 12 34 56', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['too many digits', '06 12 34 56 78 90', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['an extension cannot be dialed', '+33 1 23 45 67 89 ext. 12', ['FR'], 'NOT_A_NUMBER', /extension/],
    ['German number, France only', '+49 30 12345678', ['FR'], 'COUNTRY_NOT_ALLOWED', /DE/],
    ['German mobile, France only', '+4915123456789', ['FR'], 'COUNTRY_NOT_ALLOWED', /DE/],
    ['German number with 00 prefix, France only', '0049 30 12345678', ['FR'], 'COUNTRY_NOT_ALLOWED', /DE/],
    ['French number, Germany only', '+33612345678', ['DE'], 'COUNTRY_NOT_ALLOWED', /FR/],
    ['Guadeloupe number, France only', '+590 590 12 34 56', ['FR'], 'COUNTRY_NOT_ALLOWED', /GP/],
    ['Canadian number, US only', '+1 416 555 0123', ['US'], 'COUNTRY_NOT_ALLOWED', /CA/],
    ['international freephone +800, no country', '+800 1234 5678', ['FR'], 'COUNTRY_NOT_ALLOWED', /no country/],
    ['garbage', 'garbage', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['empty', '', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['blank', '   ', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['letters and digits', 'abc123', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['a number followed by text', '+33612345678garbage', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['a sentence containing a number', 'call me at 0612345678', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['two numbers', '06 12 34 56 78 / 01 23 45 67 89', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['a tel: URI', 'tel:+33612345678', ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['a very long input', '0'.repeat(10_000), ['FR'], 'NOT_A_NUMBER', /not a valid/],
    ['a project without countries', '06 12 34 56 78', [], 'COUNTRY_NOT_ALLOWED', /no country/],
  ])('%s', (_name, raw, countries, code, reason) => {
    expect(parseVisitorPhone(raw, countries)).toEqual({ ok: false, code, reason: expect.stringMatching(reason) });
  });
});

describe('checkDialableE164 (ACD numbers, S42)', () => {
  it.each<[string, boolean]>([
    ['+33123456789', true],
    ['+33612345678', true],
    ['+33800123456', true],
    ['+493012345678', true],
    ['+12125550123', true],
    ['+33892123456', false], // premium rate
    ['+33810123456', false], // shared cost
    ['+3312', false],
    ['0123456789', false],
    ['+33 1 23 45 67 89', false], // E.164 has no spaces
    ['', false],
  ])('%j → %p', (number, ok) => {
    expect(checkDialableE164(number).ok).toBe(ok);
  });
});

describe('isE164', () => {
  it.each<[string, boolean]>([
    ['+33612345678', true],
    ['+12125550123', true],
    ['+123456789012345', true], // 15 digits, the maximum
    ['+1234567890123456', false],
    ['+0612345678', false],
    ['33612345678', false],
    ['+33 612345678', false],
    ['+33-612345678', false],
    ['+', false],
    ['+1', false],
    ['', false],
  ])('%j → %p', (text, expected) => {
    expect(isE164(text)).toBe(expected);
  });
});

describe('maskPhone', () => {
  it.each<[string, string]>([
    ['+33612345678', '+33*******78'],
    ['+493012345678', '+49********78'],
    ['+12125550123', '+12*******23'],
    ['+4930123', '+49***23'],
    ['+33612', '******'],
    ['', ''],
  ])('%j → %j', (e164, masked) => {
    expect(maskPhone(e164)).toBe(masked);
  });

  it('never shows more than five characters of a number in clear', () => {
    const masked = maskPhone('+33612345678');
    expect(masked).toHaveLength('+33612345678'.length);
    expect(masked.replace(/\*/g, '')).toHaveLength(5);
    expect(masked).not.toContain('123456');
  });
});
