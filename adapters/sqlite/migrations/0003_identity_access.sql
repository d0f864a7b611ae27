-- Identity and access: refresh-token families, accounts without a password,
-- accounts linked at identity providers, service accounts' API keys, and
-- sealed secrets.

-- Refresh tokens belong to a family (the sign-in they were rotated from) and
-- are kept once used, until they expire, so that presenting one again is
-- recognised as reuse. SQLite cannot add a NOT NULL column without a
-- constant default, so the table is rebuilt. Existing sessions are kept:
-- each becomes a family of its own, with a random (version 4) UUID made
-- here, so nobody is signed out by the upgrade.
CREATE TABLE sessions_new (
    token_hash TEXT NOT NULL PRIMARY KEY,
    family     TEXT NOT NULL,
    user_id    TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    -- When the token was presented (NULL: not yet); a used token is never
    -- accepted again.
    used_at    TEXT
) STRICT;

INSERT INTO sessions_new (token_hash, family, user_id, expires_at, used_at)
SELECT token_hash,
       lower(
           hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4'
           || substr(hex(randomblob(2)), 2) || '-'
           || substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) || '-'
           || hex(randomblob(6))
       ),
       user_id,
       expires_at,
       NULL
FROM sessions;

DROP TABLE sessions;
ALTER TABLE sessions_new RENAME TO sessions;

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_family ON sessions (family, expires_at);
-- For purging expired tokens.
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- People who sign in only through an identity provider, and service
-- accounts, have no password: password_hash becomes nullable, which SQLite
-- also only allows by rebuilding the table. (Roles are plain text without a
-- CHECK, so 'service' needs nothing.) Nothing refers to users yet, so the
-- old table may be dropped.
CREATE TABLE users_new (
    id            TEXT NOT NULL PRIMARY KEY,
    email         TEXT NOT NULL UNIQUE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL,
    department    TEXT,
    password_hash TEXT,
    created_at    TEXT NOT NULL
) STRICT;

INSERT INTO users_new (id, email, display_name, role, department, password_hash, created_at)
SELECT id, email, display_name, role, department, password_hash, created_at FROM users;

DROP TABLE users;
ALTER TABLE users_new RENAME TO users;

-- An account at an identity provider, linked to one of ours.
CREATE TABLE user_identities (
    provider  TEXT NOT NULL,
    subject   TEXT NOT NULL,
    user_id   TEXT NOT NULL REFERENCES users (id),
    linked_at TEXT NOT NULL,
    PRIMARY KEY (provider, subject)
) STRICT, WITHOUT ROWID;

CREATE INDEX user_identities_by_user ON user_identities (user_id);

-- Service accounts' API keys: only a hash of each key.
CREATE TABLE api_keys (
    id         TEXT NOT NULL PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id),
    prefix     TEXT NOT NULL,
    key_hash   TEXT NOT NULL UNIQUE,
    label      TEXT NOT NULL,
    created_at TEXT NOT NULL,
    revoked_at TEXT
) STRICT;

-- A service account's keys, newest first.
CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at, id);

-- Secrets of the settings, sealed by the server (the store never sees a
-- plain value). `updated_by` is not a foreign key: who set a secret is
-- history, like a report's reporter.
CREATE TABLE settings_secrets (
    name       TEXT NOT NULL PRIMARY KEY,
    sealed     BLOB NOT NULL,
    updated_at TEXT NOT NULL,
    updated_by TEXT
) STRICT;
