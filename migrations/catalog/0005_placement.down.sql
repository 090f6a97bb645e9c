ALTER TABLE tenants DROP COLUMN appliance;
