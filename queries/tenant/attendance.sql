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

-- name: AttendanceUpsertMark :exec
INSERT INTO attendance (student_id, date, class_id, status, note, marked_by, marked_at)
VALUES (?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (student_id, date) DO UPDATE SET
    class_id = excluded.class_id, status = excluded.status, note = excluded.note,
    marked_by = excluded.marked_by, marked_at = excluded.marked_at;

-- name: AttendanceInsertAlert :execrows
INSERT INTO attendance_alerts (student_id, date, class_id, event_id, created_at) VALUES (?, ?, ?, ?, ?)
ON CONFLICT (student_id, date) DO NOTHING;

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
