import { z } from 'zod';
import { isSupportedCountry } from 'libphonenumber-js/max';
import { checkDialableE164 } from './phone';
import { RETRY_CLASSES } from './retry';
import { isValidIsoDate, isValidTimeZone, parseWallTime, type Weekday } from './time';
import { DEFAULT_LANGUAGE, LANGUAGES } from '../telephony/prompts';

export type { Weekday } from './time';

function intBetween(min: number, max: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z.int({ error }).min(min, { error }).max(max, { error });
}

const startTime = z.string().refine((text) => (parseWallTime(text) ?? 1440) < 1440, {
  error: 'must be a time "HH:mm" from 00:00 to 23:59',
});
const endTime = z.string().refine((text) => parseWallTime(text) !== null, {
  error: 'must be a time "HH:mm" from 00:00 to 23:59, or "24:00" for midnight',
});

/** The range in minutes when both ends are well-formed (their own issues are reported elsewhere). */
function minutesOf(range: { start: string; end: string }): { start: number; end: number } | null {
  const start = parseWallTime(range.start);
  const end = parseWallTime(range.end);
  return start === null || start >= 1440 || end === null ? null : { start, end };
}

function requireEndAfterStart(range: { start: string; end: string }, ctx: z.RefinementCtx): void {
  const minutes = minutesOf(range);
  if (minutes && minutes.end <= minutes.start) {
    ctx.addIssue({ code: 'custom', path: ['end'], message: `must be after start (${range.start})` });
  }
}

const timeRangeSchema = z.strictObject({ start: startTime, end: endTime }).superRefine(requireEndAfterStart);

const planningSlotSchema = z
  .strictObject({ start: startTime, end: endTime, capacity: intBetween(1, 1440) })
  .superRefine((slot, ctx) => {
    requireEndAfterStart(slot, ctx);
    // S13: more places than minutes would put two calls in the same minute.
    const minutes = minutesOf(slot);
    const length = minutes ? minutes.end - minutes.start : 0;
    if (length > 0 && slot.capacity > length) {
      ctx.addIssue({
        code: 'custom',
        path: ['capacity'],
        message: `must be at most ${length}, the slot's length in minutes (${slot.start}–${slot.end})`,
      });
    }
  });

/** Ranges of one day must not overlap (touching is fine); the one starting later carries the issue. */
function dayList<T extends z.ZodType<{ start: string; end: string }>>(item: T) {
  return z
    .array(item)
    .superRefine((ranges, ctx) => {
      const byStart = ranges
        .flatMap((range, index) => {
          const minutes = minutesOf(range);
          return minutes && minutes.end > minutes.start ? [{ index, ...minutes, range }] : [];
        })
        .sort((a, b) => a.start - b.start || a.index - b.index);
      let reaching: (typeof byStart)[number] | undefined; // the earlier range that ends last
      for (const current of byStart) {
        if (reaching && current.start < reaching.end) {
          ctx.addIssue({
            code: 'custom',
            path: [current.index],
            message: `overlaps ${reaching.range.start}–${reaching.range.end} (item ${reaching.index})`,
          });
        }
        if (!reaching || current.end > reaching.end) reaching = current;
      }
    })
    .default(() => []);
}

const hoursOfDay = dayList(timeRangeSchema);
const slotsOfDay = dayList(planningSlotSchema);

/**
 * Opening hours (S5) and offer hours (S6): weekday → time ranges in the project zone, plus
 * `holiday` (API.md), the ranges that apply on the dates of `deferred.holidays` (closed when empty).
 */
export const weeklyHoursSchema = z.strictObject({
  mon: hoursOfDay,
  tue: hoursOfDay,
  wed: hoursOfDay,
  thu: hoursOfDay,
  fri: hoursOfDay,
  sat: hoursOfDay,
  sun: hoursOfDay,
  holiday: hoursOfDay,
});

/** S10/S11: weekly deferred planning plus the column used on holidays. */
export const planningSchema = z.strictObject({
  mon: slotsOfDay,
  tue: slotsOfDay,
  wed: slotsOfDay,
  thu: slotsOfDay,
  fri: slotsOfDay,
  sat: slotsOfDay,
  sun: slotsOfDay,
  holiday: slotsOfDay,
});

const timezoneSchema = z.string().refine(isValidTimeZone, {
  error: (issue) => `unknown IANA time zone ${JSON.stringify(issue.input)}`,
});

const countriesSchema = z
  .array(
    z.string().refine((code) => /^[A-Z]{2}$/.test(code) && isSupportedCountry(code), {
      error: (issue) =>
        `${JSON.stringify(issue.input)} is not a supported ISO 3166-1 alpha-2 country code (upper case)`,
    }),
  )
  .min(1, { error: 'must list at least one country' })
  .superRefine((codes, ctx) => reportDuplicates(codes, ctx));

const holidaysSchema = z
  .array(z.string().refine(isValidIsoDate, { error: 'must be an existing date "YYYY-MM-DD"' }))
  .max(1000, { error: 'must list at most 1000 dates' })
  .superRefine((dates, ctx) => reportDuplicates(dates, ctx));

function reportDuplicates(values: readonly string[], ctx: z.RefinementCtx): void {
  const firstIndex = new Map<string, number>();
  values.forEach((value, index) => {
    const first = firstIndex.get(value);
    if (first === undefined) firstIndex.set(value, index);
    else ctx.addIssue({ code: 'custom', path: [index], message: `duplicate of item ${first} (${value})` });
  });
}

