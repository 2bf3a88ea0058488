// The Twilio webhook router: signatures (S58), stable 4xx codes and no 5xx for bad input
// (S59), hold-music TwiML (S31), and the simulated network's signed events end to end (S57).
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import twilio from 'twilio';
import { createTwilioWebhookRouter } from '../../api/webhooks/twilio';
import { holdMusicTwiml } from '../../src/telephony/twiml';
import { UnknownCallError, type DialRequest, type LegEvent } from '../../src/telephony/port';
import { createSimulatedTelephony, createWebhookEmitter } from '../../activities/telephony/simulated';

const AUTH_TOKEN = 'webhook-test-auth-token';
const PUBLIC_BASE_URL = 'https://callbacks.example.com';
const KEY = 'cb_7:2:visitor';
const STATUS_PATH = `/twilio/status?key=${encodeURIComponent(KEY)}`;

// What Twilio posts for an answered visitor leg with machine detection (PII included, as Twilio does).
const answeredForm = {
  AccountSid: `AC${'0'.repeat(32)}`,
  ApiVersion: '2010-04-01',
  CallSid: `CA${'1'.repeat(32)}`,
  CallStatus: 'in-progress',
  AnsweredBy: 'machine_end_beep',
  CallbackSource: 'call-progress-events',
  Called: '+33612345678',
  Caller: '+33187654321',
  Direction: 'outbound-api',
  From: '+33187654321',
  To: '+33612345678',
  SequenceNumber: '2',
  Timestamp: 'Mon, 02 Mar 2026 09:00:01 +0000',
};

const sign = (path: string, params: Record<string, string>, base = PUBLIC_BASE_URL) =>
  twilio.getExpectedTwilioSignature(AUTH_TOKEN, base + path, params);

function appWith(onLegEvent: (event: LegEvent) => Promise<void>) {
  const app = express();
  app.use(createTwilioWebhookRouter({ authToken: AUTH_TOKEN, publicBaseUrl: PUBLIC_BASE_URL, onLegEvent }));
  return app;
}

