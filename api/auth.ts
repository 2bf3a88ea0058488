// API keys (Authorization: Bearer), stored as sha256 hashes. #13: a secret key acts on its
// whole account (server to server); a publishable key (safe in a web page) belongs to one
// project, may only use the scopes below, and only from the project's allowed web origins.
import cors from 'cors';
import type { Request, RequestHandler } from 'express';
import { hashApiKey, lastUsedThrottle } from '../src/auth/api-keys';
import type { Db } from '../src/infra/prisma';
import type { Logger } from '../src/logger';
import type { ChangeFeed } from '../src/store/change-feed';
import { ApiError } from './errors';

export type ApiKeyKind = 'secret' | 'publishable';

export interface AuthContext {
  accountId: string;
  apiKeyId: string;
  kind: ApiKeyKind;
  /** Publishable keys: the one project they act on. */
  projectId: string | null;
}

/** What a publishable key may do; everything else under /v1 needs a secret key. */
export const PUBLISHABLE_SCOPES = [
  { scope: 'availability:read', method: 'GET', path: /^\/projects\/[^/]+\/availability$/ },
  { scope: 'availability:read', method: 'GET', path: /^\/projects\/[^/]+\/widget-config$/ },
  { scope: 'callbacks:book', method: 'POST', path: /^\/callbacks$/ },
] as const;

/** The scope a route needs, named in the 403 a publishable key gets elsewhere. */
export function scopeOfRoute(method: string, path: string): string {
  const listed = PUBLISHABLE_SCOPES.find((s) => s.method === method && s.path.test(path));
  if (listed) return listed.scope;
  const resource = path.split('/')[1] || 'root';
  return `${resource}:${method === 'GET' || method === 'HEAD' ? 'read' : 'write'}`;
}

function publishableAllows(method: string, path: string): boolean {
  return PUBLISHABLE_SCOPES.some(
    (s) => (s.method === method || (method === 'HEAD' && s.method === 'GET')) && s.path.test(path),
  );
}

/** Web origins are compared as the browser sends them: scheme://host[:port], no path. */
export function normalizeOrigin(origin: string): string {
  return origin.trim().replace(/\/+$/, '').toLowerCase();
}

function findKey(prisma: Db, hash: string) {
  return prisma.apiKey.findUnique({ where: { hash }, include: { project: { select: { allowedOrigins: true } } } });
}
type StoredKey = NonNullable<Awaited<ReturnType<typeof findKey>>>;

export interface ApiKeyCacheOptions {
  /** The database's change announcements (src/store/change-feed.ts): the cache serves only while live. */
  feed: Pick<ChangeFeed, 'live' | 'subscribe'>;
  /** A key is read again after this long even if nothing was announced. */
  maxAgeMs: number;
  maxKeys?: number;
}

/**
 * #15.3: known keys by hash, in memory. Every change of a key (revocation included) or of a
 * project's allowed origins is announced by the database and empties the cache, in every API
 * process; while announcements are not heard it is bypassed. Unknown keys are not kept.
 */
const keyCaches = new Set<WeakRef<() => void>>();

/** This process changed a key (revoked it): every key cache of the process forgets at once. */
export function apiKeysChanged(): void {
  for (const ref of keyCaches) {
    const clear = ref.deref();
    if (clear) clear();
    else keyCaches.delete(ref);
  }
}

/** A key by its hash; `peek` answers from memory only (undefined: not there, or no cache). */
interface ApiKeyLookup {
  (hash: string): Promise<StoredKey | null>;
  peek(hash: string): StoredKey | undefined;
}

