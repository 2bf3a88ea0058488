// S57: the simulated network's event sequences and timings by the number's last digit,
// driven by jest's fake timers (the adapter reads the clock through the globals).
import type { LegEvent } from '../../src/telephony/port';
import { dialRequest } from '../helpers/telephony';
import {
  createSimulatedTelephony,
  simulatedOutcome,
  type SimulatedTelephony,
} from '../../activities/telephony/simulated';

const START = new Date('2026-03-02T09:00:00.000Z');

type Seen = {
  status: string;
  sequence: number;
  ms: number;
  answeredBy?: string;
  durationSeconds?: number;
  key: string;
  callSid: string;
};

let events: LegEvent[];
let port: SimulatedTelephony | undefined;

beforeEach(() => {
  jest.useFakeTimers({ now: START });
  events = [];
});

afterEach(() => {
  port?.close();
  port = undefined;
  jest.useRealTimers();
});

function simulated(
  options: { talkTimeSeconds?: number; timeScale?: number; emit?: (event: LegEvent) => Promise<void> } = {},
) {
  port = createSimulatedTelephony({
    emit:
      options.emit ??
      (async (event) => {
        events.push(event);
      }),
    talkTimeSeconds: () => options.talkTimeSeconds ?? 5,
    ...(options.timeScale !== undefined ? { timeScale: options.timeScale } : {}),
  });
  return port;
}

const leg = dialRequest;

/** Events as [status, ms after START], plus their other fields. */
function seen(): Seen[] {
  return events.map((e) => ({
    key: e.key,
    callSid: e.callSid,
    status: e.status,
    sequence: e.sequence,
    ms: new Date(e.at).getTime() - START.getTime(),
    ...(e.answeredBy ? { answeredBy: e.answeredBy } : {}),
    ...(e.durationSeconds !== undefined ? { durationSeconds: e.durationSeconds } : {}),
  }));
}

const timeline = () =>
  seen().map(({ status, sequence, ms, answeredBy, durationSeconds }) => ({
    status,
    sequence,
    ms,
    answeredBy,
    durationSeconds,
  }));

