// The API.md call-settings document <-> its typed rows (call_settings, planning_slots,
// weekly_hours, holidays, and the project's timezone/countries).
import { Prisma, type CallSettings as CallSettingsModel } from '../../generated/prisma/client';
import type { Weekday as DbWeekday } from '../../generated/prisma/enums';
import type { Db } from '../infra/prisma';
import { availabilityChanged } from './availability-changes';
import {
  defaultCallSettings,
  type CallSettings,
  type Planning,
  type PlanningColumn,
  type WeeklyHours,
} from '../domain/settings';
import { RETRY_CLASSES, type RetryClass } from '../domain/retry';
import { WEEKDAYS } from '../domain/time';

const toDbDay = (day: PlanningColumn): DbWeekday => day.toUpperCase() as DbWeekday;
const fromDbDay = (day: DbWeekday): PlanningColumn => day.toLowerCase() as PlanningColumn;

type Tx = Prisma.TransactionClient;

/** The project row an availability read needs for tenancy, beside its settings. */
export interface ProjectOfSettings {
  id: string;
  accountId: string;
  timezone: string;
  countries: string[];
}

type CallSettingsRow = Omit<CallSettingsModel, 'updatedAt'>;

interface SettingsQueryRow {
  id: string;
  account_id: string;
  timezone: string;
  countries: string[];
  settings: Record<string, unknown> | null;
  planning: { day: DbWeekday; start: string; end: string; capacity: number }[];
  hours: { kind: 'OPENING' | 'OFFER'; day: DbWeekday; start: string; end: string }[];
  holidays: string[];
}

const camel = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

/**
 * #15: the project and its whole settings document in ONE statement (it was five: the
 * project, call_settings, planning_slots, weekly_hours, holidays), since every page view's
 * availability read and every booking loads it. Ordered as the document lists them.
 */
export async function loadProjectSettings(
  prisma: Db | Tx,
  projectId: string,
): Promise<{ project: ProjectOfSettings; settings: CallSettings } | null> {
  const [row] = await prisma.$queryRaw<SettingsQueryRow[]>`
    SELECT ${SETTINGS_COLUMNS} FROM projects p WHERE p.id = ${projectId}`;
  return row ? settingsOfRow(row) : null;
}

/** The project row and its settings document (#15: every column of one statement). */
const SETTINGS_COLUMNS = Prisma.sql`
  p.id, p.account_id::text AS account_id, p.timezone, p.countries,
  (SELECT to_jsonb(cs) FROM call_settings cs WHERE cs.project_id = p.id) AS settings,
  COALESCE((SELECT json_agg(json_build_object('day', s.day, 'start', s.start, 'end', s."end",
                                              'capacity', s.capacity) ORDER BY s.day, s.start)
              FROM planning_slots s WHERE s.project_id = p.id), '[]') AS planning,
  COALESCE((SELECT json_agg(json_build_object('kind', h.kind, 'day', h.day, 'start', h.start,
                                              'end', h."end") ORDER BY h.day, h.start)
              FROM weekly_hours h WHERE h.project_id = p.id), '[]') AS hours,
  COALESCE((SELECT array_agg(to_char(d.date, 'YYYY-MM-DD') ORDER BY d.date)
              FROM holidays d WHERE d.project_id = p.id), '{}') AS holidays`;

function settingsOfRow(row: SettingsQueryRow): { project: ProjectOfSettings; settings: CallSettings } {
  const project: ProjectOfSettings = {
    id: row.id,
    accountId: row.account_id,
    timezone: row.timezone,
    countries: row.countries,
  };
  const settingsRow = row.settings
    ? (Object.fromEntries(Object.entries(row.settings).map(([k, v]) => [camel(k), v])) as unknown as CallSettingsRow)
    : null;
  return {
    project,
    settings: documentOf(project, settingsRow, row.planning, row.hours, row.holidays),
  };
}

/** What an availability read (S5–S7) needs, besides the clock. */
export interface AvailabilityInputs {
  project: ProjectOfSettings;
  settings: CallSettings;
  /** S5: call-enabled agents of the project AVAILABLE, not in a chat unless they may mix (S46). */
  availableAgents: number;
  /** Positions held per slot start (epoch ms), slots starting in [bookedFrom, bookedTo). */
  bookedPositions: Map<number, number[]>;
}

/**
 * #15.3: an availability read in ONE statement (it was nine: the key, the project, five for
 * the settings, the presence count, the bookings). The presence count is the predicate of
 * countAvailableAgents (src/callbacks/presence-read.ts) and the bookings the grouping of
 * bookedPositions (src/callbacks/booking.ts); test/api/availability.test.ts covers both.
 */
