// The agent workflow's pure parts (#12): argument checks (#11.6), the presence view and
// projection (S44, S5), and the request memory that makes repeated requestIds answer alike.
import { ApplicationFailure } from '@temporalio/common';
import * as rules from '../../src/domain/presence';
import {
  checkArgs,
  HandledRequests,
  presenceDetails,
  presenceView,
  projectionOf,
  projectsToShow,
  readModelChanged,
  refusal,
} from '../../workflows/agent-state';
import { AGENT_FAILURE, type AgentSettings } from '../../workflows/agent-types';

const T0 = Date.parse('2026-11-26T10:00:00Z');
const settings: AgentSettings = {
  callEnabled: true,
  allowChatAndCall: false,
  askNumberAtLogin: false,
  autoAnswer: false,
  autoAnswerDelaySeconds: 10,
  answerMode: 'PHONE',
  phoneNumber: 'sealed-number',
};

function ok(t: { ok: true; presence: rules.Presence } | { ok: false }): rules.Presence {
  if (!t.ok) throw new Error('refused');
  return t.presence;
}

const available = ok(rules.login(rules.loggedOut(T0), { phoneNumber: null }, settings, T0));
const reserved = ok(rules.reserve(available, { callbackId: 'cb-1' }, 'agent-1', settings, T0 + 1000));

function failureType(run: () => void): string | undefined {
  try {
    run();
  } catch (err) {
    return err instanceof ApplicationFailure ? (err.type ?? undefined) : 'not an ApplicationFailure';
  }
  return undefined;
}

describe('#11.6 update argument checks', () => {
  test.each([
    ['meta', undefined],
    ['meta', { requestId: 'r-1' }],
    ['callbackId', { callbackId: 'cb-1' }],
    ['login', undefined],
    ['login', { phoneNumber: 'x' }],
    ['setStatus', { status: 'UNAVAILABLE' }],
    ['callEnded', { callbackId: 'cb-1', talked: false }],
    ['reserve', { callbackId: 'cb-1' }],
    ['reserve', { callbackId: 'cb-1', wrapUpSeconds: 30 }],
    ['refreshSettings', settings],
    ['refreshSettings', { ...settings, projectIds: [] }],
    ['refreshSettings', { ...settings, projectIds: ['p-1', 'p-2'] }],
  ] as const)('%s accepts %j', (check, args) => {
    expect(failureType(() => checkArgs[check](args))).toBeUndefined();
  });

  test.each([
    ['meta', 'a string'],
    ['meta', [1]],
    ['meta', { requestId: '' }],
    ['meta', { requestId: 'x'.repeat(301) }],
    ['callbackId', {}],
    ['callbackId', { callbackId: '' }],
    ['login', { phoneNumber: '' }],
    ['setStatus', { status: 'ON_CALL' }],
    ['setStatus', undefined],
    ['callEnded', { callbackId: 'cb-1' }],
    ['reserve', { callbackId: 'cb-1', wrapUpSeconds: 0 }],
    ['reserve', { callbackId: 'cb-1', wrapUpSeconds: 1.5 }],
    ['refreshSettings', undefined],
    ['refreshSettings', { ...settings, autoAnswerDelaySeconds: 0 }],
    ['refreshSettings', { ...settings, answerMode: 'SMS' }],
    ['refreshSettings', { ...settings, projectIds: 'p-1' }],
    ['refreshSettings', { ...settings, projectIds: ['p-1', 2] }],
  ] as const)('%s refuses %j as InvalidAgentArgument', (check, args) => {
    expect(failureType(() => checkArgs[check](args))).toBe(AGENT_FAILURE.invalidArgument);
  });
});

test('S41/S44: a refused transition becomes the failure type the client maps', () => {
  const t = rules.reserve(reserved, { callbackId: 'cb-2' }, 'agent-1', settings, T0 + 2000);
  if (t.ok) throw new Error('a reserved agent was reserved again');
  const logout = rules.logout(reserved, T0 + 2000);
  if (logout.ok) throw new Error('a reserved agent logged out');
  expect(refusal(logout).type).toBe(AGENT_FAILURE.invalidState);
  expect(refusal(logout).nonRetryable).toBe(true);
});

