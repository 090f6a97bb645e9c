-- The outbox: events written with the change they tell of, relayed to JetStream.

-- name: OutboxInsert :exec
INSERT INTO outbox (id, type, data, created_at) VALUES (?, ?, ?, ?);

-- name: OutboxInsertMany :exec
-- Events of one type in one statement: events is a JSON array of {"id": id, "data": the
-- event's data as JSON text}, stored as given.
INSERT INTO outbox (id, type, data, created_at)
SELECT json_extract(j.value, '$.id'), sqlc.arg(type), json_extract(j.value, '$.data'), sqlc.arg(created_at)
FROM json_each(sqlc.arg(events)) j;

-- name: OutboxUnsent :many
SELECT id, type, data, created_at FROM outbox WHERE sent_at IS NULL ORDER BY created_at, id LIMIT ?;

-- name: OutboxMarkSent :execrows
UPDATE outbox SET sent_at = ? WHERE id = ? AND sent_at IS NULL;

-- name: OutboxPruneSent :execrows
DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < ?;

-- name: OutboxHasUnsent :one
SELECT EXISTS (SELECT 1 FROM outbox WHERE sent_at IS NULL);
