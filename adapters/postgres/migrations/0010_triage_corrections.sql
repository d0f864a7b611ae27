-- Why a rule decided (the words it matched), and officers' corrections of
-- triage kept as labelled examples (GET /api/v1/admin/triage/corrections).

-- A JSON array of the matched words; NULL on analyses stored before.
ALTER TABLE reports ADD COLUMN analysis_matched jsonb;

-- One row per classification override. The report's number and text are
-- read through the join, never copied, so retention's anonymising reaches them.
CREATE TABLE triage_corrections (
    id              uuid NOT NULL PRIMARY KEY,
    report_id       uuid NOT NULL REFERENCES reports (id),
    -- What was in force before the override, and who had decided it.
    triage_category text NOT NULL,
    triage_priority text NOT NULL,
    decided_by      text,
    rule            text,
    matched         jsonb NOT NULL,
    -- What the officer chose.
    category        text NOT NULL,
    priority        text NOT NULL,
    officer         uuid NOT NULL,
    at              timestamptz NOT NULL
);

-- Newest first, and per rule.
CREATE INDEX triage_corrections_by_rule ON triage_corrections (rule, id);
-- The "kept" half of the per-rule precision: decisions of rules officers acted on.
CREATE INDEX reports_by_deciding_rule ON reports (analysis_rule, analysis_decided_by, status);
