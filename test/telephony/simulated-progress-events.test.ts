// #15 (S57): the worker's simulated network posts only the events the service acts on
// (answered and the final statuses), as Twilio does for a call whose statusCallbackEvent
// leaves out initiated and ringing; sequence numbers count the posted events.
import type { LegEvent } from '../../src/telephony/port';
import { dialRequest } from '../helpers/telephony';
import { createSimulatedTelephony, type SimulatedTelephony } from '../../activities/telephony/simulated';

let events: LegEvent[];
let port: SimulatedTelephony | undefined;

beforeEach(() => {
  jest.useFakeTimers({ now: new Date('2026-03-02T09:00:00.000Z') });
  events = [];
});

afterEach(() => {
  port?.close();
  port = undefined;
  jest.useRealTimers();
});

function network(progressEvents?: boolean): SimulatedTelephony {
  port = createSimulatedTelephony({
    emit: async (event) => void events.push(event),
    talkTimeSeconds: () => 2,
    ...(progressEvents !== undefined ? { progressEvents } : {}),
  });
  return port;
}

const leg = (to: string) => dialRequest(to);

const statuses = () => events.map((e) => [e.status, e.sequence]);

test.each([
  [
    'answers',
    '+33612345675',
    [
      ['answered', 0],
      ['completed', 1],
    ],
  ],
  ['is busy', '+33612345671', [['busy', 0]]],
  ['never answers', '+33612345670', [['no-answer', 0]]],
  ['fails', '+33612345673', [['failed', 0]]],
])('without progress events, a number that %s posts only what the service acts on', async (_, to, expected) => {
  await network(false).placeCall(leg(to));
  await jest.advanceTimersByTimeAsync(60_000);
  expect(statuses()).toEqual(expected);
});

test('a hang-up while ringing posts canceled alone', async () => {
  const telephony = network(false);
  const { callSid } = await telephony.placeCall(leg('+33612345675'));
  await jest.advanceTimersByTimeAsync(500);
  await telephony.hangup(callSid);
  await jest.advanceTimersByTimeAsync(60_000);
  expect(statuses()).toEqual([['canceled', 0]]);
});

test('by default the progress events are posted too (initiated, ringing)', async () => {
  await network().placeCall(leg('+33612345675'));
  await jest.advanceTimersByTimeAsync(60_000);
  expect(statuses()).toEqual([
    ['initiated', 0],
    ['ringing', 1],
    ['answered', 2],
    ['completed', 3],
  ]);
});
