// #13 items 4–5: the agent desk's API, under /desk/api, authenticated by the agent's own token
// (HttpOnly cookie set by POST /desk/api/session, or Bearer at_…). No route takes an agent id:
// the token names the agent, so an agent sees and acts only on themselves. Presence changes
// call the same agent-workflow internals as /v1/agents (src/agents/agent-workflow-client.ts).
import express, { Router, type ErrorRequestHandler, type Response } from 'express';
import { z } from 'zod';
import {
  AgentNotFoundError,
  AgentNumberRequiredError,
  AgentInactiveError,
  AgentStateError,
  AgentWorkflowUnavailableError,
  createAgentWorkflowClient,
  type AgentWorkflowDeps,
} from '../../src/agents/agent-workflow-client';
import { checkAgentPhone } from '../../src/agents/phone';
import { agentOfToken, AGENT_TOKEN_COOKIE, tokenOfRequest } from '../../src/desk/agent-auth';
import { readDeskState } from '../../src/desk/desk-state';
import type { LiveFeed } from '../../src/desk/live-feed';
import { issueVoiceToken, type VoiceTokenConfig } from '../../src/desk/voice-token';
import type { Db } from '../../src/infra/prisma';
import type { Logger } from '../../src/logger';
import { ApiError } from '../errors';
import { requireJsonBody } from '../json-body';
import { validate, type ValidRequest } from '../validate';

export type DeskSoftphoneKind = 'twilio' | 'simulated' | 'none';

export interface DeskRouterDeps {
  prisma: Db;
  temporal: AgentWorkflowDeps['temporal'];
  /** The agent workflows' task queue (config.agentTaskQueue). */
  agentTaskQueue: string;
  logger: Logger;
  liveFeed: LiveFeed;
  /** Set when Twilio Voice is configured (TWILIO_API_KEY_SID, …): the desk gets a Device. */
  voice: VoiceTokenConfig | null;
  /** 'simulated': the desk shows the simulated softphone (no Twilio). */
  telephony: 'twilio' | 'simulated';
  clock?: () => Date;
  /** How often an open event stream re-registers the simulated softphone and sends a heartbeat. */
  heartbeatMs?: number;
}

const sessionSchema = z.strictObject({ token: z.string().min(1).max(200) });
const loginSchema = z.strictObject({ phoneNumber: z.string().min(1).max(64).optional() });
const statusSchema = z.strictObject({ status: z.enum(['AVAILABLE', 'UNAVAILABLE']) });
const callParams = z.object({ callbackId: z.guid() });
const softphoneParams = z.object({ callSid: z.string().min(1).max(64) });

const session = { body: sessionSchema };
const login = { body: loginSchema };
const status = { body: statusSchema };
const byCall = { params: callParams };
const bySoftphoneCall = { params: softphoneParams };

function agentIdOf(res: Response): string {
  return res.locals.deskAgentId as string;
}

