-- name: CreateTenant :one
INSERT INTO tenants (schema_name, name, status, incarnation) VALUES (?, ?, 'active', ?)
RETURNING *;

-- name: GetTenantBySchema :one
SELECT * FROM tenants WHERE schema_name = ?;

-- name: ListTenants :many
SELECT * FROM tenants ORDER BY schema_name;

-- name: GetTenantIncarnation :one
SELECT incarnation FROM tenants WHERE schema_name = ?;

-- name: ListTenantIncarnations :many
SELECT schema_name, incarnation FROM tenants ORDER BY schema_name;

-- name: ListTenantSchemas :many
SELECT schema_name FROM tenants ORDER BY schema_name;

-- name: ListTenantSchemasPlacedOn :many
-- The schools an appliance serves: those placed on it by name and those placed
-- nowhere else ('' is the appliance whose catalog this is).
SELECT schema_name FROM tenants WHERE appliance = '' OR appliance = sqlc.arg(appliance) ORDER BY schema_name;

-- name: SetTenantAppliance :one
UPDATE tenants SET appliance = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE schema_name = ?
RETURNING *;

-- name: UpdateTenantName :one
UPDATE tenants SET name = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE schema_name = ?
RETURNING *;

-- name: SetTenantStatus :one
UPDATE tenants SET status = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
WHERE schema_name = ?
RETURNING *;

-- name: DeleteTenant :execrows
DELETE FROM tenants WHERE schema_name = ?;

-- name: CountTenants :one
SELECT count(*) FROM tenants;

-- name: CatalogGeneration :one
SELECT generation FROM catalog_generation WHERE id = 1;
