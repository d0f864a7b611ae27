-- Notifications: what each person is told about reports, read or unread.
-- One per recipient and dedupe key (what it was made from), so an event
-- delivered twice notifies once.
CREATE TABLE notifications (
    id         uuid NOT NULL PRIMARY KEY,
    recipient  uuid NOT NULL REFERENCES users (id),
    kind       text NOT NULL,
    report_id  uuid NOT NULL,
    title      text NOT NULL,
    body       text NOT NULL,
    dedupe_key text NOT NULL,
    created_at timestamptz NOT NULL,
    read_at    timestamptz,
    UNIQUE (recipient, dedupe_key)
);

-- A person's list, newest first, and their unread ones.
CREATE INDEX notifications_by_recipient ON notifications (recipient, id);
CREATE INDEX notifications_unread ON notifications (recipient, id) WHERE read_at IS NULL;
-- For purging old notifications.
CREATE INDEX notifications_by_age ON notifications (created_at);

-- New work for a department: its staff and managers.
CREATE INDEX users_by_department ON users (department, role);
