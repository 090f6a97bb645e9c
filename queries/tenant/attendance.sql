-- Attendance: the school calendar (working days, holidays), registers and alerts.

-- name: AttendanceGetSetting :one
SELECT value FROM school_settings WHERE key = ?;

-- name: AttendancePutSetting :exec
INSERT INTO school_settings (key, value) VALUES (?, ?)
ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: AttendanceClass :one
SELECT c.id, c.name, c.session_id, c.class_teacher_id, f.id AS form_id, f.name AS form_name, f.level AS form_level,
       s.name AS session_name
FROM classes c
JOIN forms f ON f.id = c.form_id
JOIN academic_sessions s ON s.id = c.session_id
WHERE c.id = ?;

-- name: AttendanceTeaches :one
SELECT EXISTS (SELECT 1 FROM classes WHERE classes.id = sqlc.arg(class_id) AND class_teacher_id = sqlc.arg(teacher_id))
    OR EXISTS (SELECT 1 FROM subject_assignments WHERE class_id = sqlc.arg(class_id) AND teacher_id = sqlc.arg(teacher_id));

-- name: AttendanceSessionTerms :many
SELECT * FROM terms WHERE session_id = ? ORDER BY start_date;

-- name: AttendanceTermsBetween :many
SELECT * FROM terms WHERE session_id = sqlc.arg(session_id) AND start_date <= sqlc.arg(last_day) AND end_date >= sqlc.arg(first_day)
ORDER BY start_date;

-- name: AttendanceGetTerm :one
SELECT * FROM terms WHERE id = ?;

-- name: AttendanceCurrentTerm :one
SELECT * FROM terms WHERE is_current = 1;

-- name: AttendanceCurrentSession :one
SELECT * FROM academic_sessions WHERE is_current = 1;

-- name: AttendanceSessionOn :many
SELECT * FROM academic_sessions WHERE start_date <= sqlc.arg(day) AND end_date >= sqlc.arg(day)
ORDER BY is_current DESC, start_date DESC;

-- name: AttendanceHolidaysBetween :many
SELECT * FROM holidays WHERE start_date <= sqlc.arg(last_day) AND end_date >= sqlc.arg(first_day)
ORDER BY start_date;

-- name: AttendanceOverlappingHolidays :many
SELECT * FROM holidays
WHERE id != sqlc.arg(except_id) AND start_date <= sqlc.arg(last_day) AND end_date >= sqlc.arg(first_day)
ORDER BY start_date;

-- name: AttendanceGetHoliday :one
SELECT * FROM holidays WHERE id = ?;

-- name: AttendanceCreateHoliday :one
INSERT INTO holidays (term_id, name, start_date, end_date) VALUES (?, ?, ?, ?)
RETURNING *;

-- name: AttendanceUpdateHoliday :one
UPDATE holidays SET term_id = ?, name = ?, start_date = ?, end_date = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AttendanceDeleteHoliday :execrows
DELETE FROM holidays WHERE id = ?;

-- name: AttendanceMarksOn :many
SELECT student_id, class_id, status, note FROM attendance
WHERE date = sqlc.arg(date) AND student_id IN (sqlc.slice(students));

-- name: AttendanceRegisterRows :many
-- The students in a class on a date with their marks that day: enrolled on or before it
-- and not ended by then (ended_on is the first day out of the class).
SELECT s.id, s.admission_no, s.first_name, s.middle_name, s.last_name,
       a.status, a.note, a.class_id AS mark_class_id, a.marked_by, a.marked_at,
       u.name AS marked_by_name, u.email AS marked_by_email
FROM enrollments e
JOIN students s ON s.id = e.student_id
LEFT JOIN attendance a ON a.student_id = e.student_id AND a.date = sqlc.arg(date)
LEFT JOIN users u ON u.id = a.marked_by
WHERE e.class_id = sqlc.arg(class_id) AND e.enrolled_on <= sqlc.arg(date) AND (e.ended_on IS NULL OR e.ended_on > sqlc.arg(date))
ORDER BY s.last_name COLLATE NOCASE, s.first_name COLLATE NOCASE, s.id;

-- name: AttendanceRegisterState :one
-- What a register save is checked against and changes, as one text: the students in the
-- class on the date and their marks. Equal texts read at two times mean none of it
-- changed in between.
SELECT CAST(json_group_array(json_array(e.student_id, a.status, a.note, a.class_id, a.marked_by, a.marked_at)) AS TEXT) AS state
FROM enrollments e
LEFT JOIN attendance a ON a.student_id = e.student_id AND a.date = sqlc.arg(date)
WHERE e.class_id = sqlc.arg(class_id) AND e.enrolled_on <= sqlc.arg(date) AND (e.ended_on IS NULL OR e.ended_on > sqlc.arg(date));

-- name: AttendanceUpsertMarks :exec
-- The marks of a register save in one statement: marks is a JSON array of
-- {"s": student, "st": status, "n": note}. One statement for the lot instead of one per
-- student, as the statement's own cost was most of a save's.
INSERT INTO attendance (student_id, date, class_id, status, note, marked_by, marked_at)
SELECT json_extract(j.value, '$.s'), sqlc.arg(date), sqlc.arg(class_id), json_extract(j.value, '$.st'),
       json_extract(j.value, '$.n'), sqlc.narg(marked_by), sqlc.arg(marked_at)
FROM json_each(sqlc.arg(marks)) j WHERE true
ON CONFLICT (student_id, date) DO UPDATE SET
    class_id = excluded.class_id, status = excluded.status, note = excluded.note,
    marked_by = excluded.marked_by, marked_at = excluded.marked_at;

-- name: AttendanceInsertAlerts :many
-- The absence alerts of a save, alerts a JSON array of {"s": student, "e": event id}; it
-- returns those written, a student already alerted that day keeping the first.
INSERT INTO attendance_alerts (student_id, date, class_id, event_id, created_at)
SELECT json_extract(j.value, '$.s'), sqlc.arg(date), sqlc.arg(class_id), json_extract(j.value, '$.e'), sqlc.arg(created_at)
FROM json_each(sqlc.arg(alerts)) j WHERE true
ON CONFLICT (student_id, date) DO NOTHING
RETURNING student_id, event_id;

-- name: AttendanceUserName :one
SELECT name, email FROM users WHERE id = ?;

-- name: AttendanceStudentMark :one
SELECT status FROM attendance WHERE student_id = ? AND date = ?;

-- name: AttendanceStudentCounts :many
SELECT status, count(*) AS n FROM attendance
WHERE student_id = sqlc.arg(student_id) AND date >= sqlc.arg(first_day) AND date <= sqlc.arg(last_day)
GROUP BY status;

-- name: AttendanceStudentExists :one
SELECT EXISTS (SELECT 1 FROM students WHERE id = ?);

-- name: AttendanceTeacherSeesStudent :one
SELECT EXISTS (
    SELECT 1 FROM enrollments e
    WHERE e.student_id = sqlc.arg(student_id) AND e.session_id = sqlc.arg(session_id) AND e.class_id IN (
        SELECT c.id FROM classes c WHERE c.class_teacher_id = sqlc.arg(teacher_id)
        UNION SELECT sa.class_id FROM subject_assignments sa WHERE sa.teacher_id = sqlc.arg(teacher_id)));
