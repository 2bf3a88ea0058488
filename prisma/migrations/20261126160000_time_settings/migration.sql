-- #16: a slot that has started offers the positions at least this far ahead.
ALTER TABLE "call_settings" ADD COLUMN "deferred_minimum_lead_seconds" INTEGER NOT NULL DEFAULT 60;

-- #16: the minimum gap between the end of one attempt and the start of the next, and the
-- retries per outcome class; NULL: the class takes retry_max_retries / retry_interval_seconds.
ALTER TABLE "call_settings" ADD COLUMN "retry_min_gap_seconds" INTEGER NOT NULL DEFAULT 60;
ALTER TABLE "call_settings" ADD COLUMN "retry_visitor_busy_max_retries" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_visitor_busy_interval_seconds" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_visitor_no_answer_max_retries" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_visitor_no_answer_interval_seconds" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_agent_failure_max_retries" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_agent_failure_interval_seconds" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_technical_failure_max_retries" INTEGER;
ALTER TABLE "call_settings" ADD COLUMN "retry_technical_failure_interval_seconds" INTEGER;
