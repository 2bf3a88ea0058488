// S55/S60: logs are structured and never carry a phone number in clear.
import { Writable } from 'node:stream';
import { createLogger, maskPhonesInText } from '../../src/logger';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, logger: createLogger({ level: 'info', destination }) };
}

test('phone numbers are masked in messages, fields, nested objects and errors', () => {
  const { lines, logger } = capture();
  logger.info({ phone: '+33612345678', callbackId: 'cb-1' }, 'dialing +33612345678');
  logger.info({ nested: { to: '+14155550123', list: ['+442071838750'] } }, 'legs');
  logger.error({ err: new Error('Twilio refused +33698765432') }, 'dial failed');
  const output = lines.join('');
  expect(output).not.toMatch(/\+\d{8,}/);
  expect(output).toContain('cb-1');
  for (const line of lines) expect(() => JSON.parse(line)).not.toThrow();
});

test('maskPhonesInText keeps the text around the number', () => {
  expect(maskPhonesInText('call +33612345678 now')).toMatch(/^call \+33\*+78 now$/);
});

test('#10 item 8: national formats are masked too, ids and timestamps are left alone', () => {
  for (const national of ['06 12 34 56 78', '0612345678', '06.12.34.56.78', '06-12-34-56-78', '(415) 555-0123']) {
    const masked = maskPhonesInText(`call ${national} now`);
    expect(masked).not.toContain(national);
    expect(masked.replace(/\D/g, '')).toHaveLength(2); // only the last two digits stay
  }
  const kept = 'callback 0b7c2f1e-0612-4345-9678-123456789012 at 2026-11-26T12:00:00.000Z, 1764158400000 ms';
  expect(maskPhonesInText(kept)).toBe(kept);
});

test('#10 item 8: an error keeps its type, message, stack and cause chain (masked)', () => {
  const { lines, logger } = capture();
  class ServiceError extends Error {
    code = 3;
    details = 'Namespace has no search attribute CallbackProject';
  }
  const root = new ServiceError('3 INVALID_ARGUMENT: search attribute CallbackProject is not defined');
  const err = new Error('Failed to start Workflow for +33612345678', { cause: root });
  logger.error({ err, callbackId: 'cb-2' }, 'callback workflow not started');
  const entry = JSON.parse(lines[0]!) as { err: Record<string, unknown> & { cause: Record<string, unknown> } };
  expect(entry.err.type).toBe('Error');
  expect(entry.err.message).toBe('Failed to start Workflow for +33*******78');
  expect(entry.err.stack).toContain('logger.test.ts');
  expect(entry.err.cause).toMatchObject({
    type: 'ServiceError',
    message: expect.stringContaining('CallbackProject'),
    code: 3,
    details: expect.stringContaining('search attribute'),
    stack: expect.stringContaining('\n'),
  });
  expect(lines[0]).not.toContain('+33612345678');
});
