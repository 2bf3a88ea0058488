// The agent_presence read model (S5): projectPresence writes a revision only when it is newer
// than the row's, so a retried or late projection never overwrites a newer state.
import { createPresenceActivities } from '../../activities/presence';
import type { Db } from '../../src/infra/prisma';
import type { PresenceProjection } from '../../workflows/agent-types';
import { createAgent } from '../helpers/agents';
import { createProjectFixture, testPrisma } from '../helpers/db';

let prisma: Db;

beforeAll(() => {
  prisma = testPrisma();
});
afterAll(async () => {
  await prisma?.$disconnect();
});

/** An agent of a project of its own, logged out at revision 0 (as POST /v1/agents makes it). */
async function anAgent() {
  const { account, project } = await createProjectFixture(prisma);
  return createAgent(prisma, { accountId: account.id, projectId: project.id });
}

const at = (seconds: number) => new Date(Date.UTC(2026, 2, 30, 9, 0, seconds)).toISOString();

function projection(agentId: string, revision: number, fields: Partial<PresenceProjection> = {}): PresenceProjection {
  return {
    agentId,
    revision,
    state: 'AVAILABLE',
    since: at(revision),
    callbackId: null,
    inChat: false,
    loginNumber: null,
    lastCallEndedAt: null,
    ...fields,
  };
}

test('a newer revision lands; an older or equal one never overwrites it', async () => {
  const agent = await anAgent();
  const { projectPresence } = createPresenceActivities({ prisma });
  const callbackId = '6f0c1f4e-8a53-4c62-9a55-0a3a2a4e0c11';

  expect(
    await projectPresence(projection(agent.id, 3, { state: 'ON_CALL', callbackId, loginNumber: '+33612345678' })),
  ).toBe(true);
  // Late deliveries of revisions 2 and 3 (a retried activity) change nothing.
  expect(await projectPresence(projection(agent.id, 2, { state: 'AVAILABLE' }))).toBe(false);
  expect(await projectPresence(projection(agent.id, 3, { state: 'WRAP_UP' }))).toBe(false);
  expect(await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).toMatchObject({
    state: 'ON_CALL',
    callbackId,
    loginNumber: '+33612345678',
    revision: 3,
    since: new Date(at(3)),
  });

  expect(
    await projectPresence(projection(agent.id, 4, { state: 'WRAP_UP', inChat: true, lastCallEndedAt: at(4) })),
  ).toBe(true);
  expect(await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).toMatchObject({
    state: 'WRAP_UP',
    callbackId: null,
    inChat: true,
    loginNumber: null,
    lastCallEndedAt: new Date(at(4)),
    revision: 4,
  });
});

test('an agent without a presence row gets one from its first projection', async () => {
  const agent = await anAgent();
  await prisma.agentPresence.delete({ where: { agentId: agent.id } });
  const { projectPresence } = createPresenceActivities({ prisma });
  expect(await projectPresence(projection(agent.id, 0, { state: 'LOGGED_OUT' }))).toBe(true);
  expect(await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).toMatchObject({
    state: 'LOGGED_OUT',
    revision: 0,
  });
});

test('concurrent projections of many revisions leave the newest', async () => {
  const agent = await anAgent();
  const { projectPresence } = createPresenceActivities({ prisma });
  const revisions = Array.from({ length: 20 }, (_, i) => i + 1).sort(() => Math.random() - 0.5);
  await Promise.all(revisions.map((r) => projectPresence(projection(agent.id, r, { inChat: r % 2 === 0 }))));
  expect(await prisma.agentPresence.findUniqueOrThrow({ where: { agentId: agent.id } })).toMatchObject({
    revision: 20,
    inChat: true,
    since: new Date(at(20)),
  });
});
