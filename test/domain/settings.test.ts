import {
  callSettingsSchema,
  defaultCallSettings,
  formatValidationIssues,
  type CallSettings,
  type ValidationIssue,
} from '../../src/domain/settings';

/** The API.md example document. */
const apiExample = {
  timezone: 'Europe/Paris',
  countries: ['FR'],
  immediate: {
    enabled: true,
    availability: 'AGENT_PRESENCE',
    openingHours: { mon: [{ start: '09:00', end: '18:00' }] },
  },
  deferred: {
    enabled: true,
    offer: 'ALWAYS',
    offerHours: {},
    planning: { mon: [{ start: '09:00', end: '10:00', capacity: 6 }], holiday: [] },
    holidays: ['2026-12-25'],
  },
  maxHandlingDelaySeconds: 120,
  retry: { maxRetries: 5, intervalSeconds: 300 },
  callOrder: 'AGENT_FIRST',
  distribution: { mode: 'AGENTS' },
  autoAnswer: { delaySeconds: 20 },
  recording: { enabled: false, ratio: 0.7 },
  ringTimeoutSeconds: 30,
  talkTimeSeconds: 5,
};

const emptyWeek = { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };

function issuesOf(input: unknown): ValidationIssue[] {
  const result = callSettingsSchema.safeParse(input);
  if (result.success) return [];
  return formatValidationIssues(result.error);
}

/** Builds a document from a dotted path and value, e.g. at('retry.maxRetries', 21). */
function at(path: string, value: unknown): Record<string, unknown> {
  const keys = path.split('.');
  let node: unknown = value;
  for (const key of keys.reverse()) node = { [key]: node };
  return node as Record<string, unknown>;
}

const slot = (start: string, end: string, capacity = 1) => ({ start, end, capacity });
const planningOf = (day: string, slots: unknown[]) => at(`deferred.planning.${day}`, slots);

describe('defaultCallSettings', () => {
  it('is the documented default document', () => {
    expect(defaultCallSettings()).toEqual({
      timezone: 'Europe/Paris',
      countries: ['FR'],
      immediate: { enabled: true, availability: 'AGENT_PRESENCE', openingHours: { ...emptyWeek, holiday: [] } },
      deferred: {
        enabled: true,
        offer: 'ALWAYS',
        offerHours: { ...emptyWeek, holiday: [] },
        planning: { ...emptyWeek, holiday: [] },
        holidays: [],
        minimumLeadSeconds: 60,
      },
      maxHandlingDelaySeconds: 120,
      retry: { maxRetries: 5, intervalSeconds: 300, minGapSeconds: 60, byOutcome: {} },
      callOrder: 'AGENT_FIRST',
      distribution: { mode: 'AGENTS' },
      autoAnswer: { delaySeconds: 20 },
      recording: { enabled: false, ratio: 0.7 },
      ringTimeoutSeconds: 30,
      talkTimeSeconds: 5,
      language: 'fr',
    } satisfies CallSettings);
  });

  it('returns a fresh document each time', () => {
    const first = defaultCallSettings();
    first.countries.push('DE');
    first.deferred.planning.mon.push(slot('09:00', '10:00'));
    expect(defaultCallSettings().countries).toEqual(['FR']);
    expect(defaultCallSettings().deferred.planning.mon).toEqual([]);
  });

  it('is itself a valid document, and parsing it changes nothing', () => {
    const defaults = defaultCallSettings();
    expect(callSettingsSchema.parse(defaults)).toEqual(defaults);
  });
});

