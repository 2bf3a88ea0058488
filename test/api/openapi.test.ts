// GET /v1/openapi.json: served without auth, generated from the request schemas.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Db } from '../../src/infra/prisma';
import { startApi, type ApiHarness } from '../helpers/api';
import { testPrisma } from '../helpers/db';
import { createTimeSkippingEnv } from '../helpers/temporal';

let env: TestWorkflowEnvironment;
let prisma: Db;
let harness: ApiHarness;

beforeAll(async () => {
  env = await createTimeSkippingEnv();
  prisma = testPrisma();
  harness = await startApi({ prisma, temporal: env.client, taskQueue: `q-${randomUUID()}` });
});

afterAll(async () => {
  await harness?.close();
  await prisma?.$disconnect();
  await env?.teardown();
});

test('the document lists every booking route, its error codes and the request schemas', async () => {
  const res = await harness.api().get('/v1/openapi.json');
  expect(res.status).toBe(200);
  const doc = res.body;
  expect(doc.openapi).toMatch(/^3\./);
  expect(Object.keys(doc.paths).sort()).toEqual(
    [
      '/v1/callbacks',
      '/v1/callbacks/{id}',
      '/v1/callbacks/{id}/cancel',
      '/v1/openapi.json',
      '/v1/projects/{projectId}/availability',
      '/v1/projects/{projectId}/call-settings',
      '/v1/projects/{projectId}/callbacks',
    ].sort(),
  );
  expect(Object.keys(doc.paths['/v1/projects/{projectId}/call-settings'])).toEqual(['get', 'put']);
  const booking = doc.paths['/v1/callbacks'].post;
  expect(Object.keys(booking.responses)).toEqual(expect.arrayContaining(['200', '201', '409', '422', '429']));
  expect(booking.responses['409'].description).toContain('SLOT_FULL');
  expect(booking.parameters).toEqual(
    expect.arrayContaining([expect.objectContaining({ name: 'Idempotency-Key', in: 'header' })]),
  );
  expect(doc.components.schemas.BookingRequest.required).toEqual(['projectId', 'phone', 'mode']);
  expect(doc.components.schemas.Error.properties.error.properties.code.enum).toEqual(
    expect.arrayContaining([
      'SLOT_FULL',
      'DUPLICATE_CALLBACK',
      'PHONE_NOT_ALLOWED',
      'RATE_LIMITED',
      'VALIDATION_FAILED',
    ]),
  );
  expect(doc.components.schemas.CallSettings.properties.deferred).toBeDefined();
});
