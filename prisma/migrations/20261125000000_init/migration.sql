-- CreateEnum
CREATE TYPE "ImmediateAvailability" AS ENUM ('AGENT_PRESENCE', 'OPENING_HOURS');
CREATE TYPE "DeferredOffer" AS ENUM ('ALWAYS', 'WHEN_IMMEDIATE_UNAVAILABLE', 'SCHEDULE');
CREATE TYPE "CallOrder" AS ENUM ('AGENT_FIRST', 'VISITOR_FIRST');
CREATE TYPE "DistributionMode" AS ENUM ('AGENTS', 'ACD');
CREATE TYPE "Weekday" AS ENUM ('MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN', 'HOLIDAY');
CREATE TYPE "HoursKind" AS ENUM ('OPENING', 'OFFER');
CREATE TYPE "AgentKind" AS ENUM ('EMPLOYEE', 'EXPERT');
CREATE TYPE "AnswerMode" AS ENUM ('DESK', 'PHONE');
CREATE TYPE "PresenceState" AS ENUM ('LOGGED_OUT', 'AVAILABLE', 'UNAVAILABLE', 'RESERVED', 'ON_CALL', 'WRAP_UP');
CREATE TYPE "CallbackMode" AS ENUM ('IMMEDIATE', 'DEFERRED');
CREATE TYPE "CallbackStatus" AS ENUM ('SCHEDULED', 'WAITING_AGENT', 'DIALING', 'CONNECTED', 'RETRY_WAIT', 'COMPLETED', 'FAILED', 'EXPIRED', 'CANCELLED');
CREATE TYPE "AttemptOutcome" AS ENUM ('CONNECTED', 'AGENT_NO_ANSWER', 'VISITOR_NO_ANSWER', 'AGENT_BUSY', 'VISITOR_BUSY', 'FAILED', 'AGENT_NOT_IDENTIFIED');

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "auto_answer_enabled" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "api_keys" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "hash" TEXT NOT NULL,
    "label" TEXT NOT NULL DEFAULT '',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    CONSTRAINT "api_keys_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "projects" (
    "id" TEXT NOT NULL,
    "account_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "countries" TEXT[],
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "projects_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "call_settings" (
    "project_id" TEXT NOT NULL,
    "immediate_enabled" BOOLEAN NOT NULL,
    "immediate_availability" "ImmediateAvailability" NOT NULL,
    "deferred_enabled" BOOLEAN NOT NULL,
    "deferred_offer" "DeferredOffer" NOT NULL,
    "max_handling_delay_seconds" INTEGER NOT NULL,
    "retry_max_retries" INTEGER NOT NULL,
    "retry_interval_seconds" INTEGER NOT NULL,
    "call_order" "CallOrder" NOT NULL,
    "distribution_mode" "DistributionMode" NOT NULL,
    "acd_number" TEXT,
    "acd_welcome_message_seconds" INTEGER NOT NULL,
    "acd_identification_attempts" INTEGER NOT NULL,
    "auto_answer_delay_seconds" INTEGER NOT NULL,
    "recording_enabled" BOOLEAN NOT NULL,
    "recording_ratio" DOUBLE PRECISION NOT NULL,
    "ring_timeout_seconds" INTEGER NOT NULL,
    "talk_time_seconds" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "call_settings_pkey" PRIMARY KEY ("project_id")
);

CREATE TABLE "planning_slots" (
    "id" UUID NOT NULL,
    "project_id" TEXT NOT NULL,
    "day" "Weekday" NOT NULL,
    "start" CHAR(5) NOT NULL,
    "end" CHAR(5) NOT NULL,
    "capacity" INTEGER NOT NULL,
    CONSTRAINT "planning_slots_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "weekly_hours" (
    "id" UUID NOT NULL,
    "project_id" TEXT NOT NULL,
    "kind" "HoursKind" NOT NULL,
    "day" "Weekday" NOT NULL,
    "start" CHAR(5) NOT NULL,
    "end" CHAR(5) NOT NULL,
    CONSTRAINT "weekly_hours_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "holidays" (
    "project_id" TEXT NOT NULL,
    "date" DATE NOT NULL,
    CONSTRAINT "holidays_pkey" PRIMARY KEY ("project_id","date")
);

CREATE TABLE "hold_music" (
    "project_id" TEXT NOT NULL,
    "content_type" TEXT NOT NULL,
    "data" BYTEA NOT NULL,
    "sha256" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "hold_music_pkey" PRIMARY KEY ("project_id")
);

CREATE TABLE "agents" (
    "id" UUID NOT NULL,
    "account_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "AgentKind" NOT NULL,
    "call_enabled" BOOLEAN NOT NULL,
    "answer_mode" "AnswerMode" NOT NULL,
    "phone_number" TEXT,
    "priority" BOOLEAN NOT NULL DEFAULT false,
    "ask_number_at_login" BOOLEAN NOT NULL DEFAULT false,
    "allow_chat_and_call" BOOLEAN NOT NULL DEFAULT false,
    "auto_answer" BOOLEAN,
    "acd_identifier" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "agents_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "agent_projects" (
    "agent_id" UUID NOT NULL,
    "project_id" TEXT NOT NULL,
    CONSTRAINT "agent_projects_pkey" PRIMARY KEY ("agent_id","project_id")
);

