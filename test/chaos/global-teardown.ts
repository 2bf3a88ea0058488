import { rmSync } from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const started = globalThis.__CHAOS_POSTGRES__;
  if (!started) return;
  await started.pg.stop();
  rmSync(started.root, { recursive: true, force: true });
}
