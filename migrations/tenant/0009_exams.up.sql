-- Assessments, marks, grading scales and report cards.
-- Marks are kept in tenths of a point (a score has at most one decimal), so sums and
-- comparisons of marks are exact.

-- One piece of assessed work of a class in a subject and term: "CAT 1", "End of term".
-- Weights need not add up to 100: results divide by the weights that count.
CREATE TABLE assessments (
    id          INTEGER PRIMARY KEY,
    term_id     INTEGER NOT NULL REFERENCES terms (id) ON DELETE RESTRICT,
    class_id    INTEGER NOT NULL REFERENCES classes (id) ON DELETE RESTRICT,
    subject_id  INTEGER NOT NULL REFERENCES subjects (id) ON DELETE RESTRICT,
    name        TEXT    NOT NULL,
    kind        TEXT    NOT NULL CHECK (kind IN ('test', 'exam', 'assignment', 'project')),
    date        TEXT    NOT NULL,
    max_tenths  INTEGER NOT NULL CHECK (max_tenths > 0),
    weight      REAL    NOT NULL CHECK (weight >= 0),
    created_by  INTEGER REFERENCES users (id) ON DELETE SET NULL,
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    UNIQUE (term_id, class_id, subject_id, name)
);
CREATE INDEX assessments_class_term ON assessments (class_id, term_id, subject_id);
CREATE INDEX assessments_term ON assessments (term_id, class_id);

-- A student's mark on an assessment: a score, or absent / exempt. No row: not marked.
CREATE TABLE scores (
    assessment_id INTEGER NOT NULL REFERENCES assessments (id) ON DELETE CASCADE,
    student_id    INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    status        TEXT    NOT NULL CHECK (status IN ('scored', 'absent', 'exempt')),
    score_tenths  INTEGER CHECK (score_tenths IS NULL OR score_tenths >= 0),
    updated_by    INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at    TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    CHECK ((status = 'scored') = (score_tenths IS NOT NULL)),
    PRIMARY KEY (assessment_id, student_id)
) WITHOUT ROWID;
CREATE INDEX scores_student ON scores (student_id);