export async function loadAvailabilityInputs(
  prisma: Db,
  projectId: string,
  bookedFrom: Date,
  bookedTo: Date,
): Promise<AvailabilityInputs | null> {
  const [row] = await prisma.$queryRaw<
    (SettingsQueryRow & { available_agents: number; booked: { slot_start: string; positions: number[] }[] })[]
  >`
    SELECT ${SETTINGS_COLUMNS},
      (SELECT count(*)::int FROM agent_presence ap
         JOIN agents a ON a.id = ap.agent_id
        WHERE ap.state = 'AVAILABLE' AND a.call_enabled AND (NOT ap.in_chat OR a.allow_chat_and_call)
          AND EXISTS (SELECT 1 FROM agent_projects j WHERE j.agent_id = a.id AND j.project_id = p.id)
      ) AS available_agents,
      COALESCE((SELECT json_agg(json_build_object('slot_start', b.slot_start, 'positions', b.positions))
         FROM (SELECT slot_start, array_agg(position) AS positions FROM slot_bookings
                WHERE project_id = p.id AND slot_start >= ${bookedFrom} AND slot_start < ${bookedTo}
                GROUP BY slot_start) b), '[]') AS booked
      FROM projects p WHERE p.id = ${projectId}`;
  if (!row) return null;
  return {
    ...settingsOfRow(row),
    availableAgents: row.available_agents,
    bookedPositions: new Map(row.booked.map((b) => [new Date(b.slot_start).getTime(), b.positions])),
  };
}

/** The project's settings document, or null when the project does not exist. */
export async function loadCallSettings(prisma: Db | Tx, projectId: string): Promise<CallSettings | null> {
  return (await loadProjectSettings(prisma, projectId))?.settings ?? null;
}

function documentOf(
  project: ProjectOfSettings,
  row: CallSettingsRow | null,
  planningSlots: SettingsQueryRow['planning'],
  weeklyHours: SettingsQueryRow['hours'],
  holidays: string[],
): CallSettings {
  if (!row) return { ...defaultCallSettings(), timezone: project.timezone, countries: project.countries };

  const emptyWeek = () => Object.fromEntries(WEEKDAYS.map((d) => [d, []])) as unknown;
  const openingHours = { ...(emptyWeek() as object), holiday: [] } as unknown as WeeklyHours;
  const offerHours = { ...(emptyWeek() as object), holiday: [] } as unknown as WeeklyHours;
  for (const h of weeklyHours) {
    (h.kind === 'OPENING' ? openingHours : offerHours)[fromDbDay(h.day)].push({ start: h.start, end: h.end });
  }
  const planning = { ...(emptyWeek() as object), holiday: [] } as unknown as Planning;
  for (const s of planningSlots) {
    planning[fromDbDay(s.day)].push({ start: s.start, end: s.end, capacity: s.capacity });
  }

  const document: CallSettings = {
    timezone: project.timezone,
    countries: project.countries,
    immediate: { enabled: row.immediateEnabled, availability: row.immediateAvailability, openingHours },
    deferred: {
      enabled: row.deferredEnabled,
      offer: row.deferredOffer,
      offerHours,
      planning,
      holidays,
      minimumLeadSeconds: row.deferredMinimumLeadSeconds,
    },
    maxHandlingDelaySeconds: row.maxHandlingDelaySeconds,
    retry: {
      maxRetries: row.retryMaxRetries,
      intervalSeconds: row.retryIntervalSeconds,
      minGapSeconds: row.retryMinGapSeconds,
      byOutcome: byOutcomeOf(row),
    },
    callOrder: row.callOrder,
    distribution:
      row.distributionMode === 'ACD' && row.acdNumber
        ? {
            mode: 'ACD',
            number: row.acdNumber,
            welcomeMessageSeconds: row.acdWelcomeMessageSeconds,
            identificationAttempts: row.acdIdentificationAttempts,
          }
        : { mode: 'AGENTS' },
    autoAnswer: { delaySeconds: row.autoAnswerDelaySeconds },
    recording: { enabled: row.recordingEnabled, ratio: row.recordingRatio },
    ringTimeoutSeconds: row.ringTimeoutSeconds,
    talkTimeSeconds: row.talkTimeSeconds,
    language: row.language,
  };
  // Rows are only ever written from a validated document, and `document` is typed as the
  // parsed output: no second parse (it cost ~3 ms of CPU per booking and availability read).
  return document;
}

