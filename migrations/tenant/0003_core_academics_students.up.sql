-- The school's own data, part 1: academic structure and student records.
-- Dates are ISO 8601 text (YYYY-MM-DD), so text order is date order.

CREATE TABLE academic_sessions (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    start_date TEXT    NOT NULL,
    end_date   TEXT    NOT NULL,
    is_current BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK (end_date > start_date)
);
-- Exactly one current session is kept by the service; the index forbids two.
CREATE UNIQUE INDEX academic_sessions_one_current ON academic_sessions (is_current) WHERE is_current = 1;

CREATE TABLE terms (
    id               INTEGER PRIMARY KEY,
    session_id       INTEGER NOT NULL REFERENCES academic_sessions (id) ON DELETE RESTRICT,
    name             TEXT    NOT NULL,
    start_date       TEXT    NOT NULL,
    end_date         TEXT    NOT NULL,
    next_term_begins TEXT,
    is_current       BOOLEAN NOT NULL DEFAULT 0,
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (session_id, name),
    CHECK (end_date > start_date)
);
CREATE UNIQUE INDEX terms_one_current ON terms (is_current) WHERE is_current = 1;

-- A grade level: "Form 1", "JSS 2", "Lower Sixth".
CREATE TABLE forms (
    id          INTEGER PRIMARY KEY,
    name        TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    level       INTEGER NOT NULL UNIQUE,
    level_block TEXT    NOT NULL DEFAULT '',
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- A stream of a form in one session: "Form 1A".
CREATE TABLE classes (
    id               INTEGER PRIMARY KEY,
    form_id          INTEGER NOT NULL REFERENCES forms (id) ON DELETE RESTRICT,
    session_id       INTEGER NOT NULL REFERENCES academic_sessions (id) ON DELETE RESTRICT,
    name             TEXT    NOT NULL COLLATE NOCASE,
    class_teacher_id INTEGER REFERENCES users (id) ON DELETE SET NULL,
    capacity         INTEGER CHECK (capacity IS NULL OR capacity > 0),
    created_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at       TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (session_id, name)
);
CREATE INDEX classes_form ON classes (form_id);

CREATE TABLE subjects (
    id         INTEGER PRIMARY KEY,
    code       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    name       TEXT    NOT NULL,
    is_core    BOOLEAN NOT NULL DEFAULT 1,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- Which subjects a form takes.
CREATE TABLE curriculum (
    form_id    INTEGER NOT NULL REFERENCES forms (id) ON DELETE CASCADE,
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    PRIMARY KEY (form_id, subject_id)
);

-- Who teaches what: one teacher per class and subject; decides what a teacher may see.
CREATE TABLE subject_assignments (
    id         INTEGER PRIMARY KEY,
    teacher_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    class_id   INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE RESTRICT,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (class_id, subject_id)
);
CREATE INDEX subject_assignments_teacher ON subject_assignments (teacher_id);

CREATE TABLE students (
    id            INTEGER PRIMARY KEY,
    admission_no  TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    first_name    TEXT    NOT NULL,
    middle_name   TEXT    NOT NULL DEFAULT '',
    last_name     TEXT    NOT NULL,
    gender        TEXT    NOT NULL CHECK (gender IN ('male', 'female', 'other')),
    date_of_birth TEXT,
    nationality   TEXT    NOT NULL DEFAULT '',
    home_language TEXT    NOT NULL DEFAULT '',
    address       TEXT    NOT NULL DEFAULT '',
    medical_notes TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL DEFAULT 'active'
                  CHECK (status IN ('active', 'graduated', 'transferred', 'withdrawn', 'suspended')),
    admitted_on   TEXT    NOT NULL DEFAULT (date('now')),
    created_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX students_last_first ON students (last_name, first_name);
CREATE INDEX students_status ON students (status);

CREATE TABLE guardians (
    id                INTEGER PRIMARY KEY,
    name              TEXT    NOT NULL,
    relationship      TEXT    NOT NULL DEFAULT '',
    phone             TEXT    NOT NULL DEFAULT '', -- E.164, the WhatsApp identity
    email             TEXT    NOT NULL DEFAULT '',
    receives_messages BOOLEAN NOT NULL DEFAULT 1,
    created_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at        TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX guardians_phone ON guardians (phone);

-- Many-to-many: siblings share guardians.
CREATE TABLE student_guardians (
    student_id  INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    guardian_id INTEGER NOT NULL REFERENCES guardians (id) ON DELETE CASCADE,
    is_primary  BOOLEAN NOT NULL DEFAULT 0,
    PRIMARY KEY (student_id, guardian_id)
);
CREATE INDEX student_guardians_guardian ON student_guardians (guardian_id);

-- An application: applied -> accepted | rejected -> enrolled.
CREATE TABLE admissions (
    id                    INTEGER PRIMARY KEY,
    first_name            TEXT    NOT NULL,
    middle_name           TEXT    NOT NULL DEFAULT '',
    last_name             TEXT    NOT NULL,
    gender                TEXT    NOT NULL CHECK (gender IN ('male', 'female', 'other')),
    date_of_birth         TEXT,
    form_id               INTEGER NOT NULL REFERENCES forms (id) ON DELETE RESTRICT,
    guardian_name         TEXT    NOT NULL DEFAULT '',
    guardian_relationship TEXT    NOT NULL DEFAULT '',
    guardian_phone        TEXT    NOT NULL DEFAULT '',
    guardian_email        TEXT    NOT NULL DEFAULT '',
    status                TEXT    NOT NULL DEFAULT 'applied'
                          CHECK (status IN ('applied', 'accepted', 'rejected', 'enrolled')),
    applied_on            TEXT    NOT NULL DEFAULT (date('now')),
    decided_on            TEXT,
    student_id            INTEGER REFERENCES students (id) ON DELETE SET NULL,
    notes                 TEXT    NOT NULL DEFAULT '',
    created_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX admissions_status ON admissions (status);

-- A student in a class for a session; history is kept across sessions.
CREATE TABLE enrollments (
    id          INTEGER PRIMARY KEY,
    student_id  INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    class_id    INTEGER NOT NULL REFERENCES classes (id) ON DELETE RESTRICT,
    session_id  INTEGER NOT NULL REFERENCES academic_sessions (id) ON DELETE RESTRICT,
    status      TEXT    NOT NULL DEFAULT 'active'
                CHECK (status IN ('active', 'promoted', 'repeated', 'graduated', 'left')),
    enrolled_on TEXT    NOT NULL DEFAULT (date('now')),
    ended_on    TEXT,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (student_id, session_id)
);
CREATE INDEX enrollments_class ON enrollments (class_id);

-- Per-school settings (admission number pattern, ...) and counters behind generated numbers.
CREATE TABLE school_settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TABLE counters (
    name  TEXT    PRIMARY KEY,
    value INTEGER NOT NULL
);
