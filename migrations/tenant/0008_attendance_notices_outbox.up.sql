-- Attendance, the school calendar, notices, and the outbox events leave the file through.
-- Dates are ISO 8601 text (YYYY-MM-DD), so text order is date order. The school's working
-- weekdays are a setting (school_settings, key working_days); Monday to Friday without it.

-- A break inside a term ("Half term", "Madaraka Day"): no register is kept on its days.
-- Holidays do not overlap one another (the service checks); they go with their term.
CREATE TABLE holidays (
    id         INTEGER PRIMARY KEY,
    term_id    INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    name       TEXT    NOT NULL,
    start_date TEXT    NOT NULL,
    end_date   TEXT    NOT NULL,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (end_date >= start_date)
);
CREATE INDEX holidays_term ON holidays (term_id);
CREATE INDEX holidays_start ON holidays (start_date);

-- One mark per student and date; re-marking replaces it. class_id is the register it was
-- taken in (a student who changes class keeps the marks taken in the old one).
CREATE TABLE attendance (
    id         INTEGER PRIMARY KEY,
    student_id INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    date       TEXT    NOT NULL,
    class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE RESTRICT,
    status     TEXT    NOT NULL CHECK (status IN ('present', 'absent', 'late', 'excused')),
    note       TEXT    NOT NULL DEFAULT '',
    marked_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    marked_at  TEXT    NOT NULL,
    UNIQUE (student_id, date)
);
-- A register, a class's month, and a day's overview (one seek per class) read this index
-- alone. A class with marks is not deleted: its registers are the school's record.
CREATE INDEX attendance_class_date ON attendance (class_id, date, status, student_id);

-- A student was reported absent on a date: at most one alert per student and day, however
-- often the register is saved or the mark changes back and forth.
CREATE TABLE attendance_alerts (
    student_id INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    date       TEXT    NOT NULL,
    class_id   INTEGER NOT NULL,
    event_id   TEXT    NOT NULL,
    created_at TEXT    NOT NULL,
    PRIMARY KEY (student_id, date)
) WITHOUT ROWID;

-- A notice to an audience: everyone, one form, or one class. It is shown from
-- publish_from to publish_until (dates in the school's timezone; no end when NULL).
-- published_at is set when it first became visible and its notice.published event was
-- written, so an event is written once per notice.
CREATE TABLE notices (
    id            INTEGER PRIMARY KEY,
    title         TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    audience      TEXT    NOT NULL CHECK (audience IN ('all', 'form', 'class')),
    form_id       INTEGER REFERENCES forms (id) ON DELETE CASCADE,
    class_id      INTEGER REFERENCES classes (id) ON DELETE CASCADE,
    publish_from  TEXT    NOT NULL,
    publish_until TEXT,
    pinned        BOOLEAN NOT NULL DEFAULT 0,
    published_at  TEXT,
    created_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (publish_until IS NULL OR publish_until >= publish_from),
    CHECK ((audience = 'all' AND form_id IS NULL AND class_id IS NULL)
        OR (audience = 'form' AND form_id IS NOT NULL AND class_id IS NULL)
        OR (audience = 'class' AND class_id IS NOT NULL AND form_id IS NULL))
);
CREATE INDEX notices_window ON notices (publish_from, publish_until);
-- Notices whose publication is still to come: the worker that publishes them on their
-- day reads only these.
CREATE INDEX notices_unpublished ON notices (publish_from) WHERE published_at IS NULL;

-- Events written in the same transaction as the change they tell of, and relayed to
-- JetStream; sent_at is set only after the stream acknowledged the publish.
CREATE TABLE outbox (
    id         TEXT PRIMARY KEY, -- a random UUID, also the JetStream message id
    type       TEXT NOT NULL,    -- e.g. attendance.absent
    data       TEXT NOT NULL,    -- JSON
    created_at TEXT NOT NULL,
    sent_at    TEXT
);
CREATE INDEX outbox_unsent ON outbox (created_at) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;
