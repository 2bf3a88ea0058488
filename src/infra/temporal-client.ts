// The Temporal client of the API and the worker's activities: connected lazily (the API boots
// and serves reads while Temporal is unreachable), every call bounded by a deadline (an outage
// answers, it does not hang), and every workflow start watched (a start that fails for a
// permanent reason is logged with its cause, counted, and shown on /readyz).
import * as grpc from '@grpc/grpc-js';
import {
  Client,
  Connection,
  WorkflowExecutionAlreadyStartedError,
  defaultGrpcRetryOptions,
  makeGrpcRetryInterceptor,
  type WorkflowClientInterceptor,
} from '@temporalio/client';
import type { Logger } from '../logger';

/** Long polls wait on purpose: they keep the deadline their caller gives them. */
const LONG_POLLS = /\/(GetWorkflowExecutionHistory|PollWorkflowExecutionUpdate|UpdateWorkflowExecution)$/;

/** Sets a deadline on every unary call that has none. */
export function deadlineInterceptor(timeoutMs: number): grpc.Interceptor {
  return (options, nextCall) => {
    const path = options.method_definition.path;
    if (options.deadline === undefined && !LONG_POLLS.test(path)) {
      options = { ...options, deadline: Date.now() + timeoutMs };
    }
    return new grpc.InterceptingCall(nextCall(options));
  };
}

export interface TemporalConnectionOptions {
  address: string;
  /** Deadline of calls without one (TEMPORAL_CALL_TIMEOUT_MS). */
  callTimeoutMs: number;
}

/**
 * A connection that connects on first use and reconnects by itself (gRPC channels do):
 * construction never fails, so a process can start while Temporal is down.
 */
export function lazyTemporalConnection(options: TemporalConnectionOptions): Connection {
  return Connection.lazy({
    address: options.address,
    connectTimeout: Math.min(options.callTimeoutMs, 10_000),
    interceptors: [
      deadlineInterceptor(options.callTimeoutMs),
      makeGrpcRetryInterceptor(defaultGrpcRetryOptions({ maxAttempts: 3 })),
    ],
  });
}

/** gRPC codes for which retrying the same start can never succeed without an operator. */
const PERMANENT_CODES = new Set([
  grpc.status.INVALID_ARGUMENT,
  grpc.status.FAILED_PRECONDITION,
  grpc.status.NOT_FOUND,
  grpc.status.PERMISSION_DENIED,
  grpc.status.UNAUTHENTICATED,
  grpc.status.UNIMPLEMENTED,
]);

/** The gRPC status code of an error or of anything in its cause chain. */
export function grpcCodeOf(err: unknown): number | undefined {
  for (let e = err as { code?: unknown; cause?: unknown } | undefined, i = 0; e && i < 5; e = e.cause as never, i++) {
    if (typeof e.code === 'number') return e.code;
  }
  return undefined;
}

export interface StartFailure {
  at: string;
  workflowType: string;
  type: string;
  message: string;
  grpcCode?: string;
  permanent: boolean;
}

export interface WorkflowStartHealth {
  failures: number;
  permanentFailures: number;
  lastFailure?: StartFailure;
  lastSuccessAt?: string;
  /** True while the latest start failed for a permanent reason (no success since). */
  failing: boolean;
}

/**
 * Watches workflow starts through a client interceptor. `onFailure` is where metrics count
 * them; the state feeds /readyz.
 */
export function createWorkflowStartMonitor(logger: Logger, onFailure?: (failure: StartFailure) => void) {
  const health: WorkflowStartHealth = { failures: 0, permanentFailures: 0, failing: false };
  const record = (workflowType: string, err: unknown) => {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return;
    const code = grpcCodeOf(err);
    const root = rootCause(err);
    const failure: StartFailure = {
      at: new Date().toISOString(),
      workflowType,
      type: root instanceof Error ? root.constructor.name : typeof root,
      message: root instanceof Error ? root.message : String(root),
      ...(code !== undefined ? { grpcCode: grpc.status[code] ?? String(code) } : {}),
      permanent: code !== undefined && PERMANENT_CODES.has(code),
    };
    health.failures += 1;
    if (failure.permanent) {
      health.permanentFailures += 1;
      health.failing = true;
    }
    health.lastFailure = failure;
    logger.error(
      { err, workflowType, grpcCode: failure.grpcCode, permanent: failure.permanent },
      failure.permanent
        ? 'workflow start failed for a reason retrying cannot fix (see err.cause); an operator must act'
        : 'workflow start failed (transient; it will be retried)',
    );
    onFailure?.(failure);
  };
  const success = () => {
    health.lastSuccessAt = new Date().toISOString();
    health.failing = false;
  };
  const interceptor: WorkflowClientInterceptor = {
    async startWithDetails(input, next) {
      try {
        const output = await next(input);
        success();
        return output;
      } catch (err) {
        record(input.workflowType, err);
        throw err;
      }
    },
    async signalWithStart(input, next) {
      try {
        const runId = await next(input);
        success();
        return runId;
      } catch (err) {
        record(input.workflowType, err);
        throw err;
      }
    },
  };
  return { interceptor, health };
}

export type WorkflowStartMonitor = ReturnType<typeof createWorkflowStartMonitor>;

function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 5 && e instanceof Error && e.cause !== undefined; i++) e = e.cause;
  return e;
}

export function createTemporalClient(connection: Connection, namespace: string, monitor?: WorkflowStartMonitor) {
  return new Client({
    connection,
    namespace,
    ...(monitor ? { interceptors: { workflow: [monitor.interceptor] } } : {}),
  });
}
