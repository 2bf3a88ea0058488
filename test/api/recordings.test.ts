// S50: recording status callbacks (signed, S58) store the provider's recording id, duration
// and URL against the callback and the attempt; GET /v1/callbacks/{id} lists them; the
// simulated network (S57) reports a fake recording for each recorded conversation.
import { randomUUID } from 'node:crypto';
import twilio from 'twilio';
import {
  createRecordingEmitter,
  createSimulatedTelephony,
  type SimulatedRecording,
} from '../../activities/telephony/simulated';
import { recordingStatusCallbackUrl } from '../../src/telephony/urls';
import { createRecordingWebhookRouter } from '../../api/webhooks/recordings';
import { legKeyOf } from '../../workflows/types';
import { createCallbackRow } from '../helpers/db';
import { useApi } from '../helpers/use-api';

const AUTH_TOKEN = 'recording-test-token';
/** The address the provider is given (and signs); requests come to the test server. */
const PUBLIC_BASE_URL = 'https://callbacks.example';

// No route here reaches a workflow.
const t = useApi({
  temporal: 'none',
  tenant: true,
  publicRouters: (prisma) => [
    createRecordingWebhookRouter({
      prisma,
      authToken: AUTH_TOKEN,
      publicBaseUrl: PUBLIC_BASE_URL,
      provider: 'simulated',
    }),
  ],
});

async function recordedAttempt() {
  const callback = await createCallbackRow(t.prisma, t.tenant.projectId, { dueAt: new Date() });
  await t.prisma.attempt.create({ data: { callbackId: callback.id, number: 1, startedAt: new Date() } });
  return callback;
}

function post(key: string, form: Record<string, string>, signature?: string) {
  const url = recordingStatusCallbackUrl(PUBLIC_BASE_URL, key);
  return t.harness
    .api()
    .post(url.slice(PUBLIC_BASE_URL.length))
    .type('form')
    .set('X-Twilio-Signature', signature ?? twilio.getExpectedTwilioSignature(AUTH_TOKEN, url, form))
    .send(form);
}

test('a signed recording callback is stored against the callback and attempt, once, and listed', async () => {
  const callback = await recordedAttempt();
  const key = legKeyOf(callback.id, 1, 'agent');
  const form = {
    RecordingSid: 'RE0123456789abcdef0123456789abcdef',
    RecordingStatus: 'completed',
    RecordingDuration: '42',
    RecordingUrl: 'https://api.twilio.com/2010-04-01/Accounts/AC1/Recordings/RE0123456789abcdef0123456789abcdef',
  };
  expect((await post(key, form)).status).toBe(204);
  expect((await post(key, form)).status).toBe(204); // a redelivery changes nothing
  expect(await t.prisma.recording.count({ where: { callbackId: callback.id } })).toBe(1);

  const res = await t.harness.api().get(`/v1/callbacks/${callback.id}`).set(t.tenant.auth);
  expect(res.status).toBe(200);
  expect(res.body.recordings).toEqual([
    {
      id: form.RecordingSid,
      attempt: 1,
      status: 'completed',
      durationSeconds: 42,
      url: form.RecordingUrl,
      createdAt: expect.any(String),
    },
  ]);
});

test('unsigned or badly signed: 403 INVALID_SIGNATURE, nothing stored; a bad form or key: 400', async () => {
  const callback = await recordedAttempt();
  const key = legKeyOf(callback.id, 1, 'visitor');
  const form = { RecordingSid: 'RE1', RecordingStatus: 'completed', RecordingDuration: '3' };
  const forged = await post(key, form, 'forged');
  expect(forged.status).toBe(403);
  expect(forged.body.error.code).toBe('INVALID_SIGNATURE');
  expect(await t.prisma.recording.count({ where: { callbackId: callback.id } })).toBe(0);
  expect((await post('not-a-leg-key', form)).status).toBe(400);
  expect((await post(key, { ...form, RecordingStatus: 'weird' })).status).toBe(400);
  // A recording of a callback that is gone is acknowledged and ignored.
  expect((await post(legKeyOf(randomUUID(), 1, 'agent'), form)).status).toBe(204);
});

test('the simulated network reports a fake recording when a recorded conversation ends', async () => {
  const callback = await recordedAttempt();
  const reported: SimulatedRecording[] = [];
  const emitRecording = createRecordingEmitter({
    baseUrl: t.base,
    publicBaseUrl: PUBLIC_BASE_URL,
    authToken: AUTH_TOKEN,
  });
  const telephony = createSimulatedTelephony({
    emit: async () => undefined, // leg status events are not under test here
    emitRecording: async (recording) => {
      await emitRecording(recording);
      reported.push(recording);
    },
    talkTimeSeconds: () => 2,
    timeScale: 0.01,
  });
  const request = {
    callbackId: callback.id,
    attempt: 1,
    from: '+33100000000',
    conference: `cb-${callback.id}-1`,
    ringTimeoutSeconds: 30,
    detectMachine: false,
    record: true,
  };
  // The first party waits in the conference; the second talks, hangs up, and the recording follows.
  await telephony.placeCall({
    ...request,
    key: legKeyOf(callback.id, 1, 'agent'),
    leg: 'agent',
    to: '+33612345675',
    startConferenceOnEnter: false,
  });
  await telephony.placeCall({
    ...request,
    key: legKeyOf(callback.id, 1, 'visitor'),
    leg: 'visitor',
    to: '+33698765445',
    startConferenceOnEnter: true,
  });
  for (let i = 0; i < 100 && reported.length === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  telephony.close();
  expect(reported).toHaveLength(1);
  const res = await t.harness.api().get(`/v1/callbacks/${callback.id}`).set(t.tenant.auth);
  expect(res.body.recordings).toEqual([
    expect.objectContaining({ id: reported[0]!.recordingSid, attempt: 1, status: 'completed', durationSeconds: 2 }),
  ]);
  expect(res.body.recordings[0].url).toMatch(/^https:\/\/recordings\.simulated\.invalid\/RE[0-9a-f]+\.wav$/);
});