describe('simulated network (S57)', () => {
  test('outcome by last digit; desk agents answer', () => {
    expect(simulatedOutcome('+33612345670')).toBe('no-answer');
    expect(simulatedOutcome('+33612345671')).toBe('busy');
    expect(simulatedOutcome('+33612345672')).toBe('voicemail');
    expect(simulatedOutcome('+33612345673')).toBe('failed');
    for (const digit of '456789') expect(simulatedOutcome(`+3361234567${digit}`)).toBe('answer');
    expect(simulatedOutcome('client:agent-10')).toBe('answer');
  });

  test('digit 5 rings, is answered by a human after about 1 s and hangs up after the talk time', async () => {
    const { callSid } = await simulated({ talkTimeSeconds: 5 }).placeCall(leg('+33612345675'));
    expect(callSid).toMatch(/^SIM[0-9a-f]{32}$/);

    await jest.advanceTimersByTimeAsync(5_999);
    expect(timeline().map((e) => e.status)).toEqual(['initiated', 'ringing', 'answered']);
    await jest.advanceTimersByTimeAsync(1);

    expect(timeline()).toEqual([
      { status: 'initiated', sequence: 0, ms: 0, answeredBy: undefined, durationSeconds: undefined },
      { status: 'ringing', sequence: 1, ms: 100, answeredBy: undefined, durationSeconds: undefined },
      { status: 'answered', sequence: 2, ms: 1000, answeredBy: 'human', durationSeconds: undefined },
      { status: 'completed', sequence: 3, ms: 6000, answeredBy: undefined, durationSeconds: 5 },
    ]);
    expect(new Set(seen().map((e) => e.callSid))).toEqual(new Set([callSid]));
    expect(new Set(seen().map((e) => e.key))).toEqual(new Set(['cb_1:1:visitor:+33612345675']));
  });

  test('digit 0 never answers: no-answer after the ring timeout', async () => {
    await simulated().placeCall(leg('+33612345670', { ringTimeoutSeconds: 20 }));

    await jest.advanceTimersByTimeAsync(19_999);
    expect(timeline().map((e) => e.status)).toEqual(['initiated', 'ringing']);
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline()).toEqual([
      { status: 'initiated', sequence: 0, ms: 0, answeredBy: undefined, durationSeconds: undefined },
      { status: 'ringing', sequence: 1, ms: 100, answeredBy: undefined, durationSeconds: undefined },
      { status: 'no-answer', sequence: 2, ms: 20_000, answeredBy: undefined, durationSeconds: 0 },
    ]);
  });

  test('digit 1 is busy after about 0.3 s', async () => {
    await simulated().placeCall(leg('+33612345671'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline()).toEqual([
      { status: 'initiated', sequence: 0, ms: 0, answeredBy: undefined, durationSeconds: undefined },
      { status: 'busy', sequence: 1, ms: 300, answeredBy: undefined, durationSeconds: 0 },
    ]);
  });

  test('digit 2 is answered by voicemail (a machine, S32) and completes after the talk time', async () => {
    await simulated({ talkTimeSeconds: 3 }).placeCall(leg('+33612345672'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline()).toEqual([
      { status: 'initiated', sequence: 0, ms: 0, answeredBy: undefined, durationSeconds: undefined },
      { status: 'ringing', sequence: 1, ms: 100, answeredBy: undefined, durationSeconds: undefined },
      { status: 'answered', sequence: 2, ms: 1000, answeredBy: 'machine', durationSeconds: undefined },
      { status: 'completed', sequence: 3, ms: 4000, answeredBy: undefined, durationSeconds: 3 },
    ]);
  });

  test('digit 3 fails after about 0.3 s', async () => {
    await simulated().placeCall(leg('+33612345673'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline()).toEqual([
      { status: 'initiated', sequence: 0, ms: 0, answeredBy: undefined, durationSeconds: undefined },
      { status: 'failed', sequence: 1, ms: 300, answeredBy: undefined, durationSeconds: 0 },
    ]);
  });

  test('a desk agent identity ending in 0 still answers like digit 5', async () => {
    await simulated({ talkTimeSeconds: 2 }).placeCall(leg('client:agent-10', { leg: 'agent', detectMachine: false }));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline().map((e) => [e.status, e.ms, e.answeredBy])).toEqual([
      ['initiated', 0, undefined],
      ['ringing', 100, undefined],
      ['answered', 1000, 'human'],
      ['completed', 3000, undefined],
    ]);
  });

  test('the shortest ring timeout (1 s) still lets an answering number answer', async () => {
    await simulated({ talkTimeSeconds: 1 }).placeCall(leg('+33612345679', { ringTimeoutSeconds: 1 }));
    await jest.advanceTimersByTimeAsync(60_000);
    expect(timeline().map((e) => e.status)).toEqual(['initiated', 'ringing', 'answered', 'completed']);
  });

  test('hangup before the answer cancels the call and nothing follows', async () => {
    const telephony = simulated();
    const { callSid } = await telephony.placeCall(leg('+33612345675'));
    await jest.advanceTimersByTimeAsync(500);

    await telephony.hangup(callSid);
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline()).toEqual([
      { status: 'initiated', sequence: 0, ms: 0, answeredBy: undefined, durationSeconds: undefined },
      { status: 'ringing', sequence: 1, ms: 100, answeredBy: undefined, durationSeconds: undefined },
      { status: 'canceled', sequence: 2, ms: 500, answeredBy: undefined, durationSeconds: 0 },
    ]);
  });

  test('hangup after the answer completes the call with the time talked; a second hangup is a no-op', async () => {
    const telephony = simulated({ talkTimeSeconds: 30 });
    const { callSid } = await telephony.placeCall(leg('+33612345675'));
    await jest.advanceTimersByTimeAsync(4_000);

    await telephony.hangup(callSid);
    await telephony.hangup(callSid);
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline().slice(2)).toEqual([
      { status: 'answered', sequence: 2, ms: 1000, answeredBy: 'human', durationSeconds: undefined },
      { status: 'completed', sequence: 3, ms: 4000, answeredBy: undefined, durationSeconds: 3 },
    ]);
  });

  test('placing the same leg key twice rings once (S35)', async () => {
    const telephony = simulated();
    const first = await telephony.placeCall(leg('+33612345671'));
    const second = await telephony.placeCall(leg('+33612345671'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(second.callSid).toBe(first.callSid);
    expect(timeline().map((e) => e.status)).toEqual(['initiated', 'busy']);
  });

  test('sequence numbers are per call', async () => {
    const telephony = simulated();
    const a = await telephony.placeCall(leg('+33612345671'));
    const b = await telephony.placeCall(leg('+33612345673'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(a.callSid).not.toBe(b.callSid);
    const sequencesOf = (sid: string) =>
      seen()
        .filter((e) => e.callSid === sid)
        .map((e) => e.sequence);
    expect(sequencesOf(a.callSid)).toEqual([0, 1]);
    expect(sequencesOf(b.callSid)).toEqual([0, 1]);
  });

  test('timeScale shortens every delay but reports unscaled durations', async () => {
    await simulated({ talkTimeSeconds: 5, timeScale: 0.01 }).placeCall(leg('+33612345675'));
    await jest.advanceTimersByTimeAsync(60);

    expect(timeline().map((e) => [e.status, e.ms, e.durationSeconds])).toEqual([
      ['initiated', 0, undefined],
      ['ringing', 1, undefined],
      ['answered', 10, undefined],
      ['completed', 60, 5],
    ]);
  });

  test('a failed delivery is retried and events keep their order', async () => {
    let failures = 1;
    const telephony = simulated({
      emit: async (event) => {
        if (event.status === 'initiated' && failures-- > 0) throw new Error('webhook down');
        events.push(event);
      },
    });
    await telephony.placeCall(leg('+33612345671'));
    await jest.advanceTimersByTimeAsync(60_000);

    expect(timeline().map((e) => [e.status, e.sequence])).toEqual([
      ['initiated', 0],
      ['busy', 1],
    ]);
  });
});

describe('simulated network: getCallStatus (#11.5)', () => {
  test('answers from its own state, whatever happened to the events', async () => {
    // Every event is lost: the network still knows how its calls stand.
    const telephony = simulated({ talkTimeSeconds: 3, emit: async () => Promise.reject(new Error('lost')) });
    const { callSid } = await telephony.placeCall(leg('+33612345675'));
    expect(await telephony.getCallStatus(callSid)).toBe('ringing');
    await jest.advanceTimersByTimeAsync(1_500);
    expect(await telephony.getCallStatus(callSid)).toBe('answered');
    await jest.advanceTimersByTimeAsync(5_000);
    expect(await telephony.getCallStatus(callSid)).toBe('completed');

    const busy = await telephony.placeCall(leg('+33612345671'));
    await jest.advanceTimersByTimeAsync(1_000);
    expect(await telephony.getCallStatus(busy.callSid)).toBe('busy');
    // A call this process never placed died with the process that did (a worker killed -9).
    expect(await telephony.getCallStatus('SIMunknown')).toBe('completed');
  });
});
