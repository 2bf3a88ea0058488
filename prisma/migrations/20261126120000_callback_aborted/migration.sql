-- #11: a callback whose workflow closed without ending it (terminated, failed, timed out or
-- cancelled in Temporal, or gone) is ended by the repair pass as ABORTED, with the reason.
ALTER TYPE "CallbackStatus" ADD VALUE 'ABORTED';

CREATE TYPE "CallbackEndReason" AS ENUM ('TERMINATED', 'FAILED', 'TIMED_OUT', 'CANCELLED_IN_TEMPORAL', 'NOT_FOUND');
ALTER TABLE "callbacks" ADD COLUMN "end_reason" "CallbackEndReason";
