-- Which school this file belongs to: the incarnation of the catalog row it was made for
-- (see the catalog's tenants.incarnation). Written once, in the file's first transaction,
-- and never changed: a file is only ever served for the school that made it.
CREATE TABLE school_incarnation (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    incarnation TEXT    NOT NULL CHECK (length(incarnation) > 0),
    created_at  TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
CREATE TRIGGER school_incarnation_no_update BEFORE UPDATE ON school_incarnation
BEGIN SELECT RAISE(ABORT, 'a school file''s incarnation never changes'); END;
CREATE TRIGGER school_incarnation_no_delete BEFORE DELETE ON school_incarnation
BEGIN SELECT RAISE(ABORT, 'a school file''s incarnation never changes'); END;
