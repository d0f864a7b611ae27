-- Statistics (GET /api/v1/stats) over a million reports without sorting a
-- million rows (sinmungo-sql's `stats` module says which query reads what).
--
-- The durations in whole seconds, truncated (`extract` gives exact numeric
-- seconds), kept as generated columns so that an index holds them in order.
ALTER TABLE reports
    ADD COLUMN response_seconds bigint GENERATED ALWAYS AS (
        trunc(extract(epoch FROM (responded_at - created_at)))::bigint
    ) STORED,
    ADD COLUMN resolution_seconds bigint GENERATED ALWAYS AS (
        CASE WHEN status IN ('resolved', 'closed') THEN
            trunc(extract(epoch FROM (resolved_at - created_at)))::bigint
        END
    ) STORED;

-- The grouped counts read only this index (an index-only scan once the
-- table is vacuumed), not the table's wide rows.
CREATE INDEX reports_for_stats ON reports (status, category, department, jurisdiction_code)
    INCLUDE (created_at, responded_at, resolved_at, due_at);
-- Each percentile walks one of these in order to its rank.
CREATE INDEX reports_by_response_time ON reports (response_seconds)
    INCLUDE (created_at, category, department, jurisdiction_code)
    WHERE response_seconds IS NOT NULL;
CREATE INDEX reports_by_resolution_time ON reports (resolution_seconds)
    INCLUDE (created_at, category, department, jurisdiction_code)
    WHERE resolution_seconds IS NOT NULL;
