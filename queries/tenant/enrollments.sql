-- Enrollments: a student in a class for a session.

-- name: EnrollmentsGet :one
SELECT * FROM enrollments WHERE id = ?;

-- name: EnrollmentsForStudentSession :one
SELECT * FROM enrollments WHERE student_id = ? AND session_id = ?;

-- name: EnrollmentsCreate :one
INSERT INTO enrollments (student_id, class_id, session_id, status, enrolled_on)
VALUES (?, ?, ?, ?, ?)
RETURNING *;

-- name: EnrollmentsUpdate :one
UPDATE enrollments SET class_id = ?, status = ?, enrolled_on = ?, ended_on = ? WHERE id = ?
RETURNING *;

-- name: EnrollmentsEndActive :many
UPDATE enrollments SET status = 'left', ended_on = ?
WHERE student_id = ? AND status = 'active'
RETURNING *;

-- name: EnrollmentsActiveInSession :many
SELECT e.id, e.student_id, e.class_id, e.session_id, e.status, e.enrolled_on,
       s.admission_no, s.first_name, s.middle_name, s.last_name
FROM enrollments e
JOIN students s ON s.id = e.student_id
WHERE e.session_id = ? AND e.status = 'active'
ORDER BY e.class_id, s.last_name, s.first_name, s.id;

-- name: EnrollmentsStudentsInSession :many
SELECT student_id FROM enrollments WHERE session_id = ?;
