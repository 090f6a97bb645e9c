ALTER TABLE tenants DROP COLUMN incarnation;
