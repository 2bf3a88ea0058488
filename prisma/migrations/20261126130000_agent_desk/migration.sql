-- #13 agent desk: agent tokens (issued through the secret-key API, stored hashed), the
-- simulated softphones registered by open desks and their ringing calls, and the
-- NOTIFY that feeds the desks' live updates from the presence projection (several API
-- processes: every one LISTENs; no in-process emitter alone).
CREATE TABLE "agent_tokens" (
    "id" UUID NOT NULL,
    "agent_id" UUID NOT NULL,
    "hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL DEFAULT '',
    "label" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "agent_tokens_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "agent_tokens_hash_key" ON "agent_tokens"("hash");
CREATE INDEX "agent_tokens_agent_id_idx" ON "agent_tokens"("agent_id");
ALTER TABLE "agent_tokens" ADD CONSTRAINT "agent_tokens_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Simulated network only: a desk page with its softphone open (heartbeat), and the calls it
-- is ringing; the softphone's answer button answers the simulated leg.
CREATE TABLE "desk_softphones" (
    "agent_id" UUID NOT NULL,
    "seen_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "desk_softphones_pkey" PRIMARY KEY ("agent_id")
);
ALTER TABLE "desk_softphones" ADD CONSTRAINT "desk_softphones_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

CREATE TABLE "desk_softphone_calls" (
    "call_sid" TEXT NOT NULL,
    "agent_id" UUID NOT NULL,
    "callback_id" UUID NOT NULL,
    "state" TEXT NOT NULL DEFAULT 'ringing',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "ring_until" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "desk_softphone_calls_pkey" PRIMARY KEY ("call_sid"),
    CONSTRAINT "desk_softphone_calls_state_check" CHECK ("state" IN ('ringing', 'answered', 'declined', 'ended'))
);
CREATE INDEX "desk_softphone_calls_agent_id_idx" ON "desk_softphone_calls"("agent_id");
ALTER TABLE "desk_softphone_calls" ADD CONSTRAINT "desk_softphone_calls_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- One channel for the desks: the payload is the agent id (never a phone number).
CREATE FUNCTION "desk_notify_agent"() RETURNS trigger AS $$
BEGIN
  PERFORM pg_notify('desk_agent', NEW.agent_id::text);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER "agent_presence_desk_notify" AFTER INSERT OR UPDATE ON "agent_presence"
  FOR EACH ROW EXECUTE FUNCTION "desk_notify_agent"();
CREATE TRIGGER "desk_softphone_calls_desk_notify" AFTER INSERT OR UPDATE ON "desk_softphone_calls"
  FOR EACH ROW EXECUTE FUNCTION "desk_notify_agent"();
