-- Admissions: applications, applied -> accepted | rejected -> enrolled.

-- name: AdmissionsGet :one
SELECT * FROM admissions WHERE id = ?;

-- name: AdmissionsCreate :one
INSERT INTO admissions (first_name, middle_name, last_name, gender, date_of_birth, form_id,
                        guardian_name, guardian_relationship, guardian_phone, guardian_email,
                        status, applied_on, notes)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'applied', ?, ?)
RETURNING *;

-- name: AdmissionsUpdate :one
UPDATE admissions
SET first_name = ?, middle_name = ?, last_name = ?, gender = ?, date_of_birth = ?, form_id = ?,
    guardian_name = ?, guardian_relationship = ?, guardian_phone = ?, guardian_email = ?,
    status = ?, applied_on = ?, decided_on = ?, student_id = ?, notes = ?,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: AdmissionsDelete :execrows
DELETE FROM admissions WHERE id = ?;
