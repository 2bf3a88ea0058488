// What the API and the worker do before serving: the search attributes they start workflows
// with exist (issue #10 item 1), and a fatal start-up error ends the process readably.
import type { Connection } from '@temporalio/client';
import { ConfigError } from '../config';
import type { Logger } from '../logger';
import { isOutageError } from './outage';
import { ensureSearchAttributes, SearchAttributesMissingError } from './temporal';

const RETRY_MS = 2000;

/**
 * Ensures the search attributes, waiting for Temporal while it is unreachable (a process may
 * start before the cluster). Rejects only when the namespace refuses them (no operator rights):
 * running on would start nothing.
 */
export async function ensureSearchAttributesWhenReachable(options: {
  connection: Connection;
  namespace: string;
  address: string;
  logger: Logger;
  /** Stops waiting (process stopping). */
  signal?: AbortSignal;
}): Promise<void> {
  const { connection, namespace, address, logger } = options;
  for (let attempt = 1; !options.signal?.aborted; attempt++) {
    try {
      const added = await ensureSearchAttributes(connection, namespace, address);
      if (added.length) logger.info({ namespace, added }, 'registered search attributes');
      else logger.info({ namespace }, 'search attributes present');
      return;
    } catch (err) {
      if (err instanceof SearchAttributesMissingError && !isOutageError(err.cause)) throw err;
      if (attempt === 1 || attempt % 15 === 0) {
        logger.warn(
          { address, err: err instanceof Error ? err.message.split('\n')[0] : err },
          'Temporal unreachable; retrying',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  }
}

/** Prints a start-up failure (the message alone for what the operator must fix) and exits 1. */
export function exitOnStartupError(what: string) {
  return (err: unknown) => {
    if (err instanceof ConfigError || err instanceof SearchAttributesMissingError) {
      console.error(`${what}: ${err.message}`);
    } else {
      console.error(`${what}: failed to start:`, err);
    }
    process.exit(1);
  };
}
