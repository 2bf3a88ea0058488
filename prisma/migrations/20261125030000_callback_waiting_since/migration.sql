-- S41: callbacks are served in the order they started waiting for an agent.
ALTER TABLE "callbacks" ADD COLUMN "waiting_since" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "callbacks_project_id_status_waiting_since_idx" ON "callbacks"("project_id", "status", "waiting_since");
