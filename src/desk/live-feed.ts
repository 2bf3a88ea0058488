// #13 item 4: the desks' live updates. The presence projection (agent_presence) and the
// simulated softphone's calls fire NOTIFY desk_agent '<agent id>' (a trigger, migration
// 20261126130000); every API process LISTENs on one connection of its own and wakes the
// event streams of that agent. Any process's change reaches every process's desks.
import { Client } from 'pg';
import type { Logger } from '../logger';

export const DESK_CHANNEL = 'desk_agent';

export interface LiveFeed {
  /** Calls `onChange` whenever the agent's presence or softphone changes; returns unsubscribe. */
  subscribe(agentId: string, onChange: () => void): Promise<() => void>;
  close(): Promise<void>;
}

export function createLiveFeed(options: { databaseUrl: string; logger: Logger }): LiveFeed {
  const { logger } = options;
  const listeners = new Map<string, Set<() => void>>();
  let client: Client | null = null;
  let connecting: Promise<Client> | null = null;
  let closed = false;

  const wakeAll = () => {
    for (const set of listeners.values()) for (const fn of set) fn();
  };

  function connect(): Promise<Client> {
    if (client) return Promise.resolve(client);
    if (connecting) return connecting;
    connecting = (async () => {
      const next = new Client({ connectionString: options.databaseUrl });
      next.on('notification', (message) => {
        if (message.channel !== DESK_CHANNEL || !message.payload) return;
        for (const fn of listeners.get(message.payload) ?? []) fn();
      });
      next.on('error', (err) => {
        logger.warn({ err }, 'desk live feed connection lost; reconnecting');
        client = null;
        void next.end().catch(() => undefined);
        // Streams re-read their state: whatever changed while disconnected is not lost.
        wakeAll();
        if (!closed && listeners.size > 0)
          setTimeout(() => void connect().catch((e: unknown) => logger.warn({ err: e }, 'desk live feed')), 1000);
      });
      await next.connect();
      await next.query(`LISTEN ${DESK_CHANNEL}`);
      client = next;
      return next;
    })().finally(() => {
      connecting = null;
    });
    return connecting;
  }

  return {
    async subscribe(agentId, onChange) {
      let set = listeners.get(agentId);
      if (!set) listeners.set(agentId, (set = new Set()));
      set.add(onChange);
      await connect();
      return () => {
        set.delete(onChange);
        if (set.size === 0) listeners.delete(agentId);
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      const current = client;
      client = null;
      if (current) await current.end();
    },
  };
}