function apiKeyCache(prisma: Db, options: ApiKeyCacheOptions | undefined): ApiKeyLookup {
  if (!options || options.maxAgeMs <= 0)
    return Object.assign((hash: string) => findKey(prisma, hash), { peek: () => undefined });
  const { feed, maxAgeMs } = options;
  const maxKeys = options.maxKeys ?? 10_000;
  const known = new Map<string, { key: StoredKey; at: number }>();
  let generation = 0;
  const clear = () => {
    known.clear();
    generation++;
  };
  feed.subscribe({ changed: (key) => (key === 'api_keys' ? clear() : undefined), reset: clear });
  keyCaches.add(new WeakRef(clear));
  const peek = (hash: string): StoredKey | undefined => {
    if (!feed.live) return undefined;
    const hit = known.get(hash);
    return hit && Date.now() - hit.at < maxAgeMs ? hit.key : undefined;
  };
  const lookUp = async (hash: string): Promise<StoredKey | null> => {
    if (!feed.live) return findKey(prisma, hash);
    const hit = peek(hash);
    if (hit) return hit;
    const now = Date.now();
    const before = generation;
    const key = await findKey(prisma, hash);
    if (key && before === generation && feed.live) {
      if (known.size >= maxKeys) known.clear();
      known.set(hash, { key, at: now });
    }
    return key;
  };
  // The cache lives as long as the middleware holding `lookUp` (and `clear` through it).
  return Object.assign(lookUp, { peek, clear });
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * API-key authentication of /v1: `middleware` checks every request (database or key cache);
 * `fromMemory` is the same decision for the short path of a read (api/short-path.ts), made
 * only when the key is in the cache and nothing needs more than the key (no Origin header):
 * it returns the request's AuthContext, or undefined to leave the request to `middleware`.
 */
export function apiKeyAuth(prisma: Db, logger?: Logger, cache?: ApiKeyCacheOptions) {
  const lastUsed = lastUsedThrottle();
  const lookUp = apiKeyCache(prisma, cache);
  const touch = (keyId: string) => {
    if (!lastUsed.due(keyId)) return;
    // At most one write per key a minute; never delays nor fails the request.
    prisma.apiKey
      .update({ where: { id: keyId }, data: { lastUsedAt: new Date() } })
      .catch((err: unknown) => logger?.warn({ err, apiKeyId: keyId }, 'last_used_at not recorded'));
  };
  const contextOf = (key: StoredKey, kind: ApiKeyKind): AuthContext => ({
    accountId: key.accountId,
    apiKeyId: key.id,
    kind,
    projectId: kind === 'publishable' ? key.projectId : null,
  });

  /**
   * The one decision on a known, unrevoked key for a request of `method` on the /v1-relative
   * `path`: its context, or the refusal. `ownOrigin`: the API's own pages (/demo, the visitor
   * page), same-origin and always allowed.
   */
  const decide = (
    key: StoredKey,
    method: string,
    path: string,
    origin: string | undefined,
    ownOrigin?: string,
  ): AuthContext | ApiError => {
    const kind: ApiKeyKind = key.kind === 'publishable' ? 'publishable' : 'secret';
    if (kind === 'publishable') {
      if (!key.projectId) return new ApiError('UNAUTHENTICATED', 'publishable key without a project');
      if (!publishableAllows(method, path)) {
        const scope = scopeOfRoute(method, path);
        return new ApiError('FORBIDDEN', `a publishable key lacks the scope ${scope}; this route needs a secret key`);
      }
      // A browser always sends Origin on cross-origin requests; a page elsewhere is refused.
      if (origin !== undefined) {
        const allowed = (key.project?.allowedOrigins ?? []).map(normalizeOrigin);
        if (ownOrigin !== undefined) allowed.push(normalizeOrigin(ownOrigin));
        if (!allowed.includes(normalizeOrigin(origin)))
          return new ApiError('FORBIDDEN', `origin ${origin} is not allowed for this project's publishable key`);
      }
    }
    return contextOf(key, kind);
  };

  const middleware: RequestHandler = async (req, res, next) => {
    const header = req.get('authorization') ?? '';
    const match = BEARER.exec(header);
    if (!match?.[1])
      return next(new ApiError('UNAUTHENTICATED', 'missing or malformed Authorization: Bearer <api key>'));
    const key = await lookUp(hashApiKey(match[1]));
    if (!key || key.revokedAt) return next(new ApiError('UNAUTHENTICATED', 'unknown or revoked API key'));
    touch(key.id);
    const decision = decide(key, req.method, req.path, req.get('origin'), `${req.protocol}://${req.get('host') ?? ''}`);
    if (decision instanceof ApiError) return next(decision);
    res.locals.auth = decision;
    next();
  };

  /**
   * `middleware`'s decision from memory, for the short path of a read; undefined whenever
   * `middleware` must answer (key not in memory, revoked, malformed, any refusal: their errors
   * come from there; and with an Origin, anything but a publishable key from one of its
   * project's allowed origins: the API's own pages and secret keys are the middleware's and
   * CORS's).
   */
  const fromMemory = (
    authorization: string | undefined,
    method: string,
    path: string,
    origin?: string,
  ): AuthContext | undefined => {
    if (!authorization) return undefined;
    const match = BEARER.exec(authorization);
    if (!match?.[1]) return undefined;
    const key = lookUp.peek(hashApiKey(match[1]));
    if (!key || key.revokedAt) return undefined;
    if (origin !== undefined && key.kind !== 'publishable') return undefined;
    const decision = decide(key, method, path, origin);
    if (decision instanceof ApiError) return undefined;
    touch(key.id);
    return decision;
  };

  return { middleware, fromMemory };
}

export function requireApiKey(prisma: Db, logger?: Logger, cache?: ApiKeyCacheOptions): RequestHandler {
  return apiKeyAuth(prisma, logger, cache).middleware;
}

/** Response headers a page may read (CORS); the short path sends the same. */
export const CORS_EXPOSED_HEADERS = ['Retry-After', 'Idempotent-Replayed', 'RateLimit', 'RateLimit-Policy'];

/**
 * CORS for /v1 (#13): an origin is answered only when some project lists it in
 * allowed_origins (the per-key check above then narrows it to the key's own project).
 * Preflights are answered here, before authentication (they carry no key).
 */
export function corsForProjects(prisma: Db, options: { cacheMs?: number } = {}): RequestHandler {
  // Page views ask availability on every load: an origin's answer is kept briefly. Only the
  // CORS headers depend on it; the key's own origin check above always reads the database.
  const cacheMs = options.cacheMs ?? 30_000;
  const known = new Map<string, { allowed: boolean; until: number }>();
  return cors({
    origin: (origin, callback) => {
      if (!origin) return callback(null, false);
      const key = normalizeOrigin(origin);
      const cached = known.get(key);
      if (cached && cached.until > Date.now()) return callback(null, cached.allowed ? origin : false);
      // Compared as normalizeOrigin does, whatever case or trailing slash was stored.
      prisma.$queryRaw<{ count: bigint }[]>`
          SELECT count(*) AS count FROM projects
           WHERE EXISTS (SELECT 1 FROM unnest(allowed_origins) AS o WHERE rtrim(lower(btrim(o)), '/') = ${key})`
        .then((rows) => Number(rows[0]?.count ?? 0))
        .then((count) => {
          if (known.size >= 10_000) known.clear();
          // A refusal is kept only briefly, so an origin just allowed works within seconds.
          known.set(key, { allowed: count > 0, until: Date.now() + (count > 0 ? cacheMs : Math.min(cacheMs, 2000)) });
          callback(null, count > 0 ? origin : false);
        })
        .catch((err: unknown) => callback(err as Error));
    },
    methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key'],
    exposedHeaders: CORS_EXPOSED_HEADERS,
    maxAge: 600,
  });
}

export function authOf(res: { locals: Record<string, unknown> }): AuthContext {
  const auth = res.locals.auth as AuthContext | undefined;
  if (!auth) throw new Error('route mounted without requireApiKey');
  return auth;
}

/**
 * Tenancy: 404 when the project does not exist, 403 when another account owns it, or when a
 * publishable key names a project other than its own.
 */
export async function ownedProject(prisma: Db, res: { locals: Record<string, unknown> }, projectId: string) {
  const project = await prisma.project.findUnique({ where: { id: projectId } });
  if (!project) throw new ApiError('NOT_FOUND', `project ${projectId} not found`);
  checkOwnership(res, project);
  return project;
}

/** ownedProject's checks on a project row already read (403 as there). */
export function checkOwnership(res: { locals: Record<string, unknown> }, project: { id: string; accountId: string }) {
  const auth = authOf(res);
  if (project.accountId !== auth.accountId) throw new ApiError('FORBIDDEN', 'project of another account');
  if (auth.projectId !== null && auth.projectId !== project.id)
    throw new ApiError('FORBIDDEN', 'a publishable key acts only on its own project');
}

export type { Request };
