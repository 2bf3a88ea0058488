-- #14.7: the language the service speaks on a project's calls (ACD prompts, hold message).
CREATE TYPE "CallLanguage" AS ENUM ('fr', 'en');
ALTER TABLE "call_settings" ADD COLUMN "language" "CallLanguage" NOT NULL DEFAULT 'fr';
