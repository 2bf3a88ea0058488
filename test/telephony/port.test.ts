// Twilio status callbacks as LegEvents (S32: machines count as answered), and the
// simulated network's Twilio-shaped form, which must map back to the same event (S57).
import type { LegEvent } from '../../src/telephony/port';
import { mapTwilioStatus, twilioStatusForm } from '../../src/telephony/twilio-status';

const base = {
  CallSid: 'CA0123456789abcdef0123456789abcdef',
  SequenceNumber: '2',
  Timestamp: 'Mon, 02 Mar 2026 09:00:01 +0000',
  To: '+33612345678',
  From: '+33187654321',
};

describe('mapTwilioStatus', () => {
  test.each([
    ['queued', 'initiated'],
    ['initiated', 'initiated'],
    ['ringing', 'ringing'],
    ['in-progress', 'answered'],
    ['completed', 'completed'],
    ['busy', 'busy'],
    ['no-answer', 'no-answer'],
    ['failed', 'failed'],
    ['canceled', 'canceled'],
  ])('CallStatus %s → %s', (twilioStatus, status) => {
    expect(mapTwilioStatus({ ...base, CallStatus: twilioStatus }, { key: 'cb_1:1:agent' })?.status).toBe(status);
  });

  test.each([
    ['human', 'human'],
    ['machine_start', 'machine'],
    ['machine_end_beep', 'machine'],
    ['machine_end_silence', 'machine'],
    ['machine_end_other', 'machine'],
    ['fax', 'machine'],
    ['unknown', 'unknown'],
  ])('AnsweredBy %s → %s', (answeredBy, expected) => {
    expect(
      mapTwilioStatus({ ...base, CallStatus: 'in-progress', AnsweredBy: answeredBy }, { key: 'k' })?.answeredBy,
    ).toBe(expected);
  });

  test('a full event: key, sid, sequence, time and duration', () => {
    const event = mapTwilioStatus(
      { ...base, CallStatus: 'completed', SequenceNumber: '3', CallDuration: '42' },
      { key: 'cb_1:1:visitor' },
    );
    expect(event).toEqual<LegEvent>({
      key: 'cb_1:1:visitor',
      callSid: base.CallSid,
      status: 'completed',
      sequence: 3,
      at: '2026-03-02T09:00:01.000Z',
      durationSeconds: 42,
    });
  });

  test('the key may come in the form itself (router merges the query)', () => {
    expect(mapTwilioStatus({ ...base, CallStatus: 'ringing', key: 'cb_1:2:agent' })?.key).toBe('cb_1:2:agent');
  });

  test('a missing Timestamp falls back to the receive time; a missing SequenceNumber to the status order', () => {
    const receivedAt = new Date('2026-03-02T10:00:00.000Z');
    const event = mapTwilioStatus({ CallSid: base.CallSid, CallStatus: 'ringing' }, { key: 'k', receivedAt });
    expect(event).toMatchObject({ at: '2026-03-02T10:00:00.000Z', sequence: 1 });
  });

  test.each([
    ['no key', { ...base, CallStatus: 'ringing' }, {}],
    ['no CallSid', { CallStatus: 'ringing', SequenceNumber: '1', Timestamp: base.Timestamp }, { key: 'k' }],
    ['unknown CallStatus', { ...base, CallStatus: 'exploded' }, { key: 'k' }],
    ['no CallStatus', { ...base }, { key: 'k' }],
    ['non-numeric SequenceNumber', { ...base, CallStatus: 'ringing', SequenceNumber: 'x1' }, { key: 'k' }],
    ['unparsable Timestamp', { ...base, CallStatus: 'ringing', Timestamp: 'yesterday-ish' }, { key: 'k' }],
    [
      'no Timestamp and no receive time',
      { CallSid: base.CallSid, CallStatus: 'ringing', SequenceNumber: '1' },
      { key: 'k' },
    ],
  ])('%s → null', (_name, form, options) => {
    expect(mapTwilioStatus(form, options)).toBeNull();
  });
});

describe('twilioStatusForm (simulated events shaped like Twilio)', () => {
  test.each<LegEvent>([
    { key: 'k', callSid: 'SIM0', status: 'initiated', sequence: 0, at: '2026-03-02T09:00:00.000Z' },
    {
      key: 'k',
      callSid: 'SIM0',
      status: 'answered',
      answeredBy: 'machine',
      sequence: 2,
      at: '2026-03-02T09:00:01.000Z',
    },
    { key: 'k', callSid: 'SIM0', status: 'answered', answeredBy: 'human', sequence: 2, at: '2026-03-02T09:00:01.000Z' },
    { key: 'k', callSid: 'SIM0', status: 'completed', sequence: 3, at: '2026-03-02T09:00:06.000Z', durationSeconds: 5 },
    { key: 'k', callSid: 'SIM0', status: 'no-answer', sequence: 2, at: '2026-03-02T09:00:30.000Z', durationSeconds: 0 },
  ])('$status round-trips through the Twilio form', (event) => {
    const form = twilioStatusForm(event);
    expect(form['CallStatus']).toBe(event.status === 'answered' ? 'in-progress' : event.status);
    expect(form['Timestamp']).toMatch(/^\w{3}, \d{2} \w{3} \d{4} \d{2}:\d{2}:\d{2} \+0000$/);
    expect(mapTwilioStatus(form, { key: 'k' })).toEqual(event);
  });
});
