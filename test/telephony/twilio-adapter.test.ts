// The Twilio adapter with the real SDK, against a local stand-in for Twilio's REST API
// (DESIGN "Twilio in tests"): the exact form fields the SDK sends, and its error types.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { PermanentDialError, type DialRequest } from '../../src/telephony/port';
import { createTwilioClient, createTwilioTelephony } from '../../activities/telephony/twilio';
import { holdMusicWaitUrl } from '../../src/telephony/urls';

const ACCOUNT_SID = `AC${'a1'.repeat(16)}`;
const AUTH_TOKEN = 'test-auth-token';
const CALL_SID = `CA${'b2'.repeat(16)}`;
const PUBLIC_BASE_URL = 'https://callbacks.example.com';
const CALLS_PATH = `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`;

interface Received {
  method: string;
  path: string;
  authorization: string | undefined;
  form: URLSearchParams;
}

type Reply = { status: number; body: unknown };

let server: http.Server;
let apiBaseUrl: string;
let received: Received[] = [];
let reply: (req: Received) => Reply;

const callResource = (sid: string, status: string) => ({
  sid,
  account_sid: ACCOUNT_SID,
  status,
  api_version: '2010-04-01',
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const entry: Received = {
        method: req.method ?? '',
        path: req.url ?? '',
        authorization: req.headers.authorization,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      };
      received.push(entry);
      const { status, body } = reply(entry);
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  apiBaseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  received = [];
  reply = (req) =>
    req.path === CALLS_PATH
      ? { status: 201, body: callResource(CALL_SID, 'queued') }
      : { status: 200, body: callResource(CALL_SID, 'completed') };
});

function captureLogs() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

function telephony(logger?: pino.Logger) {
  const client = createTwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl });
  return createTwilioTelephony({ client, publicBaseUrl: PUBLIC_BASE_URL, ...(logger ? { logger } : {}) });
}

// Agent first (S30): the agent is the first party and waits on hold music (S31).
const agentLeg: DialRequest = {
  key: 'cb_123:1:agent',
  callbackId: 'cb_123',
  attempt: 1,
  leg: 'agent',
  to: '+33612345678',
  from: '+33187654321',
  conference: 'cb-cb_123-1',
  ringTimeoutSeconds: 25,
  startConferenceOnEnter: false,
  holdMusicUrl: holdMusicWaitUrl(`${PUBLIC_BASE_URL}/`, 'demo'),
  detectMachine: false,
  record: false,
};

const visitorLeg: DialRequest = {
  ...agentLeg,
  key: 'cb_123:1:visitor',
  leg: 'visitor',
  to: '+33698765432',
  startConferenceOnEnter: true,
  detectMachine: true,
  record: true,
};

const XML = '<?xml version="1.0" encoding="UTF-8"?>';