-- Percentage bands -> grade, points, remark. A band covers [min_percent, the next
-- band's min_percent); the top band ends at 100. The service keeps the bands of a scale
-- covering 0-100 with neither gaps nor overlaps.
CREATE TABLE grading_scales (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE COLLATE NOCASE,
    is_default BOOLEAN NOT NULL DEFAULT 0,
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE UNIQUE INDEX grading_scales_one_default ON grading_scales (is_default) WHERE is_default = 1;

CREATE TABLE grading_bands (
    scale_id    INTEGER NOT NULL REFERENCES grading_scales (id) ON DELETE CASCADE,
    min_percent INTEGER NOT NULL CHECK (min_percent BETWEEN 0 AND 100),
    max_percent INTEGER NOT NULL CHECK (max_percent BETWEEN min_percent AND 100),
    grade       TEXT    NOT NULL,
    points      REAL    NOT NULL CHECK (points >= 0),
    remark      TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (scale_id, min_percent)
) WITHOUT ROWID;

-- A form graded on a scale of its own; forms not listed use the default scale.
CREATE TABLE grading_scale_forms (
    form_id  INTEGER PRIMARY KEY REFERENCES forms (id) ON DELETE CASCADE,
    scale_id INTEGER NOT NULL REFERENCES grading_scales (id) ON DELETE CASCADE
);
CREATE INDEX grading_scale_forms_scale ON grading_scale_forms (scale_id);

INSERT INTO grading_scales (id, name, is_default) VALUES (1, 'Standard (A-E, 12 points)', 1);
INSERT INTO grading_bands (scale_id, min_percent, max_percent, grade, points, remark) VALUES
    (1, 80, 100, 'A',  12, 'Excellent'),
    (1, 75,  79, 'A-', 11, 'Very good'),
    (1, 70,  74, 'B+', 10, 'Good'),
    (1, 65,  69, 'B',   9, 'Good'),
    (1, 60,  64, 'B-',  8, 'Fairly good'),
    (1, 55,  59, 'C+',  7, 'Average'),
    (1, 50,  54, 'C',   6, 'Average'),
    (1, 45,  49, 'C-',  5, 'Fair'),
    (1, 40,  44, 'D+',  4, 'Below average'),
    (1, 35,  39, 'D',   3, 'Weak'),
    (1, 30,  34, 'D-',  2, 'Weak'),
    (1,  0,  29, 'E',   1, 'Very weak');

-- Where a class's report cards are for a term: draft -> comments -> published. No row
-- is draft. Published cards are what parents see, and lock the marks behind them.
CREATE TABLE report_workflow (
    term_id      INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    class_id     INTEGER NOT NULL REFERENCES classes (id) ON DELETE CASCADE,
    status       TEXT    NOT NULL CHECK (status IN ('draft', 'comments', 'published')),
    published_at TEXT,
    published_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (term_id, class_id)
) WITHOUT ROWID;
CREATE INDEX report_workflow_published ON report_workflow (status, term_id);

-- The class teacher's and head teacher's comments on a student's card for a term.
CREATE TABLE report_comments (
    term_id               INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    student_id            INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    class_teacher_comment TEXT    NOT NULL DEFAULT '',
    head_teacher_comment  TEXT    NOT NULL DEFAULT '',
    updated_by            INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at            TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (term_id, student_id)
) WITHOUT ROWID;

-- A subject teacher's remark on a student's subject row; without one the card shows the
-- grade band's remark.
CREATE TABLE subject_remarks (
    term_id    INTEGER NOT NULL REFERENCES terms (id) ON DELETE CASCADE,
    student_id INTEGER NOT NULL REFERENCES students (id) ON DELETE CASCADE,
    subject_id INTEGER NOT NULL REFERENCES subjects (id) ON DELETE CASCADE,
    remark     TEXT    NOT NULL,
    updated_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    updated_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    PRIMARY KEY (term_id, student_id, subject_id)
) WITHOUT ROWID;

-- Default comments by mean grade, filled into cards when a class moves to comments.
CREATE TABLE comment_bank (
    role    TEXT NOT NULL CHECK (role IN ('class_teacher', 'head_teacher')),
    grade   TEXT NOT NULL,
    comment TEXT NOT NULL,
    PRIMARY KEY (role, grade)
) WITHOUT ROWID;

INSERT INTO comment_bank (role, grade, comment) VALUES
    ('class_teacher', 'A',  'Outstanding work this term. Keep it up.'),
    ('class_teacher', 'A-', 'Excellent effort; aim for the very top.'),
    ('class_teacher', 'B+', 'Very good work. A little more effort will bring an A.'),
    ('class_teacher', 'B',  'Good work; keep improving.'),
    ('class_teacher', 'B-', 'Good effort; there is room to improve.'),
    ('class_teacher', 'C+', 'Fair work. More effort in weaker subjects will pay off.'),
    ('class_teacher', 'C',  'Average work. Work harder next term.'),
    ('class_teacher', 'C-', 'Below your ability. More effort is needed.'),
    ('class_teacher', 'D+', 'Weak performance. Seek help from your teachers.'),
    ('class_teacher', 'D',  'Weak performance. Much more effort is needed.'),
    ('class_teacher', 'D-', 'Poor performance. Let us work on this together.'),
    ('class_teacher', 'E',  'Very poor performance. Please see the class teacher.'),
    ('head_teacher', 'A',  'Excellent results. Congratulations.'),
    ('head_teacher', 'A-', 'Excellent results. Well done.'),
    ('head_teacher', 'B+', 'Very good results.'),
    ('head_teacher', 'B',  'Good results. Keep working.'),
    ('head_teacher', 'B-', 'Good. Aim higher next term.'),
    ('head_teacher', 'C+', 'Fair results. You can do better.'),
    ('head_teacher', 'C',  'Average. More effort needed.'),
    ('head_teacher', 'C-', 'More effort needed.'),
    ('head_teacher', 'D+', 'Weak results. Work harder.'),
    ('head_teacher', 'D',  'Weak results. Much more effort needed.'),
    ('head_teacher', 'D-', 'Poor results. See me with your parent.'),
    ('head_teacher', 'E',  'Very poor results. See me with your parent.');
