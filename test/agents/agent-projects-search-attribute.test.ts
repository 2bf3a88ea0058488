// #14.5: operators filter agent workflows by project in the Temporal UI (AgentProjects, a
// KeywordList set when `agent-<id>` starts). When an agent's projects change while its workflow
// runs (PATCH /v1/agents/{id} → refreshSettings), the workflow upserts the new set (patch
// `agent-projects-upsert`) — and only when the set changed: the same set asks nothing (no marker,
// no upsert event). The value survives continue-as-new. Real time-skipping server, a worker with
// the real presence projection, real PostgreSQL, every change through the API.
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { moveTaskQueueSignal } from '../../workflows/agent-messages';
import { agentWorkflowId } from '../../workflows/agent-types';
import { AGENT_PROJECTS } from '../../workflows/search-attributes';
import { agentProjectsThroughApi } from './agent-projects';
import { saveAgentHistory } from './agent-harness';
import { createTestWorker, workerActivities } from '../helpers/worker';
import { useApi } from '../helpers/use-api';

const EventType = temporal.api.enums.v1.EventType;
const PATCH_ID = 'agent-projects-upsert';

const t = useApi({ temporal: 'time-skipping', worker: workerActivities.presence, tenant: true });
const { anotherProject, createAgent, patchAgent, shownProjects } = agentProjectsThroughApi(t);

/** The run's upsert events that set AgentProjects, and its patch markers. */
async function projectsWork(handle: WorkflowHandle) {
  const events = (await handle.fetchHistory()).events ?? [];
  const upserts = events.filter(
    (e) =>
      e.eventType === EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES &&
      e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[AGENT_PROJECTS.name],
  ).length;
  const markers = events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data).toString('utf8')) as { id: string }).id] : [];
  });
  return { upserts, markers: markers.filter((id) => id === PATCH_ID).length, events: events.length };
}

test('#14.5: PATCH /agents/{id} projectIds updates AgentProjects of the running workflow, only when the set changed', async () => {
  const first = t.tenant.projectId;
  const second = await anotherProject();
  const agentId = await createAgent([first]);
  const handle = t.env.client.workflow.getHandle(agentWorkflowId(agentId));
  expect(await shownProjects(handle)).toEqual([first]);
  // A settings change that leaves the projects alone: no marker, no upsert.
  await patchAgent(agentId, { name: 'Alice B.' });
  expect(await projectsWork(handle)).toMatchObject({ upserts: 0, markers: 0 });

  // Added: the search attribute follows (visibility queries on it: agent-projects-visibility.test.ts).
  await patchAgent(agentId, { projectIds: [second, first] });
  expect(await shownProjects(handle)).toEqual([first, second].sort());
  expect(await projectsWork(handle)).toMatchObject({ upserts: 1, markers: 1 });

  // The same set again, in another order, with another change: nothing more in the history.
  const before = await projectsWork(handle);
  await patchAgent(agentId, { projectIds: [first, second], priority: true });
  const after = await projectsWork(handle);
  expect(after).toMatchObject({ upserts: 1, markers: 1 });

  // Removed: the value shrinks.
  await patchAgent(agentId, { projectIds: [second] });
  expect(await shownProjects(handle)).toEqual([second]);
  expect(await projectsWork(handle)).toMatchObject({ upserts: 2, markers: 1 });
  expect(after.events).toBeGreaterThan(before.events); // the update itself is in the history
  await saveAgentHistory(t.env, handle.workflowId, 'projects-changed');
  await handle.terminate('test over');
});

test('#14.5: the upserted AgentProjects survives continue-as-new; the new run upserts only on a change', async () => {
  const first = t.tenant.projectId;
  const second = await anotherProject();
  const agentId = await createAgent([first]);
  const handle = t.env.client.workflow.getHandle(agentWorkflowId(agentId));
  await patchAgent(agentId, { projectIds: [first, second] });
  const { runId } = await handle.describe();

  // Continue-as-new (here: the #15 move to another queue, the same path as a long history).
  const otherQueue = `${t.taskQueue}-moved`;
  const worker = await createTestWorker(t.env, {
    taskQueue: otherQueue,
    activities: workerActivities.presence(t.prisma),
  });
  await worker.runUntil(async () => {
    await handle.signal(moveTaskQueueSignal, { taskQueue: otherQueue });
    const deadline = Date.now() + 20_000;
    while ((await handle.describe()).runId === runId) {
      if (Date.now() > deadline) throw new Error('the agent workflow did not continue as new');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(await shownProjects(handle)).toEqual([first, second].sort());
    await patchAgent(agentId, { projectIds: [second, first] });
    expect(await projectsWork(handle)).toMatchObject({ upserts: 0, markers: 0 });
    await patchAgent(agentId, { projectIds: [first] });
    expect(await shownProjects(handle)).toEqual([first]);
    expect(await projectsWork(handle)).toMatchObject({ upserts: 1, markers: 1 });
    await handle.terminate('test over');
  });
});
