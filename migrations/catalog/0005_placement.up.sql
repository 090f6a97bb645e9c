-- Which appliance serves a school, when several appliances share one NATS cluster and
-- each holds the files of some schools. '' is the appliance this catalog belongs to
-- (every school of a single-box install, and every school created or imported here);
-- a name places the school on the appliance started with --appliance NAME. An
-- appliance serves, consumes and relays only the schools placed on it; a school
-- placed elsewhere keeps its rows and file here until it is deleted, and its host is
-- answered with 421 Misdirected Request. The column takes part in the catalog
-- generation (tenants' update trigger), so a running server sees a move within a
-- second.
ALTER TABLE tenants ADD COLUMN appliance TEXT NOT NULL DEFAULT '';
