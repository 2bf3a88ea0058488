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
/**
 * #15 local-agent-steps: the same steps as local activities, for runs whose agent workflows
 * run on a task queue of their own (TEMPORAL_AGENT_TASK_QUEUE): this workflow's task waits
 * on them, never on a slot the agent workflows need. A reservation asks up to five agents,
 * each an update that may queue behind others: a longer bound than a database step.
 */
export const localAgentSteps = proxyLocalActivities<Activities>({
  startToCloseTimeout: '30 seconds',
  retry: DB_ACTIVITY_OPTIONS.retry,
});

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