/** Replaces the whole document in one transaction (a PUT is atomic). */
export async function saveCallSettings(prisma: Db, projectId: string, settings: CallSettings): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.project.update({
      where: { id: projectId },
      data: { timezone: settings.timezone, countries: settings.countries },
    });
    const acd = settings.distribution.mode === 'ACD' ? settings.distribution : null;
    const scalars = {
      immediateEnabled: settings.immediate.enabled,
      immediateAvailability: settings.immediate.availability,
      deferredEnabled: settings.deferred.enabled,
      deferredOffer: settings.deferred.offer,
      maxHandlingDelaySeconds: settings.maxHandlingDelaySeconds,
      retryMaxRetries: settings.retry.maxRetries,
      retryIntervalSeconds: settings.retry.intervalSeconds,
      retryMinGapSeconds: settings.retry.minGapSeconds,
      ...byOutcomeColumns(settings.retry.byOutcome),
      deferredMinimumLeadSeconds: settings.deferred.minimumLeadSeconds,
      callOrder: settings.callOrder,
      distributionMode: settings.distribution.mode,
      acdNumber: acd?.number ?? null,
      acdWelcomeMessageSeconds: acd?.welcomeMessageSeconds ?? 5,
      acdIdentificationAttempts: acd?.identificationAttempts ?? 3,
      autoAnswerDelaySeconds: settings.autoAnswer.delaySeconds,
      recordingEnabled: settings.recording.enabled,
      recordingRatio: settings.recording.ratio,
      ringTimeoutSeconds: settings.ringTimeoutSeconds,
      talkTimeSeconds: settings.talkTimeSeconds,
      language: settings.language,
    };
    await tx.callSettings.upsert({ where: { projectId }, create: { projectId, ...scalars }, update: scalars });

    await tx.planningSlot.deleteMany({ where: { projectId } });
    const columns: PlanningColumn[] = [...WEEKDAYS, 'holiday'];
    await tx.planningSlot.createMany({
      data: columns.flatMap((day) =>
        settings.deferred.planning[day].map((slot) => ({ projectId, day: toDbDay(day), ...slot })),
      ),
    });
    await tx.weeklyHours.deleteMany({ where: { projectId } });
    await tx.weeklyHours.createMany({
      data: [
        ...hoursRows(projectId, 'OPENING', settings.immediate.openingHours),
        ...hoursRows(projectId, 'OFFER', settings.deferred.offerHours),
      ],
    });
    await tx.holiday.deleteMany({ where: { projectId } });
    await tx.holiday.createMany({
      data: settings.deferred.holidays.map((date) => ({ projectId, date: new Date(`${date}T00:00:00Z`) })),
    });
  });
  availabilityChanged(projectId);
}

function hoursRows(projectId: string, kind: 'OPENING' | 'OFFER', hours: WeeklyHours) {
  const columns: PlanningColumn[] = [...WEEKDAYS, 'holiday'];
  return columns.flatMap((day) => hours[day].map((range) => ({ projectId, kind, day: toDbDay(day), ...range })));
}

type RetryColumns = {
  [K in `retry${Capitalize<RetryClass>}${'MaxRetries' | 'IntervalSeconds'}`]: number | null;
};

const capitalized = (name: RetryClass) => `${name[0]!.toUpperCase()}${name.slice(1)}` as Capitalize<RetryClass>;

/** #16: the classes with a rule of their own; a null column leaves the field out (top-level value). */
function byOutcomeOf(row: RetryColumns): CallSettings['retry']['byOutcome'] {
  const byOutcome: CallSettings['retry']['byOutcome'] = {};
  for (const name of RETRY_CLASSES) {
    const maxRetries = row[`retry${capitalized(name)}MaxRetries`];
    const intervalSeconds = row[`retry${capitalized(name)}IntervalSeconds`];
    if (maxRetries === null && intervalSeconds === null) continue;
    byOutcome[name] = {
      ...(maxRetries === null ? {} : { maxRetries }),
      ...(intervalSeconds === null ? {} : { intervalSeconds }),
    };
  }
  return byOutcome;
}

function byOutcomeColumns(byOutcome: CallSettings['retry']['byOutcome']): RetryColumns {
  return Object.fromEntries(
    RETRY_CLASSES.flatMap((name) => [
      [`retry${capitalized(name)}MaxRetries`, byOutcome[name]?.maxRetries ?? null],
      [`retry${capitalized(name)}IntervalSeconds`, byOutcome[name]?.intervalSeconds ?? null],
    ]),
  ) as RetryColumns;
}
