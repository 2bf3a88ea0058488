// S57: the built-in simulated phone network, used when no Twilio credentials are set (S56).
// The number's last digit decides the outcome; events leave through `emit`, which in
// production posts them, signed like Twilio's, to our own status webhook.
import { randomBytes } from 'node:crypto';
import twilio from 'twilio';
import type {
  AnsweredBy,
  DialRequest,
  LegEvent,
  LegStatus,
  SimulatedDeskPhone,
  TelephonyLogger,
  TelephonyPort,
} from '../../src/telephony/port';
import { twilioStatusForm } from '../../src/telephony/twilio-status';
import { acdIdentifyUrl, recordingStatusCallbackUrl, statusCallbackUrl } from '../../src/telephony/urls';

export interface SimulatedClock {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  now(): Date;
}

/** Reads the globals at call time, so jest's fake timers drive it too. */
export const systemClock: SimulatedClock = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
  now: () => new Date(),
};

/** Delays of the simulated network, in milliseconds before `timeScale`. */
export const SIMULATED_TIMINGS = {
  ringingAfterMs: 100,
  busyAfterMs: 300,
  failedAfterMs: 300,
  answerAfterMs: 1000,
} as const;

export type AcdTryResult = 'identified' | 'retry' | 'failed';

export type SimulatedOutcome = 'no-answer' | 'busy' | 'voicemail' | 'failed' | 'answer';

/** S57 by last digit; desk agents (`client:agent-<id>`) answer like an ordinary number. */
export function simulatedOutcome(to: string): SimulatedOutcome {
  if (to.startsWith('client:')) return 'answer';
  switch (to.at(-1)) {
    case '0':
      return 'no-answer';
    case '1':
      return 'busy';
    case '2':
      return 'voicemail';
    case '3':
      return 'failed';
    default:
      return 'answer';
  }
}

export function simulatedCallSid(): string {
  return `SIM${randomBytes(16).toString('hex')}`;
}

interface SimulatedCall {
  req: DialRequest;
  callSid: string;
  nextSequence: number;
  phase: 'ringing' | 'answered' | 'ended';
  answeredAtMs?: number;
  timers: Set<unknown>;
  /** Events of one call are delivered in order, one after the other. */
  delivery: Promise<void>;
}

/** S50: a fake recording of a recorded conference, reported like Twilio's recording callback. */
export interface SimulatedRecording {
  key: string;
  recordingSid: string;
  durationSeconds: number;
  url: string;
}

export type SimulatedTelephony = TelephonyPort & {
  /** Stops every simulated call without further events (shutdown, tests). */
  close(): void;
};

