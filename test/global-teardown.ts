import { rmSync } from 'node:fs';
import { bundleCacheFile } from './helpers/bundle-cache';

export default async function globalTeardown(): Promise<void> {
  // The workflow code test/helpers/temporal.ts bundled once for this run.
  if (process.env.DATABASE_URL) rmSync(bundleCacheFile(process.env.DATABASE_URL), { force: true });
  await globalThis.__TEST_POSTGRES__?.stop();
}
