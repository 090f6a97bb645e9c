-- Guardians and their links to students.

-- name: GuardiansGet :one
SELECT * FROM guardians WHERE id = ?;

-- name: GuardiansByPhone :many
SELECT * FROM guardians WHERE phone = ? ORDER BY id;

-- name: GuardiansCreate :one
INSERT INTO guardians (name, relationship, phone, email, receives_messages)
VALUES (?, ?, ?, ?, ?)
RETURNING *;

-- name: GuardiansUpdate :one
UPDATE guardians
SET name = ?, relationship = ?, phone = ?, email = ?, receives_messages = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: GuardiansDelete :execrows
DELETE FROM guardians WHERE id = ?;

-- name: GuardiansLink :exec
INSERT INTO student_guardians (student_id, guardian_id, is_primary) VALUES (?, ?, ?)
ON CONFLICT (student_id, guardian_id) DO UPDATE SET is_primary = excluded.is_primary;

-- name: GuardiansGetLink :one
SELECT * FROM student_guardians WHERE student_id = ? AND guardian_id = ?;

-- name: GuardiansCountLinks :one
SELECT count(*) FROM student_guardians WHERE student_id = ?;

-- name: GuardiansClearPrimary :exec
UPDATE student_guardians SET is_primary = 0 WHERE student_id = ? AND guardian_id <> ?;

-- name: GuardiansUnlink :execrows
DELETE FROM student_guardians WHERE student_id = ? AND guardian_id = ?;

-- name: GuardiansStudents :many
SELECT s.id, s.admission_no, s.first_name, s.middle_name, s.last_name, s.status, sg.is_primary
FROM student_guardians sg
JOIN students s ON s.id = sg.student_id
WHERE sg.guardian_id = ?
ORDER BY s.last_name, s.first_name, s.id;
