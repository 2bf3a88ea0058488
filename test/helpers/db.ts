import { randomUUID } from 'node:crypto';
import { createPrisma, type Db } from '../../src/infra/prisma';

/** A client of the run's database; `pool` connections (5; more for tests of concurrency). */
export function testPrisma(pool = 5): Db {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is set by test/global-setup.ts');
  return createPrisma(url, pool);
}

/** An account and a project of its own, so tests never share rows. */
export async function createProjectFixture(prisma: Db, overrides: { timezone?: string; countries?: string[] } = {}) {
  const account = await prisma.account.create({ data: { name: `account ${randomUUID()}` } });
  const project = await prisma.project.create({
    data: {
      id: `p-${randomUUID()}`,
      accountId: account.id,
      name: 'test project',
      timezone: overrides.timezone ?? 'Europe/Paris',
      countries: overrides.countries ?? ['FR'],
    },
  });
  return { account, project };
}

export async function createCallbackRow(
  prisma: Db,
  projectId: string,
  fields: { dueAt: Date; mode?: 'IMMEDIATE' | 'DEFERRED'; phone?: string },
) {
  const phone = fields.phone ?? `+3361234${String(Math.floor(Math.random() * 10000)).padStart(4, '0')}`;
  return prisma.callback.create({
    data: {
      projectId,
      mode: fields.mode ?? 'DEFERRED',
      status: 'SCHEDULED',
      phone,
      openPhone: phone,
      dueAt: fields.dueAt,
    },
  });
}

let waitingPhoneSeq = 0;
/**
 * A callback row WAITING_AGENT since `waitingSince`, as a waiting workflow leaves it; its
 * waiting lease (#11.1) last refreshed at `seenAt` (now: a live workflow's looks keep it fresh).
 */
export async function createWaitingCallback(
  prisma: Db,
  projectId: string,
  fields: { waitingSince?: Date; seenAt?: Date } = {},
) {
  const waitingSince = fields.waitingSince ?? new Date();
  const phone = `+336${String(10_000_000 + waitingPhoneSeq++).padStart(8, '0')}`;
  return prisma.callback.create({
    data: {
      projectId,
      mode: 'IMMEDIATE',
      status: 'WAITING_AGENT',
      phone,
      openPhone: phone,
      dueAt: waitingSince,
      waitingSince,
      waitingSeenAt: fields.seenAt ?? new Date(),
    },
  });
}