export function createSimulatedTelephony(options: {
  emit: (event: LegEvent) => Promise<void>;
  talkTimeSeconds: (req: DialRequest) => number;
  clock?: SimulatedClock;
  /** Multiplies every delay: 0.01 makes a 5 s call last 50 ms. */
  timeScale?: number;
  /** Delivery attempts per event before it is given up (and logged). */
  maxEmitAttempts?: number;
  /** S42: the simulated ACD's agent keys in an identifier; answers how the try went. */
  acdKeypad?: (req: DialRequest, tryNumber: number) => Promise<AcdTryResult>;
  /** #13: a desk agent's leg rings on their open desk's simulated softphone (src/desk/simulated-softphone.ts). */
  deskPhone?: SimulatedDeskPhone;
  /**
   * Whether the progress events (initiated, ringing) are posted, as Twilio does for a call
   * whose statusCallbackEvent asks for them (default: posted). The service acts only on
   * answered and the final statuses (src/callbacks/leg-events.ts), so the worker leaves them
   * out (#15): two signed webhook posts fewer per leg. Sequence numbers count the posted
   * events, like Twilio's SequenceNumber.
   */
  progressEvents?: boolean;
  /** S50: told of each recorded conversation when it ends (a fake recording). */
  emitRecording?: (recording: SimulatedRecording) => Promise<void>;
  /** The id of each new call (default `SIM…`); the Twilio simulator gives Twilio-style `CA…` sids. */
  newCallSid?: () => string;
  logger?: TelephonyLogger;
}): SimulatedTelephony {
  const { emit, talkTimeSeconds, logger } = options;
  const clock = options.clock ?? systemClock;
  const timeScale = options.timeScale ?? 1;
  const maxEmitAttempts = options.maxEmitAttempts ?? 5;
  const progressEvents = options.progressEvents ?? true;
  const calls = new Map<string, SimulatedCall>();
  // S35: the same leg key never rings twice, even if placeCall is retried.
  const sidByKey = new Map<string, string>();
  /** #11.5: the network's own truth about ended calls, whatever happened to their events. */
  const endedStatus = new Map<string, LegStatus>();

  const scaled = (ms: number) => ms * timeScale;
  const sleep = (ms: number) => new Promise<void>((resolve) => clock.setTimeout(resolve, scaled(ms)));

  async function deliver(event: LegEvent): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await emit(event);
        return;
      } catch (err) {
        if (attempt >= maxEmitAttempts) {
          logger?.error(
            { key: event.key, callSid: event.callSid, status: event.status, err },
            'simulated status event lost',
          );
          return;
        }
        await sleep(250 * 2 ** (attempt - 1));
      }
    }
  }

  function send(
    call: SimulatedCall,
    status: LegStatus,
    extra: { answeredBy?: AnsweredBy; durationSeconds?: number } = {},
  ) {
    if (!progressEvents && (status === 'initiated' || status === 'ringing')) return;
    const event: LegEvent = {
      key: call.req.key,
      callSid: call.callSid,
      status,
      sequence: call.nextSequence++,
      at: clock.now().toISOString(),
      ...extra,
    };
    call.delivery = call.delivery.then(() => deliver(event));
  }

  function at(call: SimulatedCall, ms: number, step: () => void) {
    const handle = clock.setTimeout(() => {
      call.timers.delete(handle);
      if (call.phase !== 'ended') step();
    }, scaled(ms));
    call.timers.add(handle);
  }

  function end(call: SimulatedCall, status: LegStatus, durationSeconds: number) {
    call.phase = 'ended';
    for (const handle of call.timers) clock.clearTimeout(handle);
    call.timers.clear();
    calls.delete(call.callSid);
    endedStatus.set(call.callSid, status);
    send(call, status, { durationSeconds });
    if (options.deskPhone && call.req.to.startsWith('client:')) options.deskPhone.ended(call.callSid);
    // S50: the second party's hang-up ends the recorded conference; its recording follows.
    const { emitRecording } = options;
    if (emitRecording && call.req.record && call.req.startConferenceOnEnter && status === 'completed') {
      const recordingSid = `RE${randomBytes(16).toString('hex')}`;
      const recording = {
        key: call.req.key,
        recordingSid,
        durationSeconds,
        url: `https://recordings.simulated.invalid/${recordingSid}.wav`,
      };
      call.delivery = call.delivery.then(() =>
        emitRecording(recording).catch((err: unknown) =>
          logger?.error({ key: call.req.key, recordingSid, err }, 'simulated recording not reported'),
        ),
      );
    }
  }

  function run(call: SimulatedCall) {
    const { req } = call;
    const outcome = simulatedOutcome(req.to);
    const ringTimeoutMs = req.ringTimeoutSeconds * 1000;
    at(call, 0, () => send(call, 'initiated'));
    if (outcome === 'busy') return at(call, SIMULATED_TIMINGS.busyAfterMs, () => end(call, 'busy', 0));
    if (outcome === 'failed') return at(call, SIMULATED_TIMINGS.failedAfterMs, () => end(call, 'failed', 0));

    at(call, SIMULATED_TIMINGS.ringingAfterMs, () => send(call, 'ringing'));
    if (outcome === 'no-answer' || SIMULATED_TIMINGS.answerAfterMs > ringTimeoutMs) {
      return at(call, ringTimeoutMs, () => end(call, 'no-answer', 0));
    }
    const talkSeconds = talkTimeSeconds(req);
    const answer = () => {
      call.phase = 'answered';
      call.answeredAtMs = clock.now().getTime();
      // S32: voicemail picks up, which counts as answered.
      send(call, 'answered', { answeredBy: outcome === 'voicemail' ? 'machine' : 'human' });
    };
    const talk = (afterMs: number) => {
      // The first party waits in the conference (hold music) until the bridge ends and it is
      // hung up; the second party talks for the configured time, then hangs up.
      if (req.startConferenceOnEnter) at(call, afterMs + talkSeconds * 1000, () => end(call, 'completed', talkSeconds));
    };
    const deskPhone = options.deskPhone;
    if (deskPhone && req.to.startsWith('client:')) {
      // #13: rings on the agent's desk until answered there, declined, or the ring timeout.
      at(call, ringTimeoutMs, () => call.phase === 'ringing' && end(call, 'no-answer', 0));
      void deskPhone.ring(req, call.callSid).then(
        (result) => {
          if (call.phase !== 'ringing') return;
          if (result === 'declined') return end(call, 'busy', 0);
          if (result === 'unanswered') return end(call, 'no-answer', 0);
          if (result === 'answered') {
            answer();
            return talk(0);
          }
          at(call, SIMULATED_TIMINGS.answerAfterMs, answer);
          talk(SIMULATED_TIMINGS.answerAfterMs);
        },
        (err: unknown) => {
          logger?.error({ key: req.key, err }, 'simulated desk softphone failed');
          if (call.phase === 'ringing') end(call, 'failed', 0);
        },
      );
      return;
    }
    at(call, SIMULATED_TIMINGS.answerAfterMs, answer);
    if (!req.acd || !options.acdKeypad) return talk(SIMULATED_TIMINGS.answerAfterMs);
    // S42: after the welcome message, the ACD's agent keys in an identifier, try after try.
    const keypad = options.acdKeypad;
    const acd = req.acd;
    const tryAt = (tryNumber: number, afterMs: number) =>
      at(call, afterMs, () => {
        void keypad(req, tryNumber).then(
          (result) => {
            if (call.phase === 'ended') return;
            if (result === 'identified') return talk(0);
            if (result === 'retry' && tryNumber < acd.identificationAttempts) return tryAt(tryNumber + 1, 1000);
            end(call, 'completed', 0);
          },
          (err: unknown) => {
            logger?.error({ key: req.key, err }, 'simulated ACD identification failed');
            if (call.phase !== 'ended') end(call, 'failed', 0);
          },
        );
      });
    tryAt(1, SIMULATED_TIMINGS.answerAfterMs + acd.welcomeMessageSeconds * 1000);
  }

  return {
    async placeCall(req) {
      const existing = sidByKey.get(req.key);
      if (existing) return { callSid: existing };
      const call: SimulatedCall = {
        req,
        callSid: (options.newCallSid ?? simulatedCallSid)(),
        nextSequence: 0,
        phase: 'ringing',
        timers: new Set(),
        delivery: Promise.resolve(),
      };
      sidByKey.set(req.key, call.callSid);
      calls.set(call.callSid, call);
      run(call);
      logger?.info(
        { key: req.key, leg: req.leg, callSid: call.callSid, outcome: simulatedOutcome(req.to) },
        'simulated call placed',
      );
      return { callSid: call.callSid };
    },

    async hangup(callSid) {
      const call = calls.get(callSid);
      if (!call) return; // already ended or never placed: hanging up is idempotent
      if (call.phase === 'answered') {
        const talkedMs = clock.now().getTime() - (call.answeredAtMs ?? clock.now().getTime());
        end(call, 'completed', Math.round(talkedMs / timeScale / 1000));
      } else {
        end(call, 'canceled', 0);
      }
    },

    async getCallStatus(callSid) {
      const call = calls.get(callSid);
      if (call) return call.phase === 'answered' ? 'answered' : 'ringing';
      // Every call of the simulated network lives in this process: one it does not know was
      // placed by a process that is gone (a worker killed -9), and died with it.
      return endedStatus.get(callSid) ?? 'completed';
    },

    close() {
      for (const call of calls.values()) {
        call.phase = 'ended';
        for (const handle of call.timers) clock.clearTimeout(handle);
        call.timers.clear();
      }
      calls.clear();
    },
  };
}

