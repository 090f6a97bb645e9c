-- Which school a WhatsApp phone number id belongs to, so one webhook URL on the base
-- domain serves every school: a POST names its number in metadata.phone_number_id, the
-- school is looked up here, and the body's signature is checked with the app secret
-- kept in that school's own file. A number belongs to at most one school, and a school
-- has at most one number.
--
-- The verification handshake (GET) names no number, only the verify token the school
-- chose; its SHA-256 is kept here so the handshake finds its school without opening
-- every school file. The token itself stays in the school's file.
CREATE TABLE whatsapp_numbers (
    phone_number_id     TEXT    PRIMARY KEY CHECK (length(phone_number_id) BETWEEN 1 AND 64),
    tenant_id           INTEGER NOT NULL UNIQUE REFERENCES tenants (id) ON DELETE CASCADE,
    verify_token_sha256 TEXT    NOT NULL DEFAULT '',
    updated_at          TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE INDEX whatsapp_numbers_verify ON whatsapp_numbers (verify_token_sha256);

-- A running server caches the map; changes by another process (sms whatsapp set) reach
-- it through the catalog generation, like tenant and domain changes.
CREATE TRIGGER whatsapp_numbers_gen_ins AFTER INSERT ON whatsapp_numbers BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER whatsapp_numbers_gen_upd AFTER UPDATE ON whatsapp_numbers BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
CREATE TRIGGER whatsapp_numbers_gen_del AFTER DELETE ON whatsapp_numbers BEGIN UPDATE catalog_generation SET generation = generation + 1; END;