describe('Twilio adapter: placeCall', () => {
  test('agent-first agent leg: waits on hold music, no machine detection, no recording', async () => {
    const { callSid } = await telephony().placeCall(agentLeg);

    expect(callSid).toBe(CALL_SID);
    expect(received).toHaveLength(1);
    const [request] = received;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(CALLS_PATH);
    expect(request?.authorization).toBe(`Basic ${Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64')}`);
    const form = request!.form;
    expect(form.get('To')).toBe('+33612345678');
    expect(form.get('From')).toBe('+33187654321');
    expect(form.get('Timeout')).toBe('25');
    expect(form.get('StatusCallback')).toBe(`${PUBLIC_BASE_URL}/twilio/status?key=cb_123%3A1%3Aagent#rc=5&rp=all`);
    expect(form.get('StatusCallbackMethod')).toBe('POST');
    expect(form.getAll('StatusCallbackEvent')).toEqual(['answered', 'completed']);
    expect(form.has('MachineDetection')).toBe(false);
    expect(form.has('Record')).toBe(false);
    expect(form.get('Twiml')).toBe(
      `${XML}<Response><Dial><Conference startConferenceOnEnter="false" endConferenceOnExit="true" beep="false"` +
        ` waitUrl="${PUBLIC_BASE_URL}/twilio/hold-music/demo" waitMethod="GET">cb-cb_123-1</Conference></Dial></Response>`,
    );
    expect([...new Set(form.keys())].sort()).toEqual(
      ['From', 'StatusCallback', 'StatusCallbackEvent', 'StatusCallbackMethod', 'Timeout', 'To', 'Twiml'].sort(),
    );
  });

  test('visitor leg as second party: machine detection, starts the conference, recorded from the start', async () => {
    const { callSid } = await telephony().placeCall(visitorLeg);

    expect(callSid).toBe(CALL_SID);
    const form = received[0]!.form;
    expect(form.get('To')).toBe('+33698765432');
    expect(form.get('MachineDetection')).toBe('Enable');
    expect(form.get('StatusCallback')).toBe(`${PUBLIC_BASE_URL}/twilio/status?key=cb_123%3A1%3Avisitor#rc=5&rp=all`);
    expect(form.getAll('StatusCallbackEvent')).toEqual(['answered', 'completed']);
    // The second party never gets the wait URL, even when the request carries one.
    expect(form.get('Twiml')).toBe(
      `${XML}<Response><Dial><Conference startConferenceOnEnter="true" endConferenceOnExit="true" beep="false"` +
        ` record="record-from-start"` +
        // S50: the recording is reported to the recording webhook with the leg's key.
        ` recordingStatusCallback="https://callbacks.example.com/twilio/recording?key=cb_123%3A1%3Avisitor"` +
        ` recordingStatusCallbackMethod="POST" recordingStatusCallbackEvent="completed absent"` +
        `>cb-cb_123-1</Conference></Dial></Response>`,
    );
  });

  test('visitor first: the visitor waits on hold music and the agent leg is recorded when asked', async () => {
    const port = telephony();
    await port.placeCall({ ...visitorLeg, startConferenceOnEnter: false, record: false });
    await port.placeCall({ ...agentLeg, startConferenceOnEnter: true, holdMusicUrl: undefined, record: true });

    const [visitorTwiml, agentTwiml] = received.map((r) => r.form.get('Twiml') ?? '');
    expect(visitorTwiml).toContain('startConferenceOnEnter="false"');
    expect(visitorTwiml).toContain(`waitUrl="${PUBLIC_BASE_URL}/twilio/hold-music/demo"`);
    expect(visitorTwiml).not.toContain('record=');
    expect(received[0]!.form.get('MachineDetection')).toBe('Enable');
    expect(agentTwiml).toContain('startConferenceOnEnter="true"');
    expect(agentTwiml).not.toContain('waitUrl');
    expect(agentTwiml).toContain('record="record-from-start"');
  });

  test('a desk agent is dialled as a Twilio Client identity', async () => {
    await telephony().placeCall({ ...agentLeg, to: 'client:agent-42' });
    expect(received[0]!.form.get('To')).toBe('client:agent-42');
  });

  test('logs the placed call with the number masked', async () => {
    const { logger, lines } = captureLogs();
    await telephony(logger).placeCall(agentLeg);
    const log = lines.join('');
    expect(log).toContain('call placed');
    expect(log).toContain(CALL_SID);
    expect(log).toContain('+33*******78');
    expect(log).not.toContain('+33612345678');
  });
});

