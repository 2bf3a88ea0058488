// API.md "Development defaults": one account with the API key $SEED_API_KEY, the project
// `demo` (Europe/Paris, FR) with a planning, and a few agents. Idempotent: a second run
// changes nothing, and settings edited through the API are kept.
import { hashApiKey } from '../src/auth/api-keys';
import { callSettingsSchema } from '../src/domain/settings';
import { loadConfig } from '../src/config';
import { createPrisma, type Db } from '../src/infra/prisma';
import { saveCallSettings } from '../src/store/call-settings';

export const DEMO_PROJECT_ID = 'demo';

/** #13: the demo project's publishable key (a fixed dev value: it is public by design). */
export const DEMO_PUBLISHABLE_KEY = 'pk_demo_0123456789abcdefdemo';
/** #13: web origins allowed to use it (the API's own pages are allowed anyway, same origin). */
export const DEMO_ALLOWED_ORIGINS = ['http://127.0.0.1:3000', 'http://localhost:3000'];

const weekdaySlots = [
  { start: '09:00', end: '10:00', capacity: 6 },
  { start: '10:00', end: '11:00', capacity: 6 },
  { start: '11:00', end: '12:00', capacity: 6 },
  { start: '14:00', end: '15:00', capacity: 4 },
  { start: '15:00', end: '16:00', capacity: 4 },
  { start: '16:00', end: '17:00', capacity: 4 },
  { start: '17:00', end: '18:00', capacity: 4 },
];
const officeHours = [{ start: '09:00', end: '18:00' }];

export const DEMO_SETTINGS = callSettingsSchema.parse({
  timezone: 'Europe/Paris',
  countries: ['FR'],
  immediate: {
    enabled: true,
    availability: 'AGENT_PRESENCE',
    openingHours: { mon: officeHours, tue: officeHours, wed: officeHours, thu: officeHours, fri: officeHours },
  },
  deferred: {
    enabled: true,
    offer: 'ALWAYS',
    planning: {
      mon: weekdaySlots,
      tue: weekdaySlots,
      wed: weekdaySlots,
      thu: weekdaySlots,
      fri: weekdaySlots,
      sat: [{ start: '10:00', end: '12:00', capacity: 6 }],
      holiday: [],
    },
    holidays: ['2026-12-25', '2027-01-01'],
  },
  maxHandlingDelaySeconds: 120,
  retry: { maxRetries: 5, intervalSeconds: 300 },
  callOrder: 'AGENT_FIRST',
  distribution: { mode: 'AGENTS' },
  autoAnswer: { delaySeconds: 20 },
  recording: { enabled: true, ratio: 0.7 },
  ringTimeoutSeconds: 30,
  talkTimeSeconds: 5,
});

// Simulated network (S57): numbers ending in 5/7/8 answer; the last digit decides.
const DEMO_AGENTS = [
  {
    name: 'Alice Martin',
    kind: 'EMPLOYEE',
    answerMode: 'PHONE',
    phoneNumber: '+33612340005',
    priority: true,
    acdIdentifier: '101',
  },
  {
    name: 'Bruno Petit',
    kind: 'EMPLOYEE',
    answerMode: 'DESK',
    phoneNumber: null,
    priority: false,
    acdIdentifier: '102',
  },
  {
    name: 'Chloé Durand',
    kind: 'EXPERT',
    answerMode: 'PHONE',
    phoneNumber: '+33612340007',
    priority: false,
    acdIdentifier: '103',
  },
] as const;

export interface SeedResult {
  accountId: string;
  projectId: string;
  created: boolean;
}

export async function seed(
  prisma: Db,
  apiKey: string,
  widget: { publishableKey: string; allowedOrigins: string[] } = {
    publishableKey: DEMO_PUBLISHABLE_KEY,
    allowedOrigins: DEMO_ALLOWED_ORIGINS,
  },
): Promise<SeedResult> {
  const hash = hashApiKey(apiKey);
  const existingKey = await prisma.apiKey.findUnique({ where: { hash } });
  const accountId =
    existingKey?.accountId ??
    (
      await prisma.account.create({
        data: { name: 'Demo account', apiKeys: { create: { hash, label: 'seed' } } },
      })
    ).id;

  const project = await prisma.project.findUnique({ where: { id: DEMO_PROJECT_ID } });
  if (project && project.accountId !== accountId) {
    throw new Error(`project ${DEMO_PROJECT_ID} belongs to another account; was SEED_API_KEY changed?`);
  }
  if (project) {
    await seedWidgetKey(prisma, accountId, widget);
    return { accountId, projectId: DEMO_PROJECT_ID, created: false };
  }

  await prisma.project.create({
    data: {
      id: DEMO_PROJECT_ID,
      accountId,
      name: 'Demo shop',
      timezone: DEMO_SETTINGS.timezone,
      countries: DEMO_SETTINGS.countries,
    },
  });
  await saveCallSettings(prisma, DEMO_PROJECT_ID, DEMO_SETTINGS);
  for (const agent of DEMO_AGENTS) {
    await prisma.agent.create({
      data: {
        accountId,
        name: agent.name,
        kind: agent.kind,
        callEnabled: true,
        answerMode: agent.answerMode,
        phoneNumber: agent.phoneNumber,
        priority: agent.priority,
        acdIdentifier: agent.acdIdentifier,
        projects: { create: { projectId: DEMO_PROJECT_ID } },
        presence: { create: { state: 'LOGGED_OUT', since: new Date() } },
      },
    });
  }
  await seedWidgetKey(prisma, accountId, widget);
  return { accountId, projectId: DEMO_PROJECT_ID, created: true };
}

/** #13: the demo's publishable key and allowed origins, unless already there (edits are kept). */
async function seedWidgetKey(
  prisma: Db,
  accountId: string,
  widget: { publishableKey: string; allowedOrigins: string[] },
): Promise<void> {
  const hash = hashApiKey(widget.publishableKey);
  if (!(await prisma.apiKey.findUnique({ where: { hash } }))) {
    await prisma.apiKey.create({
      data: {
        accountId,
        hash,
        kind: 'publishable',
        projectId: DEMO_PROJECT_ID,
        prefix: widget.publishableKey.slice(0, 8),
        label: 'demo widget',
      },
    });
  }
  await prisma.project.updateMany({
    where: { id: DEMO_PROJECT_ID, allowedOrigins: { isEmpty: true } },
    data: { allowedOrigins: widget.allowedOrigins },
  });
}

if (require.main === module) {
  // `npm run seed` / `prisma db seed`: seeds DATABASE_URL.
  void (async () => {
    const config = loadConfig();
    if (!config.DATABASE_URL) throw new Error('DATABASE_URL is required to seed');
    const prisma = createPrisma(config.DATABASE_URL, 2);
    try {
      const result = await seed(prisma, config.SEED_API_KEY);
      console.log(result.created ? 'seeded the demo account and project' : 'demo data already present');
    } finally {
      await prisma.$disconnect();
    }
  })().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
