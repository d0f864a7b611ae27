-- Photos and richer triage on reports; leases on outbox events.

-- The latest analysis: the AI models consulted (a JSON array of names), how
-- long triage took, a note for officers, and the event that triggered it.
-- NULL when there is no analysis.
ALTER TABLE reports ADD COLUMN analysis_models TEXT;
ALTER TABLE reports ADD COLUMN analysis_latency_ms INTEGER;
ALTER TABLE reports ADD COLUMN analysis_note TEXT;
ALTER TABLE reports ADD COLUMN analysis_trigger TEXT;

-- The report's photos as a JSON array (core's `Photo`), in upload order; the
-- bytes are in the media store.
ALTER TABLE reports ADD COLUMN photos TEXT NOT NULL DEFAULT '[]';

-- A relay claims an event until `claimed_until`; `attempts` counts failed
-- publishes and `last_error` keeps the latest reason for operators.
ALTER TABLE outbox ADD COLUMN claimed_until TEXT;
ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE outbox ADD COLUMN last_error TEXT;

-- The first unpublished event of each report, found fast by the claim query.
CREATE INDEX outbox_pending_by_report ON outbox (report_id, seq) WHERE published_at IS NULL;

-- Analyses recorded before this migration consulted no model.
UPDATE reports SET analysis_models = '[]', analysis_latency_ms = 0
WHERE analysis_category IS NOT NULL;
