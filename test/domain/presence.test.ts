// Presence rules (S41, S43–S46) as tables: pure functions of (presence, settings, now).
import {
  acceptCall,
  answerTargetOf,
  busyForChat,
  callEnded,
  callStarted,
  chatEnded,
  chatStarted,
  effectiveAutoAnswer,
  isEligibleForCall,
  loggedOut,
  login,
  logout,
  reserve,
  setStatus,
  wrapUpElapsed,
  type AgentSettings,
  type Presence,
  type PresenceState,
  type Transition,
} from '../../src/domain/presence';

const T0 = Date.parse('2026-03-30T09:00:00Z');
const AGENT = '00000000-0000-4000-8000-000000000001';
const CB = '00000000-0000-4000-8000-0000000000c1';
const OTHER_CB = '00000000-0000-4000-8000-0000000000c2';

const settings = (overrides: Partial<AgentSettings> = {}): AgentSettings => ({
  callEnabled: true,
  allowChatAndCall: false,
  askNumberAtLogin: false,
  autoAnswer: true,
  autoAnswerDelaySeconds: 20,
  answerMode: 'PHONE',
  phoneNumber: '+33612345678',
  ...overrides,
});

function presence(state: PresenceState, overrides: Partial<Presence> = {}): Presence {
  const onCall = state === 'RESERVED' || state === 'ON_CALL';
  return {
    ...loggedOut(T0),
    state,
    call: onCall ? { callbackId: CB, autoAnswer: true, wrapUpSeconds: 20, accepted: false } : null,
    ...overrides,
  };
}

function next(t: Transition): Presence {
  if (!t.ok) throw new Error(`refused: ${t.reason} ${t.message}`);
  return t.presence;
}

describe('effectiveAutoAnswer (S45)', () => {
  test.each([
    [true, null, 'EMPLOYEE', true],
    [true, null, 'EXPERT', false],
    [true, true, 'EXPERT', true],
    [true, false, 'EMPLOYEE', false],
    [false, null, 'EMPLOYEE', false],
    [false, true, 'EMPLOYEE', false],
    [false, true, 'EXPERT', false],
  ] as const)('account %s, agent %s, %s -> %s', (accountEnabled, agentSetting, kind, expected) => {
    expect(effectiveAutoAnswer({ accountEnabled, agentSetting, kind })).toBe(expected);
  });
});

describe('isEligibleForCall (S41, S46)', () => {
  test.each([
    ['AVAILABLE', false, true, false, true],
    ['AVAILABLE', false, false, false, false],
    ['AVAILABLE', true, true, false, false],
    ['AVAILABLE', true, true, true, true],
    ['UNAVAILABLE', false, true, true, false],
    ['RESERVED', false, true, true, false],
    ['ON_CALL', false, true, true, false],
    ['WRAP_UP', false, true, true, false],
    ['LOGGED_OUT', false, true, true, false],
  ] as const)(
    '%s, in chat %s, call-enabled %s, mixes %s -> %s',
    (state, inChat, callEnabled, allowChatAndCall, expected) => {
      expect(isEligibleForCall({ state, inChat }, { callEnabled, allowChatAndCall })).toBe(expected);
    },
  );
});

describe('busyForChat (S46)', () => {
  test.each([
    ['RESERVED', false, true],
    ['ON_CALL', false, true],
    ['ON_CALL', true, false],
    ['WRAP_UP', false, false],
    ['AVAILABLE', false, false],
  ] as const)('%s, mixes %s -> %s', (state, allowChatAndCall, expected) => {
    expect(busyForChat({ state }, { allowChatAndCall })).toBe(expected);
  });
});

