// `npm run build`, second step: the workflow code bundled once (webpack, by the Temporal SDK)
// into dist/workflow-bundle.js, which the built worker loads instead of bundling at start.
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode } from '@temporalio/worker';
import { PROJECT_ROOT } from '../src/infra/temporal-binaries';
import { WORKFLOWS_PATH } from '../workers/worker';

async function main(): Promise<void> {
  const started = Date.now();
  const { code } = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH });
  const target = path.join(PROJECT_ROOT, 'dist', 'workflow-bundle.js');
  mkdirSync(path.dirname(target), { recursive: true });
  writeFileSync(target, code);
  console.log(
    `workflow bundle: ${path.relative(PROJECT_ROOT, target)} (${Math.round(code.length / 1024)} KiB, ${Date.now() - started} ms)`,
  );
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
