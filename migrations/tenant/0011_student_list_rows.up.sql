-- Each student's list row as the JSON the API shows, so a page of the list is an index
-- walk that joins stored text instead of building it (building it was about half the
-- CPU of a list request). student_list_json says once what the row holds; the triggers
-- below keep student_list_rows equal to it through every write that changes what it
-- shows: the student, their enrollments, the name and form of a class, the name and
-- level of a form, and which session is current. Guardians are not in the row.
CREATE VIEW student_list_json AS
SELECT s.id AS student_id,
       json_object('id', s.id, 'admission_no', s.admission_no, 'first_name', s.first_name,
           'middle_name', s.middle_name, 'last_name', s.last_name, 'gender', s.gender,
           'date_of_birth', s.date_of_birth, 'nationality', s.nationality, 'home_language', s.home_language,
           'address', s.address, 'medical_notes', s.medical_notes, 'status', s.status,
           'admitted_on', s.admitted_on, 'created_at', s.created_at, 'updated_at', s.updated_at,
           'current_class', CASE WHEN cc.id IS NOT NULL THEN json_object('id', cc.id, 'name', cc.name,
               'form', json_object('id', cf.id, 'name', cf.name, 'level', cf.level)) END) AS json
FROM students s
LEFT JOIN academic_sessions cs ON cs.is_current = 1
LEFT JOIN enrollments ce ON ce.student_id = s.id AND ce.status = 'active' AND ce.session_id = cs.id
LEFT JOIN classes cc ON cc.id = ce.class_id
LEFT JOIN forms cf ON cf.id = cc.form_id;

CREATE TABLE student_list_rows (
    student_id INTEGER PRIMARY KEY,
    json       TEXT NOT NULL
);
INSERT INTO student_list_rows (student_id, json) SELECT student_id, json FROM student_list_json;

CREATE TRIGGER student_list_rows_student_insert AFTER INSERT ON students BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json WHERE student_id = NEW.id;
END;
CREATE TRIGGER student_list_rows_student_update AFTER UPDATE ON students BEGIN
    DELETE FROM student_list_rows WHERE student_id = OLD.id AND OLD.id IS NOT NEW.id;
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json WHERE student_id = NEW.id;
END;
CREATE TRIGGER student_list_rows_student_delete AFTER DELETE ON students BEGIN
    DELETE FROM student_list_rows WHERE student_id = OLD.id;
END;

CREATE TRIGGER student_list_rows_enrollment_insert AFTER INSERT ON enrollments BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json WHERE student_id = NEW.student_id;
END;
CREATE TRIGGER student_list_rows_enrollment_update AFTER UPDATE ON enrollments BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json WHERE student_id IN (OLD.student_id, NEW.student_id);
END;
CREATE TRIGGER student_list_rows_enrollment_delete AFTER DELETE ON enrollments BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json WHERE student_id = OLD.student_id;
END;

CREATE TRIGGER student_list_rows_class_update AFTER UPDATE OF id, name, form_id ON classes BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json
    WHERE student_id IN (SELECT student_id FROM enrollments WHERE class_id IN (OLD.id, NEW.id));
END;

CREATE TRIGGER student_list_rows_form_update AFTER UPDATE OF id, name, level ON forms BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json
    WHERE student_id IN (SELECT e.student_id FROM enrollments e JOIN classes c ON c.id = e.class_id
                         WHERE c.form_id IN (OLD.id, NEW.id));
END;

-- Only students enrolled in a session that becomes or stops being current change: the
-- others show no class before and after.
CREATE TRIGGER student_list_rows_session_update AFTER UPDATE OF id, is_current ON academic_sessions BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json
    WHERE student_id IN (SELECT student_id FROM enrollments WHERE session_id IN (OLD.id, NEW.id));
END;
CREATE TRIGGER student_list_rows_session_insert AFTER INSERT ON academic_sessions WHEN NEW.is_current BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json
    WHERE student_id IN (SELECT student_id FROM enrollments WHERE session_id = NEW.id);
END;
CREATE TRIGGER student_list_rows_session_delete AFTER DELETE ON academic_sessions WHEN OLD.is_current BEGIN
    INSERT OR REPLACE INTO student_list_rows (student_id, json)
    SELECT student_id, json FROM student_list_json
    WHERE student_id IN (SELECT student_id FROM enrollments WHERE session_id = OLD.id);
END;
