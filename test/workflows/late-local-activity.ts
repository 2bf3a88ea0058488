// A history variant for the replay gate (#11, the skip-sleep-when-due mismatch): the same
// run, but each local activity's result reaching the workflow one workflow task LATER than
// its marker. Live, a local activity that completes while its task is being completed has
// its marker written in task k and its result handed to the workflow in task k+1 (seen in
// callback.test.ts: the marker of `callbackRowStatus` in the first task, the code after it in
// the second). On replay, core resolves a local activity in the task whose commands hold its
// marker, so the code after it runs one task EARLIER than it did live: a patch marker first
// asked for there is not yet known (core announces patches per task) and the replay fails.
// Workflow code must issue the same commands whichever task a local activity's result
// arrives in; replaying this variant checks it deterministically.
import { temporal } from '@temporalio/proto';

type Json = Record<string, unknown>;
type Event = Json & { eventId: string; eventType: string };

const WFT_SCHEDULED = 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED';
const WFT_STARTED = 'EVENT_TYPE_WORKFLOW_TASK_STARTED';
const WFT_COMPLETED = 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED';

const attributesOf = (event: Event): Json => {
  const key = Object.keys(event).find((k) => k.endsWith('EventAttributes'))!;
  return event[key] as Json;
};
/** Commands of a workflow task carry the id of the task that issued them. */
const isCommand = (event: Event | undefined): boolean =>
  event !== undefined && attributesOf(event)?.workflowTaskCompletedEventId !== undefined;
const isLocalActivityMarker = (event: Event): boolean =>
  (attributesOf(event) as { markerName?: string }).markerName === 'core_local_activity';

/** Rewrites every `…EventId` reference through `map` (ids are decimal strings in JSON). */
function remapIds(value: unknown, map: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => remapIds(v, map));
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Json).map(([k, v]) => [
      k,
      k.endsWith('EventId') && typeof v === 'string' ? (map.get(v) ?? v) : remapIds(v, map),
    ]),
  );
}

/**
 * The variant of a history (as written by `fetchHistory()` + JSON) in which every local
 * activity marker followed by more commands of its task ends its task: the commands after
 * it move to a new workflow task (scheduled, started, completed at the same instant).
 * Returns null when the history has no such marker (nothing to vary).
 */
export function withLateLocalActivityResults(historyJson: { events: Event[] }): { events: Event[] } | null {
  const source = historyJson.events;
  const out: Event[] = [];
  const idMap = new Map<string, string>();
  let split = false;
  let lastScheduled: Event | undefined;
  let lastStarted: Event | undefined;
  let lastCompleted: Event | undefined;
  /** The command block's task, when the commands that follow belong to an inserted task. */
  let movedTo: string | undefined;
  const push = (event: Event, originalId?: string) => {
    const eventId = String(out.length + 1);
    if (originalId !== undefined) idMap.set(originalId, eventId);
    out.push({ ...event, eventId });
    return eventId;
  };
  for (let i = 0; i < source.length; i++) {
    const event = source[i]!;
    if (event.eventType === WFT_SCHEDULED) lastScheduled = event;
    if (event.eventType === WFT_STARTED) lastStarted = event;
    if (event.eventType === WFT_COMPLETED) lastCompleted = event;
    if (!isCommand(event)) movedTo = undefined;
    const copy = { ...event };
    if (movedTo !== undefined && isCommand(event)) {
      const key = Object.keys(copy).find((k) => k.endsWith('EventAttributes'))!;
      copy[key] = { ...(copy[key] as Json), workflowTaskCompletedEventId: `new:${movedTo}` };
    }
    push(copy, event.eventId);
    if (isLocalActivityMarker(event) && isCommand(source[i + 1]) && lastScheduled && lastStarted && lastCompleted) {
      split = true;
      const at = { eventTime: lastCompleted.eventTime };
      const scheduledId = push({ ...lastScheduled, ...at, eventId: '' });
      const startedAttributes = { ...attributesOf(lastStarted), scheduledEventId: `new:${scheduledId}` };
      const startedId = push({
        ...at,
        eventId: '',
        eventType: WFT_STARTED,
        workflowTaskStartedEventAttributes: startedAttributes,
      });
      const completedAttributes = {
        ...attributesOf(lastCompleted),
        scheduledEventId: `new:${scheduledId}`,
        startedEventId: `new:${startedId}`,
      };
      push({ ...at, eventId: '', eventType: WFT_COMPLETED, workflowTaskCompletedEventAttributes: completedAttributes });
      // Commands name their task as the original block did (its started or completed event).
      const blockRef = (attributesOf(event) as { workflowTaskCompletedEventId: string }).workflowTaskCompletedEventId;
      movedTo = blockRef === lastStarted.eventId ? startedId : String(Number(startedId) + 1);
    }
  }
  if (!split) return null;
  const events = out.map((event) => {
    const remapped = remapIds(event, idMap) as Event;
    return JSON.parse(JSON.stringify(remapped).replace(/"new:(\d+)"/g, '"$1"')) as Event;
  });
  return { events };
}

export function toHistory(json: unknown): temporal.api.history.v1.History {
  return temporal.api.history.v1.History.fromObject(json as Json);
}
