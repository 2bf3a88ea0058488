-- S50: recordings reported by the telephony provider's recording status callbacks, against
-- the callback and the attempt whose conference was recorded.
CREATE TABLE "recordings" (
    "id" UUID NOT NULL,
    "callback_id" UUID NOT NULL,
    "attempt_id" UUID,
    "provider" TEXT NOT NULL,
    "provider_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "duration_seconds" INTEGER,
    "url" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "recordings_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "recordings_provider_id_key" ON "recordings"("provider_id");
CREATE INDEX "recordings_callback_id_idx" ON "recordings"("callback_id");

ALTER TABLE "recordings" ADD CONSTRAINT "recordings_callback_id_fkey" FOREIGN KEY ("callback_id") REFERENCES "callbacks"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "recordings" ADD CONSTRAINT "recordings_attempt_id_fkey" FOREIGN KEY ("attempt_id") REFERENCES "attempts"("id") ON DELETE SET NULL ON UPDATE CASCADE;
