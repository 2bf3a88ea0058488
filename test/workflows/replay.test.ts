// CI gate: every committed history must replay against the current workflow code, so a
// change that would break running workflows fails here (use patched() to evolve them).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../helpers/temporal';

const HISTORIES_DIR = path.join(__dirname, '..', '..', 'workflows', '__histories__');
const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('there are committed histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test('all committed histories replay without nondeterminism', async () => {
  const histories = files.map((file) => ({
    workflowId: path.basename(file, '.json'),
    history: temporal.api.history.v1.History.fromObject(
      JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')),
    ),
  }));
  const failures: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, histories)) {
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
});

// Negative control (#11): the gate must be able to fail. The same history with one command
// altered (the first activity the workflow scheduled renamed) must not replay.
test('an altered history fails replay (the gate can fail)', async () => {
  const file = files.find((f) => f === 'callback-completed.json')!;
  const json = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as {
    events: { activityTaskScheduledEventAttributes?: { activityType?: { name?: string } } }[];
  };
  const scheduled = json.events.find((e) => e.activityTaskScheduledEventAttributes?.activityType?.name);
  expect(scheduled).toBeDefined();
  scheduled!.activityTaskScheduledEventAttributes!.activityType!.name = 'notAnActivityOfThisWorkflow';
  const history = temporal.api.history.v1.History.fromObject(json);
  const results = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, [
    { workflowId: 'altered-callback-completed', history },
  ])) {
    results.push(result);
  }
  expect(results).toHaveLength(1);
  expect(results[0]!.error).toBeInstanceOf(DeterminismViolationError);
});