describe('Twilio adapter: errors', () => {
  test('400 with code 21211 (invalid number) is a PermanentDialError without the number in clear', async () => {
    reply = () => ({
      status: 400,
      body: {
        code: 21211,
        message: "The 'To' number +33612345678 is not a valid phone number.",
        status: 400,
        more_info: 'https://www.twilio.com/docs/errors/21211',
      },
    });
    const { logger, lines } = captureLogs();

    const error = await telephony(logger)
      .placeCall(agentLeg)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(PermanentDialError);
    const dialError = error as PermanentDialError;
    expect(dialError.name).toBe('PermanentDialError');
    expect(dialError.status).toBe(400);
    expect(dialError.twilioCode).toBe(21211);
    expect(dialError.message).toContain('21211');
    expect(dialError.message).not.toContain('+33612345678');
    expect(lines.join('')).not.toContain('+33612345678');
  });

  test('a 5xx from Twilio is a plain, retryable Error', async () => {
    reply = () => ({ status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } });
    const error = await telephony()
      .placeCall(agentLeg)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentDialError);
    expect((error as Error).message).toContain('HTTP 503');
  });

  test('429 (rate limited) is retryable, not permanent', async () => {
    reply = () => ({ status: 429, body: { code: 20429, message: 'Too Many Requests', status: 429 } });
    const error = await telephony()
      .placeCall(agentLeg)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentDialError);
  });

  test('an unreachable API is a plain Error that carries no request data', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const client = createTwilioClient({ accountSid: ACCOUNT_SID, authToken: AUTH_TOKEN, apiBaseUrl: deadUrl });

    const error = await createTwilioTelephony({ client, publicBaseUrl: PUBLIC_BASE_URL })
      .placeCall(agentLeg)
      .catch((e: unknown) => e);

    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentDialError);
    expect((error as Error).message).toMatch(/unreachable.*ECONNREFUSED/);
    expect((error as Error).cause).toBeUndefined();
  });
});

describe('Twilio adapter: hangup', () => {
  test('updates the call to Status=completed', async () => {
    await telephony().hangup(CALL_SID);

    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('POST');
    expect(received[0]?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${CALL_SID}.json`);
    expect([...received[0]!.form.entries()]).toEqual([['Status', 'completed']]);
  });

  test('a call that no longer exists counts as hung up', async () => {
    reply = () => ({
      status: 404,
      body: { code: 20404, message: 'The requested resource was not found', status: 404 },
    });
    await expect(telephony().hangup(CALL_SID)).resolves.toBeUndefined();
  });

  test('a 5xx on hangup is a plain Error', async () => {
    reply = () => ({ status: 500, body: { code: 20500, message: 'Internal Server Error', status: 500 } });
    const error = await telephony()
      .hangup(CALL_SID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentDialError);
  });
});

describe('Twilio adapter: getCallStatus (#11.5, a lost terminal event)', () => {
  test('fetches the call resource and maps its status', async () => {
    reply = () => ({ status: 200, body: callResource(CALL_SID, 'completed') });
    expect(await telephony().getCallStatus(CALL_SID)).toBe('completed');
    expect(received).toHaveLength(1);
    expect(received[0]?.method).toBe('GET');
    expect(received[0]?.path).toBe(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${CALL_SID}.json`);

    reply = () => ({ status: 200, body: callResource(CALL_SID, 'in-progress') });
    expect(await telephony().getCallStatus(CALL_SID)).toBe('answered');
    reply = () => ({ status: 200, body: callResource(CALL_SID, 'no-answer') });
    expect(await telephony().getCallStatus(CALL_SID)).toBe('no-answer');
  });

  test('an unknown call is null; a 5xx is a plain, retryable Error', async () => {
    reply = () => ({
      status: 404,
      body: { code: 20404, message: 'The requested resource was not found', status: 404 },
    });
    expect(await telephony().getCallStatus(CALL_SID)).toBeNull();
    reply = () => ({ status: 503, body: { code: 20503, message: 'Service Unavailable', status: 503 } });
    const error = await telephony()
      .getCallStatus(CALL_SID)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(PermanentDialError);
  });

  test('status callbacks ask Twilio to retry failed deliveries (connection override fragment)', async () => {
    await telephony().placeCall(agentLeg);
    const url = new URL(received[0]!.form.get('StatusCallback')!);
    expect(url.hash).toBe('#rc=5&rp=all');
    expect(url.search).toBe('?key=cb_123%3A1%3Aagent');
  });
});
