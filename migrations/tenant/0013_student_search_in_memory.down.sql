DROP TRIGGER student_search_stamp_update;
DROP TRIGGER student_search_stamp_delete;
DROP TRIGGER student_search_stamp_insert;
DROP TABLE student_search_stamp;

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
