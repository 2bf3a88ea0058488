// Where one test run keeps its bundled workflow code (test/helpers/temporal.ts writes it, the
// global teardown removes it). Named after the run's database URL: one per run.
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';

export function bundleCacheFile(databaseUrl: string): string {
  const run = createHash('sha256').update(databaseUrl).digest('hex').slice(0, 16);
  return path.join(os.tmpdir(), `callbacks-workflow-bundle-${run}.js`);
}
