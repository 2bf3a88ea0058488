// Waking waiting callbacks (#11.2): a callback waiting for an agent sleeps until told an
// agent may be free (this signal) or its slow safety poll. Events that may free an agent —
// a reservation released, an agent AVAILABLE again (login, status, wrap-up over, chat
// ended), an agent's settings changed — wake the oldest callback that could take them.
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Prisma } from '../../generated/prisma/client';
import type { Db } from '../infra/prisma';
import { agentMayBeFreeSignal } from '../../workflows/messages';
import { callbackWorkflowId } from '../../workflows/types';

/**
 * #11.1: how long a waiting row's lease lasts. Its workflow refreshes it at every look, and
 * looks at least every 15 minutes (LAST_LOOK_MS in workflows/safety-look.ts): two looks
 * missed plus margin mean the workflow is gone.
 */
export const WAITING_LEASE = '35 minutes';

/** SQL: the row is waiting and its workflow looked recently (c = callbacks). */
export const freshWaitingRow = Prisma.sql`c.status = 'WAITING_AGENT' AND c.waiting_seen_at > now() - ${WAITING_LEASE}::interval`;

/** Signals the callback; false when its workflow is not running (nothing to wake). */
export type CallbackWaker = (callbackId: string) => Promise<boolean | void>;

export function createCallbackWaker(temporal: Client): (callbackId: string) => Promise<boolean> {
  return async (callbackId) => {
    try {
      await temporal.workflow.getHandle(callbackWorkflowId(callbackId)).signal(agentMayBeFreeSignal);
      return true;
    } catch (err) {
      // It ended meanwhile: nobody to wake.
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return false;
    }
  };
}

/** Whether `callback-<id>` runs (a terminated, failed or missing one does not). */
export function createCallbackLiveness(temporal: Client): (callbackId: string) => Promise<boolean> {
  return async (callbackId) => {
    try {
      const description = await temporal.workflow.getHandle(callbackWorkflowId(callbackId)).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  };
}

/**
 * #15: sends `wake` only when no wake-up is pending: one sent after the callback's last look
 * (woken_at > waiting_seen_at) makes it look again — the look refreshes waiting_seen_at as
 * it starts, so it sees whatever prompted this wake-up too — and a second signal would only
 * cost a workflow task. In a burst (many callbacks due at once) every reservation and every
 * look that finds older callbacks holding free agents wakes them: without this, each waiting
 * callback got several. A pending one counts as woken (true). A signal that fails clears
 * the mark it set, so the next wake-up is sent.
 */
export function unlessWakePending(prisma: Db, wake: CallbackWaker): CallbackWaker {
  return async (callbackId) => {
    const marked = await prisma.$queryRaw<{ woken_at: Date }[]>`
      UPDATE callbacks SET woken_at = now()
       WHERE id = ${callbackId}::uuid
         AND (woken_at IS NULL OR waiting_seen_at IS NULL OR woken_at <= waiting_seen_at)
       RETURNING woken_at`;
    if (marked.length === 0) return true;
    try {
      return await wake(callbackId);
    } catch (err) {
      await prisma.$executeRaw`UPDATE callbacks SET woken_at = NULL WHERE id = ${callbackId}::uuid AND woken_at = ${marked[0]!.woken_at}`.catch(
        () => undefined,
      );
      throw err;
    }
  };
}

/** Ends a row's lease at once: its workflow is known to be gone. */
export async function dropWaitingLease(prisma: Db, callbackId: string): Promise<void> {
  await prisma.$executeRaw`UPDATE callbacks SET waiting_seen_at = NULL WHERE id = ${callbackId}::uuid AND status = 'WAITING_AGENT'`;
}

/** How many gone callbacks one wake-up steps over before giving up (the safety poll remains). */
const WAKE_TRIES = 5;

/**
 * Wakes the oldest callback that waits without an agent, among the agent's projects (an
 * agent became free) or in one project (a reservation no longer holds the next one back).
 * A callback whose workflow is gone loses its lease and the next one is woken.
 */
export async function wakeOldestWaiting(
  prisma: Db,
  wake: CallbackWaker | undefined,
  scope: { agentId: string } | { projectId: string; except: string },
): Promise<void> {
  if (!wake) return;
  const send = unlessWakePending(prisma, wake);
  const inScope =
    'agentId' in scope
      ? Prisma.sql`c.project_id IN (SELECT project_id FROM agent_projects WHERE agent_id = ${scope.agentId}::uuid)`
      : Prisma.sql`c.project_id = ${scope.projectId} AND c.id <> ${scope.except}::uuid`;
  const next = await prisma.$queryRaw<{ id: string }[]>`
    SELECT c.id FROM callbacks c
     WHERE ${inScope} AND ${freshWaitingRow}
       AND NOT EXISTS (SELECT 1 FROM agent_presence r WHERE r.callback_id = c.id)
     ORDER BY c.waiting_since, c.id LIMIT ${WAKE_TRIES}`;
  for (const { id } of next) {
    if ((await send(id)) !== false) return;
    await dropWaitingLease(prisma, id);
  }
}

/** How many waiting callbacks of a project one settings change wakes, oldest first. */
export const SETTINGS_WAKE_LIMIT = 100;

/**
 * #11.2: a project's call settings changed: its callbacks waiting without an agent get the
 * wake-up an agent becoming free sends (they ask for an agent again under the new settings).
 * Callbacks whose workflow is gone lose their lease. Returns how many were woken.
 */
export async function wakeWaitingOfProject(
  prisma: Db,
  wake: CallbackWaker,
  projectId: string,
  limit = SETTINGS_WAKE_LIMIT,
): Promise<number> {
  const waiting = await prisma.$queryRaw<{ id: string }[]>`
    SELECT c.id FROM callbacks c
     WHERE c.project_id = ${projectId} AND ${freshWaitingRow}
       AND NOT EXISTS (SELECT 1 FROM agent_presence r WHERE r.callback_id = c.id)
     ORDER BY c.waiting_since, c.id LIMIT ${limit}`;
  let woken = 0;
  const send = unlessWakePending(prisma, wake);
  for (const { id } of waiting) {
    if ((await send(id)) !== false) woken++;
    else await dropWaitingLease(prisma, id);
  }
  return woken;
}