describe('callSettingsSchema: accepted documents', () => {
  it('accepts the API.md example and fills in the omitted weekdays', () => {
    const parsed = callSettingsSchema.parse(apiExample);
    expect(parsed.deferred.planning.mon).toEqual([slot('09:00', '10:00', 6)]);
    expect(parsed.deferred.planning.tue).toEqual([]);
    expect(parsed.immediate.openingHours.mon).toEqual([{ start: '09:00', end: '18:00' }]);
    expect(parsed.deferred.offerHours).toEqual({ ...emptyWeek, holiday: [] });
    expect(callSettingsSchema.parse(parsed)).toEqual(parsed);
  });

  it('an empty body is the default document', () => {
    expect(callSettingsSchema.parse({})).toEqual(defaultCallSettings());
  });

  it.each<[string, Record<string, unknown>, (s: CallSettings) => unknown, unknown]>([
    [
      'ACD defaults',
      at('distribution', { mode: 'ACD', number: '+33123456789' }),
      (s) => s.distribution,
      { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: 5, identificationAttempts: 3 },
    ],
    [
      'retry interval default',
      at('retry', { maxRetries: 0 }),
      (s) => s.retry,
      { maxRetries: 0, intervalSeconds: 300, minGapSeconds: 60, byOutcome: {} },
    ],
    ['recording ratio default', at('recording', { enabled: true }), (s) => s.recording, { enabled: true, ratio: 0.7 }],
    [
      'immediate defaults',
      at('immediate', { enabled: false }),
      (s) => s.immediate,
      { enabled: false, availability: 'AGENT_PRESENCE', openingHours: { ...emptyWeek, holiday: [] } },
    ],
    ['deferred defaults', at('deferred', { offer: 'SCHEDULE' }), (s) => s.deferred.enabled, true],
  ])('fills omitted fields: %s', (_name, input, pick, expected) => {
    expect(pick(callSettingsSchema.parse(input))).toEqual(expected);
  });

  it.each<[string, Record<string, unknown>]>([
    ['timezone UTC', at('timezone', 'UTC')],
    ['timezone Asia/Tokyo', at('timezone', 'Asia/Tokyo')],
    ['timezone Australia/Lord_Howe', at('timezone', 'Australia/Lord_Howe')],
    ['several countries', at('countries', ['FR', 'DE', 'GP', 'BE'])],
    ['a leap day holiday', at('deferred.holidays', ['2028-02-29', '2026-12-25'])],
    ['end 24:00 (midnight)', planningOf('sat', [slot('23:00', '24:00', 60)])],
    ['a whole day', planningOf('sun', [slot('00:00', '24:00', 1440)])],
    ['capacity equal to the length in minutes (S13)', planningOf('mon', [slot('09:00', '10:00', 60)])],
    ['touching slots', planningOf('mon', [slot('09:00', '10:00'), slot('10:00', '11:00')])],
    ['slots in any order', planningOf('mon', [slot('14:00', '15:00'), slot('09:00', '10:00')])],
    [
      'the same hours on different days',
      {
        deferred: {
          planning: { mon: [slot('09:00', '10:00')], tue: [slot('09:00', '10:00')], holiday: [slot('09:00', '10:00')] },
        },
      },
    ],
    [
      'touching opening hours',
      at('immediate.openingHours.fri', [
        { start: '09:00', end: '12:00' },
        { start: '12:00', end: '24:00' },
      ]),
    ],
    ['maxRetries 0', at('retry.maxRetries', 0)],
    ['maxRetries 20', at('retry.maxRetries', 20)],
    ['intervalSeconds 1', at('retry.intervalSeconds', 1)],
    ['intervalSeconds 86400', at('retry.intervalSeconds', 86_400)],
    ['minGapSeconds 0 (local runs)', at('retry.minGapSeconds', 0)],
    [
      'every outcome class',
      at('retry.byOutcome', {
        visitorBusy: { maxRetries: 2, intervalSeconds: 120 },
        visitorNoAnswer: { intervalSeconds: 600 },
        agentFailure: { maxRetries: 5 },
        technicalFailure: { maxRetries: 1, intervalSeconds: 1 },
      }),
    ],
    ['holiday opening hours', at('immediate.openingHours', { holiday: [{ start: '10:00', end: '12:00' }] })],
    ['holiday offer hours', at('deferred.offerHours', { mon: [], holiday: [{ start: '10:00', end: '12:00' }] })],
    ['no lead time', at('deferred.minimumLeadSeconds', 0)],
    ['autoAnswer 1 s', at('autoAnswer.delaySeconds', 1)],
    ['autoAnswer 3600 s', at('autoAnswer.delaySeconds', 3600)],
    ['ringTimeout 1 s', at('ringTimeoutSeconds', 1)],
    ['ringTimeout 120 s', at('ringTimeoutSeconds', 120)],
    ['talkTime 1 s', at('talkTimeSeconds', 1)],
    ['talkTime 3600 s', at('talkTimeSeconds', 3600)],
    ['maxHandlingDelay 1 s', at('maxHandlingDelaySeconds', 1)],
    ['maxHandlingDelay 86400 s', at('maxHandlingDelaySeconds', 86_400)],
    ['ratio 0', at('recording.ratio', 0)],
    ['ratio 1', at('recording.ratio', 1)],
    ['ratio 0.35', at('recording.ratio', 0.35)],
    [
      'ACD bounds low',
      at('distribution', { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: 0, identificationAttempts: 1 }),
    ],
    [
      'ACD bounds high',
      at('distribution', {
        mode: 'ACD',
        number: '+4930123456',
        welcomeMessageSeconds: 120,
        identificationAttempts: 10,
      }),
    ],
    ['ACD toll-free number', at('distribution', { mode: 'ACD', number: '+33800123456' })],
    ['VISITOR_FIRST', at('callOrder', 'VISITOR_FIRST')],
    ['OPENING_HOURS', at('immediate.availability', 'OPENING_HOURS')],
    ['WHEN_IMMEDIATE_UNAVAILABLE', at('deferred.offer', 'WHEN_IMMEDIATE_UNAVAILABLE')],
    ['SCHEDULE', at('deferred.offer', 'SCHEDULE')],
  ])('accepts %s', (_name, input) => {
    expect(issuesOf(input)).toEqual([]);
  });
});

