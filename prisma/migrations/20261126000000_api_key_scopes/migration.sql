-- #13/#14: keys with scopes. A secret key acts on its whole account; a publishable key
-- (safe in a web page) is bound to one project and may only read availability and book.
ALTER TABLE "api_keys" ADD COLUMN "kind" TEXT NOT NULL DEFAULT 'secret';
ALTER TABLE "api_keys" ADD COLUMN "project_id" TEXT;
-- The first characters of the key, shown in listings (the key itself is never stored).
ALTER TABLE "api_keys" ADD COLUMN "prefix" TEXT NOT NULL DEFAULT '';
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" TIMESTAMPTZ(3);
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_kind_check" CHECK ("kind" IN ('secret', 'publishable'));
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
CREATE INDEX "api_keys_project_id_idx" ON "api_keys"("project_id");

-- Web origins allowed to use the project's publishable keys (CORS allow-list).
ALTER TABLE "projects" ADD COLUMN "allowed_origins" TEXT[] DEFAULT ARRAY[]::TEXT[];
