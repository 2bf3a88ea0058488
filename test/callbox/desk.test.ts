// #13 items 4–5: agent tokens act only on their own agent; the desk's live updates reach a
// desk connected to ANOTHER API process through PostgreSQL NOTIFY (the presence projection's
// trigger); Twilio Voice access tokens carry the identity the callback dials, the grant and ttl.
import { createHmac, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { ApiHarness, Tenant } from '../helpers/api';
import { createAgent } from '../helpers/agents';
import { useApi } from '../helpers/use-api';

const VOICE_ENV = {
  TWILIO_ACCOUNT_SID: 'AC' + 'a'.repeat(32),
  TWILIO_API_KEY_SID: 'SK' + 'b'.repeat(32),
  TWILIO_API_KEY_SECRET: 'voice-api-key-secret',
  TWILIO_TWIML_APP_SID: 'AP' + 'c'.repeat(32),
  TWILIO_VOICE_TOKEN_TTL_SECONDS: '900',
};

// Two API processes' worth of apps on one database; the second one has Twilio Voice.
const t = useApi({ temporal: 'time-skipping', tenant: true });
let second: ApiHarness;
let other: Tenant;

beforeAll(async () => {
  second = await t.startApi({ env: VOICE_ENV });
  other = await t.newTenant();
});

const deskAgent = (owner: Tenant, name?: string) =>
  createAgent(t.prisma, owner, { kind: 'EXPERT', ...(name ? { name } : {}) });

async function issueToken(owner: Tenant, agentId: string): Promise<string> {
  const res = await t.api().post(`/v1/agents/${agentId}/tokens`).set(owner.auth).send({ label: 'desk' });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ agentId, prefix: res.body.token.slice(0, 8) });
  return res.body.token as string;
}

test('agent tokens are issued with a secret key for the account’s own agents only, and act only on their agent', async () => {
  const alice = await deskAgent(t.tenant, 'Alice');
  const bruno = await deskAgent(t.tenant, 'Bruno');
  const stranger = await deskAgent(other, 'Stranger');
  const token = await issueToken(t.tenant, alice.id);
  expect((await t.api().post(`/v1/agents/${stranger.id}/tokens`).set(t.tenant.auth).send({})).status).toBe(403);
  expect((await t.api().post(`/v1/agents/${randomUUID()}/tokens`).set(t.tenant.auth).send({})).status).toBe(404);

  // The token is not an API key: /v1 (where agent ids are named) refuses it outright.
  const asApiKey = { Authorization: `Bearer ${token}` };
  for (const [method, path] of [
    ['put', `/v1/agents/${bruno.id}/status`],
    ['post', `/v1/agents/${bruno.id}/login`],
    ['post', `/v1/agents/${alice.id}/login`],
    ['get', `/v1/agents/${bruno.id}/presence`],
  ] as const) {
    const res = await t.api()[method](path).set(asApiKey).send({ status: 'AVAILABLE' });
    expect(res.status).toBe(401);
  }

  // The desk names no agent: the token decides who "me" is.
  const state = await t.api().get('/desk/api/state').set(asApiKey);
  expect(state.status).toBe(200);
  expect(state.body.agent).toMatchObject({ id: alice.id, name: 'Alice', autoAnswer: false });
  expect(state.body.softphone).toBe('simulated');

  // A call ringing on Bruno's softphone cannot be answered with Alice's token.
  const callSid = `SIM${randomUUID().replace(/-/g, '')}`;
  await t.prisma.deskSoftphoneCall.create({
    data: { callSid, agentId: bruno.id, callbackId: randomUUID(), ringUntil: new Date(Date.now() + 60_000) },
  });
  const answer = await t.api().post(`/desk/api/softphone/${callSid}/answer`).set(asApiKey);
  expect(answer.status).toBe(404);
  expect((await t.prisma.deskSoftphoneCall.findUniqueOrThrow({ where: { callSid } })).state).toBe('ringing');

  // The session cookie carries the same token; a revoked token is refused everywhere.
  const session = await t.api().post('/desk/api/session').send({ token });
  expect(session.status).toBe(200);
  const cookie = session.headers['set-cookie']![0]!;
  expect(cookie).toMatch(/desk_token=.*HttpOnly.*SameSite=Strict/i);
  expect((await t.api().get('/desk/api/state').set('Cookie', cookie.split(';')[0]!)).body.agent.id).toBe(alice.id);
  const tokenId = (await t.prisma.agentToken.findFirstOrThrow({ where: { agentId: alice.id } })).id;
  expect((await t.api().delete(`/v1/agents/${alice.id}/tokens/${tokenId}`).set(t.tenant.auth)).status).toBe(204);
  expect((await t.api().get('/desk/api/state').set(asApiKey)).status).toBe(401);
  expect((await t.api().post('/desk/api/session').send({ token })).status).toBe(401);
  expect((await t.api().get('/desk/api/state')).status).toBe(401);
});

test('an expired agent token is refused', async () => {
  const agent = await deskAgent(t.tenant);
  const token = await issueToken(t.tenant, agent.id);
  await t.prisma.agentToken.updateMany({
    where: { agentId: agent.id },
    data: { expiresAt: new Date(Date.now() - 1000) },
  });
  expect(
    (
      await t
        .api()
        .get('/desk/api/state')
        .set({ Authorization: `Bearer ${token}` })
    ).status,
  ).toBe(401);
});

