// #14.7: the project language of call settings — French by default (the product is French),
// stored, validated (fr | en, 422 otherwise), read back by GET, replaced by PUT, merged by
// PATCH, and described in the OpenAPI document.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { openApiDocument } from '../../api/openapi';
import type { Db } from '../../src/infra/prisma';
import { createTenant, startApi, type ApiHarness, type Tenant } from '../helpers/api';
import { testPrisma } from '../helpers/db';

let prisma: Db;
let harness: ApiHarness;
let tenant: Tenant;

beforeAll(async () => {
  prisma = testPrisma();
  // The settings routes never reach a workflow.
  harness = await startApi({ prisma, temporal: {} as Client, taskQueue: `q-${randomUUID()}` });
  tenant = await createTenant(prisma);
});

afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
});

const path = () => `/v1/projects/${tenant.projectId}/call-settings`;
const stored = async () =>
  (await prisma.callSettings.findUnique({ where: { projectId: tenant.projectId }, select: { language: true } }))
    ?.language;

test('#14.7: a new project speaks French', async () => {
  const read = await harness.api().get(path()).set(tenant.auth);
  expect(read.status).toBe(200);
  expect(read.body.language).toBe('fr');
});

test('#14.7: PUT stores the language, GET reads it back; a PUT without it is French again', async () => {
  const read = await harness.api().get(path()).set(tenant.auth);
  const put = await harness
    .api()
    .put(path())
    .set(tenant.auth)
    .send({ ...read.body, language: 'en' });
  expect(put.status).toBe(200);
  expect(put.body.language).toBe('en');
  expect(await stored()).toBe('en');
  expect((await harness.api().get(path()).set(tenant.auth)).body).toEqual(put.body);

  const { language: _omitted, ...withoutLanguage } = put.body as Record<string, unknown>;
  const reset = await harness.api().put(path()).set(tenant.auth).send(withoutLanguage);
  expect(reset.status).toBe(200);
  expect(reset.body.language).toBe('fr');
  expect(await stored()).toBe('fr');
});

test('#14.7: PATCH changes the language alone, the rest of the document is kept', async () => {
  const before = (await harness.api().get(path()).set(tenant.auth)).body as Record<string, unknown>;
  const patched = await harness.api().patch(path()).set(tenant.auth).send({ language: 'en' });
  expect(patched.status).toBe(200);
  expect(patched.body).toEqual({ ...before, language: 'en' });
  expect(await stored()).toBe('en');
  const back = await harness.api().patch(path()).set(tenant.auth).send({ language: 'fr' });
  expect(back.body).toEqual({ ...before, language: 'fr' });
});

test.each([['de'], ['FR'], ['fr-FR'], [''], [1], [null]])(
  '#14.7: language %j is refused with 422 VALIDATION_FAILED naming `language`, nothing stored',
  async (language) => {
    const before = await stored();
    for (const method of ['put', 'patch'] as const) {
      const read = (await harness.api().get(path()).set(tenant.auth)).body as Record<string, unknown>;
      const body = method === 'put' ? { ...read, language } : { language };
      const res = await harness.api()[method](path()).set(tenant.auth).send(body);
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: 'language' })]));
    }
    expect(await stored()).toBe(before);
  },
);

test('#14.7: the OpenAPI document describes `language` as fr | en', () => {
  const doc = openApiDocument() as {
    components: { schemas: Record<string, { properties?: Record<string, { enum?: unknown[]; default?: unknown }> }> };
  };
  const schemas = Object.entries(doc.components.schemas).filter(([name]) => name.startsWith('CallSettings'));
  expect(schemas.length).toBeGreaterThan(0);
  for (const [, schema] of schemas) {
    expect(schema.properties?.['language']).toMatchObject({ enum: ['fr', 'en'] });
  }
});
