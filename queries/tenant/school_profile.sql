-- name: GetSchoolProfile :one
SELECT * FROM school_profile WHERE id = 1;

-- name: UpsertSchoolProfile :one
INSERT INTO school_profile (id, name, motto, address, phone, email, country_code, timezone)
VALUES (1, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET
    name = excluded.name, motto = excluded.motto, address = excluded.address,
    phone = excluded.phone, email = excluded.email, country_code = excluded.country_code,
    timezone = excluded.timezone, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
RETURNING *;

-- name: SetSchoolName :exec
UPDATE school_profile SET name = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