/**
 * S57 "same path as Twilio's": posts each event, form-encoded and signed with the auth
 * token, to our own /twilio/status webhook. `publicBaseUrl` is the base the webhook
 * verifies against, when it differs from the address posted to.
 */
export function createWebhookEmitter(options: {
  baseUrl: string;
  authToken: string;
  publicBaseUrl?: string;
  fetch?: typeof fetch;
}): (event: LegEvent) => Promise<void> {
  const doFetch = options.fetch ?? fetch;
  return async (event) => {
    const form = twilioStatusForm(event);
    const signedUrl = statusCallbackUrl(options.publicBaseUrl ?? options.baseUrl, event.key);
    const response = await doFetch(statusCallbackUrl(options.baseUrl, event.key), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(options.authToken, signedUrl, form),
      },
      body: new URLSearchParams(form).toString(),
    });
    await response.arrayBuffer(); // frees the connection
    if (!response.ok) throw new Error(`status webhook answered HTTP ${response.status} for ${event.key}`);
  };
}

/** S50: posts a simulated recording to our recording webhook, signed like Twilio's callback. */
export function createRecordingEmitter(options: {
  baseUrl: string;
  authToken: string;
  publicBaseUrl?: string;
  fetch?: typeof fetch;
}): (recording: SimulatedRecording) => Promise<void> {
  const doFetch = options.fetch ?? fetch;
  return async (recording) => {
    const form = {
      RecordingSid: recording.recordingSid,
      RecordingStatus: 'completed',
      RecordingDuration: String(recording.durationSeconds),
      RecordingUrl: recording.url,
    };
    const signedUrl = recordingStatusCallbackUrl(options.publicBaseUrl ?? options.baseUrl, recording.key);
    const response = await doFetch(recordingStatusCallbackUrl(options.baseUrl, recording.key), {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(options.authToken, signedUrl, form),
      },
      body: new URLSearchParams(form).toString(),
    });
    await response.arrayBuffer();
    if (!response.ok) throw new Error(`recording webhook answered HTTP ${response.status} for ${recording.key}`);
  };
}

/** S42: the simulated ACD agent keys `digits` into our identification webhook, signed like Twilio. */
export function createAcdKeypad(options: {
  baseUrl: string;
  authToken: string;
  digits: string;
  fetch?: typeof fetch;
}): (req: DialRequest, tryNumber: number) => Promise<AcdTryResult> {
  const doFetch = options.fetch ?? fetch;
  return async (req, tryNumber) => {
    const url = acdIdentifyUrl(options.baseUrl, req, tryNumber);
    const form = { Digits: `${options.digits}#`, CallSid: `SIMACD${req.key.slice(0, 8)}` };
    const response = await doFetch(url, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        'x-twilio-signature': twilio.getExpectedTwilioSignature(options.authToken, url, form),
      },
      body: new URLSearchParams(form).toString(),
    });
    const twiml = await response.text();
    if (!response.ok) throw new Error(`identification webhook answered HTTP ${response.status}`);
    if (twiml.includes('<Conference')) return 'identified';
    return twiml.includes('<Gather') ? 'retry' : 'failed';
  };
}
