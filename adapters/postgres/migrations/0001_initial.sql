-- Sinmungo's production schema (PostgreSQL 13+), the same data as the
-- SQLite schema in native types.
--
-- Conventions (see src/codec.rs):
-- * ids are `uuid`; for UUIDv7 their byte order, which is how PostgreSQL
--   compares them, is creation order;
-- * times are `timestamptz` (microseconds); the store truncates finer digits
--   in Rust before binding, as the contract requires (PostgreSQL would round);
-- * JSON values (timeline kinds, event payloads, audit states, photos,
--   analysis models) are `jsonb`, written and read as text by the store;
-- * counts and versions are `bigint` (the domain's u32/u64 fit; CHECKs keep
--   them non-negative);
-- * codes from the domain's vocabulary (status, priority, role, category)
--   are plain text: the vocabulary grows with the product and a CHECK would
--   need a migration each time. Closed two- or three-value sets are checked.
--
-- References to users, categories and departments from reports are not
-- foreign keys: the use cases check them, and reference data may be edited
-- without rewriting history. A report's own children (timeline, supporters,
-- outbox events) are, so a change about an unknown report fails as a whole.
--
-- Extensions are looked up on the search path; the store puts `public` after
-- its own schema for that reason (see `PostgresOptions::schema`).

-- Trigram indexes for substring search (`q`): pg_trgm ships in PostgreSQL's
-- contrib package and is a trusted extension (a database owner may create it).
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE departments (
    code    text NOT NULL PRIMARY KEY,
    name    text NOT NULL,
    name_en text NOT NULL
);

CREATE TABLE categories (
    code             text NOT NULL PRIMARY KEY,
    name             text NOT NULL,
    name_en          text NOT NULL,
    department       text NOT NULL REFERENCES departments (code),
    default_priority text NOT NULL
);

CREATE INDEX categories_by_department ON categories (department);

CREATE TABLE users (
    id            uuid NOT NULL PRIMARY KEY,
    -- The constraint's name tells the store which rule a duplicate broke.
    email         text NOT NULL CONSTRAINT users_email_unique UNIQUE,
    display_name  text NOT NULL,
    role          text NOT NULL,
    department    text,
    password_hash text NOT NULL,
    created_at    timestamptz NOT NULL
);

CREATE TABLE sessions (
    token_hash text NOT NULL PRIMARY KEY,
    user_id    uuid NOT NULL,
    expires_at timestamptz NOT NULL
);

CREATE INDEX sessions_by_user ON sessions (user_id);

-- One row per year: the last receipt number handed out. Drawing a number is
-- one `INSERT … ON CONFLICT DO UPDATE … RETURNING`, which serialises
-- concurrent callers on this row.
CREATE TABLE receipt_counters (
    year integer NOT NULL PRIMARY KEY,
    last bigint  NOT NULL CHECK (last >= 1)
);

CREATE TABLE reports (
    id                    uuid NOT NULL PRIMARY KEY,
    number                text NOT NULL CONSTRAINT reports_number_unique UNIQUE,
    title                 text NOT NULL,
    description           text NOT NULL,
    -- Rust-lowercased copies (`str::to_lowercase`) for case-insensitive
    -- search, the same folding as the SQLite store and the memory fake;
    -- trigram-indexed below.
    title_folded          text NOT NULL,
    description_folded    text NOT NULL,
    category              text NOT NULL,
    priority              text NOT NULL,
    status                text NOT NULL,
    lat                   double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lng                   double precision NOT NULL CHECK (lng BETWEEN -180 AND 180),
    address               text,
    jurisdiction_code     text NOT NULL,
    jurisdiction_name     text NOT NULL,
    department            text,
    assignee              uuid,
    reporter              uuid NOT NULL,
    visibility            text NOT NULL CHECK (visibility IN ('public', 'private')),
    support_count         bigint NOT NULL CHECK (support_count >= 0),
    duplicate_of          uuid,
    -- The latest analysis; all NULL when there is none.
    analysis_category     text,
    analysis_priority     text,
    analysis_confidence   double precision,
    analysis_decided_by   text CHECK (analysis_decided_by IN ('rules', 'ai', 'human')),
    analysis_rule         text,
    analysis_needs_review boolean,
    analysis_decided_at   timestamptz,
    -- The AI models consulted, a JSON array of names.
    analysis_models       jsonb CHECK (jsonb_typeof(analysis_models) = 'array'),
    analysis_latency_ms   bigint CHECK (analysis_latency_ms >= 0),
    analysis_note         text,
    -- The event whose handling produced the analysis (none at submission).
    analysis_trigger      uuid,
    -- The report's photos as a JSON array (core's `Photo`), in upload order;
    -- the bytes are in the media store.
    photos                jsonb NOT NULL CHECK (jsonb_typeof(photos) = 'array'),
    due_at                timestamptz NOT NULL,
    created_at            timestamptz NOT NULL,
    updated_at            timestamptz NOT NULL,
    resolved_at           timestamptz,
    status_changed_at     timestamptz NOT NULL,
    version               bigint NOT NULL CHECK (version >= 1),
    -- An analysis is whole or absent (rule, note and trigger are optional within it).
    CONSTRAINT reports_analysis_whole CHECK (
        (analysis_category IS NULL) = (analysis_priority IS NULL)
        AND (analysis_category IS NULL) = (analysis_confidence IS NULL)
        AND (analysis_category IS NULL) = (analysis_decided_by IS NULL)
        AND (analysis_category IS NULL) = (analysis_needs_review IS NULL)
        AND (analysis_category IS NULL) = (analysis_decided_at IS NULL)
        AND (analysis_category IS NULL) = (analysis_models IS NULL)
        AND (analysis_category IS NULL) = (analysis_latency_ms IS NULL)
    )
);

