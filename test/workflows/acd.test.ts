// S40/S42 ACD mode: every call goes to the customer's ACD number; after the welcome
// message the agent keys in their identifier (DTMF) on our signed webhook; an unknown
// identifier after the configured tries ends the attempt as AGENT_NOT_IDENTIFIED.
import { randomUUID } from 'node:crypto';
import { isTerminal } from '../../workflows/types';
import { bookCallback, projectWith, recordHistory, waitForStatus } from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest();

const ACD_NUMBER = '+33140000005';

async function acdProject(identificationAttempts: number) {
  const fixture = await projectWith(t.prisma, {
    distribution: { mode: 'ACD', number: ACD_NUMBER, welcomeMessageSeconds: 5, identificationAttempts },
    retry: { maxRetries: 0, intervalSeconds: 60 },
  });
  const agent = await t.prisma.agent.create({
    data: {
      accountId: fixture.account.id,
      name: 'ACD agent',
      kind: 'EMPLOYEE',
      callEnabled: true,
      answerMode: 'PHONE',
      acdIdentifier: '4242',
      projects: { create: { projectId: fixture.project.id } },
    },
  });
  return { ...fixture, agent };
}

test('S42: an identified ACD agent is recorded on the attempt and the call completes', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { project, agent } = await acdProject(3);
  t.harness.acdDigits.value = '4242';
  const worker = await t.newWorker(taskQueue);
  await worker.runUntil(async () => {
    const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765465' });
    await waitForStatus(handle, isTerminal);
    expect(await handle.result()).toBe('COMPLETED');
    const [attempt] = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
    expect(attempt).toMatchObject({ outcome: 'CONNECTED', agentId: agent.id });
    const legs = t.harness.placed.filter((p) => p.key.startsWith(row.id));
    expect(legs).toEqual([
      { key: `${row.id}:1:agent`, to: ACD_NUMBER },
      { key: `${row.id}:1:visitor`, to: '+33698765465' },
    ]);
    await recordHistory(t.env, handle.workflowId, 'callback-acd-identified');
  });
});

test('S42: an unknown identifier, after the configured tries, ends AGENT_NOT_IDENTIFIED without dialling the visitor', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { project } = await acdProject(2);
  t.harness.acdDigits.value = '9999';
  const worker = await t.newWorker(taskQueue);
  await worker.runUntil(async () => {
    const { row, handle } = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765466' });
    await waitForStatus(handle, isTerminal);
    expect(await handle.result()).toBe('FAILED');
    const attempts = await t.prisma.attempt.findMany({ where: { callbackId: row.id } });
    expect(attempts.map((a) => [a.outcome, a.agentId])).toEqual([['AGENT_NOT_IDENTIFIED', null]]);
    expect(t.harness.placed.filter((p) => p.key.startsWith(row.id)).map((p) => p.to)).toEqual([ACD_NUMBER]);
    await recordHistory(t.env, handle.workflowId, 'callback-acd-not-identified');
  });
});
