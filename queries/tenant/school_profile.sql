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

-- name: UpdateSchoolProfile :one
UPDATE school_profile SET name = ?, motto = ?, address = ?, phone = ?, email = ?, country_code = ?,
    timezone = ?, date_format = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = 1
RETURNING *;

-- name: GetSchoolLogo :one
SELECT content_type, data, etag FROM school_logo WHERE id = 1;

-- name: PutSchoolLogo :exec
INSERT INTO school_logo (id, content_type, data, width, height, etag) VALUES (1, ?, ?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data,
    width = excluded.width, height = excluded.height, etag = excluded.etag,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: DeleteSchoolLogo :exec
DELETE FROM school_logo WHERE id = 1;

-- name: SetSchoolLogoEtag :exec
UPDATE school_profile SET logo_etag = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;

-- name: SetSchoolPlace :exec
UPDATE school_profile SET country_code = ?, timezone = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = 1;
