// A stand-in for the part of Twilio's REST API the Twilio adapter uses (activities/telephony/
// twilio.ts): create a call, hang it up, read its status; Basic auth with the account sid and
// auth token; Twilio-style JSON errors. Behind it runs the existing simulated network (S57,
// activities/telephony/simulated.ts: who answers by last digit, talk time, the ACD's keypad,
// the conference's two parties); this file only turns Twilio's request into that network's
// dial request and its events into Twilio's signed status callbacks. It lets the product run
// its production telephony path with no Twilio account (the bench, docs/twilio-simulator.md).
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import twilio from 'twilio';
import {
  createAcdKeypad,
  createSimulatedTelephony,
  type SimulatedRecording,
} from '../../activities/telephony/simulated';
import { maskPhone } from '../../src/domain/phone';
import { maskPhonesInText } from '../../src/logger';
import type { DialRequest, LegEvent, LegStatus, TelephonyLogger } from '../../src/telephony/port';
import { toTwilioCallStatus, twilioStatusForm } from '../../src/telephony/twilio-status';
import { recordingStatusCallbackUrl } from '../../src/telephony/urls';
import { parseLegTwiml, TwimlError } from './twiml';

export interface TwilioSimulatorOptions {
  accountSid: string;
  authToken: string;
  /** How long the second party talks before hanging up (the product reads it per project; default 5). */
  talkTimeSeconds?: number;
  /** Multiplies every simulated delay (0.01: a 5 s call lasts 50 ms). Default 1. */
  timeScale?: number;
  /**
   * Post the webhooks here (scheme, host, port) instead of the origin of the URLs the calls
   * were given; the signature still covers the URL given, as Twilio signs it.
   */
  webhookBaseUrl?: string;
  /** What the simulated ACD's agent keys in (S42). Default 101. */
  acdIdentifier?: string;
  host?: string;
  /** 0: any free port. */
  port?: number;
  logger?: TelephonyLogger;
}

export interface TwilioSimulator {
  /** http://host:port — the TWILIO_API_BASE_URL to give the product. */
  url: string;
  server: Server;
  /** Calls created and status callbacks posted (and failed deliveries) so far. */
  stats(): { calls: number; statusCallbacks: number; statusCallbackFailures: number };
  close(): Promise<void>;
}

const API_VERSION = '2010-04-01';
const E164 = /^\+[1-9]\d{6,14}$/;
const CLIENT = /^client:[A-Za-z0-9_.:-]{1,121}$/;
const EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);
const MACHINE_DETECTION = new Set(['Enable', 'DetectMessageEnd']);
/** Calls remembered for GET and hang-up; the oldest are forgotten past this. */
const MAX_CALLS = 100_000;
const BODY_LIMIT = 64 * 1024;

interface SimCall {
  sid: string;
  key: string;
  to: string;
  from: string;
  statusCallback?: string;
  events: Set<string>;
  machineDetection: boolean;
  recordingStatusCallback?: string;
  /** The base of the ACD identification URL (S42), for the simulated keypad. */
  acdBase?: string;
  createdAt: Date;
  startTime?: Date;
  endTime?: Date;
  duration?: number;
  answeredBy?: string;
  /** The network's event sequence -> Twilio's SequenceNumber (it counts the callbacks posted). */
  sequenceOf: Map<number, number>;
}

class TwilioError extends Error {
  constructor(
    readonly status: number,
    readonly code: number,
    message: string,
    /** What the simulator's own log says instead, when `message` quotes the caller's input (a number). */
    readonly logMessage?: string,
  ) {
    super(message);
  }
}

const rfc2822 = (date: Date | undefined) => (date ? date.toUTCString().replace('GMT', '+0000') : null);
const forLogs = (to: string) => (to.startsWith('client:') ? to : maskPhone(to));
/** Twilio's callback event a status belongs to (busy, no-answer… all come as `completed`). */
const eventOf = (status: LegStatus) =>
  status === 'initiated' || status === 'ringing' || status === 'answered' ? status : 'completed';