const acdNumberSchema = z.string().superRefine((text, ctx) => {
  // S21 applies to the ACD too: a premium-rate "ACD" would turn every callback into toll fraud.
  const checked = checkDialableE164(text);
  if (!checked.ok) ctx.addIssue({ code: 'custom', message: checked.reason });
});

/** S40/S42: own agents, or every call forwarded to the customer's ACD. */
export const distributionSchema = z.discriminatedUnion('mode', [
  z.strictObject({ mode: z.literal('AGENTS') }),
  z.strictObject({
    mode: z.literal('ACD'),
    number: acdNumberSchema,
    welcomeMessageSeconds: intBetween(0, 120).default(5),
    identificationAttempts: intBetween(1, 10).default(3),
  }),
]);

/** #16: one outcome class's own count and interval; a field left out takes the top-level value. */
const retryRuleSchema = z.strictObject({
  maxRetries: intBetween(0, 20).optional(),
  intervalSeconds: intBetween(1, 86_400).optional(),
});

/**
 * S33 retries: `maxRetries` in all, due `intervalSeconds` apart; #16 per outcome class
 * (visitorBusy, visitorNoAnswer, agentFailure, technicalFailure) and a minimum gap between
 * one attempt's end and the next one's start. See src/domain/retry.ts.
 */
export const retrySchema = z
  .strictObject({
    maxRetries: intBetween(0, 20).default(5),
    intervalSeconds: intBetween(1, 86_400).default(300),
    minGapSeconds: intBetween(0, 3600).default(60),
    byOutcome: z
      .strictObject(
        Object.fromEntries(RETRY_CLASSES.map((name) => [name, retryRuleSchema.optional()])) as {
          [K in (typeof RETRY_CLASSES)[number]]: z.ZodOptional<typeof retryRuleSchema>;
        },
      )
      .prefault(() => ({})),
  })
  .superRefine((retry, ctx) => {
    // A class cannot have more retries than the callback has in all.
    for (const name of RETRY_CLASSES) {
      const own = retry.byOutcome[name]?.maxRetries;
      if (own !== undefined && own > retry.maxRetries) {
        ctx.addIssue({
          code: 'custom',
          path: ['byOutcome', name, 'maxRetries'],
          message: `must be at most retry.maxRetries (${retry.maxRetries}), the retries a callback gets in all`,
        });
      }
    }
  });

export const callSettingsSchema = z.strictObject({
  timezone: timezoneSchema.default('Europe/Paris'),
  countries: countriesSchema.default(() => ['FR']),
  immediate: z
    .strictObject({
      enabled: z.boolean().default(true),
      availability: z.enum(['AGENT_PRESENCE', 'OPENING_HOURS']).default('AGENT_PRESENCE'),
      openingHours: weeklyHoursSchema.prefault(() => ({})),
    })
    .prefault(() => ({})),
  deferred: z
    .strictObject({
      enabled: z.boolean().default(true),
      offer: z.enum(['ALWAYS', 'WHEN_IMMEDIATE_UNAVAILABLE', 'SCHEDULE']).default('ALWAYS'),
      offerHours: weeklyHoursSchema.prefault(() => ({})),
      planning: planningSchema.prefault(() => ({})),
      holidays: holidaysSchema.default(() => []),
      // #16: a slot that has started still offers the positions at least this far ahead
      // (default: the 30 s ring timeout plus a margin for getting an agent and dialling).
      minimumLeadSeconds: intBetween(0, 86_400).default(60),
    })
    .prefault(() => ({})),
  maxHandlingDelaySeconds: intBetween(1, 86_400).default(120),
  retry: retrySchema.prefault(() => ({})),
  callOrder: z.enum(['AGENT_FIRST', 'VISITOR_FIRST']).default('AGENT_FIRST'),
  distribution: distributionSchema.default(() => ({ mode: 'AGENTS' as const })),
  autoAnswer: z.strictObject({ delaySeconds: intBetween(1, 3600).default(20) }).prefault(() => ({})),
  recording: z
    .strictObject({
      enabled: z.boolean().default(false),
      ratio: z
        .number({ error: 'must be a number from 0 to 1' })
        .min(0, { error: 'must be a number from 0 to 1' })
        .max(1, { error: 'must be a number from 0 to 1' })
        .default(0.7),
    })
    .prefault(() => ({})),
  ringTimeoutSeconds: intBetween(1, 120).default(30),
  talkTimeSeconds: intBetween(1, 3600).default(5),
  /** #14.7: the language spoken on the project's calls (ACD prompts, hold message); the product is French. */
  language: z.enum(LANGUAGES).default(DEFAULT_LANGUAGE),
});

export type CallSettings = z.output<typeof callSettingsSchema>;
/** What a PUT may send: every field with a default may be left out. */
export type CallSettingsInput = z.input<typeof callSettingsSchema>;
export type WeeklyHours = z.output<typeof weeklyHoursSchema>;
export type TimeRange = z.output<typeof timeRangeSchema>;
export type Planning = z.output<typeof planningSchema>;
export type PlanningSlot = z.output<typeof planningSlotSchema>;
export type Distribution = z.output<typeof distributionSchema>;
export type RetrySettings = z.output<typeof retrySchema>;
export type PlanningColumn = Weekday | 'holiday';

/** The settings of a new project: the document with every default applied. */
export function defaultCallSettings(): CallSettings {
  return callSettingsSchema.parse({});
}

export interface ValidationIssue {
  path: string;
  message: string;
}

/** API.md VALIDATION_FAILED details; an unknown key gets its own path, not its parent's. */
export function formatValidationIssues(error: z.ZodError): ValidationIssue[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ path: [...path, key].join('.'), message: 'unknown field' }));
    }
    return [{ path: path.join('.'), message: issue.message }];
  });
}
