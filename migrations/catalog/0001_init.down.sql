DROP TABLE catalog_generation;
DROP TABLE settings;
DROP TABLE domains;
DROP TABLE tenants;
