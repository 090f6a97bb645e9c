-- An import of many rows reads what it checks them against in a few statements;
-- callers pass at most a few hundred values per slice.

-- name: ImportStudentsByAdmissionNo :many
SELECT * FROM students WHERE admission_no IN (sqlc.slice(numbers));

-- name: ImportLinksOfStudents :many
SELECT * FROM student_guardians WHERE student_id IN (sqlc.slice(student_ids));

-- name: ImportEnrollmentsInSession :many
SELECT * FROM enrollments WHERE session_id = ? AND student_id IN (sqlc.slice(student_ids));

-- name: ImportGuardiansByPhone :many
SELECT * FROM guardians WHERE phone IN (sqlc.slice(phones)) ORDER BY id;

-- name: ImportActiveByClass :many
SELECT e.class_id, count(*) AS active
FROM enrollments e JOIN classes c ON c.id = e.class_id
WHERE c.session_id = ? AND e.status = 'active'
GROUP BY e.class_id;

-- name: ImportMaxIDs :one
-- The largest ids of the tables a bulk creation adds to; new rows take the next ones.
SELECT CAST((SELECT coalesce(max(id), 0) FROM students) AS INTEGER) AS student,
       CAST((SELECT coalesce(max(id), 0) FROM guardians) AS INTEGER) AS guardian,
       CAST((SELECT coalesce(max(id), 0) FROM enrollments) AS INTEGER) AS enrollment;
