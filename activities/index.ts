// The worker's activities, built from their dependencies (the worker is the composition root).
import { createCallbackActivities, type CallbackActivityDeps } from './callbacks';

export type ActivityDeps = CallbackActivityDeps;

export function createActivities(deps: ActivityDeps) {
  return {
    ...createCallbackActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
