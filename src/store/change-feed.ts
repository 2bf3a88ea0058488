// #15.3: the database's change announcements (migration 20261128200000_change_notify: triggers
// NOTIFY `cache_changes` with `availability:<projectId>` or `api_keys`), heard on one dedicated
// connection. In-memory caches (availability inputs, API keys) listen to it and drop what
// changed. While the connection is down nothing is announced, so `live` is false and the
// caches are bypassed; on every (re)connection they are cleared first.
import { Client, type ClientConfig } from 'pg';
import type { Logger } from '../logger';

export const CHANGE_CHANNEL = 'cache_changes';

export interface ChangeListener {
  /** A change of the named key (`availability:<projectId>`, `api_keys`). */
  changed(key: string): void;
  /** Everything may have changed unheard (connection lost or just made). */
  reset(): void;
}

export interface ChangeFeed {
  /** True while announcements are being heard: a cache may serve only then. */
  readonly live: boolean;
  subscribe(listener: ChangeListener): void;
  close(): Promise<void>;
}

const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

export function startChangeFeed(connection: ClientConfig, logger?: Logger): ChangeFeed {
  const listeners: ChangeListener[] = [];
  let live = false;
  let closed = false;
  let client: Client | null = null;
  let delay = RECONNECT_MIN_MS;
  let retry: NodeJS.Timeout | undefined;

  const resetAll = () => listeners.forEach((l) => l.reset());
  const down = (err?: unknown) => {
    if (!live && !client) return;
    live = false;
    resetAll();
    const old = client;
    client = null;
    old?.removeAllListeners();
    old?.on('error', () => undefined);
    void old?.end().catch(() => undefined);
    if (err) logger?.warn({ err }, 'change feed lost; caches bypassed until it is back');
    schedule();
  };
  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = undefined;
      void connect();
    }, delay);
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };
  const connect = async () => {
    if (closed) return;
    const next = new Client({ ...connection, application_name: 'change-feed' });
    next.on('error', (err) => (client === next ? down(err) : undefined));
    next.on('end', () => (client === next ? down(new Error('connection ended')) : undefined));
    next.on('notification', (message) => {
      if (message.channel !== CHANGE_CHANNEL || !message.payload) return;
      for (const l of listeners) l.changed(message.payload);
    });
    try {
      client = next;
      await next.connect();
      await next.query(`LISTEN ${CHANGE_CHANNEL}`);
      if (closed || client !== next) return void next.end().catch(() => undefined);
      // Anything cached before this point may have missed an announcement.
      resetAll();
      live = true;
      delay = RECONNECT_MIN_MS;
    } catch (err) {
      if (client === next) {
        client = null;
        next.removeAllListeners();
        next.on('error', () => undefined);
        void next.end().catch(() => undefined);
        logger?.warn({ err }, 'change feed not connected; caches bypassed, retrying');
        schedule();
      }
    }
  };
  void connect();

  return {
    get live() {
      return live;
    },
    subscribe(listener) {
      listeners.push(listener);
    },
    async close() {
      closed = true;
      live = false;
      clearTimeout(retry);
      const old = client;
      client = null;
      old?.removeAllListeners();
      old?.on('error', () => undefined);
      await old?.end().catch(() => undefined);
    },
  };
}
