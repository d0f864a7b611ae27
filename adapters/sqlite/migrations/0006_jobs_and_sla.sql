-- Scheduled jobs and the SLA's two clocks.

-- One row per scheduled job: who runs it until when. Instances take a
-- job's lease before running it, so it runs on one of them at a time.
CREATE TABLE job_leases (
    job    TEXT NOT NULL PRIMARY KEY,
    holder TEXT NOT NULL,
    until  TEXT NOT NULL
) STRICT;

-- First response: the report must leave `received` by `respond_by`.
-- Existing reports get the product's default for their priority (urgent
-- 2 h, high 8 h, normal 24 h, low 72 h after submission). Times are kept
-- as RFC 3339 text with six fractional digits, as every other time.
ALTER TABLE reports ADD COLUMN respond_by TEXT NOT NULL DEFAULT '';
UPDATE reports SET respond_by = strftime('%Y-%m-%dT%H:%M:%f', created_at,
    CASE priority
        WHEN 'urgent' THEN '+2 hours'
        WHEN 'high' THEN '+8 hours'
        WHEN 'low' THEN '+72 hours'
        ELSE '+24 hours'
    END) || '000Z';

-- When each clock was found missed (once per report and clock).
ALTER TABLE reports ADD COLUMN response_breached_at TEXT;
ALTER TABLE reports ADD COLUMN resolution_breached_at TEXT;

-- The jobs' lookups: reports resolved long ago, and open reports past a clock.
CREATE INDEX reports_by_status_change ON reports (status, status_changed_at);
CREATE INDEX reports_awaiting_response ON reports (respond_by)
    WHERE status = 'received' AND response_breached_at IS NULL;
CREATE INDEX reports_awaiting_resolution ON reports (due_at)
    WHERE status IN ('received', 'assigned', 'in_progress') AND resolution_breached_at IS NULL;
