// #14.7: the language a project's calls are spoken in (call settings `language`), for the
// webhooks that answer TwiML by project (the hold message).
import type { Db } from '../infra/prisma';
import { DEFAULT_LANGUAGE, languageOf, type Language } from '../telephony/prompts';

export function createProjectLanguage(prisma: Db): (projectId: string) => Promise<Language> {
  return async (projectId) => {
    const row = await prisma.callSettings.findUnique({ where: { projectId }, select: { language: true } });
    return row ? languageOf(row.language) : DEFAULT_LANGUAGE;
  };
}
