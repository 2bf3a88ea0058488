// S35 across a worker restart: the workflow resumes on a new worker from its history and
// no leg is dialled twice. Its own file: it runs and stops workers of its own, on the real
// dev server (real time: the call lasts 3 s).
import { randomUUID } from 'node:crypto';
import { isTerminal } from '../../workflows/types';
import { addAgent, bookCallback, projectWith, waitForDbStatus, waitForStatus } from '../helpers/callback-harness';
import { useWorkflowTest } from '../helpers/workflow-test';

const t = useWorkflowTest({ temporal: 'dev' });

test('S35: a worker restart mid-call loses no callback and dials no leg twice', async () => {
  const taskQueue = `q-${randomUUID()}`;
  const { account, project } = await projectWith(t.prisma, { talkTimeSeconds: 3 });
  await addAgent(t.prisma, account.id, project.id);
  // A real server moves the dead worker's sticky tasks to the shared queue (at once on a
  // graceful shutdown, else after this long); the time-skipping server never does.
  const first = await t.newWorker(taskQueue, { stickyQueueScheduleToStartTimeout: '1s' });
  const { row, handle } = await first.runUntil(async () => {
    const booked = await bookCallback(t.prisma, t.env, taskQueue, project.id, { phone: '+33698765448' });
    await waitForStatus(booked.handle, (s) => s === 'CONNECTED');
    return booked;
  });
  const second = await t.newWorker(taskQueue);
  await second.runUntil(async () => {
    // The database, not a query: a query would be routed to the dead worker's sticky queue.
    await waitForDbStatus(t.prisma, row.id, isTerminal);
    expect(await handle.result()).toBe('COMPLETED');
  });
  const keys = t.harness.placed.filter((p) => p.key.startsWith(row.id)).map((p) => p.key);
  expect(keys).toEqual([`${row.id}:1:agent`, `${row.id}:1:visitor`]);
  expect(await t.prisma.telephonyCall.count({ where: { key: { startsWith: row.id } } })).toBe(2);
});
