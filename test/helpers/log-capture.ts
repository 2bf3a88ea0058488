// A logger whose JSON lines a test reads back (access logs, readiness causes): one way to
// capture what the service logs, instead of a Writable per test file.
import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/logger';

export function capturingLogger(level = 'info'): { logger: Logger; lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({
    level,
    destination: new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    }),
  });
  return { logger, lines };
}
