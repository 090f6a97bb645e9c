-- A school's catalog row and its file share an incarnation: a random id made when the
-- school is created (or cloned) and written into both. A server uses an open file only
-- while its id matches the row's, so a school deleted and created again under the same
-- schema name is never served from the old school's file. Rows older than this column
-- have '' and match files that carry no id (files made before it).
ALTER TABLE tenants ADD COLUMN incarnation TEXT NOT NULL DEFAULT '';
