// Recognises errors that mean "a dependency is down or too slow" (PostgreSQL, Temporal), so
// the API answers 503 UNAVAILABLE with Retry-After instead of a 500 (issue #10 item 5).
import { status as grpcStatus } from '@grpc/grpc-js';

const GRPC_OUTAGE = new Set<number>([grpcStatus.UNAVAILABLE, grpcStatus.DEADLINE_EXCEEDED]);
// pg SQLSTATEs: query_canceled (statement_timeout), admin shutdown, crash, cannot connect now,
// connection exceptions, too many connections.
const PG_OUTAGE = new Set(['57014', '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300']);
// Prisma: can't reach, timed out, connection closed, pool timeout.
const PRISMA_OUTAGE = new Set(['P1001', 'P1002', 'P1008', 'P1017', 'P2024']);
const SOCKET_OUTAGE = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH']);
const MESSAGE_OUTAGE =
  /timeout exceeded when trying to connect|Connection terminated|Query read timeout|connection timeout|DatabaseNotReachable|SocketTimeout|ConnectionClosed|canceling statement due to statement timeout|no answer within|Failed to connect before the deadline|Deadline exceeded|ECONNREFUSED|ECONNRESET/i;

/** Whether `err` (or anything in its cause chain) is a dependency outage or timeout. */
export function isOutageError(err: unknown): boolean {
  let e = err as Record<string, unknown> | undefined;
  for (let depth = 0; e && typeof e === 'object' && depth < 8; depth++) {
    const code = e.code;
    if (typeof code === 'number' && GRPC_OUTAGE.has(code) && 'details' in e) return true;
    if (typeof code === 'string' && (PG_OUTAGE.has(code) || PRISMA_OUTAGE.has(code) || SOCKET_OUTAGE.has(code))) {
      return true;
    }
    if (e.name === 'PrismaClientInitializationError') return true;
    const kind = (e.cause as { kind?: unknown } | undefined)?.kind;
    if (typeof kind === 'string' && /NotReachable|Timeout|Closed|TooManyConnections/i.test(kind)) return true;
    if (typeof e.message === 'string' && MESSAGE_OUTAGE.test(e.message)) return true;
    e = (e.cause ?? undefined) as Record<string, unknown> | undefined;
  }
  return false;
}

/** Seconds a client should wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;
