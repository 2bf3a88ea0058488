// S42 ACD identification: the digits an agent keyed in on the customer's ACD are matched
// against the acdIdentifier of the project's agents; known -> the leg joins the attempt's
// conference and the workflow records the agent; unknown -> ask again, up to the
// project's identificationAttempts, then hang up (AGENT_NOT_IDENTIFIED). Everything said
// is in the project's language (#14.7).
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { UnknownCallError, type AcdDigits } from '../telephony/port';
import { languageOf } from '../telephony/prompts';
import { acdFailedTwiml, acdGatherTwiml, conferenceTwiml } from '../telephony/twiml';
import { acdIdentifyUrl, conferenceName, holdMusicWaitUrl, recordingStatusCallbackUrl } from '../telephony/urls';
import type { Db } from '../infra/prisma';
import { acdIdentificationSignal } from '../../workflows/messages';
import { callbackWorkflowId, parseLegKey } from '../../workflows/types';

export function createAcdIdentifier(deps: { prisma: Db; temporal: Client; publicBaseUrl: string }) {
  const { prisma, temporal, publicBaseUrl } = deps;

  async function tell(callbackId: string, key: string, agentId: string | null): Promise<void> {
    try {
      await temporal.workflow
        .getHandle(callbackWorkflowId(callbackId))
        .signal(acdIdentificationSignal, { key, agentId });
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) throw new UnknownCallError(`no running callback for ${key}`);
      throw err;
    }
  }

  return async (input: AcdDigits): Promise<string> => {
    const leg = parseLegKey(input.key);
    if (!leg || leg.leg !== 'agent') throw new UnknownCallError('not an ACD leg key');
    const { callbackId, attempt } = leg;
    const callback = await prisma.callback.findUnique({
      where: { id: callbackId },
      select: {
        projectId: true,
        project: { select: { accountId: true, callSettings: true, holdMusic: { select: { projectId: true } } } },
      },
    });
    if (!callback) throw new UnknownCallError('unknown callback');
    const settings = callback.project.callSettings;
    // #14.7: the project's language for what the ACD agent hears.
    const language = languageOf(settings?.language);
    const agent = input.digits
      ? await prisma.agent.findFirst({
          where: {
            accountId: callback.project.accountId,
            acdIdentifier: input.digits,
            projects: { some: { projectId: callback.projectId } },
          },
          select: { id: true },
        })
      : null;
    if (agent) {
      await tell(callbackId, input.key, agent.id);
      return conferenceTwiml(
        {
          conference: conferenceName(callbackId, attempt),
          startConferenceOnEnter: !input.first,
          record: input.record,
          ...(input.first && callback.project.holdMusic
            ? { holdMusicUrl: holdMusicWaitUrl(publicBaseUrl, callback.projectId) }
            : {}),
        },
        recordingStatusCallbackUrl(publicBaseUrl, input.key),
      );
    }
    const allowed = settings?.acdIdentificationAttempts ?? 3;
    if (input.tryNumber < allowed) {
      const next = acdIdentifyUrl(
        publicBaseUrl,
        { key: input.key, startConferenceOnEnter: !input.first, record: input.record },
        input.tryNumber + 1,
      );
      return acdGatherTwiml(next, 0, { language, retry: true });
    }
    await tell(callbackId, input.key, null);
    return acdFailedTwiml(language);
  };
}
