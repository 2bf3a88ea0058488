// Everything the bench starts registers how to stop it; cleanup runs last-in first-out on
// normal end, on error and on Ctrl-C, so no process outlives the bench.
type Step = { name: string; run: () => Promise<void> | void };

const steps: Step[] = [];
let running: Promise<void> | undefined;

/** Registers a stop step; the returned function runs it early (and unregisters it). */
export function onCleanup(name: string, run: () => Promise<void> | void): () => Promise<void> {
  const step = { name, run };
  steps.push(step);
  return async () => {
    const index = steps.indexOf(step);
    if (index >= 0) steps.splice(index, 1);
    await step.run();
  };
}

export function runCleanup(log: (line: string) => void): Promise<void> {
  running ??= (async () => {
    while (steps.length > 0) {
      const step = steps.pop()!;
      try {
        await step.run();
      } catch (err) {
        log(`cleanup of ${step.name} failed: ${(err as Error).message}`);
      }
    }
  })();
  return running;
}
