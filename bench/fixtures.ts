// Projects, settings, agents and visitor numbers of the bench, made through the API where
// it has a route for them (settings, agents when mounted) and in the database otherwise.
import type { CallSettingsInput } from '../src/domain/settings';
import { AgentStateError, createAgentWorkflowClient } from '../src/agents/agent-workflow-client';
import { setPhoneSealingKey } from '../src/agents/phone-seal';
import { createAgent } from '../test/helpers/agents';
import { AGENT_TASK_QUEUE, type Stack } from './stack';
import { pool, sleep, waitFor } from './stats';

let nextNumber = 1_000_000;

/**
 * A French mobile (+336…, S21) never used before in this run (S22: one open callback per
 * number), ending in `lastDigit` (S57: 5 answers, 0 never answers).
 */
export function uniquePhone(lastDigit: number): string {
  return `+336${String(nextNumber++).padStart(7, '0')}${lastDigit}`;
}

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

/** 24 hourly slots of 60 places every day (S13: 60 places at most in a 60-minute slot). */
export function hourlyPlanning(capacity = 60) {
  const hours = Array.from({ length: 24 }, (_, h) => ({
    start: `${String(h).padStart(2, '0')}:00`,
    end: `${String(h + 1).padStart(2, '0')}:00`,
    capacity,
  }));
  return Object.fromEntries([...DAYS.map((day) => [day, hours]), ['holiday', hours]]);
}

const allDay = [{ start: '00:00', end: '24:00' }];

/**
 * Settings of a bench project: UTC (slot starts are whole UTC hours), FR numbers, immediate
 * offered by agent presence, deferred always, short ring and talk times so agents free up
 * quickly, and a long handling delay so nothing expires while the machine is loaded.
 */
export function benchSettings(overrides: Partial<CallSettingsInput> = {}): CallSettingsInput {
  return {
    timezone: 'UTC',
    countries: ['FR'],
    immediate: {
      enabled: true,
      availability: 'AGENT_PRESENCE',
      openingHours: Object.fromEntries(DAYS.map((day) => [day, allDay])),
    },
    deferred: { enabled: true, offer: 'ALWAYS', planning: hourlyPlanning() },
    maxHandlingDelaySeconds: 600,
    retry: { maxRetries: 0, intervalSeconds: 60 },
    callOrder: 'AGENT_FIRST',
    distribution: { mode: 'AGENTS' },
    autoAnswer: { delaySeconds: 1 },
    recording: { enabled: false, ratio: 0.7 },
    ringTimeoutSeconds: 10,
    talkTimeSeconds: 1,
    ...overrides,
  };
}

/** Creates the project when missing (there is no route for that) and PUTs its settings. */
export async function ensureProject(stack: Stack, projectId: string, settings: CallSettingsInput): Promise<void> {
  const existing = await stack.prisma.project.findUnique({ where: { id: projectId } });
  if (!existing) {
    await stack.prisma.project.create({
      data: {
        id: projectId,
        accountId: stack.accountId,
        name: `bench ${projectId}`,
        timezone: 'UTC',
        countries: ['FR'],
      },
    });
  }
  const res = await stack.api.put(`/v1/projects/${projectId}/call-settings`, settings);
  if (res.status !== 200)
    throw new Error(`PUT call-settings of ${projectId}: ${res.status} ${JSON.stringify(res.body)}`);
}

/**
 * `count` agents of the project, logged in and AVAILABLE, answering on numbers ending in 5.
 * Through the agents API (create, login, status) when it is mounted; otherwise the agent rows
 * are created as POST /v1/agents creates them and the same agent-workflow client the route
 * uses logs them in and sets them AVAILABLE (their `agent-<id>` workflows run, S44).
 */
export async function addAvailableAgents(stack: Stack, projectId: string, count: number): Promise<string[]> {
  const ids = await pool(count, 8, async (i) => {
    if (stack.agentsApi) {
      const created = await stack.api.post<{ id: string }>('/v1/agents', {
        projectIds: [projectId],
        name: `bench agent ${projectId} ${i}`,
        kind: 'EMPLOYEE',
        callEnabled: true,
        answerMode: 'PHONE',
        phoneNumber: uniquePhone(5),
      });
      if (created.status !== 201) throw new Error(`POST /v1/agents: ${created.status} ${JSON.stringify(created.body)}`);
      const id = created.body.id;
      // 503 says "retry later" (the first update of a new agent workflow on a saturated machine).
      let login = await stack.api.post(`/v1/agents/${id}/login`, {});
      let retried = false;
      for (let retry = 0; login.status === 503 && retry < 3; retry++) {
        await sleep(1000);
        retried = true;
        login = await stack.api.post(`/v1/agents/${id}/login`, {});
      }
      // After a retry, 409 means the first login went through after all.
      if (login.status >= 300 && !(retried && login.status === 409))
        throw new Error(`login of agent ${id}: ${login.status} ${JSON.stringify(login.body)}`);
      const status = await stack.api.put(`/v1/agents/${id}/status`, { status: 'AVAILABLE' });
      if (status.status >= 300 && status.status !== 409)
        throw new Error(`status of agent ${id}: ${status.status} ${JSON.stringify(status.body)}`);
      return id;
    }
    // The row as POST /v1/agents makes it: the tests' one agent factory (bench → test/helpers,
    // as bench/stack.ts uses the tests' stack harness; tests never import bench/).
    const agent = await createAgent(
      stack.prisma,
      { accountId: stack.accountId, projectId },
      { name: `bench agent ${projectId} ${i}`, answerMode: 'PHONE', phoneNumber: uniquePhone(5) },
    );
    // Numbers sealed here are opened by the bench's worker: the key its children were given.
    setPhoneSealingKey(stack.phoneSealingKey);
    const agents = createAgentWorkflowClient({
      temporal: stack.temporal,
      prisma: stack.prisma,
      taskQueue: AGENT_TASK_QUEUE,
    });
    await agents.login(agent.id, {});
    try {
      await agents.setStatus(agent.id, { status: 'AVAILABLE' });
    } catch (err) {
      if (!(err instanceof AgentStateError)) throw err; // already AVAILABLE after login
    }
    return agent.id;
  });
  await waitFor(`${count} agents AVAILABLE`, 60_000, async () => {
    const available = await stack.prisma.agentPresence.count({ where: { agentId: { in: ids }, state: 'AVAILABLE' } });
    return available === count ? true : undefined;
  });
  return ids;
}

/** Whole UTC hours from the next midnight on: slot starts of hourlyPlanning(). */
export function hourlySlotStarts(count: number, from = new Date()): Date[] {
  const midnight = Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate() + 1);
  return Array.from({ length: count }, (_, i) => new Date(midnight + i * 3600_000));
}
