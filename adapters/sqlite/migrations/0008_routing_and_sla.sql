-- Routing by city or county, SLA per category, and the clocks' history.

-- A department serves one city or county (a KOSTAT si/gun code such as
-- '35020' for 군산시) or, with NULL, the whole province; `categories` is the
-- JSON array of the category codes it handles. Existing departments are
-- province-wide and handle the categories routed to them so far.
ALTER TABLE departments ADD COLUMN jurisdiction TEXT;
ALTER TABLE departments ADD COLUMN categories TEXT NOT NULL DEFAULT '[]';
UPDATE departments SET categories = (
    SELECT coalesce(json_group_array(code), '[]')
    FROM (SELECT code FROM categories WHERE department = departments.code ORDER BY code)
);

-- A category's SLA where it differs from the product's default, as a JSON
-- object by priority ({"urgent": {"first_response_hours": 1,
-- "resolution_hours": 12}}), and the radius of its duplicate search.
ALTER TABLE categories ADD COLUMN sla TEXT NOT NULL DEFAULT '{}';
ALTER TABLE categories ADD COLUMN duplicate_radius_m INTEGER NOT NULL DEFAULT 250;

-- When a report first left `received` (the first response) and when it was
-- last taken up again after being resolved or rejected (which restarted its
-- resolution clock), recovered from the timelines.
ALTER TABLE reports ADD COLUMN responded_at TEXT;
ALTER TABLE reports ADD COLUMN reopened_at TEXT;
UPDATE reports SET
    responded_at = (
        SELECT min(t.at) FROM timeline AS t
        WHERE t.report_id = reports.id
          AND json_extract(t.kind, '$.type') = 'status_changed'
          AND json_extract(t.kind, '$.from') = 'received'
    ),
    reopened_at = (
        SELECT max(t.at) FROM timeline AS t
        WHERE t.report_id = reports.id
          AND json_extract(t.kind, '$.type') = 'status_changed'
          AND json_extract(t.kind, '$.from') IN ('resolved', 'rejected')
          AND json_extract(t.kind, '$.to') IN ('received', 'assigned', 'in_progress')
    );

-- Which routing rule chose the department, when the latest analysis routed it.
ALTER TABLE reports ADD COLUMN analysis_routing TEXT;