export async function startTwilioSimulator(options: TwilioSimulatorOptions): Promise<TwilioSimulator> {
  const { accountSid, authToken, logger } = options;
  const talkTimeSeconds = options.talkTimeSeconds ?? 5;
  const calls = new Map<string, SimCall>();
  const sidByKey = new Map<string, string>();
  const counters = { calls: 0, statusCallbacks: 0, statusCallbackFailures: 0 };
  const expectedAuth = `Basic ${Buffer.from(`${accountSid}:${authToken}`).toString('base64')}`;

  const target = (url: string) => {
    if (!options.webhookBaseUrl) return url;
    const given = new URL(url);
    return new URL(given.pathname + given.search, options.webhookBaseUrl).toString();
  };
  const rewritingFetch: typeof fetch = (input, init) => fetch(target(String(input)), init);

  /** Posts a webhook form signed exactly as Twilio signs it (the URL given plus the sorted form). */
  async function postSigned(url: string, form: Record<string, string>): Promise<void> {
    const response = await fetch(target(url), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'user-agent': 'TwilioProxy/1.1',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(authToken, url, form),
      },
      body: new URLSearchParams(form).toString(),
    });
    await response.arrayBuffer(); // frees the connection
    if (!response.ok) throw new Error(`webhook answered HTTP ${response.status}`);
  }

  async function emit(event: LegEvent): Promise<void> {
    const call = calls.get(event.callSid);
    if (!call) return;
    const at = new Date(event.at);
    if (event.status === 'answered') {
      call.startTime ??= at;
      if (event.answeredBy) call.answeredBy = event.answeredBy;
    } else if (eventOf(event.status) === 'completed') {
      call.endTime ??= at;
      call.duration ??= event.durationSeconds ?? 0;
    }
    if (!call.statusCallback || !call.events.has(eventOf(event.status))) return;
    let sequence = call.sequenceOf.get(event.sequence);
    if (sequence === undefined) {
      sequence = call.sequenceOf.size;
      call.sequenceOf.set(event.sequence, sequence);
    }
    const form: Record<string, string> = {
      ...twilioStatusForm({ ...event, sequence }),
      AccountSid: accountSid,
      ApiVersion: API_VERSION,
      Direction: 'outbound-api',
      To: call.to,
      Called: call.to,
      From: call.from,
      Caller: call.from,
    };
    // Twilio reports AnsweredBy only when machine detection was asked for.
    if (!call.machineDetection) delete form['AnsweredBy'];
    try {
      await postSigned(call.statusCallback, form);
      counters.statusCallbacks += 1;
    } catch (err) {
      counters.statusCallbackFailures += 1;
      throw err; // the network retries (5 tries, backing off), as Twilio does with rc=5&rp=all
    }
  }

  async function emitRecording(recording: SimulatedRecording): Promise<void> {
    const sid = sidByKey.get(recording.key);
    const call = sid ? calls.get(sid) : undefined;
    if (!call?.recordingStatusCallback) return;
    await postSigned(call.recordingStatusCallback, {
      AccountSid: accountSid,
      CallSid: call.sid,
      RecordingSid: recording.recordingSid,
      RecordingStatus: 'completed',
      RecordingDuration: String(recording.durationSeconds),
      RecordingUrl: recording.url,
      RecordingSource: 'StartConferenceVerb',
      RecordingChannels: '1',
    });
  }

  const network = createSimulatedTelephony({
    emit,
    emitRecording,
    talkTimeSeconds: () => talkTimeSeconds,
    timeScale: options.timeScale ?? 1,
    // Every event; the call's StatusCallbackEvent decides which are posted (emit).
    progressEvents: true,
    acdKeypad: (req, tryNumber) => {
      const sid = sidByKey.get(req.key);
      const acdBase = sid ? calls.get(sid)?.acdBase : undefined;
      if (!acdBase) return Promise.resolve('failed');
      return createAcdKeypad({
        baseUrl: acdBase,
        authToken,
        digits: options.acdIdentifier ?? '101',
        fetch: rewritingFetch,
      })(req, tryNumber);
    },
    newCallSid: () => `CA${randomBytes(16).toString('hex')}`,
    ...(logger ? { logger } : {}),
  });

  function remember(call: SimCall) {
    calls.set(call.sid, call);
    sidByKey.set(call.key, call.sid);
    while (calls.size > MAX_CALLS) {
      const oldest = calls.values().next().value as SimCall;
      calls.delete(oldest.sid);
      sidByKey.delete(oldest.key);
    }
  }

  async function status(call: SimCall): Promise<string> {
    return toTwilioCallStatus((await network.getCallStatus(call.sid)) ?? 'completed');
  }

  function resource(call: SimCall, callStatus: string) {
    const uri = `/${API_VERSION}/Accounts/${accountSid}/Calls/${call.sid}`;
    return {
      sid: call.sid,
      account_sid: accountSid,
      api_version: API_VERSION,
      date_created: rfc2822(call.createdAt),
      date_updated: rfc2822(call.endTime ?? call.startTime ?? call.createdAt),
      parent_call_sid: null,
      to: call.to,
      to_formatted: call.to,
      from: call.from,
      from_formatted: call.from,
      phone_number_sid: null,
      status: callStatus,
      start_time: rfc2822(call.startTime),
      end_time: rfc2822(call.endTime),
      duration: call.duration === undefined ? null : String(call.duration),
      price: null,
      price_unit: 'USD',
      direction: 'outbound-api',
      answered_by: call.machineDetection ? (call.answeredBy ?? null) : null,
      forwarded_from: null,
      group_sid: null,
      caller_name: null,
      queue_time: '0',
      trunk_sid: null,
      uri: `${uri}.json`,
      subresource_uris: {
        notifications: `${uri}/Notifications.json`,
        recordings: `${uri}/Recordings.json`,
        payments: `${uri}/Payments.json`,
        events: `${uri}/Events.json`,
        siprec: `${uri}/Siprec.json`,
        streams: `${uri}/Streams.json`,
        user_defined_message_subscriptions: `${uri}/UserDefinedMessageSubscriptions.json`,
        user_defined_messages: `${uri}/UserDefinedMessages.json`,
      },
    };
  }

  async function createCall(form: URLSearchParams): Promise<SimCall> {
    const to = form.get('To');
    const from = form.get('From');
    if (!to) throw new TwilioError(400, 21201, "No 'To' number is specified");
    if (!E164.test(to) && !CLIENT.test(to)) {
      throw new TwilioError(
        400,
        21211,
        `The 'To' number ${to} is not a valid phone number.`,
        `The 'To' number ${maskPhone(to)} is not a valid phone number.`,
      );
    }
    if (!from) throw new TwilioError(400, 21213, "No 'From' number is specified");
    if (!E164.test(from) && !CLIENT.test(from)) {
      throw new TwilioError(
        400,
        21212,
        `The 'From' number ${from} is not a valid phone number or client identifier.`,
        `The 'From' number ${maskPhone(from)} is not a valid phone number or client identifier.`,
      );
    }
    const twiml = form.get('Twiml');
    if (!twiml) {
      if (form.get('Url')) throw new TwilioError(400, 20001, 'The simulator runs inline Twiml only, not a Url');
      throw new TwilioError(400, 21205, 'Url parameter is required.');
    }
    const rawCallback = form.get('StatusCallback') ?? undefined;
    let statusCallback: string | undefined;
    if (rawCallback) {
      let parsed: URL;
      try {
        parsed = new URL(rawCallback);
      } catch {
        throw new TwilioError(400, 21609, 'Invalid StatusCallback URL');
      }
      if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
        throw new TwilioError(400, 21609, 'Invalid StatusCallback URL');
      }
      // The fragment (Twilio's connection overrides, e.g. #rc=5&rp=all) is never sent nor signed.
      parsed.hash = '';
      statusCallback = parsed.toString();
    }
    const method = (form.get('StatusCallbackMethod') ?? 'POST').toUpperCase();
    if (method !== 'POST') throw new TwilioError(400, 20001, 'The simulator posts status callbacks (POST) only');
    const asked = form.getAll('StatusCallbackEvent').flatMap((e) => e.split(/\s+/).filter(Boolean));
    for (const event of asked) {
      if (!EVENTS.has(event)) throw new TwilioError(400, 21626, "Invalid 'StatusCallbackEvent'");
    }
    const rawTimeout = form.get('Timeout') ?? '60';
    const timeout = Number(rawTimeout);
    if (!/^\d{1,3}$/.test(rawTimeout) || timeout < 1 || timeout > 600) {
      throw new TwilioError(400, 20001, 'Timeout must be an integer between 1 and 600');
    }
    const machineDetection = form.get('MachineDetection');
    if (machineDetection && !MACHINE_DETECTION.has(machineDetection)) {
      throw new TwilioError(400, 20001, 'MachineDetection must be Enable or DetectMessageEnd');
    }
    let leg;
    try {
      leg = parseLegTwiml(twiml);
    } catch (err) {
      if (err instanceof TwimlError) throw new TwilioError(400, 12100, `Document parse failure: ${err.message}`);
      throw err;
    }

    // The network's dial request, from what Twilio was given: the leg key from the status
    // callback URL (`?key=`), the conference's parties and recording from the TwiML.
    const acdQuery = leg.kind === 'gather' ? new URL(leg.action).searchParams : undefined;
    const key =
      (statusCallback && new URL(statusCallback).searchParams.get('key')) || acdQuery?.get('key') || randomHex();
    const startConferenceOnEnter =
      leg.kind === 'conference' ? leg.startConferenceOnEnter : acdQuery?.get('first') !== '1';
    const record = leg.kind === 'conference' ? leg.record : acdQuery?.get('rec') === '1';
    const acdBase = leg.kind === 'gather' ? leg.action.slice(0, leg.action.indexOf('/twilio/acd/identify')) : undefined;
    const req: DialRequest = {
      key,
      callbackId: key,
      attempt: 0,
      leg: 'visitor',
      to,
      from,
      conference: leg.kind === 'conference' ? leg.conference : '',
      ringTimeoutSeconds: timeout,
      startConferenceOnEnter,
      ...(leg.kind === 'conference' && leg.waitUrl ? { holdMusicUrl: leg.waitUrl } : {}),
      detectMachine: Boolean(machineDetection),
      record,
      ...(leg.kind === 'gather'
        ? // The identification webhook says when the tries are over (its answer has no <Gather>).
          { acd: { welcomeMessageSeconds: leg.welcomeMessageSeconds, identificationAttempts: 20 } }
        : {}),
    };
    const existing = sidByKey.get(key);
    if (existing && calls.has(existing)) return calls.get(existing)!;
    const { callSid } = await network.placeCall(req);
    const recordingStatusCallback =
      leg.kind === 'conference'
        ? leg.recordingStatusCallback
        : record && acdBase !== undefined
          ? // S42 then S50: the conference TwiML the ACD gets once identified reports here.
            recordingStatusCallbackUrl(acdBase, key)
          : undefined;
    const call: SimCall = {
      sid: callSid,
      key,
      to,
      from,
      ...(statusCallback ? { statusCallback } : {}),
      // Twilio's default when StatusCallback is set: the final event only.
      events: new Set(asked.length ? asked : ['completed']),
      machineDetection: Boolean(machineDetection),
      ...(recordingStatusCallback ? { recordingStatusCallback } : {}),
      ...(acdBase !== undefined ? { acdBase } : {}),
      createdAt: new Date(),
      sequenceOf: new Map(),
    };
    remember(call);
    counters.calls += 1;
    logger?.info({ callSid, to: forLogs(to), key }, 'twilio simulator: call created');
    return call;
  }

  async function updateCall(call: SimCall, form: URLSearchParams): Promise<void> {
    const wanted = form.get('Status');
    if (form.get('Twiml') || form.get('Url')) {
      throw new TwilioError(400, 20001, 'The simulator updates a call Status only (no Twiml or Url)');
    }
    if (wanted !== 'completed' && wanted !== 'canceled') {
      throw new TwilioError(400, 20001, 'Status must be completed or canceled');
    }
    const now = await network.getCallStatus(call.sid);
    if (now !== 'initiated' && now !== 'ringing' && now !== 'answered') {
      throw new TwilioError(400, 21220, 'Call is not in-progress. Cannot redirect.');
    }
    // canceled ends a call only while it is queued or ringing; completed ends it in any state.
    if (wanted === 'canceled' && now === 'answered') return;
    await network.hangup(call.sid);
  }

  async function handle(req: IncomingMessage, body: string): Promise<{ status: number; body: unknown }> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/healthz' && req.method === 'GET') return { status: 200, body: { status: 'ok', ...counters } };
    const calls_ = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\.json$/.exec(path);
    const one = /^\/2010-04-01\/Accounts\/([^/]+)\/Calls\/([^/]+)\.json$/.exec(path);
    if (!calls_ && !one) throw new TwilioError(404, 20404, `The requested resource ${path} was not found`);
    if (req.headers.authorization !== expectedAuth || (calls_ ?? one)![1] !== accountSid) {
      throw new TwilioError(401, 20003, 'Authenticate');
    }
    const form = new URLSearchParams(body);
    if (calls_) {
      if (req.method !== 'POST') throw new TwilioError(405, 20004, 'Method not allowed');
      const call = await createCall(form);
      return { status: 201, body: resource(call, 'queued') };
    }
    const call = calls.get(one![2]!);
    if (!call) throw new TwilioError(404, 20404, `The requested resource ${path} was not found`);
    if (req.method === 'POST') await updateCall(call, form);
    else if (req.method !== 'GET') throw new TwilioError(405, 20004, 'Method not allowed');
    return { status: 200, body: resource(call, await status(call)) };
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT) chunks.push(chunk);
    });
    req.on('end', () => {
      const reply = (status: number, payload: unknown) =>
        void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
      const work =
        size > BODY_LIMIT
          ? Promise.reject(new TwilioError(413, 20001, 'Request body too large'))
          : handle(req, Buffer.concat(chunks).toString('utf8'));
      work.then(
        ({ status, body }) => reply(status, body),
        (err: unknown) => {
          if (err instanceof TwilioError) {
            if (err.status === 401) res.setHeader('www-authenticate', 'Basic realm="Twilio API"');
            // Twilio's messages may quote the number: masked in the simulator's own log.
            // Hanging up a call that just ended (21220, 20404) is the product's everyday race.
            const level = err.code === 21220 || err.code === 20404 ? 'info' : 'warn';
            logger?.[level](
              { method: req.method, code: err.code, status: err.status },
              `twilio simulator: ${maskPhonesInText(err.logMessage ?? err.message)}`,
            );
            return reply(err.status, {
              code: err.code,
              message: err.message,
              more_info: `https://www.twilio.com/docs/errors/${err.code}`,
              status: err.status,
            });
          }
          logger?.error({ err }, 'twilio simulator: request failed');
          reply(500, { code: 20500, message: 'Internal Server Error', status: 500 });
        },
      );
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}`,
    server,
    stats: () => ({ ...counters }),
    close: async () => {
      network.close();
      server.closeIdleConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function randomHex(): string {
  return randomBytes(8).toString('hex');
}
