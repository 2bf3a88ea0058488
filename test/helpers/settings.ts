// The settings fixture (#12): one way to give a test project its call settings, through the
// API (putSettings: what a client does, 200 or the test fails) or straight into the database
// (saveSettings: for worker-only tests with no API), and the usual planning (dailySlotSettings).
import { callSettingsSchema, type CallSettingsInput } from '../../src/domain/settings';
import type { Db } from '../../src/infra/prisma';
import { saveCallSettings } from '../../src/store/call-settings';

/** A planning of one slot every day (holidays included), immediate off unless asked. */
export function dailySlotSettings(
  slot: { start: string; end: string; capacity: number },
  overrides: Partial<CallSettingsInput> = {},
): CallSettingsInput {
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday'] as const;
  return {
    timezone: 'Europe/Paris',
    countries: ['FR'],
    immediate: { enabled: false },
    deferred: { enabled: true, offer: 'ALWAYS', planning: Object.fromEntries(days.map((d) => [d, [slot]])) },
    ...overrides,
  };
}

/** PUT the settings document; fails the test unless stored (200). */
export async function putSettings(
  harness: { api: () => ReturnType<typeof import('supertest')> },
  tenant: { projectId: string; auth: { Authorization: string } },
  settings: CallSettingsInput,
): Promise<unknown> {
  const res = await harness.api().put(`/v1/projects/${tenant.projectId}/call-settings`).set(tenant.auth).send(settings);
  if (res.status !== 200) throw new Error(`settings not stored: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as unknown;
}

/** Validates and stores the settings as PUT would, without the API. */
export async function saveSettings(prisma: Db, projectId: string, settings: Partial<CallSettingsInput>): Promise<void> {
  await saveCallSettings(prisma, projectId, callSettingsSchema.parse(settings));
}