describe('login / logout (S43, S44)', () => {
  test('login makes the agent AVAILABLE from now, with the number given', () => {
    const p = next(login(loggedOut(T0 - 60_000), { phoneNumber: '+33698765432' }, settings(), T0));
    expect(p).toMatchObject({ state: 'AVAILABLE', since: new Date(T0).toISOString(), loginNumber: '+33698765432' });
  });

  test('askNumberAtLogin: a login without a number is refused', () => {
    const t = login(loggedOut(T0), { phoneNumber: null }, settings({ askNumberAtLogin: true }), T0);
    expect(t).toMatchObject({ ok: false, reason: 'NUMBER_REQUIRED' });
  });

  test('logging in again keeps the state and its since; a new number is taken when idle', () => {
    const available = presence('AVAILABLE', { since: new Date(T0).toISOString() });
    expect(next(login(available, { phoneNumber: null }, settings(), T0 + 5000))).toBe(available);
    expect(next(login(available, { phoneNumber: '+33611111111' }, settings(), T0 + 5000))).toMatchObject({
      state: 'AVAILABLE',
      since: available.since,
      loginNumber: '+33611111111',
    });
  });

  test('the number cannot change during a call', () => {
    expect(login(presence('ON_CALL'), { phoneNumber: '+33611111111' }, settings(), T0)).toMatchObject({
      ok: false,
      reason: 'INVALID_STATE',
    });
  });

  test.each(['AVAILABLE', 'UNAVAILABLE', 'WRAP_UP'] as const)(
    'logout from %s -> LOGGED_OUT, chat and number cleared',
    (state) => {
      const p = next(logout(presence(state, { inChat: true, loginNumber: '+33611111111' }), T0));
      expect(p).toMatchObject({ state: 'LOGGED_OUT', inChat: false, loginNumber: null, wrapUpUntil: null });
    },
  );

  test.each(['RESERVED', 'ON_CALL'] as const)('logout while %s is refused', (state) => {
    expect(logout(presence(state), T0)).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
  });
});

describe('setStatus (S44, S45)', () => {
  test.each([
    ['AVAILABLE', 'UNAVAILABLE', 'UNAVAILABLE', false],
    ['UNAVAILABLE', 'AVAILABLE', 'AVAILABLE', false],
    ['WRAP_UP', 'AVAILABLE', 'AVAILABLE', false],
    ['WRAP_UP', 'UNAVAILABLE', 'UNAVAILABLE', false],
    ['RESERVED', 'UNAVAILABLE', 'RESERVED', true],
    ['ON_CALL', 'UNAVAILABLE', 'ON_CALL', true],
  ] as const)('%s + set %s -> %s (unavailable after call: %s)', (from, status, to, after) => {
    const p = next(
      setStatus(
        presence(from, { wrapUpUntil: from === 'WRAP_UP' ? new Date(T0 + 20_000).toISOString() : null }),
        status,
        T0,
      ),
    );
    expect(p.state).toBe(to);
    expect(p.unavailableAfterCall).toBe(after);
    expect(p.wrapUpUntil).toBeNull();
  });

  test('refused when logged out', () => {
    expect(setStatus(loggedOut(T0), 'AVAILABLE', T0)).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
  });
});

describe('reserve (S41, S43, S46)', () => {
  test('an AVAILABLE eligible agent is reserved with the call terms fixed', () => {
    const t = reserve(presence('AVAILABLE'), { callbackId: CB }, AGENT, settings({ autoAnswer: false }), T0);
    expect(t).toMatchObject({ ok: true, target: { mode: 'PHONE', number: '+33612345678' } });
    if (!t.ok) return;
    expect(t.presence).toMatchObject({
      state: 'RESERVED',
      call: { callbackId: CB, autoAnswer: false, wrapUpSeconds: 20, accepted: false },
    });
  });

  test('the same callback asking again gets its reservation back', () => {
    const reserved = presence('RESERVED');
    expect(reserve(reserved, { callbackId: CB }, AGENT, settings(), T0)).toMatchObject({
      ok: true,
      presence: reserved,
    });
  });

  test.each([
    ['LOGGED_OUT', {}, {}, 'LOGGED_OUT'],
    ['UNAVAILABLE', {}, {}, 'NOT_AVAILABLE'],
    ['WRAP_UP', {}, {}, 'NOT_AVAILABLE'],
    ['RESERVED', {}, {}, 'BUSY'],
    ['ON_CALL', {}, {}, 'BUSY'],
    ['AVAILABLE', {}, { callEnabled: false }, 'CALL_DISABLED'],
    ['AVAILABLE', { inChat: true }, {}, 'IN_CHAT'],
    ['AVAILABLE', {}, { phoneNumber: null }, 'NO_NUMBER'],
  ] as const)('%s %j with %j -> refused %s', (state, p, s, reason) => {
    expect(reserve(presence(state, p), { callbackId: OTHER_CB }, AGENT, settings(s), T0)).toEqual({
      ok: false,
      reason,
    });
  });

  test('an agent who may mix is reserved while in a chat', () => {
    expect(
      reserve(
        presence('AVAILABLE', { inChat: true }),
        { callbackId: CB },
        AGENT,
        settings({ allowChatAndCall: true }),
        T0,
      ).ok,
    ).toBe(true);
  });

  test("the callback's project pause overrides the agent's", () => {
    const t = reserve(presence('AVAILABLE'), { callbackId: CB, wrapUpSeconds: 45 }, AGENT, settings(), T0);
    expect(t.ok && t.presence.call?.wrapUpSeconds).toBe(45);
  });
});

