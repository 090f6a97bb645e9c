-- name: ListTenantsToRelay :many
-- The schools an appliance relays (see ListTenantSchemasPlacedOn), with when the relay
-- last found each one's outbox empty, if it did for the school's incarnation.
SELECT t.schema_name, CAST(coalesce(d.drained_at, 0) AS INTEGER) AS drained_at
FROM tenants t LEFT JOIN outbox_drained d ON d.tenant_id = t.id AND d.incarnation = t.incarnation
WHERE t.appliance = '' OR t.appliance = sqlc.arg(appliance)
ORDER BY t.schema_name;

-- name: SetOutboxDrained :exec
INSERT INTO outbox_drained (tenant_id, incarnation, drained_at)
SELECT t.id, t.incarnation, sqlc.arg(drained_at) FROM tenants t
WHERE t.schema_name = sqlc.arg(schema_name) AND t.incarnation = sqlc.arg(school_incarnation)
ON CONFLICT (tenant_id) DO UPDATE SET incarnation = excluded.incarnation, drained_at = excluded.drained_at;
