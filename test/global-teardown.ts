import { removeBundleCache } from './helpers/bundle-cache';

export default async function globalTeardown(): Promise<void> {
  // The workflow code test/global-setup.ts bundled for this run.
  if (process.env.DATABASE_URL) removeBundleCache(process.env.DATABASE_URL);
  await globalThis.__TEST_POSTGRES__?.stop();
}
