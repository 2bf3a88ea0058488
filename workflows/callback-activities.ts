// The callback workflow's activity proxies (types only from activities/: the worker binds them).
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';

const DB_ACTIVITY_OPTIONS = {
  startToCloseTimeout: '10 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;
/**
 * Database steps (status, dial plan, attempts) are short and idempotent: run as local
 * activities they cost no server round trip and no workflow task of their own — about half
 * the server's work per callback (bench P1). Histories from before ran them as regular
 * activities, and replay them so (patch `local-db-activities`).
 */
export const remoteDb = proxyActivities<Activities>(DB_ACTIVITY_OPTIONS);
export const localDb = proxyLocalActivities<Activities>(DB_ACTIVITY_OPTIONS);
/**
 * The agent's reservation and release stay regular activities: they wait on the agent's
 * workflow, whose task this worker must run. As local activities they hold this workflow's
 * task open meanwhile, and a thousand waiting callbacks starve the agent workflows of task
 * slots (bench P3: every reserve update timed out).
 */
export const agentSteps = remoteDb;

// S35: a dial is retried only when it certainly did not ring; the activity itself refuses
// a second dial for the same leg key (DialOutcomeUnknown).
export const telephony = proxyActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    maximumAttempts: 3,
    nonRetryableErrorTypes: ['PermanentDialError', 'DialOutcomeUnknown'],
  },
});
