-- name: AcademicsGetSession :one
SELECT * FROM academic_sessions WHERE id = ?;

-- name: AcademicsGetCurrentSession :one
SELECT * FROM academic_sessions WHERE is_current = 1;

-- name: AcademicsGetSessionByName :one
SELECT * FROM academic_sessions WHERE name = ?;

-- name: AcademicsCountSessions :one
SELECT count(*) FROM academic_sessions;

-- name: AcademicsCreateSession :one
INSERT INTO academic_sessions (name, start_date, end_date, is_current) VALUES (?, ?, ?, ?)
RETURNING *;

-- name: AcademicsUpdateSession :one
UPDATE academic_sessions
SET name = ?, start_date = ?, end_date = ?, is_current = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AcademicsClearCurrentSession :many
UPDATE academic_sessions SET is_current = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE is_current = 1 AND id != ?
RETURNING id;

-- name: AcademicsDeleteSession :execrows
DELETE FROM academic_sessions WHERE id = ?;

-- name: AcademicsCountSessionTerms :one
SELECT count(*) FROM terms WHERE session_id = ?;

-- name: AcademicsCountSessionClasses :one
SELECT count(*) FROM classes WHERE session_id = ?;

-- name: AcademicsCountSessionEnrollments :one
SELECT count(*) FROM enrollments WHERE session_id = ?;

-- name: AcademicsTermsOutside :many
SELECT * FROM terms
WHERE session_id = sqlc.arg(session_id)
  AND (start_date < sqlc.arg(session_start) OR end_date > sqlc.arg(session_end))
ORDER BY start_date;

-- name: AcademicsGetTerm :one
SELECT * FROM terms WHERE id = ?;

-- name: AcademicsGetCurrentTerm :one
SELECT * FROM terms WHERE is_current = 1;

-- name: AcademicsCountTerms :one
SELECT count(*) FROM terms;

-- name: AcademicsCreateTerm :one
INSERT INTO terms (session_id, name, start_date, end_date, next_term_begins, is_current)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: AcademicsUpdateTerm :one
UPDATE terms
SET session_id = ?, name = ?, start_date = ?, end_date = ?, next_term_begins = ?, is_current = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AcademicsClearCurrentTerm :many
UPDATE terms SET is_current = 0, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE is_current = 1 AND id != ?
RETURNING id;

-- name: AcademicsDeleteTerm :execrows
DELETE FROM terms WHERE id = ?;

-- Terms of a session that share at least one day with [first_day, last_day], other than
-- the term being changed.
-- name: AcademicsOverlappingTerms :many
SELECT * FROM terms
WHERE session_id = sqlc.arg(session_id) AND id != sqlc.arg(except_id)
  AND start_date <= sqlc.arg(last_day) AND end_date >= sqlc.arg(first_day)
ORDER BY start_date;

-- name: AcademicsGetForm :one
SELECT * FROM forms WHERE id = ?;

-- name: AcademicsGetFormByLevel :one
SELECT * FROM forms WHERE level = ?;

-- name: AcademicsCreateForm :one
INSERT INTO forms (name, level, level_block) VALUES (?, ?, ?)
RETURNING *;

-- name: AcademicsUpdateForm :one
UPDATE forms SET name = ?, level = ?, level_block = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AcademicsDeleteForm :execrows
DELETE FROM forms WHERE id = ?;

-- name: AcademicsCountFormClasses :one
SELECT count(*) FROM classes WHERE form_id = ?;

-- name: AcademicsCountFormAdmissions :one
SELECT count(*) FROM admissions WHERE form_id = ?;

-- name: AcademicsGetClass :one
SELECT * FROM classes WHERE id = ?;

-- name: AcademicsGetClassByName :one
SELECT * FROM classes WHERE session_id = ? AND name = ?;

-- name: AcademicsCreateClass :one
INSERT INTO classes (form_id, session_id, name, class_teacher_id, capacity) VALUES (?, ?, ?, ?, ?)
RETURNING *;

-- name: AcademicsUpdateClass :one
UPDATE classes
SET form_id = ?, session_id = ?, name = ?, class_teacher_id = ?, capacity = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AcademicsDeleteClass :execrows
DELETE FROM classes WHERE id = ?;

-- name: AcademicsCountClassActiveStudents :one
SELECT count(*) FROM enrollments WHERE class_id = ? AND status = 'active';

-- name: AcademicsCountClassEnrollments :one
SELECT count(*) FROM enrollments WHERE class_id = ?;

-- name: AcademicsCountClassAssignments :one
SELECT count(*) FROM subject_assignments WHERE class_id = ?;

-- name: AcademicsGetSubject :one
SELECT * FROM subjects WHERE id = ?;

-- name: AcademicsGetSubjectByCode :one
SELECT * FROM subjects WHERE code = ?;

-- name: AcademicsCreateSubject :one
INSERT INTO subjects (code, name, is_core) VALUES (?, ?, ?)
RETURNING *;

-- name: AcademicsUpdateSubject :one
UPDATE subjects SET code = ?, name = ?, is_core = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AcademicsDeleteSubject :execrows
DELETE FROM subjects WHERE id = ?;

-- name: AcademicsCountSubjectAssignments :one
SELECT count(*) FROM subject_assignments WHERE subject_id = ?;

-- name: AcademicsCountSubjectForms :one
SELECT count(*) FROM curriculum WHERE subject_id = ?;

-- name: AcademicsFormSubjects :many
SELECT s.* FROM subjects s JOIN curriculum c ON c.subject_id = s.id
WHERE c.form_id = ?
ORDER BY s.is_core DESC, s.name, s.id;

-- name: AcademicsClearCurriculum :exec
DELETE FROM curriculum WHERE form_id = ?;

-- name: AcademicsAddCurriculum :exec
INSERT INTO curriculum (form_id, subject_id) VALUES (?, ?);

-- name: AcademicsGetAssignment :one
SELECT * FROM subject_assignments WHERE id = ?;

-- name: AcademicsGetAssignmentFor :one
SELECT * FROM subject_assignments WHERE class_id = ? AND subject_id = ?;

-- name: AcademicsCreateAssignment :one
INSERT INTO subject_assignments (teacher_id, class_id, subject_id) VALUES (?, ?, ?)
RETURNING *;

-- name: AcademicsUpdateAssignment :one
UPDATE subject_assignments SET teacher_id = ?, class_id = ?, subject_id = ?
WHERE id = ?
RETURNING *;

-- name: AcademicsDeleteAssignment :execrows
DELETE FROM subject_assignments WHERE id = ?;

-- A school account as a class teacher or subject teacher candidate.
-- name: AcademicsGetStaff :one
SELECT id, email, name, role, is_active FROM users WHERE id = ?;
