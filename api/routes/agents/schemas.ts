// API.md "Agents": request and response schemas, shared by validate() and the OpenAPI document.
import { z } from 'zod';
import { PRESENCE_STATES, type PresenceState } from '../../../src/domain/presence';
import { cursorSchema, limitSchema, nextCursorSchema } from '../../pagination';
import { plainText, projectIdSchema } from '../../validate';

export const AGENT_KINDS = ['EMPLOYEE', 'EXPERT'] as const;
export const ANSWER_MODES = ['DESK', 'PHONE'] as const;
/** What an agent can set themselves (S44); the other states are the workflow's. */
export const SETTABLE_STATUSES = ['AVAILABLE', 'UNAVAILABLE'] as const satisfies readonly PresenceState[];

const projectId = projectIdSchema;
const phoneInput = plainText(1, 64).meta({
  description: "Any common format; the first project's first country is the default",
});
const acdIdentifier = z
  .string()
  .regex(/^[0-9]{1,20}$/, { error: 'must be 1 to 20 digits (keyed in by DTMF, S42)' })
  .meta({ description: 'S42: what the agent keys in on the ACD line' });

export const createAgentSchema = z
  .strictObject({
    projectIds: z.array(projectId).min(1).max(100),
    name: plainText(0, 200).trim().min(1),
    kind: z.enum(AGENT_KINDS),
    callEnabled: z.boolean(),
    answerMode: z.enum(ANSWER_MODES),
    phoneNumber: phoneInput.optional(),
    priority: z.boolean().default(false),
    askNumberAtLogin: z.boolean().default(false),
    allowChatAndCall: z.boolean().default(false),
    autoAnswer: z.boolean().nullable().optional().meta({ description: "S45: unset/null = the kind's default" }),
    acdIdentifier: acdIdentifier.optional(),
  })
  .meta({ id: 'AgentCreate' });

export const patchAgentSchema = z
  .strictObject({
    projectIds: z.array(projectId).min(1).max(100).optional(),
    name: plainText(0, 200).trim().min(1).optional(),
    kind: z.enum(AGENT_KINDS).optional(),
    callEnabled: z.boolean().optional(),
    answerMode: z.enum(ANSWER_MODES).optional(),
    phoneNumber: phoneInput.nullable().optional().meta({ description: 'null removes the number' }),
    priority: z.boolean().optional(),
    askNumberAtLogin: z.boolean().optional(),
    allowChatAndCall: z.boolean().optional(),
    autoAnswer: z.boolean().nullable().optional().meta({ description: "null: back to the kind's default" }),
    acdIdentifier: acdIdentifier.nullable().optional(),
  })
  .meta({ id: 'AgentPatch', description: 'Only the fields given change' });

export const agentCursorSchema = cursorSchema(z.tuple([z.string(), z.string()]));

export const agentListQuerySchema = z.object({
  projectId: projectId.optional(),
  callEnabled: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  active: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional()
    .meta({ description: 'true: only active agents; false: only deactivated ones; absent: both' }),
  limit: limitSchema,
  cursor: agentCursorSchema.optional(),
});

export const loginSchema = z.strictObject({ phoneNumber: phoneInput.optional() }).meta({ id: 'AgentLogin' });
export const statusSchema = z.strictObject({ status: z.enum(SETTABLE_STATUSES) }).meta({ id: 'AgentStatus' });
export const autoAnswerSwitchSchema = z.strictObject({ enabled: z.boolean() }).meta({ id: 'AutoAnswerSwitch' });

export const presenceSchema = z
  .object({
    state: z.enum(PRESENCE_STATES as [PresenceState, ...PresenceState[]]),
    since: z.string().optional().meta({ description: 'When the state began; absent for an agent never seen' }),
    callbackId: z.string().optional(),
    inChat: z.boolean(),
    loginNumber: z.string().optional(),
    busyForChat: z
      .boolean()
      .meta({ description: 'S46: on a call and may not mix chat and call: chats must skip this agent' }),
    wrapUpUntil: z.string().optional(),
    accepted: z.boolean().optional(),
  })
  .meta({ id: 'AgentPresence' });

export const agentSchema = z
  .object({
    id: z.string(),
    projectIds: z.array(z.string()),
    name: z.string(),
    kind: z.enum(AGENT_KINDS),
    callEnabled: z.boolean(),
    answerMode: z.enum(ANSWER_MODES),
    phoneNumber: z.string().optional().meta({ description: 'E.164' }),
    priority: z.boolean(),
    askNumberAtLogin: z.boolean(),
    allowChatAndCall: z.boolean(),
    autoAnswer: z.boolean().optional().meta({ description: "S45: absent = the kind's default" }),
    autoAnswerEffective: z.boolean().meta({ description: "S45: after the account switch and the kind's default" }),
    acdIdentifier: z.string().optional(),
    createdAt: z.string(),
    active: z.boolean().meta({ description: '#14.1: false while deactivated (no login, no calls)' }),
    deactivatedAt: z.string().optional().meta({ description: 'When it was deactivated; absent while active' }),
    presence: presenceSchema,
  })
  .meta({ id: 'Agent' });

export const agentListSchema = z
  .object({ items: z.array(agentSchema), nextCursor: nextCursorSchema })
  .meta({ id: 'AgentList' });

export const autoAnswerStateSchema = z.object({ enabled: z.boolean() }).meta({ id: 'AutoAnswerState' });

export const agentParamsSchema = z.object({ id: z.string().min(1).max(100) });
export const agentCallParamsSchema = agentParamsSchema.extend({ callbackId: z.string().min(1).max(100) });

/** The optional Idempotency-Key header becomes the workflow update's requestId (deduplicated). */
export const requestIdHeader = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[\x20-\x7e]+$/, { error: 'must be printable ASCII' })
  .optional()
  .meta({ description: 'Repeating a request with the same key answers as the first time' });
export const idempotencyHeaders = z.object({ 'Idempotency-Key': requestIdHeader });
