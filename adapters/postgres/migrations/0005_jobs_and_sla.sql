-- Scheduled jobs and the SLA's two clocks.

-- One row per scheduled job: who runs it until when. Instances take a
-- job's lease before running it, so it runs on one of them at a time.
CREATE TABLE job_leases (
    job    text NOT NULL PRIMARY KEY,
    holder uuid NOT NULL,
    until  timestamptz NOT NULL
);

-- First response: the report must leave `received` by `respond_by`.
-- Existing reports get the product's default for their priority (urgent
-- 2 h, high 8 h, normal 24 h, low 72 h after submission).
ALTER TABLE reports ADD COLUMN respond_by timestamptz;
UPDATE reports SET respond_by = created_at + CASE priority
    WHEN 'urgent' THEN interval '2 hours'
    WHEN 'high' THEN interval '8 hours'
    WHEN 'low' THEN interval '72 hours'
    ELSE interval '24 hours'
END;
ALTER TABLE reports ALTER COLUMN respond_by SET NOT NULL;

-- When each clock was found missed (once per report and clock).
ALTER TABLE reports ADD COLUMN response_breached_at timestamptz;
ALTER TABLE reports ADD COLUMN resolution_breached_at timestamptz;

-- The jobs' lookups: reports resolved long ago, and open reports past a clock.
CREATE INDEX reports_by_status_change ON reports (status, status_changed_at);
CREATE INDEX reports_awaiting_response ON reports (respond_by)
    WHERE status = 'received' AND response_breached_at IS NULL;
CREATE INDEX reports_awaiting_resolution ON reports (due_at)
    WHERE status IN ('received', 'assigned', 'in_progress') AND resolution_breached_at IS NULL;
