// The Twilio adapter (real `twilio` SDK) against the Twilio REST simulator over real HTTP
// (#15 item 1, S56-S58): the simulator's status callbacks go to the API's own Twilio webhook
// router, which checks every X-Twilio-Signature, so a wrongly signed or shaped callback is an
// event that never arrives here.
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import express from 'express';
import pino from 'pino';
import { createTwilioClient, createTwilioTelephony } from '../../activities/telephony/twilio';
import { createTwilioWebhookRouter } from '../../api/webhooks/twilio';
import { PermanentDialError, type AcdDigits, type LegEvent, type TelephonyPort } from '../../src/telephony/port';
import { acdFailedTwiml, conferenceTwiml } from '../../src/telephony/twiml';
import { startTwilioSimulator, type TwilioSimulator } from '../../scripts/twilio-simulator/server';
import { dialRequest } from '../helpers/telephony';

const ACCOUNT_SID = `AC${'5e'.repeat(16)}`;
const AUTH_TOKEN = 'simulator-test-token';

let simulator: TwilioSimulator;
let webhookServer: Server;
let publicBaseUrl: string;
let events: LegEvent[] = [];
const acdTries: AcdDigits[] = [];
const logLines: string[] = [];

beforeAll(async () => {
  // The signature covers the URL, so the router needs the port: listen first, mount after.
  const app = express();
  const mounted: { router?: express.Router } = {};
  app.use((req, res, next) => (mounted.router ? mounted.router(req, res, next) : next()));
  webhookServer = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  publicBaseUrl = `http://127.0.0.1:${(webhookServer.address() as AddressInfo).port}`;
  mounted.router = createTwilioWebhookRouter({
    authToken: AUTH_TOKEN,
    publicBaseUrl,
    onLegEvent: async (event) => {
      events.push(event);
    },
    // S42: the service's answer to the ACD agent's digits: the conference, or (a key with
    // "refused") the failure message that hangs the leg up.
    acdIdentify: async (input) => {
      acdTries.push(input);
      if (input.key.includes('refused') || input.digits !== '101') return acdFailedTwiml();
      return conferenceTwiml({ conference: 'cb-acd-1', startConferenceOnEnter: !input.first, record: input.record });
    },
  });
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString('utf8'));
        done();
      },
    }),
  );
  // 0.01: a 1 s answer takes 10 ms, the 5 s talk 50 ms.
  simulator = await startTwilioSimulator({
    accountSid: ACCOUNT_SID,
    authToken: AUTH_TOKEN,
    timeScale: 0.01,
    talkTimeSeconds: 5,
    logger,
  });
});

afterAll(async () => {
  await simulator.close();
  await new Promise((resolve) => webhookServer.close(resolve));
});

beforeEach(() => {
  events = [];
});

function adapter(authToken = AUTH_TOKEN): TelephonyPort {
  const client = createTwilioClient({ accountSid: ACCOUNT_SID, authToken, apiBaseUrl: simulator.url });
  return createTwilioTelephony({ client, publicBaseUrl });
}