describe('answerTargetOf (S43)', () => {
  test.each([
    [{ answerMode: 'DESK', phoneNumber: null }, null, { mode: 'DESK', identity: `client:agent-${AGENT}` }],
    [{ answerMode: 'PHONE', phoneNumber: '+33612345678' }, null, { mode: 'PHONE', number: '+33612345678' }],
    [{ answerMode: 'PHONE', phoneNumber: '+33612345678' }, '+33698765432', { mode: 'PHONE', number: '+33698765432' }],
    [{ answerMode: 'PHONE', phoneNumber: null }, null, null],
  ] as const)('%j, login number %s -> %j', (s, loginNumber, expected) => {
    expect(answerTargetOf(AGENT, s, loginNumber)).toEqual(expected);
  });
});

describe('calls (S41, S45)', () => {
  test('accept is valid only when reserved for that callback', () => {
    expect(next(acceptCall(presence('RESERVED'), CB)).call?.accepted).toBe(true);
    expect(acceptCall(presence('RESERVED'), OTHER_CB)).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
    expect(acceptCall(presence('AVAILABLE'), CB)).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
  });

  test('call started: RESERVED -> ON_CALL for that callback only', () => {
    expect(next(callStarted(presence('RESERVED'), CB, T0))).toMatchObject({
      state: 'ON_CALL',
      since: new Date(T0).toISOString(),
    });
    expect(callStarted(presence('RESERVED'), OTHER_CB, T0).ok).toBe(false);
    expect(callStarted(presence('AVAILABLE'), CB, T0).ok).toBe(false);
  });

  test.each([
    ['auto-answer on, talked', 'WRAP_UP', true, true, false, new Date(T0 + 20_000).toISOString()],
    ['auto-answer off, talked', 'WRAP_UP', false, true, false, null],
    ['not talked (released)', 'AVAILABLE', true, false, false, null],
    ['unavailable asked during the call', 'UNAVAILABLE', true, true, true, null],
  ] as const)('call ended, %s -> %s', (_label, state, autoAnswer, talked, unavailableAfterCall, wrapUpUntil) => {
    const onCall = presence('ON_CALL', {
      call: { callbackId: CB, autoAnswer, wrapUpSeconds: 20, accepted: true },
      unavailableAfterCall,
    });
    const p = next(callEnded(onCall, { callbackId: CB, talked }, T0));
    expect(p).toMatchObject({ state, wrapUpUntil, call: null, unavailableAfterCall: false });
    expect(p.lastCallEndedAt).toBe(talked ? new Date(T0).toISOString() : null);
  });

  test("another callback's late release changes nothing", () => {
    const onCall = presence('ON_CALL');
    expect(next(callEnded(onCall, { callbackId: OTHER_CB, talked: true }, T0))).toBe(onCall);
  });

  test('wrap-up elapses at its deadline, not before; an untimed one never', () => {
    const wrap = presence('WRAP_UP', { wrapUpUntil: new Date(T0 + 20_000).toISOString() });
    expect(next(wrapUpElapsed(wrap, T0 + 19_999))).toBe(wrap);
    expect(next(wrapUpElapsed(wrap, T0 + 20_000))).toMatchObject({
      state: 'AVAILABLE',
      since: new Date(T0 + 20_000).toISOString(),
    });
    // A timer firing a beat late still dates availability from the deadline.
    expect(next(wrapUpElapsed(wrap, T0 + 20_015)).since).toBe(new Date(T0 + 20_000).toISOString());
    const untimed = presence('WRAP_UP', { wrapUpUntil: null });
    expect(next(wrapUpElapsed(untimed, T0 + 3_600_000))).toBe(untimed);
  });
});

describe('chats (S46)', () => {
  test('a non-mixer on a call is told busy; a mixer is not', () => {
    expect(chatStarted(presence('ON_CALL'), settings())).toMatchObject({ ok: false, reason: 'BUSY_ON_CALL' });
    expect(chatStarted(presence('RESERVED'), settings())).toMatchObject({ ok: false, reason: 'BUSY_ON_CALL' });
    expect(next(chatStarted(presence('ON_CALL'), settings({ allowChatAndCall: true }))).inChat).toBe(true);
  });

  test('chat start/end toggle inChat and keep the state; logged out agents have no chats', () => {
    const inChat = next(chatStarted(presence('AVAILABLE'), settings()));
    expect(inChat).toMatchObject({ state: 'AVAILABLE', inChat: true });
    expect(next(chatEnded(inChat)).inChat).toBe(false);
    expect(chatStarted(loggedOut(T0), settings())).toMatchObject({ ok: false, reason: 'INVALID_STATE' });
  });
});
