-- The WhatsApp phone number id -> school map (see migration 0004).

-- name: WhatsAppSchoolByNumber :one
SELECT t.id, t.schema_name, t.name, t.status, t.incarnation, t.appliance
FROM whatsapp_numbers w JOIN tenants t ON t.id = w.tenant_id
WHERE w.phone_number_id = ?;

-- name: WhatsAppSchoolsByVerifyToken :many
SELECT t.schema_name
FROM whatsapp_numbers w JOIN tenants t ON t.id = w.tenant_id
WHERE w.verify_token_sha256 = ? AND w.verify_token_sha256 <> '' AND t.status = 'active'
ORDER BY t.schema_name;

-- name: WhatsAppNumberOfTenant :one
SELECT * FROM whatsapp_numbers WHERE tenant_id = ?;

-- name: WhatsAppClaimNumber :exec
INSERT INTO whatsapp_numbers (phone_number_id, tenant_id, verify_token_sha256) VALUES (?, ?, ?)
ON CONFLICT (tenant_id) DO UPDATE SET phone_number_id = excluded.phone_number_id,
    verify_token_sha256 = excluded.verify_token_sha256,
    updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now');

-- name: WhatsAppReleaseNumber :exec
DELETE FROM whatsapp_numbers WHERE tenant_id = ?;

-- name: WhatsAppSchools :many
-- The active schools with a number that the appliance serves (see ListTenantSchemasPlacedOn).
SELECT t.schema_name
FROM whatsapp_numbers w JOIN tenants t ON t.id = w.tenant_id
WHERE t.status = 'active' AND (t.appliance = '' OR t.appliance = sqlc.arg(appliance))
ORDER BY t.schema_name;

-- name: WhatsAppNumbersPlacedOn :many
-- The numbers whose webhooks the appliance answers for the others of the cluster.
SELECT w.phone_number_id
FROM whatsapp_numbers w JOIN tenants t ON t.id = w.tenant_id
WHERE t.status = 'active' AND (t.appliance = '' OR t.appliance = sqlc.arg(appliance))
ORDER BY w.phone_number_id;
