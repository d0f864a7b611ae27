-- Sinmungo's embedded schema.
--
-- Conventions (see src/codec.rs):
-- * ids are lowercase hyphenated UUIDs as TEXT; for UUIDv7 their byte order,
--   and so their text order, is creation order;
-- * times are RFC 3339 UTC TEXT with exactly six fractional digits
--   (`2026-05-01T09:30:00.123456Z`), which sorts lexically; the store keeps
--   microseconds, like PostgreSQL;
-- * JSON values (timeline kinds, event payloads, audit states) are TEXT.
--
-- References to users, categories and departments from reports are not
-- foreign keys: the use cases check them, and reference data may be edited
-- without rewriting history. A report's own children (timeline, supporters,
-- outbox events) are, so a change about an unknown report fails as a whole.

CREATE TABLE departments (
    code    TEXT NOT NULL PRIMARY KEY,
    name    TEXT NOT NULL,
    name_en TEXT NOT NULL
) STRICT;

CREATE TABLE categories (
    code             TEXT NOT NULL PRIMARY KEY,
    name             TEXT NOT NULL,
    name_en          TEXT NOT NULL,
    department       TEXT NOT NULL REFERENCES departments (code),
    default_priority TEXT NOT NULL
) STRICT;

CREATE INDEX categories_by_department ON categories (department);

CREATE TABLE users (
    id            TEXT NOT NULL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT,
    password_hash TEXT NOT NULL,
    created_at    TEXT NOT NULL
) STRICT;

CREATE TABLE sessions (
    token_hash TEXT NOT NULL PRIMARY KEY,
    user_id    TEXT NOT NULL,
    expires_at TEXT NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);

-- One row per year: the last receipt number handed out.
CREATE TABLE receipt_counters (
    year INTEGER NOT NULL PRIMARY KEY,
    last INTEGER NOT NULL
) STRICT;

CREATE TABLE reports (
    -- A stable integer key (an alias of the rowid, so VACUUM keeps it) for
    -- the R*Tree below, which only accepts integer ids.
    seq                   INTEGER PRIMARY KEY,
    id                    TEXT NOT NULL UNIQUE,
    number                TEXT NOT NULL UNIQUE,
    title                 TEXT NOT NULL,
    description           TEXT NOT NULL,
    -- Rust-lowercased copies for case-insensitive search (SQLite's lower()
    -- folds ASCII only).
    title_folded          TEXT NOT NULL,
    description_folded    TEXT NOT NULL,
    category              TEXT NOT NULL,
    priority              TEXT NOT NULL,
    status                TEXT NOT NULL,
    lat                   REAL NOT NULL,
    lng                   REAL NOT NULL,
    address               TEXT,
    jurisdiction_code     TEXT NOT NULL,
    jurisdiction_name     TEXT NOT NULL,
    department            TEXT,
    assignee              TEXT,
    reporter              TEXT NOT NULL,
    visibility            TEXT NOT NULL,
    support_count         INTEGER NOT NULL,
    duplicate_of          TEXT,
    -- The latest analysis; all NULL when there is none.
    analysis_category     TEXT,
    analysis_priority     TEXT,
    analysis_confidence   REAL,
    analysis_decided_by   TEXT,
    analysis_rule         TEXT,
    analysis_needs_review INTEGER,
    analysis_decided_at   TEXT,
    due_at                TEXT NOT NULL,
    created_at            TEXT NOT NULL,
    updated_at            TEXT NOT NULL,
    resolved_at           TEXT,
    status_changed_at     TEXT NOT NULL,
    version               INTEGER NOT NULL
) STRICT;

-- Lists are newest first (ORDER BY id DESC); each filter has an index that
-- delivers its rows already in that order.
CREATE INDEX reports_by_status ON reports (status, id);
CREATE INDEX reports_by_category ON reports (category, id);
CREATE INDEX reports_by_priority ON reports (priority, id);
CREATE INDEX reports_by_department ON reports (department, id);
CREATE INDEX reports_by_reporter ON reports (reporter, id);
CREATE INDEX reports_by_visibility ON reports (visibility, id);

-- Where each report is, for map (bbox) and radius (near) queries: an R*Tree,
-- which the bundled SQLite is built with (SQLITE_ENABLE_RTREE). It answers a
-- box query in O(log n + k) on 100,000+ reports where a (lat, lng) B-tree can
-- only range-scan one coordinate. R*Tree coordinates are 32-bit floats rounded
-- outwards, so it is a pre-filter: the exact test runs on reports.lat/lng.
-- Triggers keep it in step with reports inside the writing transaction.
CREATE VIRTUAL TABLE report_locations USING rtree (
    seq,
    min_lat, max_lat,
    min_lng, max_lng
);

CREATE TRIGGER report_locations_insert AFTER INSERT ON reports
BEGIN
    INSERT INTO report_locations (seq, min_lat, max_lat, min_lng, max_lng)
    VALUES (new.seq, new.lat, new.lat, new.lng, new.lng);
END;

CREATE TRIGGER report_locations_update AFTER UPDATE OF lat, lng ON reports
BEGIN
    UPDATE report_locations
    SET min_lat = new.lat, max_lat = new.lat, min_lng = new.lng, max_lng = new.lng
    WHERE seq = new.seq;
END;

CREATE TRIGGER report_locations_delete AFTER DELETE ON reports
BEGIN
    DELETE FROM report_locations WHERE seq = old.seq;
END;

CREATE TABLE timeline (
    -- Insertion order breaks ties between entries of one change (same time).
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    report_id  TEXT NOT NULL REFERENCES reports (id),
    at         TEXT NOT NULL,
    actor      TEXT,
    actor_role TEXT,
    -- TimelineKind as JSON.
    kind       TEXT NOT NULL
) STRICT;

CREATE INDEX timeline_by_report ON timeline (report_id, at, seq);

CREATE TABLE supporters (
    report_id TEXT NOT NULL REFERENCES reports (id),
    user_id   TEXT NOT NULL,
    at        TEXT NOT NULL,
    PRIMARY KEY (report_id, user_id)
) STRICT, WITHOUT ROWID;

-- Domain events waiting for the relay. AUTOINCREMENT: sequence numbers only
-- grow, even after published rows are deleted, so the relay publishes in
-- commit order.
CREATE TABLE outbox (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    id           TEXT NOT NULL UNIQUE,
    event_type   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    occurred_at  TEXT NOT NULL,
    report_id    TEXT NOT NULL REFERENCES reports (id),
    payload      TEXT NOT NULL,
    published_at TEXT
) STRICT;

CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;

CREATE TABLE audit_log (
    seq        INTEGER PRIMARY KEY,
    id         TEXT NOT NULL UNIQUE,
    at         TEXT NOT NULL,
    actor      TEXT,
    actor_role TEXT,
    action     TEXT NOT NULL,
    target     TEXT NOT NULL,
    before     TEXT NOT NULL,
    after      TEXT NOT NULL
) STRICT;

CREATE INDEX audit_log_by_time ON audit_log (at, seq);
CREATE INDEX audit_log_by_target ON audit_log (target, at, seq);
