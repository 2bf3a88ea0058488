// A visitor leg's dial request as the callback workflow builds it, for the telephony tests.
import type { DialRequest } from '../../src/telephony/port';

export function dialRequest(to: string, overrides: Partial<DialRequest> = {}): DialRequest {
  return {
    key: `cb_1:1:visitor:${to}`,
    callbackId: 'cb_1',
    attempt: 1,
    leg: 'visitor',
    to,
    from: '+33187654321',
    conference: 'cb-cb_1-1',
    ringTimeoutSeconds: 20,
    startConferenceOnEnter: true,
    detectMachine: true,
    record: false,
    ...overrides,
  };
}
