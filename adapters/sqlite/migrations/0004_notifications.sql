-- Notifications: what each person is told about reports, read or unread.
-- One per recipient and dedupe key (what it was made from), so an event
-- delivered twice notifies once.
CREATE TABLE notifications (
    id         TEXT NOT NULL PRIMARY KEY,
    recipient  TEXT NOT NULL REFERENCES users (id),
    kind       TEXT NOT NULL,
    report_id  TEXT NOT NULL,
    title      TEXT NOT NULL,
    body       TEXT NOT NULL,
    dedupe_key TEXT NOT NULL,
    created_at TEXT NOT NULL,
    read_at    TEXT,
    UNIQUE (recipient, dedupe_key)
) STRICT;

-- A person's list, newest first, and their unread ones.
CREATE INDEX notifications_by_recipient ON notifications (recipient, id);
CREATE INDEX notifications_unread ON notifications (recipient, id) WHERE read_at IS NULL;
-- For purging old notifications.
CREATE INDEX notifications_by_age ON notifications (created_at);

-- New work for a department: its staff and managers.
CREATE INDEX users_by_department ON users (department, role);
