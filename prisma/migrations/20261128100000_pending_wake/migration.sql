-- #15: when the last agentMayBeFree wake-up was sent to a waiting callback. A wake-up sent
-- after the callback's last look (woken_at > waiting_seen_at) is still pending: the
-- callback will look again, so a second one is not sent.
ALTER TABLE "callbacks" ADD COLUMN "woken_at" TIMESTAMPTZ(3);