describe('callSettingsSchema: every rule names its exact path', () => {
  it.each<[string, unknown, string, RegExp]>([
    // Time zone
    [
      'unknown IANA zone',
      at('timezone', 'Mars/Olympus_Mons'),
      'timezone',
      /unknown IANA time zone "Mars\/Olympus_Mons"/,
    ],
    ['offset instead of a zone', at('timezone', '+01:00'), 'timezone', /unknown IANA time zone/],
    ['empty zone', at('timezone', ''), 'timezone', /unknown IANA time zone/],
    ['zone of the wrong type', at('timezone', 1), 'timezone', /string/],
    // HH:mm
    [
      'start without leading zero',
      planningOf('mon', [slot('9:00', '10:00')]),
      'deferred.planning.mon.0.start',
      /HH:mm/,
    ],
    ['start 24:00', planningOf('mon', [slot('24:00', '24:00')]), 'deferred.planning.mon.0.start', /00:00 to 23:59/],
    ['start minute 60', planningOf('tue', [slot('12:60', '13:30')]), 'deferred.planning.tue.0.start', /HH:mm/],
    ['end 24:01', planningOf('wed', [slot('23:00', '24:01')]), 'deferred.planning.wed.0.end', /"24:00"/],
    ['end 25:00', planningOf('thu', [slot('23:00', '25:00')]), 'deferred.planning.thu.0.end', /HH:mm/],
    ['end with seconds', planningOf('fri', [slot('09:00', '10:00:00')]), 'deferred.planning.fri.0.end', /HH:mm/],
    [
      'start not a string',
      planningOf('sat', [{ start: 900, end: '10:00', capacity: 1 }]),
      'deferred.planning.sat.0.start',
      /string/,
    ],
    [
      'opening hours bad start',
      at('immediate.openingHours.mon', [{ start: '9h', end: '18:00' }]),
      'immediate.openingHours.mon.0.start',
      /HH:mm/,
    ],
    [
      'offer hours bad end',
      at('deferred.offerHours.sun', [{ start: '09:00', end: '18h' }]),
      'deferred.offerHours.sun.0.end',
      /HH:mm/,
    ],
    // End after start
    [
      'end before start',
      planningOf('mon', [slot('08:00', '09:00'), slot('10:00', '09:30')]),
      'deferred.planning.mon.1.end',
      /must be after start \(10:00\)/,
    ],
    ['end equal to start', planningOf('mon', [slot('10:00', '10:00')]), 'deferred.planning.mon.0.end', /after start/],
    ['end 00:00', planningOf('mon', [slot('22:00', '00:00')]), 'deferred.planning.mon.0.end', /after start/],
    [
      'holiday column end before start',
      planningOf('holiday', [slot('10:00', '09:00')]),
      'deferred.planning.holiday.0.end',
      /after start/,
    ],
    [
      'opening hours end before start',
      at('immediate.openingHours.tue', [{ start: '18:00', end: '09:00' }]),
      'immediate.openingHours.tue.0.end',
      /after start/,
    ],
    [
      'offer hours end before start',
      at('deferred.offerHours.wed', [{ start: '18:00', end: '09:00' }]),
      'deferred.offerHours.wed.0.end',
      /after start/,
    ],
    // Overlaps on the same day
    [
      'overlapping slots',
      planningOf('mon', [slot('09:00', '10:00'), slot('09:30', '10:30')]),
      'deferred.planning.mon.1',
      /overlaps 09:00–10:00 \(item 0\)/,
    ],
    [
      'overlap listed out of order',
      planningOf('mon', [slot('10:00', '11:00'), slot('09:30', '10:30')]),
      'deferred.planning.mon.0',
      /overlaps 09:30–10:30 \(item 1\)/,
    ],
    [
      'a slot inside another',
      planningOf('mon', [slot('09:00', '12:00'), slot('10:00', '11:00')]),
      'deferred.planning.mon.1',
      /overlaps 09:00–12:00/,
    ],
    [
      'identical slots',
      planningOf('fri', [slot('09:00', '10:00'), slot('09:00', '10:00')]),
      'deferred.planning.fri.1',
      /overlaps 09:00–10:00 \(item 0\)/,
    ],
    [
      'overlapping holiday slots',
      planningOf('holiday', [slot('09:00', '10:00'), slot('09:59', '11:00')]),
      'deferred.planning.holiday.1',
      /overlaps/,
    ],
    [
      'overlapping opening hours',
      at('immediate.openingHours.tue', [
        { start: '09:00', end: '12:00' },
        { start: '11:00', end: '14:00' },
      ]),
      'immediate.openingHours.tue.1',
      /overlaps 09:00–12:00/,
    ],
    [
      'overlapping offer hours',
      at('deferred.offerHours.sat', [
        { start: '09:00', end: '24:00' },
        { start: '23:00', end: '23:30' },
      ]),
      'deferred.offerHours.sat.1',
      /overlaps/,
    ],
    // Capacity (S13)
    [
      'capacity over a 60-minute slot',
      planningOf('mon', [slot('09:00', '10:00', 61)]),
      'deferred.planning.mon.0.capacity',
      /at most 60, the slot's length in minutes/,
    ],
    [
      'capacity over a 30-minute slot',
      planningOf('tue', [slot('08:00', '08:30'), slot('09:00', '09:30', 31)]),
      'deferred.planning.tue.1.capacity',
      /at most 30/,
    ],
    [
      'capacity over a 1-minute slot',
      planningOf('wed', [slot('23:59', '24:00', 2)]),
      'deferred.planning.wed.0.capacity',
      /at most 1\b/,
    ],
    [
      'capacity over the holiday slot',
      planningOf('holiday', [slot('10:00', '12:00', 121)]),
      'deferred.planning.holiday.0.capacity',
      /at most 120/,
    ],
    ['capacity 0', planningOf('mon', [slot('09:00', '10:00', 0)]), 'deferred.planning.mon.0.capacity', /integer/],
    [
      'capacity negative',
      planningOf('mon', [slot('09:00', '10:00', -6)]),
      'deferred.planning.mon.0.capacity',
      /integer/,
    ],
    [
      'capacity fractional',
      planningOf('mon', [slot('09:00', '10:00', 1.5)]),
      'deferred.planning.mon.0.capacity',
      /integer/,
    ],
    [
      'capacity as a string',
      planningOf('mon', [{ start: '09:00', end: '10:00', capacity: '6' }]),
      'deferred.planning.mon.0.capacity',
      /integer/,
    ],
    [
      'capacity missing',
      planningOf('mon', [{ start: '09:00', end: '10:00' }]),
      'deferred.planning.mon.0.capacity',
      /integer/,
    ],
    // Recording ratio
    ['ratio below 0', at('recording.ratio', -0.1), 'recording.ratio', /from 0 to 1/],
    ['ratio above 1', at('recording.ratio', 1.01), 'recording.ratio', /from 0 to 1/],
    ['ratio as a percentage', at('recording.ratio', 70), 'recording.ratio', /from 0 to 1/],
    ['ratio as a string', at('recording.ratio', '0.7'), 'recording.ratio', /from 0 to 1/],
    ['recording.enabled not boolean', at('recording.enabled', 'yes'), 'recording.enabled', /boolean/],
    // Countries
    ['no country', at('countries', []), 'countries', /at least one country/],
    ['lower-case country', at('countries', ['fr']), 'countries.0', /"fr" is not a supported ISO 3166-1 alpha-2/],
    ['unknown country', at('countries', ['FR', 'XX']), 'countries.1', /"XX"/],
    ['alpha-3 country', at('countries', ['FRA']), 'countries.0', /alpha-2/],
    ['country name', at('countries', ['France']), 'countries.0', /alpha-2/],
    ['duplicate country', at('countries', ['FR', 'DE', 'FR']), 'countries.2', /duplicate of item 0 \(FR\)/],
    ['countries not a list', at('countries', 'FR'), 'countries', /array/],
    // Holidays
    [
      'holiday that does not exist',
      at('deferred.holidays', ['2026-02-29']),
      'deferred.holidays.0',
      /existing date "YYYY-MM-DD"/,
    ],
    ['holiday month 13', at('deferred.holidays', ['2026-12-25', '2026-13-01']), 'deferred.holidays.1', /YYYY-MM-DD/],
    ['holiday in French format', at('deferred.holidays', ['25/12/2026']), 'deferred.holidays.0', /YYYY-MM-DD/],
    ['holiday with a time', at('deferred.holidays', ['2026-12-25T00:00:00Z']), 'deferred.holidays.0', /YYYY-MM-DD/],
    [
      'duplicate holiday',
      at('deferred.holidays', ['2026-12-25', '2027-01-01', '2026-12-25']),
      'deferred.holidays.2',
      /duplicate of item 0 \(2026-12-25\)/,
    ],
    // Distribution
    [
      'ACD number not E.164',
      at('distribution', { mode: 'ACD', number: '01 23 45 67 89' }),
      'distribution.number',
      /E\.164/,
    ],
    [
      'ACD number too short',
      at('distribution', { mode: 'ACD', number: '+3312' }),
      'distribution.number',
      /not a valid phone number/,
    ],
    [
      'ACD number premium-rate',
      at('distribution', { mode: 'ACD', number: '+33892123456' }),
      'distribution.number',
      /premium-rate/,
    ],
    ['ACD number missing', at('distribution', { mode: 'ACD' }), 'distribution.number', /string/],
    ['unknown distribution mode', at('distribution', { mode: 'PBX' }), 'distribution.mode', /AGENTS/],
    [
      'welcome message negative',
      at('distribution', { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: -1 }),
      'distribution.welcomeMessageSeconds',
      /from 0 to 120/,
    ],
    [
      'welcome message too long',
      at('distribution', { mode: 'ACD', number: '+33123456789', welcomeMessageSeconds: 121 }),
      'distribution.welcomeMessageSeconds',
      /from 0 to 120/,
    ],
    [
      'identification attempts 0',
      at('distribution', { mode: 'ACD', number: '+33123456789', identificationAttempts: 0 }),
      'distribution.identificationAttempts',
      /from 1 to 10/,
    ],
    [
      'identification attempts 11',
      at('distribution', { mode: 'ACD', number: '+33123456789', identificationAttempts: 11 }),
      'distribution.identificationAttempts',
      /from 1 to 10/,
    ],
    [
      'a number in AGENTS mode',
      at('distribution', { mode: 'AGENTS', number: '+33123456789' }),
      'distribution.number',
      /unknown field/,
    ],
    // Integer settings
    ['maxRetries -1', at('retry.maxRetries', -1), 'retry.maxRetries', /from 0 to 20/],
    ['maxRetries 21', at('retry.maxRetries', 21), 'retry.maxRetries', /from 0 to 20/],
    ['maxRetries 2.5', at('retry.maxRetries', 2.5), 'retry.maxRetries', /integer/],
    ['intervalSeconds 0', at('retry.intervalSeconds', 0), 'retry.intervalSeconds', /from 1 to 86400/],
    ['intervalSeconds 86401', at('retry.intervalSeconds', 86_401), 'retry.intervalSeconds', /from 1 to 86400/],
    // #16 retry rules and started slots
    ['minGapSeconds -1', at('retry.minGapSeconds', -1), 'retry.minGapSeconds', /from 0 to 3600/],
    ['minGapSeconds 3601', at('retry.minGapSeconds', 3601), 'retry.minGapSeconds', /from 0 to 3600/],
    [
      'an unknown outcome class',
      at('retry.byOutcome', { agentBusy: { maxRetries: 1 } }),
      'retry.byOutcome.agentBusy',
      /unknown field/,
    ],
    [
      'a class interval of 0',
      at('retry.byOutcome', { visitorBusy: { intervalSeconds: 0 } }),
      'retry.byOutcome.visitorBusy.intervalSeconds',
      /from 1 to 86400/,
    ],
    [
      'a class with more retries than in all',
      at('retry', { maxRetries: 3, byOutcome: { visitorNoAnswer: { maxRetries: 4 } } }),
      'retry.byOutcome.visitorNoAnswer.maxRetries',
      /at most retry.maxRetries \(3\)/,
    ],
    [
      'an unknown field in a class',
      at('retry.byOutcome', { technicalFailure: { gapSeconds: 4 } }),
      'retry.byOutcome.technicalFailure.gapSeconds',
      /unknown field/,
    ],
    ['minimumLeadSeconds -1', at('deferred.minimumLeadSeconds', -1), 'deferred.minimumLeadSeconds', /from 0 to 86400/],
    [
      'an unknown hour-map key',
      at('immediate.openingHours', { holidays: [{ start: '09:00', end: '12:00' }] }),
      'immediate.openingHours.holidays',
      /unknown field/,
    ],
    [
      'holiday opening hours ending before they start',
      at('immediate.openingHours', { holiday: [{ start: '12:00', end: '09:00' }] }),
      'immediate.openingHours.holiday.0.end',
      /after start/,
    ],
    ['autoAnswer 0 s', at('autoAnswer.delaySeconds', 0), 'autoAnswer.delaySeconds', /from 1 to 3600/],
    ['autoAnswer 3601 s', at('autoAnswer.delaySeconds', 3601), 'autoAnswer.delaySeconds', /from 1 to 3600/],
    ['ringTimeout 0 s', at('ringTimeoutSeconds', 0), 'ringTimeoutSeconds', /from 1 to 120/],
    ['ringTimeout 121 s', at('ringTimeoutSeconds', 121), 'ringTimeoutSeconds', /from 1 to 120/],
    ['talkTime 0 s', at('talkTimeSeconds', 0), 'talkTimeSeconds', /from 1 to 3600/],
    ['talkTime 3601 s', at('talkTimeSeconds', 3601), 'talkTimeSeconds', /from 1 to 3600/],
    ['maxHandlingDelay 0 s', at('maxHandlingDelaySeconds', 0), 'maxHandlingDelaySeconds', /from 1 to 86400/],
    ['maxHandlingDelay 86401 s', at('maxHandlingDelaySeconds', 86_401), 'maxHandlingDelaySeconds', /from 1 to 86400/],
    ['maxHandlingDelay as a string', at('maxHandlingDelaySeconds', '120'), 'maxHandlingDelaySeconds', /integer/],
    [
      'maxHandlingDelay Infinity',
      at('maxHandlingDelaySeconds', Number.POSITIVE_INFINITY),
      'maxHandlingDelaySeconds',
      /integer/,
    ],
    // Enums and booleans
    [
      'unknown immediate availability',
      at('immediate.availability', 'SOMETIMES'),
      'immediate.availability',
      /AGENT_PRESENCE/,
    ],
    ['unknown deferred offer', at('deferred.offer', 'NEVER'), 'deferred.offer', /WHEN_IMMEDIATE_UNAVAILABLE/],
    ['unknown call order', at('callOrder', 'RANDOM'), 'callOrder', /AGENT_FIRST/],
    ['immediate.enabled not boolean', at('immediate.enabled', 'true'), 'immediate.enabled', /boolean/],
    ['deferred.enabled not boolean', at('deferred.enabled', 1), 'deferred.enabled', /boolean/],
    // Unknown keys (strict)
    ['unknown top-level key', { timeZone: 'Europe/Paris' }, 'timeZone', /unknown field/],
    ['unknown weekday', planningOf('monday', []), 'deferred.planning.monday', /unknown field/],
    [
      'unknown key in a slot',
      planningOf('mon', [{ ...slot('09:00', '10:00'), label: 'morning' }]),
      'deferred.planning.mon.0.label',
      /unknown field/,
    ],
    [
      'capacity on an opening range',
      at('immediate.openingHours.mon', [{ start: '09:00', end: '18:00', capacity: 3 }]),
      'immediate.openingHours.mon.0.capacity',
      /unknown field/,
    ],
    ['unknown key in retry', at('retry.backoff', 2), 'retry.backoff', /unknown field/],
    ['unknown key in recording', at('recording.format', 'mp3'), 'recording.format', /unknown field/],
  ])('%s → %s', (_name, input, path, message) => {
    expect(issuesOf(input)).toEqual([{ path, message: expect.stringMatching(message) }]);
  });

  it('reports every overlap against the range that reaches furthest', () => {
    const input = planningOf('mon', [
      slot('09:00', '12:00'),
      slot('10:00', '10:30'),
      slot('11:00', '11:30'),
      slot('12:00', '13:00'),
    ]);
    expect(issuesOf(input)).toEqual([
      { path: 'deferred.planning.mon.1', message: expect.stringMatching(/overlaps 09:00–12:00 \(item 0\)/) },
      { path: 'deferred.planning.mon.2', message: expect.stringMatching(/overlaps 09:00–12:00 \(item 0\)/) },
    ]);
  });

  it('does not report overlaps with a slot that is itself malformed', () => {
    expect(issuesOf(planningOf('mon', [slot('09:00', '10:00'), slot('9h30', '10:30')]))).toEqual([
      { path: 'deferred.planning.mon.1.start', message: expect.stringMatching(/HH:mm/) },
    ]);
  });

  it('a reversed range reports its end only, not a capacity limit', () => {
    expect(issuesOf(planningOf('mon', [slot('10:00', '09:00', 90)]))).toEqual([
      { path: 'deferred.planning.mon.0.end', message: expect.stringMatching(/after start/) },
    ]);
  });

  it('collects all issues of a document in one pass', () => {
    const input = {
      timezone: 'Europe/Pariss',
      countries: ['FR', 'FR'],
      deferred: { planning: { tue: [slot('09:00', '09:30', 45)] }, holidays: ['2026-12-32'] },
      recording: { ratio: 7 },
      retry: { maxRetries: 99 },
      distribution: { mode: 'ACD', number: 'nope' },
      extra: true,
    };
    expect(issuesOf(input).map((issue) => issue.path)).toEqual([
      'timezone',
      'countries.1',
      'deferred.planning.tue.0.capacity',
      'deferred.holidays.0',
      'retry.maxRetries',
      'distribution.number',
      'recording.ratio',
      'extra',
    ]);
  });
});

describe('formatValidationIssues', () => {
  it('gives the root an empty path when the body is not an object', () => {
    expect(issuesOf('settings')).toEqual([{ path: '', message: expect.stringMatching(/object/) }]);
    expect(issuesOf(null)).toEqual([{ path: '', message: expect.stringMatching(/object/) }]);
    expect(issuesOf([])).toEqual([{ path: '', message: expect.stringMatching(/object/) }]);
  });

  it('splits several unknown keys into one issue each', () => {
    expect(issuesOf({ a: 1, retry: { b: 2, c: 3 } })).toEqual([
      { path: 'retry.b', message: 'unknown field' },
      { path: 'retry.c', message: 'unknown field' },
      { path: 'a', message: 'unknown field' },
    ]);
  });
});
