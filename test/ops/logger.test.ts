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
