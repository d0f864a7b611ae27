-- The staff CLI (issue 13): accounts an administrator disabled cannot sign
-- in. NULL while the account is active; the time it was disabled otherwise.
ALTER TABLE users ADD COLUMN disabled_at timestamptz;
