-- The student list reads one page through an index instead of sorting the school.
-- Every index below matches an ordering of the list exactly, COLLATE included (an index
-- on the plain column cannot serve ORDER BY ... COLLATE NOCASE); each index ends in the
-- rowid, so "then by id" comes free.
DROP INDEX students_last_first;
DROP INDEX students_status;
CREATE INDEX students_name ON students (last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX students_status_name ON students (status, last_name COLLATE NOCASE, first_name COLLATE NOCASE);
CREATE INDEX students_first_name ON students (first_name COLLATE NOCASE);
CREATE INDEX students_date_of_birth ON students (date_of_birth);
CREATE INDEX students_created_at ON students (created_at);
-- A teacher's list starts from the classes they lead.
CREATE INDEX classes_class_teacher ON classes (class_teacher_id);

-- How many students have each status, kept by triggers, so the list's total does not
-- count the whole table on every page.
CREATE TABLE student_counts (
    status TEXT    PRIMARY KEY,
    n      INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO student_counts (status, n) SELECT status, count(*) FROM students GROUP BY status;

CREATE TRIGGER student_counts_insert AFTER INSERT ON students BEGIN
    INSERT INTO student_counts (status, n) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER student_counts_delete AFTER DELETE ON students BEGIN
    UPDATE student_counts SET n = n - 1 WHERE status = OLD.status;
END;
CREATE TRIGGER student_counts_update AFTER UPDATE OF status ON students
WHEN OLD.status IS NOT NEW.status BEGIN
    UPDATE student_counts SET n = n - 1 WHERE status = OLD.status;
    INSERT INTO student_counts (status, n) VALUES (NEW.status, 1)
    ON CONFLICT (status) DO UPDATE SET n = n + 1;
END;

-- Search finds substrings of names and admission numbers: a trigram index answers
-- "contains otie" without reading every student. It holds no copy of the text
-- (content = students); the triggers keep it in step with every write.
CREATE VIRTUAL TABLE students_search USING fts5 (
    first_name, middle_name, last_name, admission_no,
    content = 'students', content_rowid = 'id', tokenize = 'trigram'
);
INSERT INTO students_search (students_search) VALUES ('rebuild');

CREATE TRIGGER students_search_insert AFTER INSERT ON students BEGIN
    INSERT INTO students_search (rowid, first_name, middle_name, last_name, admission_no)
    VALUES (NEW.id, NEW.first_name, NEW.middle_name, NEW.last_name, NEW.admission_no);
END;
CREATE TRIGGER students_search_delete AFTER DELETE ON students BEGIN
    INSERT INTO students_search (students_search, rowid, first_name, middle_name, last_name, admission_no)
    VALUES ('delete', OLD.id, OLD.first_name, OLD.middle_name, OLD.last_name, OLD.admission_no);
END;
CREATE TRIGGER students_search_update AFTER UPDATE OF id, first_name, middle_name, last_name, admission_no ON students BEGIN
    INSERT INTO students_search (students_search, rowid, first_name, middle_name, last_name, admission_no)
    VALUES ('delete', OLD.id, OLD.first_name, OLD.middle_name, OLD.last_name, OLD.admission_no);
    INSERT INTO students_search (rowid, first_name, middle_name, last_name, admission_no)
    VALUES (NEW.id, NEW.first_name, NEW.middle_name, NEW.last_name, NEW.admission_no);
END;
