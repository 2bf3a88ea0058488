-- #14.1: agents can be deactivated (kept, with their history, but out of service: no
-- workflow, no login, no reservation) and reactivated. NULL: active.
ALTER TABLE "agents" ADD COLUMN "deactivated_at" TIMESTAMPTZ(3);
