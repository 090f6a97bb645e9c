-- The public catalog: which schools exist and which host names lead to them.

CREATE TABLE tenants (
    id          INTEGER PRIMARY KEY,
    schema_name TEXT    NOT NULL UNIQUE CHECK (schema_name GLOB '[a-z]*' AND length(schema_name) BETWEEN 2 AND 63),
    name        TEXT    NOT NULL CHECK (length(name) > 0),
    status      TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    updated_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

CREATE TABLE domains (
    id         INTEGER PRIMARY KEY,
    domain     TEXT    NOT NULL UNIQUE,
    tenant_id  INTEGER NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    is_primary BOOLEAN NOT NULL DEFAULT 0 CHECK (is_primary IN (0, 1)),
    created_at TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX domains_tenant ON domains (tenant_id);
-- At most one primary domain per tenant.
CREATE UNIQUE INDEX domains_one_primary ON domains (tenant_id) WHERE is_primary = 1;

CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- generation changes on every tenant or domain write, so a running server can tell
-- cheaply (one row read) that another process changed routing and drop its caches.
CREATE TABLE catalog_generation (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    generation INTEGER NOT NULL
);
INSERT INTO catalog_generation (id, generation) VALUES (1, 1);

CREATE TRIGGER tenants_gen_ins AFTER INSERT ON tenants BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER tenants_gen_upd AFTER UPDATE ON tenants BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER tenants_gen_del AFTER DELETE ON tenants BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER domains_gen_ins AFTER INSERT ON domains BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER domains_gen_upd AFTER UPDATE ON domains BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER domains_gen_del AFTER DELETE ON domains BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