/** Opens the desk's event stream and collects its `state` events. */
function openEvents(harness: ApiHarness, token: string) {
  const events: { presence: { state: string }; softphoneCall: unknown }[] = [];
  let request: http.ClientRequest;
  const ready = new Promise<void>((resolve, reject) => {
    request = http.get(`${harness.base}/desk/api/events`, { headers: { Authorization: `Bearer ${token}` } }, (res) => {
      expect(res.headers['content-type']).toMatch(/text\/event-stream/);
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = /^event: state\ndata: (.*)$/m.exec(block)?.[1];
          if (data) events.push(JSON.parse(data));
        }
      });
      resolve();
    });
    request.on('error', reject);
  });
  const waitFor = async (predicate: (e: (typeof events)[number]) => boolean) => {
    for (let i = 0; i < 200; i++) {
      const found = events.find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error(`no such event; got ${JSON.stringify(events.map((e) => e.presence.state))}`);
  };
  return { ready, events, waitFor, close: () => request.destroy() };
}

test('live updates: a presence projected by another process reaches the desk through NOTIFY, not polling', async () => {
  const agent = await deskAgent(t.tenant);
  const token = await issueToken(t.tenant, agent.id);
  // The desk is connected to the SECOND process; the write happens through the first's pool.
  const stream = openEvents(second, token);
  await stream.ready;
  await stream.waitFor((e) => e.presence.state === 'LOGGED_OUT');
  await t.prisma.agentPresence.update({
    where: { agentId: agent.id },
    data: { state: 'AVAILABLE', since: new Date(), revision: 1 },
  });
  const started = Date.now();
  await stream.waitFor((e) => e.presence.state === 'AVAILABLE');
  // One event per change, well under any polling period.
  expect(Date.now() - started).toBeLessThan(2000);
  const before = stream.events.length;
  await t.prisma.agentPresence.update({
    where: { agentId: agent.id },
    data: { state: 'WRAP_UP', since: new Date(), revision: 2 },
  });
  await stream.waitFor((e) => e.presence.state === 'WRAP_UP');
  expect(stream.events.length).toBe(before + 1);
  stream.close();
});

test('the simulated softphone is registered while a desk is open on the simulated network, and only then', async () => {
  const agent = await deskAgent(t.tenant);
  const token = await issueToken(t.tenant, agent.id);
  const stream = openEvents(t.harness, token);
  await stream.ready;
  await stream.waitFor(() => true);
  expect(await t.prisma.deskSoftphone.findUnique({ where: { agentId: agent.id } })).not.toBeNull();
  stream.close();
  for (let i = 0; i < 100 && (await t.prisma.deskSoftphone.findUnique({ where: { agentId: agent.id } })); i++)
    await new Promise((resolve) => setTimeout(resolve, 20));
  expect(await t.prisma.deskSoftphone.findUnique({ where: { agentId: agent.id } })).toBeNull();
});

test('Twilio Voice token: identity client:agent-<id>, incoming voice grant with the TwiML app, ttl, signed with the API key secret', async () => {
  const agent = await deskAgent(t.tenant);
  const token = await issueToken(t.tenant, agent.id);
  const auth = { Authorization: `Bearer ${token}` };
  // Without the settings (first process): no token.
  expect((await t.api().post('/desk/api/voice-token').set(auth)).status).toBe(404);
  expect((await second.api().get('/desk/api/state').set(auth)).body.softphone).toBe('twilio');

  const res = await second.api().post('/desk/api/voice-token').set(auth);
  expect(res.status).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.body).toMatchObject({ identity: `agent-${agent.id}`, ttl: 900 });
  const [header, payload, signature] = (res.body.token as string).split('.') as [string, string, string];
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  expect(decode(header)).toMatchObject({ alg: 'HS256', typ: 'JWT', cty: 'twilio-fpa;v=1' });
  const claims = decode(payload);
  expect(claims).toMatchObject({
    iss: VOICE_ENV.TWILIO_API_KEY_SID,
    sub: VOICE_ENV.TWILIO_ACCOUNT_SID,
    grants: {
      identity: `agent-${agent.id}`,
      voice: { incoming: { allow: true }, outgoing: { application_sid: VOICE_ENV.TWILIO_TWIML_APP_SID } },
    },
  });
  expect(claims.exp - Math.floor(Date.now() / 1000)).toBeGreaterThan(890);
  expect(claims.exp - Math.floor(Date.now() / 1000)).toBeLessThanOrEqual(900);
  const expected = createHmac('sha256', VOICE_ENV.TWILIO_API_KEY_SECRET)
    .update(`${header}.${payload}`)
    .digest('base64url');
  expect(signature).toBe(expected);
  // The identity is exactly what the callback dials for a desk agent (activities/dialing.ts).
  expect(`client:${claims.grants.identity}`).toBe(`client:agent-${agent.id}`);
  expect((await second.api().post('/desk/api/voice-token')).status).toBe(401);
});

test('#14.1: the desk of a deactivated agent cannot log in (409 AGENT_INACTIVE, as the agent API)', async () => {
  const agent = await deskAgent(t.tenant);
  const auth = { Authorization: `Bearer ${await issueToken(t.tenant, agent.id)}` };
  await t.api().post(`/v1/agents/${agent.id}/deactivate`).set(t.tenant.auth).expect(200);
  const res = await t.api().post('/desk/api/login').set(auth).send({});
  expect(res.status).toBe(409);
  expect(res.body.error.code).toBe('AGENT_INACTIVE');
});
