// #13 item 5 on the simulated network: a desk agent's leg rings on the open desk's simulated
// softphone and follows its buttons (the rows the desk API writes); with no desk open it
// answers by itself as before. Real PostgreSQL, the real simulated network, real time (short).
import { randomUUID } from 'node:crypto';
import type { DialRequest, LegEvent } from '../../src/telephony/port';
import { createSimulatedTelephony } from '../../activities/telephony/simulated';
import { createSimulatedSoftphone } from '../../src/desk/simulated-softphone';
import type { Db } from '../../src/infra/prisma';
import { createAgent } from '../helpers/agents';
import { createProjectFixture, testPrisma } from '../helpers/db';

let prisma: Db;
let agentId: string;

beforeAll(async () => {
  prisma = testPrisma();
  const { account, project } = await createProjectFixture(prisma);
  const agent = await createAgent(
    prisma,
    { accountId: account.id, projectId: project.id },
    { name: 'desk agent', kind: 'EXPERT', presence: null },
  );
  agentId = agent.id;
});

afterAll(async () => {
  await prisma?.$disconnect();
});

function network() {
  const events: LegEvent[] = [];
  const telephony = createSimulatedTelephony({
    emit: async (event) => void events.push(event),
    talkTimeSeconds: () => 1,
    deskPhone: createSimulatedSoftphone({ prisma, pollMs: 50 }),
  });
  const dial = (ringTimeoutSeconds: number): DialRequest => ({
    key: `${randomUUID()}:1:agent`,
    callbackId: randomUUID(),
    attempt: 1,
    leg: 'agent',
    to: `client:agent-${agentId}`,
    from: '+33100000000',
    conference: 'cb-test',
    ringTimeoutSeconds,
    startConferenceOnEnter: false,
    detectMachine: false,
    record: false,
  });
  const until = async (status: LegEvent['status'], timeoutMs = 8000) => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      const found = events.find((e) => e.status === status);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`no ${status}: ${events.map((e) => e.status).join(',')}`);
  };
  return { telephony, events, dial, until };
}

async function ringingRow(callSid: string) {
  for (let i = 0; i < 200; i++) {
    const row = await prisma.deskSoftphoneCall.findUnique({ where: { callSid } });
    if (row) return row;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('the call never rang on the softphone');
}

test('no desk open: the desk agent’s leg answers by itself (unchanged behaviour)', async () => {
  await prisma.deskSoftphone.deleteMany({ where: { agentId } });
  const { telephony, dial, until } = network();
  const { callSid } = await telephony.placeCall(dial(30));
  expect((await until('answered')).callSid).toBe(callSid);
  expect(await prisma.deskSoftphoneCall.findUnique({ where: { callSid } })).toBeNull();
  telephony.close();
});

test('desk open: the leg rings until the softphone answers, then is answered', async () => {
  await prisma.deskSoftphone.upsert({ where: { agentId }, create: { agentId }, update: { seenAt: new Date() } });
  const { telephony, events, dial, until } = network();
  const req = dial(30);
  const { callSid } = await telephony.placeCall(req);
  const row = await ringingRow(callSid);
  expect(row).toMatchObject({ agentId, callbackId: req.callbackId, state: 'ringing' });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  // Longer than the network's own answer delay (1 s): nothing answers but the desk.
  expect(events.map((e) => e.status)).not.toContain('answered');
  await prisma.deskSoftphoneCall.update({ where: { callSid }, data: { state: 'answered' } });
  expect((await until('answered')).answeredBy).toBe('human');
  telephony.close();
});

test('desk open: Decline ends the leg busy; no click ends it no-answer at the ring timeout', async () => {
  await prisma.deskSoftphone.upsert({ where: { agentId }, create: { agentId }, update: { seenAt: new Date() } });
  const declined = network();
  const first = await declined.telephony.placeCall(declined.dial(30));
  await ringingRow(first.callSid);
  await prisma.deskSoftphoneCall.update({ where: { callSid: first.callSid }, data: { state: 'declined' } });
  await declined.until('busy');
  declined.telephony.close();

  const ignored = network();
  const second = await ignored.telephony.placeCall(ignored.dial(2));
  await ringingRow(second.callSid);
  await ignored.until('no-answer', 6000);
  expect(ignored.events.map((e) => e.status)).not.toContain('answered');
  // The row is closed, so the desk stops showing it.
  for (let i = 0; i < 100; i++) {
    if ((await prisma.deskSoftphoneCall.findUniqueOrThrow({ where: { callSid: second.callSid } })).state === 'ended')
      break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  expect((await prisma.deskSoftphoneCall.findUniqueOrThrow({ where: { callSid: second.callSid } })).state).toBe(
    'ended',
  );
  ignored.telephony.close();
});
