-- Identity and access: refresh-token families, accounts without a password,
-- accounts linked at identity providers, service accounts' API keys, and
-- sealed secrets.

-- Refresh tokens belong to a family (the sign-in they were rotated from) and
-- are kept once used, until they expire, so that presenting one again is
-- recognised as reuse (`used_at` set: never accepted again). Existing
-- sessions are kept: each becomes a family of its own (`gen_random_uuid()`,
-- built into PostgreSQL 13+), so nobody is signed out by the upgrade.
ALTER TABLE sessions ADD COLUMN family uuid;
UPDATE sessions SET family = gen_random_uuid();
ALTER TABLE sessions ALTER COLUMN family SET NOT NULL;
ALTER TABLE sessions ADD COLUMN used_at timestamptz;

-- Whether a family is live; the tokens to revoke with it.
CREATE INDEX sessions_by_family ON sessions (family, expires_at);
-- For purging expired tokens. (`sessions_by_user` exists since 0001.)
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

-- People who sign in only through an identity provider, and service
-- accounts, have no password. (Roles are plain text without a CHECK, see
-- 0001, so the 'service' role needs nothing.)
ALTER TABLE users ALTER COLUMN password_hash DROP NOT NULL;

-- An account at an identity provider, linked to one of ours.
CREATE TABLE user_identities (
    provider  text NOT NULL,
    subject   text NOT NULL,
    user_id   uuid NOT NULL REFERENCES users (id),
    linked_at timestamptz NOT NULL,
    PRIMARY KEY (provider, subject)
);

CREATE INDEX user_identities_by_user ON user_identities (user_id);

-- Service accounts' API keys: only a hash of each key.
CREATE TABLE api_keys (
    id         uuid NOT NULL PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id),
    prefix     text NOT NULL,
    key_hash   text NOT NULL CONSTRAINT api_keys_key_hash_unique UNIQUE,
    label      text NOT NULL,
    created_at timestamptz NOT NULL,
    revoked_at timestamptz
);

-- A service account's keys, newest first.
CREATE INDEX api_keys_by_user ON api_keys (user_id, created_at DESC, id DESC);

-- Secrets of the settings, sealed by the server (the store never sees a
-- plain value). `updated_by` is not a foreign key: who set a secret is
-- history, like a report's reporter.
CREATE TABLE settings_secrets (
    name       text NOT NULL PRIMARY KEY,
    sealed     bytea NOT NULL,
    updated_at timestamptz NOT NULL,
    updated_by uuid
);
