// S31 / API.md hold-music: WAV or MP3 by content, at most 200 KB, tenancy-checked, then served.
import request from 'supertest';
import { createApp } from '../../api/app';
import { hashApiKey } from '../../src/auth/api-keys';
import { createHoldMusicMediaRouter, createHoldMusicRouter } from '../../api/routes/hold-music';
import { loadConfig } from '../../src/config';
import type { Db } from '../../src/infra/prisma';
import { createLogger } from '../../src/logger';
import { createProjectFixture, testPrisma } from '../helpers/db';
import { noTemporal } from '../helpers/use-api';

let prisma: Db;

// No route here reaches Temporal: no server is started.
beforeAll(() => {
  prisma = testPrisma();
});
afterAll(async () => {
  await prisma?.$disconnect();
});

function wav(bytes: number): Buffer {
  const buf = Buffer.alloc(bytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(bytes - 8, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  return buf;
}

async function setup() {
  const { account, project } = await createProjectFixture(prisma);
  const key = `key-${project.id}`;
  await prisma.apiKey.create({ data: { accountId: account.id, hash: hashApiKey(key) } });
  const app = createApp({
    prisma,
    temporal: noTemporal(),
    config: loadConfig({}),
    logger: createLogger({ level: 'silent' }),
    v1Routers: [createHoldMusicRouter({ prisma })],
    publicRouters: [createHoldMusicMediaRouter({ prisma })],
  });
  return { app, project, auth: `Bearer ${key}` };
}

test('a WAV upload is stored (204) and served back byte for byte', async () => {
  const { app, project, auth } = await setup();
  const body = wav(4096);
  await request(app)
    .put(`/v1/projects/${project.id}/hold-music`)
    .set('Authorization', auth)
    .set('Content-Type', 'audio/wav')
    .send(body)
    .expect(204);
  const served = await request(app)
    .get(`/media/hold-music/${project.id}`)
    .buffer(true)
    .parse((res, done) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done(null, Buffer.concat(chunks)));
    });
  expect(served.status).toBe(200);
  expect(served.headers['content-type']).toMatch(/audio\/wav/);
  expect(Buffer.compare(served.body as Buffer, body)).toBe(0);
});

test('over 200 KB -> 413 PAYLOAD_TOO_LARGE', async () => {
  const { app, project, auth } = await setup();
  const res = await request(app)
    .put(`/v1/projects/${project.id}/hold-music`)
    .set('Authorization', auth)
    .set('Content-Type', 'audio/wav')
    .send(wav(200 * 1024 + 1));
  expect(res.status).toBe(413);
  expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
});

test('not WAV/MP3 by content (a PNG declared as audio/mpeg) -> 415 UNSUPPORTED_MEDIA', async () => {
  const { app, project, auth } = await setup();
  const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');
  const res = await request(app)
    .put(`/v1/projects/${project.id}/hold-music`)
    .set('Authorization', auth)
    .set('Content-Type', 'audio/mpeg')
    .send(png);
  expect(res.status).toBe(415);
  expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA');
});

test("a non-audio Content-Type -> 415; another account's project -> 403", async () => {
  const { app, project, auth } = await setup();
  const text = await request(app)
    .put(`/v1/projects/${project.id}/hold-music`)
    .set('Authorization', auth)
    .set('Content-Type', 'text/plain')
    .send('hello');
  expect(text.status).toBe(415);
  const other = await setup();
  const res = await request(app)
    .put(`/v1/projects/${project.id}/hold-music`)
    .set('Authorization', other.auth)
    .set('Content-Type', 'audio/wav')
    .send(wav(1024));
  expect(res.status).toBe(403);
  expect(res.body.error.code).toBe('FORBIDDEN');
});