test('S44: the view shows the call, and acceptance only while reserved without auto-answer', () => {
  expect(presenceView(available, settings)).toEqual({
    state: 'AVAILABLE',
    since: new Date(T0).toISOString(),
    inChat: false,
    busyForChat: false,
  });
  expect(presenceView(reserved, settings)).toMatchObject({ state: 'RESERVED', callbackId: 'cb-1', accepted: false });
  expect(presenceView(reserved, { ...settings, autoAnswer: true })).toMatchObject({ accepted: false });
  const autoReserved = ok(
    rules.reserve(available, { callbackId: 'cb-1' }, 'agent-1', { ...settings, autoAnswer: true }, T0),
  );
  expect(presenceView(autoReserved, settings)).not.toHaveProperty('accepted');
});

test('S5: the projection carries the revision; only read-model changes count', () => {
  expect(projectionOf('agent-1', reserved, 7)).toEqual({
    agentId: 'agent-1',
    revision: 7,
    state: 'RESERVED',
    since: new Date(T0 + 1000).toISOString(),
    callbackId: 'cb-1',
    inChat: false,
    loginNumber: null,
    lastCallEndedAt: null,
  });
  expect(readModelChanged('agent-1', available, reserved)).toBe(true);
  // Accepting changes the workflow's hold, not the read model's row.
  const accepted = { ...reserved, call: { ...reserved.call!, accepted: true } };
  expect(readModelChanged('agent-1', reserved, accepted)).toBe(false);
});

test('#14.5: details name the state, the callback and a chat', () => {
  expect(presenceDetails(reserved)).toBe(`RESERVED since ${new Date(T0 + 1000).toISOString()} · callback cb-1`);
  expect(presenceDetails({ ...available, inChat: true })).toBe(
    `AVAILABLE since ${new Date(T0).toISOString()} · in a chat`,
  );
});

describe('request memory', () => {
  test('a request without an id is never remembered', () => {
    expect(HandledRequests.keyOf('reserve', undefined)).toBeNull();
    expect(HandledRequests.keyOf('reserve', {})).toBeNull();
    expect(HandledRequests.keyOf('reserve', { requestId: 'r' })).toBe('reserve:r');
  });

  test('keeps first results per update and request id, forgets the oldest past its limit, carries over in order', () => {
    const memory = new HandledRequests([{ key: 'login:a', result: 'first', revision: 1 }], 2);
    expect(memory.seen('login', { requestId: 'a' })).toBe(true);
    expect(memory.seen('logout', { requestId: 'a' })).toBe(false);
    memory.remember('logout:b', 'second', 2);
    memory.remember('reserve:c', 'third', 3);
    expect(memory.get('login:a')).toBeUndefined();
    expect(memory.list()).toEqual([
      { key: 'logout:b', result: 'second', revision: 2 },
      { key: 'reserve:c', result: 'third', revision: 3 },
    ]);
    expect(new HandledRequests(memory.list(), 2).get('reserve:c')?.result).toBe('third');
  });
});

describe('#14.5 AgentProjects: upserted only when the set changed', () => {
  test.each([
    [['p-1'], ['p-1'], null],
    [['p-1', 'p-2'], ['p-2', 'p-1'], null],
    [['p-1'], ['p-1', 'p-1'], null],
    [[], [], null],
    [undefined, [], null],
    [['p-1'], ['p-2', 'p-1'], ['p-1', 'p-2']],
    [['p-1', 'p-2'], ['p-2'], ['p-2']],
    [['p-1'], [], []],
    [undefined, ['p-1'], ['p-1']],
  ] as const)('shown %j, now %j → %j', (shown, now, expected) => {
    expect(projectsToShow(shown, now)).toEqual(expected);
  });
});
