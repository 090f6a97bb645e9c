-- What refers to a student: a student with any of it is withdrawn, never deleted, so the
-- school's record (registers, marks, class history, the application) stays whole.

-- name: StudentsDependents :one
SELECT
    (SELECT count(*) FROM enrollments e WHERE e.student_id = sqlc.arg(id))     AS enrollments,
    (SELECT count(*) FROM attendance a WHERE a.student_id = sqlc.arg(id))      AS attendance,
    (SELECT count(*) FROM scores s WHERE s.student_id = sqlc.arg(id))          AS scores,
    (SELECT count(*) FROM admissions ad WHERE ad.student_id = sqlc.arg(id))    AS admissions,
    (SELECT count(*) FROM report_comments rc WHERE rc.student_id = sqlc.arg(id)) AS report_comments,
    (SELECT count(*) FROM subject_remarks sr WHERE sr.student_id = sqlc.arg(id)) AS subject_remarks;

-- name: StudentsCountGuardianLinks :one
SELECT count(*) FROM student_guardians WHERE student_id = ?;
