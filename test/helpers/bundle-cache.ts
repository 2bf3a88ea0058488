// Where one test run keeps its bundled workflow code: test/global-setup.ts bundles it once
// for the whole run (every jest worker reads the same file), the global teardown removes it.
// Named after the run's database URL (global setup makes a new one per run), so no run ever
// reads another run's (older) code.
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const prefixOf = (databaseUrl: string) =>
  `callbacks-workflow-bundle-${createHash('sha256').update(databaseUrl).digest('hex').slice(0, 16)}`;

export function bundleCacheFile(databaseUrl: string): string {
  return path.join(os.tmpdir(), `${prefixOf(databaseUrl)}.js`);
}

/** The run's bundle (and any half-written copy of it). */
export function removeBundleCache(databaseUrl: string): void {
  const prefix = prefixOf(databaseUrl);
  for (const name of readdirSync(os.tmpdir())) {
    if (name.startsWith(prefix)) rmSync(path.join(os.tmpdir(), name), { force: true });
  }
}