CREATE TABLE "agent_presence" (
    "agent_id" UUID NOT NULL,
    "state" "PresenceState" NOT NULL,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "callback_id" UUID,
    "in_chat" BOOLEAN NOT NULL DEFAULT false,
    "login_number" TEXT,
    "last_call_ended_at" TIMESTAMPTZ(3),
    "revision" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "agent_presence_pkey" PRIMARY KEY ("agent_id")
);

CREATE TABLE "callbacks" (
    "id" UUID NOT NULL,
    "project_id" TEXT NOT NULL,
    "mode" "CallbackMode" NOT NULL,
    "status" "CallbackStatus" NOT NULL,
    "phone" TEXT NOT NULL,
    "open_phone" TEXT,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "slot_start" TIMESTAMPTZ(3),
    "position" INTEGER,
    "idempotency_key" TEXT,
    "recording_opt_out" BOOLEAN NOT NULL DEFAULT false,
    "recorded" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    CONSTRAINT "callbacks_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "slot_bookings" (
    "project_id" TEXT NOT NULL,
    "slot_start" TIMESTAMPTZ(3) NOT NULL,
    "position" INTEGER NOT NULL,
    "capacity" INTEGER NOT NULL,
    "callback_id" UUID NOT NULL,
    CONSTRAINT "slot_bookings_pkey" PRIMARY KEY ("project_id","slot_start","position")
);

CREATE TABLE "attempts" (
    "id" UUID NOT NULL,
    "callback_id" UUID NOT NULL,
    "number" INTEGER NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "ended_at" TIMESTAMPTZ(3),
    "outcome" "AttemptOutcome",
    "agent_id" UUID,
    CONSTRAINT "attempts_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "telephony_calls" (
    "key" TEXT NOT NULL,
    "attempt_id" UUID NOT NULL,
    "leg" TEXT NOT NULL,
    "provider" TEXT NOT NULL,
    "call_sid" TEXT,
    "status" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "telephony_calls_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_keys_hash_key" ON "api_keys"("hash");
CREATE INDEX "api_keys_account_id_idx" ON "api_keys"("account_id");
CREATE INDEX "projects_account_id_idx" ON "projects"("account_id");
CREATE UNIQUE INDEX "planning_slots_project_id_day_start_key" ON "planning_slots"("project_id", "day", "start");
CREATE UNIQUE INDEX "weekly_hours_project_id_kind_day_start_key" ON "weekly_hours"("project_id", "kind", "day", "start");
CREATE UNIQUE INDEX "agents_account_id_acd_identifier_key" ON "agents"("account_id", "acd_identifier");
CREATE INDEX "agents_account_id_idx" ON "agents"("account_id");
CREATE INDEX "agent_projects_project_id_idx" ON "agent_projects"("project_id");
CREATE INDEX "agent_presence_state_idx" ON "agent_presence"("state");
CREATE UNIQUE INDEX "callbacks_project_id_idempotency_key_key" ON "callbacks"("project_id", "idempotency_key");
CREATE UNIQUE INDEX "callbacks_project_id_open_phone_key" ON "callbacks"("project_id", "open_phone");
CREATE INDEX "callbacks_project_id_status_due_at_idx" ON "callbacks"("project_id", "status", "due_at");
CREATE UNIQUE INDEX "slot_bookings_callback_id_key" ON "slot_bookings"("callback_id");
CREATE UNIQUE INDEX "attempts_callback_id_number_key" ON "attempts"("callback_id", "number");
CREATE UNIQUE INDEX "telephony_calls_call_sid_key" ON "telephony_calls"("call_sid");
CREATE INDEX "telephony_calls_attempt_id_idx" ON "telephony_calls"("attempt_id");

-- AddForeignKey
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "projects" ADD CONSTRAINT "projects_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "call_settings" ADD CONSTRAINT "call_settings_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "planning_slots" ADD CONSTRAINT "planning_slots_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "weekly_hours" ADD CONSTRAINT "weekly_hours_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "holidays" ADD CONSTRAINT "holidays_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "hold_music" ADD CONSTRAINT "hold_music_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agents" ADD CONSTRAINT "agents_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_projects" ADD CONSTRAINT "agent_projects_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_projects" ADD CONSTRAINT "agent_projects_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "agent_presence" ADD CONSTRAINT "agent_presence_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "callbacks" ADD CONSTRAINT "callbacks_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "slot_bookings" ADD CONSTRAINT "slot_bookings_project_id_fkey" FOREIGN KEY ("project_id") REFERENCES "projects"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "slot_bookings" ADD CONSTRAINT "slot_bookings_callback_id_fkey" FOREIGN KEY ("callback_id") REFERENCES "callbacks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_callback_id_fkey" FOREIGN KEY ("callback_id") REFERENCES "callbacks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "attempts" ADD CONSTRAINT "attempts_agent_id_fkey" FOREIGN KEY ("agent_id") REFERENCES "agents"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "telephony_calls" ADD CONSTRAINT "telephony_calls_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "attempts"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Constraints Prisma's schema language cannot express (S13, S14, S20).
ALTER TABLE "slot_bookings" ADD CONSTRAINT "slot_bookings_position_in_capacity" CHECK ("position" >= 0 AND "position" < "capacity");
ALTER TABLE "planning_slots" ADD CONSTRAINT "planning_slots_capacity_positive" CHECK ("capacity" >= 1);
ALTER TABLE "callbacks" ADD CONSTRAINT "callbacks_open_phone_matches" CHECK ("open_phone" IS NULL OR "open_phone" = "phone");
