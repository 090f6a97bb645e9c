-- Notices: title, body, an audience and a publish window.

-- name: NoticesGet :one
SELECT * FROM notices WHERE id = ?;

-- name: NoticesCreate :one
INSERT INTO notices (title, body, audience, form_id, class_id, publish_from, publish_until, pinned, published_at, created_by)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
RETURNING *;

-- name: NoticesUpdate :one
UPDATE notices SET title = ?, body = ?, audience = ?, form_id = ?, class_id = ?, publish_from = ?, publish_until = ?,
    pinned = ?, published_at = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE id = ?
RETURNING *;

-- name: NoticesDelete :execrows
DELETE FROM notices WHERE id = ?;

-- name: NoticesDue :many
SELECT * FROM notices WHERE published_at IS NULL AND publish_from <= sqlc.arg(today)
    AND (publish_until IS NULL OR publish_until >= sqlc.arg(today))
ORDER BY publish_from, id;

-- name: NoticesMarkPublished :execrows
UPDATE notices SET published_at = ? WHERE id = ? AND published_at IS NULL;

-- name: NoticesFormExists :one
SELECT EXISTS (SELECT 1 FROM forms WHERE id = ?);

-- name: NoticesClassExists :one
SELECT EXISTS (SELECT 1 FROM classes WHERE id = ?);

-- name: NoticesStudentPlace :many
SELECT c.id AS class_id, c.form_id FROM enrollments e JOIN classes c ON c.id = e.class_id
WHERE e.student_id = ? AND e.status = 'active'
ORDER BY e.session_id DESC;

-- name: NoticesNextDue :one
-- The first day of the earliest notice still to be published after today; empty if none.
SELECT CAST(COALESCE(MIN(publish_from), '') AS TEXT) AS next_due FROM notices
WHERE published_at IS NULL AND publish_from > sqlc.arg(today);