-- Lists are newest first (ORDER BY id DESC); each filter has an index that
-- delivers its rows already in that order.
CREATE INDEX reports_by_status ON reports (status, id);
CREATE INDEX reports_by_category ON reports (category, id);
CREATE INDEX reports_by_priority ON reports (priority, id);
CREATE INDEX reports_by_department ON reports (department, id);
CREATE INDEX reports_by_reporter ON reports (reporter, id);
CREATE INDEX reports_by_visibility ON reports (visibility, id);

-- Where each report is, for map (bbox) and radius (near) queries, without
-- PostGIS: a GiST index on the expression `point(lng, lat)`, searched with
-- `point(lng, lat) <@ box(…)`. It answers a box query in O(log n + k) where a
-- (lat, lng) B-tree can only range-scan one coordinate. PostgreSQL's
-- geometric comparisons allow a tolerance of 1e-6, so the box search is a
-- pre-filter: the exact tests run on lat/lng (see src/report_query.rs).
CREATE INDEX reports_location ON reports USING gist (point(lng, lat));

-- Substring search over the folded texts: trigram GIN indexes serve
-- `LIKE '%…%'` for needles of three or more characters. pg_trgm makes
-- trigrams of the characters the database's locale classifies as
-- alphanumeric; Hangul is, under C.UTF-8 and the usual ko_KR/en_US UTF-8
-- locales (checked by a test: tests/store/plans.rs).
CREATE INDEX reports_title_trgm ON reports USING gin (title_folded gin_trgm_ops);
CREATE INDEX reports_description_trgm ON reports USING gin (description_folded gin_trgm_ops);

CREATE TABLE timeline (
    -- Insertion order breaks ties between entries of one change (same time).
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL UNIQUE,
    report_id  uuid NOT NULL REFERENCES reports (id),
    at         timestamptz NOT NULL,
    actor      uuid,
    actor_role text,
    -- TimelineKind as JSON.
    kind       jsonb NOT NULL CHECK (jsonb_typeof(kind) = 'object')
);

CREATE INDEX timeline_by_report ON timeline (report_id, at, seq);

CREATE TABLE supporters (
    report_id uuid NOT NULL REFERENCES reports (id),
    user_id   uuid NOT NULL,
    at        timestamptz NOT NULL,
    -- The constraint's name tells the store that a support was repeated.
    CONSTRAINT supporters_once_per_user PRIMARY KEY (report_id, user_id)
);

-- Domain events waiting for the relay. `seq` only grows, so it orders events
-- as they were appended; the store appends a report's events while holding
-- that report's row lock (see src/reports.rs), so for each report `seq`
-- order is also commit order.
--
-- A relay claims an event until `claimed_until` (`FOR UPDATE SKIP LOCKED`,
-- see src/outbox.rs); `attempts` counts failed publishes and `last_error`
-- keeps the latest reason for operators.
CREATE TABLE outbox (
    seq           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id            uuid NOT NULL UNIQUE,
    event_type    text NOT NULL,
    version       bigint NOT NULL CHECK (version >= 0),
    occurred_at   timestamptz NOT NULL,
    report_id     uuid NOT NULL REFERENCES reports (id),
    payload       jsonb NOT NULL,
    published_at  timestamptz,
    claimed_until timestamptz,
    attempts      bigint NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    last_error    text
);

-- The unpublished events in order (claims, `pending`), and the first
-- unpublished event of each report (the claim's per-report order rule).
-- Partial: published events, the vast majority, are not in them.
CREATE INDEX outbox_pending ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_pending_by_report ON outbox (report_id, seq) WHERE published_at IS NULL;

CREATE TABLE audit_log (
    seq        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id         uuid NOT NULL UNIQUE,
    at         timestamptz NOT NULL,
    actor      uuid,
    actor_role text,
    action     text NOT NULL,
    target     text NOT NULL,
    before     jsonb NOT NULL,
    after      jsonb NOT NULL
);

CREATE INDEX audit_log_by_time ON audit_log (at, seq);
CREATE INDEX audit_log_by_target ON audit_log (target, at, seq);
