-- E-mail of notifications (issue 12). There is no separate mail outbox: a
-- notification row is its own mail's work item, so storing a notification
-- and deciding to mail it are one write.

-- Each person's e-mail preference: 'none', 'immediate' or 'daily'; NULL
-- means their role's default (citizens immediate, officials daily).
ALTER TABLE users ADD COLUMN email_preference TEXT
    CHECK (email_preference IN ('none', 'immediate', 'daily'));

-- NULL mail_due_at: not mailed. Otherwise, for a mail of its own, when its
-- next try is due; for a digest notification (mail_digest = 1), when it
-- became due (it waits for the recipient's next daily digest).
ALTER TABLE notifications ADD COLUMN mail_due_at TEXT;
ALTER TABLE notifications ADD COLUMN mail_digest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN mailed_at TEXT;
ALTER TABLE notifications ADD COLUMN mail_attempts INTEGER NOT NULL DEFAULT 0;
-- A delivery holds a claimed mail until then; others skip it meanwhile.
ALTER TABLE notifications ADD COLUMN mail_claimed_until TEXT;
-- The last failure, and when the mail was given up (never tried again).
ALTER TABLE notifications ADD COLUMN mail_error TEXT;
ALTER TABLE notifications ADD COLUMN mail_failed_at TEXT;

-- Mails waiting: small, since sent and given-up ones leave it.
CREATE INDEX notifications_mail_due ON notifications (mail_due_at)
    WHERE mail_due_at IS NOT NULL AND mailed_at IS NULL AND mail_failed_at IS NULL;

-- One digest per recipient and digest time ("slot"): the key that makes
-- the daily digest go out at most once per person and day, however many
-- server instances run.
CREATE TABLE mail_digests (
    recipient     TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    slot          TEXT NOT NULL,
    due_at        TEXT NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    claimed_until TEXT,
    mailed_at     TEXT,
    error         TEXT,
    failed_at     TEXT,
    PRIMARY KEY (recipient, slot)
) STRICT;

CREATE INDEX mail_digests_due ON mail_digests (due_at)
    WHERE mailed_at IS NULL AND failed_at IS NULL;
