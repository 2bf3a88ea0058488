// CI gate: every committed history must replay against the current workflow code, so a
// change that would break running workflows fails here (use patched() to evolve them).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { temporal } from '@temporalio/proto';
import { workflowBundle } from '../helpers/temporal';
import { toHistory, withLateLocalActivityResults } from './late-local-activity';

const HISTORIES_DIR = path.join(__dirname, '..', '..', 'workflows', '__histories__');
/** Replaying ~70 histories takes ~25 s alone here, longer while the machine is shared. */
const REPLAY_TIMEOUT_MS = 240_000;

const files = readdirSync(HISTORIES_DIR)
  .filter((f) => f.endsWith('.json'))
  .sort();

test('there are committed histories to replay', () => {
  expect(files.length).toBeGreaterThanOrEqual(3);
});

test(
  'all committed histories replay without nondeterminism',
  async () => {
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
  },
  REPLAY_TIMEOUT_MS,
);

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

type MarkerEvent = { markerRecordedEventAttributes?: { details?: Record<string, { payloads?: { data?: string }[] }> } };
/** The patch ids a history's markers record, in order. */
const patchIdsOf = (json: string): string[] =>
  (JSON.parse(json) as { events: MarkerEvent[] }).events.flatMap((e) => {
    const data = e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data;
    return data ? [(JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as { id: string }).id] : [];
  });

async function replayErrors(named: { workflowId: string; history: temporal.api.history.v1.History }[]) {
  const errors: string[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle: await workflowBundle() }, named)) {
    if (result.error) errors.push(`${result.workflowId}: ${result.error.message}`);
  }
  return errors;
}

// #11 (the skip-sleep-when-due mismatch): live, the code after a local activity may run one
// workflow task after the task that holds the activity's marker; on replay it runs in that
// task. The workflow must issue the same commands either way (test/workflows/late-local-activity.ts).
test(
  '#11: every callback history since patches-at-start also replays with local-activity results one task late',
  async () => {
    const current = files.filter((f) => f.startsWith('callback-') && !f.includes('.before-'));
    const variants = current.flatMap((file) => {
      const json = readFileSync(path.join(HISTORIES_DIR, file), 'utf8');
      expect(patchIdsOf(json)[0]).toBe('patches-at-start');
      const variant = withLateLocalActivityResults(JSON.parse(json));
      return variant ? [{ workflowId: `late-la-${file}`, history: toHistory(variant) }] : [];
    });
    expect(variants.length).toBeGreaterThanOrEqual(10);
    expect(await replayErrors(variants)).toEqual([]);
  },
  REPLAY_TIMEOUT_MS,
);

// Negative control: the same variant of a history written before patches-at-start fails as
// the live runs did, so the test above can fail.
test('#11: before patches-at-start, a late local-activity result broke replay (the bug, pinned)', async () => {
  const json = JSON.parse(
    readFileSync(path.join(HISTORIES_DIR, 'callback-completed.before-patches-at-start.json'), 'utf8'),
  );
  const variant = withLateLocalActivityResults(json)!;
  const errors = await replayErrors([{ workflowId: 'late-la-before', history: toHistory(variant) }]);
  expect(errors).toHaveLength(1);
  expect(errors[0]).toContain(
    'Non-deprecated patch marker encountered for change skip-sleep-when-due, but there is no corresponding change command',
  );
});
