-- Sessions, API tokens and the audit log have the same shape in the catalog and in
-- every tenant file; the two query files are kept identical.

-- name: CreateSession :exec
INSERT INTO sessions (id, user_id, csrf_token, created_at, last_seen_at, expires_at, ip, user_agent)
VALUES (?, ?, ?, ?, ?, ?, ?, ?);

-- name: GetSession :one
SELECT * FROM sessions WHERE id = ?;

-- name: TouchSession :exec
UPDATE sessions SET last_seen_at = ? WHERE id = ?;

-- name: DeleteSession :exec
DELETE FROM sessions WHERE id = ?;

-- name: DeleteUserSessions :exec
DELETE FROM sessions WHERE user_id = ?;

-- name: DeleteExpiredSessions :exec
DELETE FROM sessions WHERE expires_at < ? OR last_seen_at < ?;

-- name: CreateToken :one
INSERT INTO api_tokens (user_id, name, token_hash, prefix, created_at, expires_at)
VALUES (?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: GetTokenAndUserByHash :one
-- A bearer token and its account in one read: every API request makes it.
SELECT sqlc.embed(api_tokens), sqlc.embed(platform_admins)
FROM api_tokens JOIN platform_admins ON platform_admins.id = api_tokens.user_id
WHERE api_tokens.token_hash = ?;

-- name: GetToken :one
SELECT * FROM api_tokens WHERE id = ?;

-- name: ListTokens :many
SELECT * FROM api_tokens WHERE user_id = ? ORDER BY id DESC;

-- name: ListAllTokens :many
SELECT * FROM api_tokens ORDER BY id DESC;

-- name: RevokeToken :execrows
UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL;

-- name: RevokeUserTokens :exec
UPDATE api_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL;

-- name: TouchToken :exec
UPDATE api_tokens SET last_used_at = ? WHERE id = ?;

-- name: InsertAudit :exec
INSERT INTO audit_log (actor_id, actor_email, action, target, detail, ip, request_id)
VALUES (?, ?, ?, ?, ?, ?, ?);

-- name: ListAudit :many
SELECT * FROM audit_log ORDER BY id DESC LIMIT ? OFFSET ?;

-- name: CountAudit :one
SELECT count(*) FROM audit_log;
