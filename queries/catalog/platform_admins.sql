-- name: CreateUser :one
INSERT INTO platform_admins (email, name, password_hash) VALUES (?, ?, ?)
RETURNING *;

-- name: GetUserByEmail :one
SELECT * FROM platform_admins WHERE email = ?;

-- name: GetUserByID :one
SELECT * FROM platform_admins WHERE id = ?;

-- name: SetUserPassword :exec
UPDATE platform_admins SET password_hash = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?;

-- name: TouchUserLogin :exec
UPDATE platform_admins SET last_login_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE id = ?;
