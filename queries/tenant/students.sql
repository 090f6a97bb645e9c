-- Students: bio records, settings and counters behind admission numbers, and the few
-- academic-structure reads the student service needs.

-- name: StudentsGet :one
SELECT * FROM students WHERE id = ?;

-- name: StudentsAdmissionNoTaken :one
SELECT EXISTS (SELECT 1 FROM students WHERE admission_no = ?) AS taken;

-- name: StudentsCreate :one
INSERT INTO students (admission_no, first_name, middle_name, last_name, gender, date_of_birth,
                      nationality, home_language, address, medical_notes, status, admitted_on)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: StudentsUpdate :one
UPDATE students
SET admission_no = ?, first_name = ?, middle_name = ?, last_name = ?, gender = ?, date_of_birth = ?,
    nationality = ?, home_language = ?, address = ?, medical_notes = ?, status = ?, admitted_on = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: StudentsSetStatus :exec
UPDATE students SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?;

-- name: StudentsDelete :execrows
DELETE FROM students WHERE id = ?;

-- name: StudentsGuardians :many
SELECT g.id, g.name, g.relationship, g.phone, g.email, g.receives_messages, sg.is_primary
FROM student_guardians sg
JOIN guardians g ON g.id = sg.guardian_id
WHERE sg.student_id = ?
ORDER BY sg.is_primary DESC, g.name, g.id;

-- name: StudentsEnrollments :many
SELECT e.id, e.student_id, e.class_id, e.session_id, e.status, e.enrolled_on, e.ended_on, e.created_at,
       c.name AS class_name, f.id AS form_id, f.name AS form_name, f.level AS form_level,
       a.name AS session_name, a.is_current AS session_is_current
FROM enrollments e
JOIN classes c ON c.id = e.class_id
JOIN forms f ON f.id = c.form_id
JOIN academic_sessions a ON a.id = e.session_id
WHERE e.student_id = ?
ORDER BY a.start_date DESC, e.id DESC;

-- name: StudentsGetSetting :one
SELECT value FROM school_settings WHERE key = ?;

-- name: StudentsPutSetting :exec
INSERT INTO school_settings (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: StudentsGetCounter :one
SELECT value FROM counters WHERE name = ?;

-- name: StudentsSetCounter :exec
INSERT INTO counters (name, value) VALUES (?, ?)
ON CONFLICT (name) DO UPDATE SET value = excluded.value;

-- name: StudentsSchoolCountry :one
SELECT country_code FROM school_profile WHERE id = 1;

-- name: StudentsCurrentSession :one
SELECT * FROM academic_sessions WHERE is_current = 1;

-- name: StudentsSession :one
SELECT * FROM academic_sessions WHERE id = ?;

-- name: StudentsForm :one
SELECT * FROM forms WHERE id = ?;

-- name: StudentsForms :many
SELECT * FROM forms ORDER BY level;

-- name: StudentsClass :one
SELECT c.id, c.name, c.form_id, c.session_id, c.capacity, c.class_teacher_id,
       f.name AS form_name, f.level AS form_level, a.name AS session_name
FROM classes c
JOIN forms f ON f.id = c.form_id
JOIN academic_sessions a ON a.id = c.session_id
WHERE c.id = ?;

-- name: StudentsSessionClasses :many
SELECT c.id, c.name, c.form_id, c.session_id, c.capacity, c.class_teacher_id,
       f.name AS form_name, f.level AS form_level, a.name AS session_name
FROM classes c
JOIN forms f ON f.id = c.form_id
JOIN academic_sessions a ON a.id = c.session_id
WHERE c.session_id = ?
ORDER BY f.level, c.name, c.id;

-- name: StudentsClassActiveCount :one
SELECT count(*) FROM enrollments WHERE class_id = ? AND status = 'active';

-- name: StudentsTeacherSees :one
-- Whether a teacher teaches or leads a class the student is enrolled in, in the session.
SELECT EXISTS (
    SELECT 1 FROM enrollments e
    JOIN classes c ON c.id = e.class_id
    WHERE e.student_id = sqlc.arg(student_id) AND e.session_id = sqlc.arg(session_id)
      AND (c.class_teacher_id = sqlc.arg(teacher_id)
           OR EXISTS (SELECT 1 FROM subject_assignments sa
                      WHERE sa.class_id = c.id AND sa.teacher_id = sqlc.arg(teacher_id)))
) AS sees;

-- name: StudentsTotal :one
-- How many students the school has, from the counters the triggers of 0006 keep.
SELECT CAST(coalesce(sum(n), 0) AS INTEGER) AS total FROM student_counts;

-- name: StudentsWithStatus :one
SELECT n FROM student_counts WHERE status = ?;
