// #15 (S41, #11.2): a waiting callback is not sent a second agentMayBeFree wake-up while one
// sent after its last look is still pending (it will look again anyway, and that look sees
// whatever prompted the second); once it looked, the next wake-up is sent. Real PostgreSQL.
import type { Db } from '../../src/infra/prisma';
import { unlessWakePending, wakeOldestWaiting, wakeWaitingOfProject } from '../../src/callbacks/wake';
import { createProjectFixture, createWaitingCallback, testPrisma } from '../helpers/db';

let prisma: Db;
beforeAll(() => {
  prisma = testPrisma();
});
afterAll(async () => {
  await prisma?.$disconnect();
});

/** A waiting row whose lease was refreshed a second ago (its last look). */
const waiting = (projectId: string, waitingSince = new Date()) =>
  createWaitingCallback(prisma, projectId, { waitingSince, seenAt: new Date(Date.now() - 1000) });

/** What the workflow's look does first (reserveAgent, agentMayBeFree): refresh the lease. */
const look = (id: string) =>
  prisma.$executeRaw`UPDATE callbacks SET waiting_seen_at = now() WHERE id = ${id}::uuid AND status = 'WAITING_AGENT'`;

function countingWaker() {
  const sent: string[] = [];
  return { sent, wake: async (id: string) => void sent.push(id) };
}

test('a second wake-up before the callback looked is not sent; after its look, the next one is', async () => {
  const { project } = await createProjectFixture(prisma);
  const callback = await waiting(project.id);
  const { sent, wake } = countingWaker();
  const send = unlessWakePending(prisma, wake);

  expect(await send(callback.id)).not.toBe(false);
  expect(await send(callback.id)).toBe(true); // pending: counts as woken
  expect(sent).toEqual([callback.id]);

  await look(callback.id);
  await send(callback.id);
  expect(sent).toEqual([callback.id, callback.id]);
});

test('a wake-up whose signal failed is not pending: the next one is sent', async () => {
  const { project } = await createProjectFixture(prisma);
  const callback = await waiting(project.id);
  let fail = true;
  const sent: string[] = [];
  const send = unlessWakePending(prisma, async (id) => {
    if (fail) throw new Error('Temporal unavailable');
    sent.push(id);
  });
  await expect(send(callback.id)).rejects.toThrow('Temporal unavailable');
  fail = false;
  await send(callback.id);
  expect(sent).toEqual([callback.id]);
});

test('a gone workflow (false) is reported as before, so the next waiting callback is woken', async () => {
  const { project } = await createProjectFixture(prisma);
  const gone = await waiting(project.id, new Date(Date.now() - 60_000));
  const next = await waiting(project.id, new Date(Date.now() - 30_000));
  const sent: string[] = [];
  await wakeOldestWaiting(
    prisma,
    async (id) => {
      sent.push(id);
      return id !== gone.id;
    },
    { projectId: project.id, except: '00000000-0000-0000-0000-000000000000' },
  );
  expect(sent).toEqual([gone.id, next.id]);
  expect((await prisma.callback.findUniqueOrThrow({ where: { id: gone.id } })).waitingSeenAt).toBeNull();
});

test('repeated wake-ups of a project (reservations in a burst) signal each waiting callback once until it looks', async () => {
  const { project } = await createProjectFixture(prisma);
  const oldest = await waiting(project.id, new Date(Date.now() - 20_000));
  const younger = await waiting(project.id, new Date(Date.now() - 10_000));
  const { sent, wake } = countingWaker();
  const except = '00000000-0000-0000-0000-000000000000';

  // Ten reservations in a row each wake "the oldest waiting": it is signalled once.
  for (let i = 0; i < 10; i++) await wakeOldestWaiting(prisma, wake, { projectId: project.id, except });
  expect(sent).toEqual([oldest.id]);
  // A settings change wakes every waiting callback: only the one without a pending wake-up is signalled.
  expect(await wakeWaitingOfProject(prisma, wake, project.id)).toBe(2);
  expect(sent).toEqual([oldest.id, younger.id]);
  // The oldest looked: it is woken again.
  await look(oldest.id);
  await wakeOldestWaiting(prisma, wake, { projectId: project.id, except });
  expect(sent).toEqual([oldest.id, younger.id, oldest.id]);
});
