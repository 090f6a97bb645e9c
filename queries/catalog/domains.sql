-- name: CreateDomain :one
INSERT INTO domains (domain, tenant_id, is_primary) VALUES (?, ?, ?)
RETURNING *;

-- name: GetDomain :one
SELECT * FROM domains WHERE domain = ?;

-- name: ResolveDomain :one
-- The routing lookup: a host name to the tenant it serves.
SELECT t.id, t.schema_name, t.name, t.status, t.incarnation, t.appliance
FROM domains d JOIN tenants t ON t.id = d.tenant_id
WHERE d.domain = ?;

-- name: ListDomainsByTenant :many
SELECT * FROM domains WHERE tenant_id = ? ORDER BY is_primary DESC, domain;

-- name: ListAllDomains :many
SELECT d.domain, d.is_primary, t.schema_name
FROM domains d JOIN tenants t ON t.id = d.tenant_id
ORDER BY t.schema_name, d.is_primary DESC, d.domain;

-- name: DeleteDomain :execrows
DELETE FROM domains WHERE domain = ?;

-- name: ClearPrimaryDomain :exec
UPDATE domains SET is_primary = 0 WHERE tenant_id = ? AND is_primary = 1;

-- name: SetPrimaryDomain :execrows
UPDATE domains SET is_primary = 1 WHERE domain = ? AND tenant_id = ?;

-- name: PromoteAnyDomain :exec
-- After the primary domain is removed, the oldest remaining one becomes primary.
UPDATE domains SET is_primary = 1
WHERE id = (SELECT id FROM domains d WHERE d.tenant_id = ? ORDER BY d.id LIMIT 1)
  AND NOT EXISTS (SELECT 1 FROM domains p WHERE p.tenant_id = ? AND p.is_primary = 1);
