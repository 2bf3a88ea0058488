-- #11.1: the waiting lease. A callback waiting for an agent refreshes it at every look
-- (wake-up or safety poll); the FIFO guard and the wake-up query count only rows whose
-- lease is fresh, so a row whose workflow was terminated stops holding the queue back even
-- before the repair pass ends it.
ALTER TABLE "callbacks" ADD COLUMN "waiting_seen_at" TIMESTAMPTZ(3);