async function eventsOf(callSid: string, until: (e: LegEvent[]) => boolean, timeoutMs = 5000): Promise<LegEvent[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = events.filter((e) => e.callSid === callSid);
    if (until(mine)) return mine;
    if (Date.now() > deadline) throw new Error(`events of ${callSid} so far: ${JSON.stringify(mine)}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
const ended = (e: LegEvent[]) => e.some((x) => x.status !== 'answered');

test('S57 via Twilio: a number that answers (second party) answers, talks, then completes', async () => {
  const port = adapter();
  const { callSid } = await port.placeCall(dialRequest('+33698765435', { key: 'cb_s:1:visitor' }));
  expect(callSid).toMatch(/^CA[0-9a-f]{32}$/);

  const legEvents = await eventsOf(callSid, ended);
  // Only the events the adapter asked for (answered, completed), numbered as Twilio numbers them.
  expect(legEvents.map((e) => [e.key, e.status, e.sequence])).toEqual([
    ['cb_s:1:visitor', 'answered', 0],
    ['cb_s:1:visitor', 'completed', 1],
  ]);
  // Machine detection was asked for (detectMachine): a person answered.
  expect(legEvents[0]!.answeredBy).toBe('human');
  expect(legEvents[1]!.durationSeconds).toBe(5);
  expect(await port.getCallStatus(callSid)).toBe('completed');
});

test('S57 via Twilio: voicemail answers as a machine; without detection no AnsweredBy', async () => {
  const port = adapter();
  const voicemail = await port.placeCall(dialRequest('+33698765432', { key: 'cb_v:1:visitor' }));
  const [answered] = await eventsOf(voicemail.callSid, ended);
  expect(answered).toMatchObject({ status: 'answered', answeredBy: 'machine' });

  const plain = await port.placeCall(dialRequest('+33698765438', { key: 'cb_p:1:agent', detectMachine: false }));
  const [answeredPlain] = await eventsOf(plain.callSid, ended);
  expect(answeredPlain!.status).toBe('answered');
  expect(answeredPlain!.answeredBy).toBeUndefined();
});

test('S57 via Twilio: a number that never answers rings out at the Timeout the adapter gave', async () => {
  const port = adapter();
  const { callSid } = await port.placeCall(
    dialRequest('+33698765430', { key: 'cb_r:1:visitor', ringTimeoutSeconds: 3 }),
  );
  expect(await port.getCallStatus(callSid)).toBe('ringing');
  const legEvents = await eventsOf(callSid, ended);
  expect(legEvents.map((e) => e.status)).toEqual(['no-answer']);
  expect(await port.getCallStatus(callSid)).toBe('no-answer');
});

test('busy and failed numbers end as Twilio reports them', async () => {
  const port = adapter();
  const busy = await port.placeCall(dialRequest('+33698765431', { key: 'cb_b:1:visitor' }));
  const failed = await port.placeCall(dialRequest('+33698765433', { key: 'cb_f:1:visitor' }));
  expect((await eventsOf(busy.callSid, ended)).map((e) => e.status)).toEqual(['busy']);
  expect((await eventsOf(failed.callSid, ended)).map((e) => e.status)).toEqual(['failed']);
});

test('hang up: the first party waits in the conference until hung up; then it is completed, and again is a no-op', async () => {
  const port = adapter();
  const { callSid } = await port.placeCall(
    dialRequest('+33612340005', {
      key: 'cb_h:1:agent',
      leg: 'agent',
      startConferenceOnEnter: false,
      detectMachine: false,
    }),
  );
  await eventsOf(callSid, (e) => e.some((x) => x.status === 'answered'));
  expect(await port.getCallStatus(callSid)).toBe('answered');
  // The first party never hangs up by itself.
  await new Promise((resolve) => setTimeout(resolve, 100));
  expect(events.filter((e) => e.callSid === callSid).map((e) => e.status)).toEqual(['answered']);

  await port.hangup(callSid);
  const legEvents = await eventsOf(callSid, ended);
  expect(legEvents.map((e) => e.status)).toEqual(['answered', 'completed']);
  expect(await port.getCallStatus(callSid)).toBe('completed');
  // Twilio answers 21220 for a call no longer in progress: the adapter counts it as hung up.
  await expect(port.hangup(callSid)).resolves.toBeUndefined();
});

test('hanging up a ringing call cancels it', async () => {
  const port = adapter();
  const { callSid } = await port.placeCall(
    dialRequest('+33698765430', { key: 'cb_c:1:visitor', ringTimeoutSeconds: 60 }),
  );
  await port.hangup(callSid);
  expect((await eventsOf(callSid, ended)).map((e) => e.status)).toEqual(['canceled']);
});

test('an unknown call: 404 code 20404, which the adapter reads as "not known" / already ended', async () => {
  const port = adapter();
  const unknown = `CA${'0f'.repeat(16)}`;
  expect(await port.getCallStatus(unknown)).toBeNull();
  await expect(port.hangup(unknown)).resolves.toBeUndefined();
  const raw = await fetch(`${simulator.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${unknown}.json`, {
    headers: { authorization: `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}` },
  });
  expect(raw.status).toBe(404);
  expect(await raw.json()).toMatchObject({ code: 20404, status: 404 });
});

test("an invalid To: 400 code 21211, the adapter's PermanentDialError; the number is masked in the simulator's log", async () => {
  logLines.length = 0;
  const error = await adapter()
    .placeCall(dialRequest('0698765435', { key: 'cb_x:1:visitor' }))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PermanentDialError);
  expect(error).toMatchObject({ status: 400, twilioCode: 21211 });
  expect((error as Error).message).not.toContain('0698765435');
  // A number no masking pattern recognises (no +, no leading 0) is masked all the same.
  const bare = await adapter()
    .placeCall(dialRequest('33698765439', { key: 'cb_y:1:visitor' }))
    .catch((e: unknown) => e);
  expect(bare).toMatchObject({ status: 400, twilioCode: 21211 });
  const log = logLines.join('');
  expect(log).toContain('21211');
  expect(log).not.toContain('0698765435');
  expect(log).not.toContain('98765435');
  expect(log).not.toContain('98765439');
});

test('the call log names the number masked only', async () => {
  logLines.length = 0;
  const { callSid } = await adapter().placeCall(dialRequest('+33698765437', { key: 'cb_m:1:visitor' }));
  await eventsOf(callSid, ended);
  const log = logLines.join('');
  expect(log).toContain(callSid);
  expect(log).toContain('+33*******37');
  expect(log).not.toContain('+33698765437');
});

test('wrong credentials: 401 code 20003, a PermanentDialError', async () => {
  const error = await adapter('not-the-token')
    .placeCall(dialRequest('+33698765435', { key: 'cb_a:1:visitor' }))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(PermanentDialError);
  expect(error).toMatchObject({ status: 401, twilioCode: 20003 });

  const raw = await fetch(`${simulator.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, { method: 'POST' });
  expect(raw.status).toBe(401);
  expect(await raw.json()).toMatchObject({ code: 20003, status: 401 });
});

