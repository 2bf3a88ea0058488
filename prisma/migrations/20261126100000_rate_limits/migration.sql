-- Booking rate limits shared by every API process (issue #10 item 7), in the layout of
-- rate-limiter-flexible's RateLimiterPostgres (key = prefix:hash, expire in epoch ms).
CREATE TABLE "rate_limits" (
    "key" TEXT NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);
