-- Statistics (GET /api/v1/stats) over a million reports without sorting a
-- million rows (sinmungo-sql's `stats` module says which query reads what).
--
-- The durations, in whole seconds truncated, as virtual generated columns
-- (computed when read; only their indexes are stored). Times are kept with
-- exactly six fractional digits (codec::time_text), so whole seconds come
-- from the first 19 characters and microseconds from 21–26: the difference
-- is exact, where julianday's floating point is not.
ALTER TABLE reports ADD COLUMN response_seconds INTEGER GENERATED ALWAYS AS (
    ((unixepoch(substr(responded_at, 1, 19)) - unixepoch(substr(created_at, 1, 19))) * 1000000
     + CAST(substr(responded_at, 21, 6) AS INTEGER) - CAST(substr(created_at, 21, 6) AS INTEGER)) / 1000000
) VIRTUAL;
ALTER TABLE reports ADD COLUMN resolution_seconds INTEGER GENERATED ALWAYS AS (
    CASE WHEN status IN ('resolved', 'closed') THEN
        ((unixepoch(substr(resolved_at, 1, 19)) - unixepoch(substr(created_at, 1, 19))) * 1000000
         + CAST(substr(resolved_at, 21, 6) AS INTEGER) - CAST(substr(created_at, 21, 6) AS INTEGER)) / 1000000
    END
) VIRTUAL;
-- The Korean (UTC+9) date of submission.
ALTER TABLE reports ADD COLUMN created_on_kst TEXT GENERATED ALWAYS AS (date(created_at, '+9 hours')) VIRTUAL;

-- The grouped counts: the groups come out of this index in order (no
-- sort), and every column they read is in it (no table row is read).
CREATE INDEX reports_for_stats ON reports (
    status, category, department, jurisdiction_code, created_at, responded_at, resolved_at, due_at
);
-- Each percentile walks one of these in order to its rank; the filter
-- columns ride along so that no table row is read.
CREATE INDEX reports_by_response_time ON reports (
    response_seconds, created_at, category, department, jurisdiction_code
) WHERE response_seconds IS NOT NULL;
CREATE INDEX reports_by_resolution_time ON reports (
    resolution_seconds, created_at, category, department, jurisdiction_code
) WHERE resolution_seconds IS NOT NULL;
-- Reports per day: grouped in this index's order.
CREATE INDEX reports_by_korean_day ON reports (
    created_on_kst, created_at, category, department, jurisdiction_code
);