describe('POST /twilio/status', () => {
  test('a correctly signed callback → 204 and the mapped event', async () => {
    const onLegEvent = jest.fn(async (_event: LegEvent) => undefined);

    const res = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(STATUS_PATH, answeredForm))
      .send(answeredForm);

    expect(res.status).toBe(204);
    expect(onLegEvent).toHaveBeenCalledTimes(1);
    expect(onLegEvent).toHaveBeenCalledWith<[LegEvent]>({
      key: KEY,
      callSid: answeredForm.CallSid,
      status: 'answered',
      answeredBy: 'machine',
      sequence: 2,
      at: '2026-03-02T09:00:01.000Z',
    });
  });

  test('#11.5: a signature over the URL with the retry override fragment is accepted too', async () => {
    const onLegEvent = jest.fn(async (_event: LegEvent) => undefined);
    const res = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(`${STATUS_PATH}#rc=5&rp=all`, answeredForm))
      .send(answeredForm);
    expect(res.status).toBe(204);
    expect(onLegEvent).toHaveBeenCalledTimes(1);
    // Any other fragment is not.
    const other = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(`${STATUS_PATH}#rc=1`, answeredForm))
      .send(answeredForm);
    expect(other.status).toBe(403);
  });

  test('a wrong signature → 403 INVALID_SIGNATURE and nothing delivered', async () => {
    const onLegEvent = jest.fn(async () => undefined);
    const res = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set(
        'X-Twilio-Signature',
        twilio.getExpectedTwilioSignature('another-token', PUBLIC_BASE_URL + STATUS_PATH, answeredForm),
      )
      .send(answeredForm);

    expect(res.status).toBe(403);
    expect(res.body).toEqual({ error: { code: 'INVALID_SIGNATURE', message: expect.any(String) } });
    expect(onLegEvent).not.toHaveBeenCalled();
  });

  test('a missing signature → 403 INVALID_SIGNATURE', async () => {
    const onLegEvent = jest.fn(async () => undefined);
    const res = await request(appWith(onLegEvent)).post(STATUS_PATH).type('form').send(answeredForm);

    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('INVALID_SIGNATURE');
    expect(onLegEvent).not.toHaveBeenCalled();
  });

  test('a signature for another leg key or a tampered form → 403', async () => {
    const onLegEvent = jest.fn(async () => undefined);
    const app = appWith(onLegEvent);
    const otherKeyPath = `/twilio/status?key=${encodeURIComponent('cb_7:2:agent')}`;

    const movedKey = await request(app)
      .post(otherKeyPath)
      .type('form')
      .set('X-Twilio-Signature', sign(STATUS_PATH, answeredForm))
      .send(answeredForm);
    const tampered = await request(app)
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(STATUS_PATH, answeredForm))
      .send({ ...answeredForm, CallStatus: 'completed' });

    expect([movedKey.status, tampered.status]).toEqual([403, 403]);
    expect(onLegEvent).not.toHaveBeenCalled();
  });

  test('an unknown call → 204 (ignored safely)', async () => {
    const onLegEvent = jest.fn(async () => {
      throw new UnknownCallError('no callback waits for this leg');
    });
    const res = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(STATUS_PATH, answeredForm))
      .send(answeredForm);

    expect(res.status).toBe(204);
    expect(onLegEvent).toHaveBeenCalledTimes(1);
  });

  test('a delivery failure → 503 so the sender retries', async () => {
    const onLegEvent = jest.fn(async () => {
      throw new Error('temporal unreachable');
    });
    const res = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(STATUS_PATH, answeredForm))
      .send(answeredForm);

    expect(res.status).toBe(503);
    expect(res.body.error.code).toBe('UNAVAILABLE');
    expect(res.headers['retry-after']).toBe('1');
  });

  test('a signed callback with an unknown status → 400 INVALID_REQUEST', async () => {
    const onLegEvent = jest.fn(async () => undefined);
    const form = { ...answeredForm, CallStatus: 'exploded' };
    const res = await request(appWith(onLegEvent))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', sign(STATUS_PATH, form))
      .send(form);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
    expect(onLegEvent).not.toHaveBeenCalled();
  });

  test('a signed callback without a key → 400 INVALID_REQUEST', async () => {
    const onLegEvent = jest.fn(async () => undefined);
    const res = await request(appWith(onLegEvent))
      .post('/twilio/status')
      .type('form')
      .set('X-Twilio-Signature', sign('/twilio/status', answeredForm))
      .send(answeredForm);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
  });

  test('a repeated key → 400 INVALID_REQUEST', async () => {
    const path = `${STATUS_PATH}&key=other`;
    const res = await request(appWith(async () => undefined))
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', sign(path, answeredForm))
      .send(answeredForm);

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_REQUEST');
  });

  test('JSON instead of a form → 415 UNSUPPORTED_MEDIA', async () => {
    const res = await request(appWith(async () => undefined))
      .post(STATUS_PATH)
      .set('X-Twilio-Signature', 'x')
      .send(answeredForm);
    expect(res.status).toBe(415);
    expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA');
  });

  test('an oversized form → 413 PAYLOAD_TOO_LARGE, not a 5xx', async () => {
    const res = await request(appWith(async () => undefined))
      .post(STATUS_PATH)
      .type('form')
      .set('X-Twilio-Signature', 'x')
      .send({ ...answeredForm, Junk: 'x'.repeat(20_000) });
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
  });
});

describe('hold music (S31)', () => {
  test('holdMusicTwiml says the hold message (French by default), then loops the audio', () => {
    expect(holdMusicTwiml('https://callbacks.example.com/media/hold-music/demo')).toBe(
      '<?xml version="1.0" encoding="UTF-8"?><Response><Say language="fr-FR">Merci de patienter, nous vous mettons en relation.</Say>' +
        '<Play loop="0">https://callbacks.example.com/media/hold-music/demo</Play></Response>',
    );
  });

  test("#14.7: the hold message is in the project's language; French when it cannot be read", async () => {
    const languages: Record<string, 'fr' | 'en'> = { demo: 'en' };
    const app = express();
    app.use(
      createTwilioWebhookRouter({
        authToken: AUTH_TOKEN,
        publicBaseUrl: PUBLIC_BASE_URL,
        onLegEvent: async () => undefined,
        projectLanguage: async (projectId) => {
          const language = languages[projectId];
          if (!language) throw new Error('database down');
          return language;
        },
      }),
    );
    const english = '/twilio/hold-music/demo';
    const res = await request(app).get(english).set('X-Twilio-Signature', sign(english, {}));
    expect(res.status).toBe(200);
    expect(res.text).toBe(holdMusicTwiml(`${PUBLIC_BASE_URL}/media/hold-music/demo`, 'en'));
    expect(res.text).toContain('<Say language="en-US">Please hold, we are connecting your call.</Say>');

    const unknown = '/twilio/hold-music/other';
    const fallback = await request(app).get(unknown).set('X-Twilio-Signature', sign(unknown, {}));
    expect(fallback.status).toBe(200);
    expect(fallback.text).toContain('<Say language="fr-FR">');
  });

  test('GET with a valid signature → TwiML pointing at the project audio', async () => {
    const path = '/twilio/hold-music/demo';
    const res = await request(appWith(async () => undefined))
      .get(path)
      .set('X-Twilio-Signature', sign(path, {}));

    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/xml/);
    expect(res.text).toBe(holdMusicTwiml(`${PUBLIC_BASE_URL}/media/hold-music/demo`));
  });

  test('POST with a valid signature → the same TwiML', async () => {
    const path = '/twilio/hold-music/demo';
    const form = { CallSid: answeredForm.CallSid, ConferenceSid: `CF${'2'.repeat(32)}`, QueuePosition: '1' };
    const res = await request(appWith(async () => undefined))
      .post(path)
      .type('form')
      .set('X-Twilio-Signature', sign(path, form))
      .send(form);

    expect(res.status).toBe(200);
    expect(res.text).toContain('<Play loop="0">https://callbacks.example.com/media/hold-music/demo</Play>');
  });

  test('unsigned → 403; a bad project id → 400', async () => {
    const app = appWith(async () => undefined);
    const unsigned = await request(app).get('/twilio/hold-music/demo');
    const badPath = '/twilio/hold-music/a%20b';
    const bad = await request(app).get(badPath).set('X-Twilio-Signature', sign(badPath, {}));

    expect(unsigned.status).toBe(403);
    expect(unsigned.body.error.code).toBe('INVALID_SIGNATURE');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('INVALID_REQUEST');
  });
});