export function createDeskRouter(deps: DeskRouterDeps): {
  router: Router;
  streams: () => number;
  closeStreams: () => void;
} {
  const { prisma, logger, liveFeed } = deps;
  const clock = deps.clock ?? (() => new Date());
  const agents = createAgentWorkflowClient({ temporal: deps.temporal, prisma, taskQueue: deps.agentTaskQueue });
  const router = Router();
  const openStreams = new Map<string, number>();
  const responses = new Set<Response>();
  const softphoneKind: DeskSoftphoneKind = deps.voice
    ? 'twilio'
    : deps.telephony === 'simulated'
      ? 'simulated'
      : 'none';

  // JSON in (S59): another body is 400 INVALID_REQUEST, not parsed as nothing and answered 422.
  router.use('/desk/api', requireJsonBody(), express.json({ limit: '4kb' }));

  router.post('/desk/api/session', validate(session), async (req: ValidRequest<typeof session>, res) => {
    const agentId = await agentOfToken(prisma, req.body.token, clock());
    if (!agentId) throw new ApiError('UNAUTHENTICATED', 'unknown, revoked or expired agent token');
    res.cookie(AGENT_TOKEN_COOKIE, req.body.token, {
      httpOnly: true,
      sameSite: 'strict',
      path: '/desk',
      secure: req.secure,
      maxAge: 12 * 3_600_000,
    });
    res.json({ agentId });
  });

  router.delete('/desk/api/session', (_req, res) => {
    res.clearCookie(AGENT_TOKEN_COOKIE, { path: '/desk' }).status(204).end();
  });

  router.use('/desk/api', async (req, res, next) => {
    const token = tokenOfRequest({ authorization: req.get('authorization'), cookie: req.get('cookie') });
    const agentId = token ? await agentOfToken(prisma, token, clock()) : null;
    if (!agentId) return next(new ApiError('UNAUTHENTICATED', 'sign in with an agent token'));
    res.locals.deskAgentId = agentId;
    next();
  });

  const stateOf = async (agentId: string) => {
    const state = await readDeskState(prisma, agentId, clock(), {
      // Auto-answer off: whether this call was accepted is the workflow's (not projected).
      accepted: async () => (await agents.presence(agentId)).accepted === true,
    });
    if (!state) throw new ApiError('NOT_FOUND', 'agent not found');
    return { ...state, softphone: state.agent.answerMode === 'DESK' ? softphoneKind : 'phone' };
  };

  router.get('/desk/api/state', async (_req, res) => {
    res.set('Cache-Control', 'no-store').json(await stateOf(agentIdOf(res)));
  });

  router.post('/desk/api/login', validate(login), async (req: ValidRequest<typeof login>, res) => {
    const agentId = agentIdOf(res);
    let phoneNumber: string | undefined;
    if (req.body.phoneNumber) {
      const project = await prisma.agentProject.findFirst({
        where: { agentId },
        orderBy: { projectId: 'asc' },
        select: { project: { select: { countries: true } } },
      });
      const checked = checkAgentPhone(req.body.phoneNumber, project?.project.countries[0]);
      if (!checked.ok)
        throw new ApiError('PHONE_NOT_ALLOWED', checked.reason, [{ path: 'phoneNumber', message: checked.reason }]);
      phoneNumber = checked.e164;
    }
    await agents.login(agentId, phoneNumber ? { phoneNumber } : {});
    res.json(await stateOf(agentId));
  });

  router.post('/desk/api/logout', async (_req, res) => {
    await agents.logout(agentIdOf(res));
    res.json(await stateOf(agentIdOf(res)));
  });

  router.put('/desk/api/status', validate(status), async (req: ValidRequest<typeof status>, res) => {
    await agents.setStatus(agentIdOf(res), { status: req.body.status });
    res.json(await stateOf(agentIdOf(res)));
  });

  // S45, auto-answer off: the same update as POST /v1/agents/{id}/calls/{callbackId}/accept.
  router.post('/desk/api/calls/:callbackId/accept', validate(byCall), async (req: ValidRequest<typeof byCall>, res) => {
    await agents.acceptCall(agentIdOf(res), { callbackId: req.params.callbackId });
    res.json(await stateOf(agentIdOf(res)));
  });

  // Simulated network: the softphone's buttons answer or decline the ringing leg (the worker's
  // simulated network waits for them, src/desk/simulated-softphone.ts).
  for (const [action, next] of [
    ['answer', 'answered'],
    ['decline', 'declined'],
  ] as const) {
    router.post(
      `/desk/api/softphone/:callSid/${action}`,
      validate(bySoftphoneCall),
      async (req: ValidRequest<typeof bySoftphoneCall>, res) => {
        const agentId = agentIdOf(res);
        const changed = await prisma.deskSoftphoneCall.updateMany({
          where: { callSid: req.params.callSid, agentId, state: 'ringing', ringUntil: { gt: clock() } },
          data: { state: next },
        });
        if (changed.count === 0) {
          const exists = await prisma.deskSoftphoneCall.findFirst({ where: { callSid: req.params.callSid, agentId } });
          if (!exists) throw new ApiError('NOT_FOUND', 'no such call on this softphone');
          res.status(409).json({ error: { code: 'INVALID_STATE', message: `the call is ${exists.state}` } });
          return;
        }
        res.json(await stateOf(agentId));
      },
    );
  }

  router.post('/desk/api/voice-token', (_req, res) => {
    if (!deps.voice)
      throw new ApiError(
        'NOT_FOUND',
        'desk voice is not configured (TWILIO_API_KEY_SID, TWILIO_API_KEY_SECRET, TWILIO_TWIML_APP_SID)',
      );
    res.set('Cache-Control', 'no-store').json(issueVoiceToken(deps.voice, agentIdOf(res)));
  });

  // Live updates: one event stream per desk, woken by NOTIFY desk_agent '<id>' (LISTEN in
  // src/desk/live-feed.ts): the presence projection and the softphone's calls fire it.
  router.get('/desk/api/events', async (req, res) => {
    const agentId = agentIdOf(res);
    res.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    let closed = false;
    let pending: NodeJS.Timeout | null = null;
    let sending = Promise.resolve();
    const send = () => {
      if (closed || pending) return;
      // Several notifications in a burst (reserve, then dial) become one event.
      pending = setTimeout(() => {
        pending = null;
        sending = sending
          .then(async () => {
            if (closed) return;
            res.write(`event: state\ndata: ${JSON.stringify(await stateOf(agentId))}\n\n`);
          })
          .catch((err: unknown) => logger.warn({ err, agentId }, 'desk state not sent'));
      }, 30);
    };
    const register = async () => {
      if (softphoneKind !== 'simulated') return;
      await prisma.deskSoftphone.upsert({
        where: { agentId },
        create: { agentId, seenAt: clock() },
        update: { seenAt: clock() },
      });
    };
    openStreams.set(agentId, (openStreams.get(agentId) ?? 0) + 1);
    responses.add(res);
    const unsubscribe = await liveFeed.subscribe(agentId, send);
    await register();
    send();
    const heartbeat = setInterval(() => {
      res.write(': heartbeat\n\n');
      void register().catch((err: unknown) => logger.warn({ err, agentId }, 'softphone not registered'));
    }, deps.heartbeatMs ?? 15_000);
    req.on('close', () => {
      closed = true;
      responses.delete(res);
      clearInterval(heartbeat);
      if (pending) clearTimeout(pending);
      unsubscribe();
      const left = (openStreams.get(agentId) ?? 1) - 1;
      if (left > 0) openStreams.set(agentId, left);
      else {
        openStreams.delete(agentId);
        // The last desk of this agent here closed: calls stop waiting for its softphone.
        if (softphoneKind === 'simulated')
          void prisma.deskSoftphone
            .deleteMany({ where: { agentId } })
            .catch((err: unknown) => logger.warn({ err, agentId }, 'softphone not unregistered'));
      }
    });
  });

  router.use('/desk/api', deskErrorsAsApiErrors);
  return {
    router,
    streams: () => [...openStreams.values()].reduce((a, b) => a + b, 0),
    // Shutdown: the desks reconnect (EventSource retries) to another process.
    closeStreams: () => {
      for (const res of responses) res.end();
    },
  };
}

const deskErrorsAsApiErrors: ErrorRequestHandler = (err, _req, res, next) => {
  // #14.1: a deactivated agent's desk gets the same code as the agent API.
  if (err instanceof AgentInactiveError) return next(new ApiError('AGENT_INACTIVE', err.message));
  if (err instanceof AgentStateError) {
    res.status(409).json({ error: { code: err.code, message: err.message } });
    return;
  }
  if (err instanceof AgentNumberRequiredError)
    return next(new ApiError('VALIDATION_FAILED', err.message, [{ path: 'phoneNumber', message: err.message }]));
  if (err instanceof AgentWorkflowUnavailableError) return next(new ApiError('UNAVAILABLE', err.message));
  if (err instanceof AgentNotFoundError) return next(new ApiError('NOT_FOUND', err.message));
  next(err);
};
