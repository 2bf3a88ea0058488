import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient } from '../../generated/prisma/client';

export type Db = PrismaClient;

export interface DbTimeouts {
  /** How long to wait for a connection (pool's connectionTimeoutMillis). */
  connectMs?: number;
  /** statement_timeout on the server; the client gives up (query_timeout) one second later. */
  statementMs?: number;
}

/** Defaults when the caller passes none (tests, scripts): an outage answers, not hangs. */
export const DEFAULT_DB_TIMEOUTS: Required<DbTimeouts> = { connectMs: 3000, statementMs: 10_000 };

/**
 * A paused or unreachable PostgreSQL must make queries fail, not hang (issue #10 item 5):
 * the pool stops waiting for a connection after `connectMs`, the server cancels a statement
 * after `statementMs`, and the client gives up on a silent server one second later.
 */
export function createPrisma(databaseUrl: string, poolSize = 10, timeouts: DbTimeouts = {}): PrismaClient {
  const { connectMs, statementMs } = { ...DEFAULT_DB_TIMEOUTS, ...timeouts };
  const adapter = new PrismaPg({
    connectionString: databaseUrl,
    max: poolSize,
    connectionTimeoutMillis: connectMs,
    statement_timeout: statementMs,
    query_timeout: statementMs + 1000,
    // A connection whose server went silent is noticed by TCP keepalive, not kept forever.
    keepAlive: true,
  });
  return new PrismaClient({ adapter });
}