test('a call answers like Twilio: 201, sid CA…, status queued, the Twilio resource fields', async () => {
  const auth = `Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`;
  const form = new URLSearchParams({
    To: '+33698765430',
    From: '+33100000000',
    Twiml: '<Response><Dial><Conference>cb-raw-1</Conference></Dial></Response>',
    Timeout: '30',
  });
  const res = await fetch(`${simulator.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
  });
  expect(res.status).toBe(201);
  const body = (await res.json()) as Record<string, unknown>;
  expect(body).toMatchObject({
    account_sid: ACCOUNT_SID,
    status: 'queued',
    direction: 'outbound-api',
    api_version: '2010-04-01',
    to: '+33698765430',
  });
  expect(body['sid']).toMatch(/^CA[0-9a-f]{32}$/);

  const bad = await fetch(`${simulator.url}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ To: '+33698765430', From: '+33100000000', Twiml: '<Response><Dial>' }).toString(),
  });
  expect(bad.status).toBe(400);
  expect(await bad.json()).toMatchObject({ code: 12100, status: 400 });
});

describe("S42: a leg that calls the customer's ACD (<Gather> TwiML)", () => {
  const acdLeg = (key: string) =>
    dialRequest('+33612340006', {
      key,
      leg: 'agent',
      startConferenceOnEnter: true,
      detectMachine: false,
      acd: { welcomeMessageSeconds: 2, identificationAttempts: 2 },
    });

  test('the simulated ACD agent keys in the identifier, signed, to the gather action; identified, the leg talks', async () => {
    const { callSid } = await adapter().placeCall(acdLeg('cb_acd:1:agent'));
    const legEvents = await eventsOf(callSid, ended);
    expect(legEvents.map((e) => [e.status, e.durationSeconds])).toEqual([
      ['answered', undefined],
      ['completed', 5],
    ]);
    expect(acdTries.filter((t) => t.key === 'cb_acd:1:agent')).toEqual([
      { key: 'cb_acd:1:agent', tryNumber: 1, digits: '101', first: false, record: false },
    ]);
  });

  test('refused by the service, the ACD leg ends without talking', async () => {
    const { callSid } = await adapter().placeCall(acdLeg('cb_acd_refused:1:agent'));
    const legEvents = await eventsOf(callSid, ended);
    expect(legEvents.map((e) => [e.status, e.durationSeconds])).toEqual([
      ['answered', undefined],
      ['completed', 0],
    ]);
    expect(acdTries.filter((t) => t.key === 'cb_acd_refused:1:agent')).toHaveLength(1);
  });
});
