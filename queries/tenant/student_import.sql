-- name: ImportStudentByAdmissionNo :one
SELECT * FROM students WHERE admission_no = ?;
