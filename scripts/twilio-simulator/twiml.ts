// What the Twilio simulator reads in a call's inline TwiML (the `Twiml` parameter of
// POST …/Calls.json): the two documents src/telephony/twiml.ts gives a leg — the conference it
// joins (S30, S31, S50) or the ACD identification that gathers digits first (S42). Parsed
// with fast-xml-parser, not by pattern: attribute order, entities and self-closing tags vary.
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type LegTwiml =
  | {
      kind: 'conference';
      conference: string;
      /** S30: the second party starts the conference; the first waits on hold music (S31). */
      startConferenceOnEnter: boolean;
      record: boolean;
      recordingStatusCallback?: string;
      waitUrl?: string;
    }
  | {
      kind: 'gather';
      /** Where the gathered digits are posted (the leg's `/twilio/acd/identify?…` URL). */
      action: string;
      /** The <Pause> before the <Gather>: the ACD's welcome message (S42). */
      welcomeMessageSeconds: number;
    };

export class TwimlError extends Error {}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});

type Node = Record<string, unknown>;

const asNode = (value: unknown): Node | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Node) : undefined;

const text = (value: unknown): string | undefined => {
  if (typeof value === 'string') return value;
  const node = asNode(value);
  return typeof node?.['#text'] === 'string' ? node['#text'] : undefined;
};

/** The leg's TwiML as the simulated network needs it; throws TwimlError when it cannot run it. */
export function parseLegTwiml(twiml: string): LegTwiml {
  const valid = XMLValidator.validate(twiml);
  if (valid !== true) throw new TwimlError(`TwiML is not well-formed XML: ${valid.err.msg} (line ${valid.err.line})`);
  const response = asNode((parser.parse(twiml) as Node)['Response']);
  if (!response) throw new TwimlError('TwiML must have a <Response> root');

  const rawConference = asNode(response['Dial'])?.['Conference'];
  const conference: Node | undefined =
    typeof rawConference === 'string' ? { '#text': rawConference } : asNode(rawConference);
  if (conference) {
    const name = text(conference);
    if (!name) throw new TwimlError('<Conference> needs a room name');
    const attr = (key: string) => (typeof conference[key] === 'string' ? (conference[key] as string) : undefined);
    return {
      kind: 'conference',
      conference: name,
      // Twilio's default is true.
      startConferenceOnEnter: attr('startConferenceOnEnter') !== 'false',
      record: (attr('record') ?? 'do-not-record') !== 'do-not-record',
      ...(attr('recordingStatusCallback') ? { recordingStatusCallback: attr('recordingStatusCallback')! } : {}),
      ...(attr('waitUrl') ? { waitUrl: attr('waitUrl')! } : {}),
    };
  }

  const gather = asNode(response['Gather']);
  if (gather && typeof gather['action'] === 'string') {
    const pause = asNode(response['Pause']);
    const length = Number(pause?.['length'] ?? 0);
    return {
      kind: 'gather',
      action: gather['action'],
      welcomeMessageSeconds: Number.isFinite(length) && length > 0 ? length : 0,
    };
  }
  throw new TwimlError(
    'the simulator runs a leg that <Dial>s a <Conference> or <Gather>s digits with an action URL (what the service sends)',
  );
}