describe('simulated network → signed webhook, end to end over HTTP (S57)', () => {
  let server: http.Server;
  let baseUrl: string;
  const received: LegEvent[] = [];
  const waiters: Array<() => void> = [];

  beforeAll(async () => {
    const app = express();
    server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    app.use(
      createTwilioWebhookRouter({
        authToken: AUTH_TOKEN,
        publicBaseUrl: baseUrl,
        onLegEvent: async (event) => {
          received.push(event);
          waiters.splice(0).forEach((wake) => wake());
        },
      }),
    );
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  async function until(predicate: () => boolean, timeoutMs = 5_000) {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for webhook events');
      await new Promise<void>((resolve) => {
        waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  const dial = (to: string, key: string): DialRequest => ({
    key,
    callbackId: 'cb_e2e',
    attempt: 1,
    leg: 'visitor',
    to,
    from: '+33187654321',
    conference: 'cb-cb_e2e-1',
    ringTimeoutSeconds: 30,
    startConferenceOnEnter: true,
    detectMachine: true,
    record: false,
  });

  test('every event of an answered call and of a voicemail is accepted, in order', async () => {
    const telephony = createSimulatedTelephony({
      emit: createWebhookEmitter({ baseUrl, authToken: AUTH_TOKEN }),
      talkTimeSeconds: () => 2,
      timeScale: 0.01,
    });
    try {
      const human = await telephony.placeCall(dial('+33612345675', 'cb_e2e:1:visitor'));
      const machine = await telephony.placeCall(dial('+33612345672', 'cb_e2e:1:agent'));
      await until(() => received.filter((e) => e.status === 'completed').length === 2);

      const of = (sid: string) =>
        received.filter((e) => e.callSid === sid).map((e) => [e.key, e.status, e.sequence, e.answeredBy]);
      expect(of(human.callSid)).toEqual([
        ['cb_e2e:1:visitor', 'initiated', 0, undefined],
        ['cb_e2e:1:visitor', 'ringing', 1, undefined],
        ['cb_e2e:1:visitor', 'answered', 2, 'human'],
        ['cb_e2e:1:visitor', 'completed', 3, undefined],
      ]);
      expect(of(machine.callSid).map(([, status, , answeredBy]) => [status, answeredBy])).toEqual([
        ['initiated', undefined],
        ['ringing', undefined],
        ['answered', 'machine'],
        ['completed', undefined],
      ]);
      expect(received.find((e) => e.callSid === human.callSid && e.status === 'completed')?.durationSeconds).toBe(2);
    } finally {
      telephony.close();
    }
  });

  test('an emitter signing with the wrong token is refused with 403', async () => {
    const emit = createWebhookEmitter({ baseUrl, authToken: 'not-the-token' });
    await expect(
      emit({ key: 'cb_x:1:agent', callSid: 'SIM0', status: 'ringing', sequence: 1, at: new Date().toISOString() }),
    ).rejects.toThrow(/HTTP 403/);
  });
});
