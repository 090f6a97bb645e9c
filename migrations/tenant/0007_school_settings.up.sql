-- How the school writes dates on its pages (inputs stay ISO), and which logo it shows:
-- logo_etag names the stored logo ('' for none) so pages can link it with a version and
-- browsers may keep it; the image itself lives in school_logo, read only when served.
ALTER TABLE school_profile ADD COLUMN date_format TEXT NOT NULL DEFAULT 'DD/MM/YYYY'
    CHECK (date_format IN ('DD/MM/YYYY', 'MM/DD/YYYY', 'YYYY-MM-DD'));
ALTER TABLE school_profile ADD COLUMN logo_etag TEXT NOT NULL DEFAULT '';

CREATE TABLE school_logo (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    content_type TEXT    NOT NULL CHECK (content_type IN ('image/png', 'image/jpeg')),
    data         BLOB    NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    etag         TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);

-- The audit-log page filters by who and by what was done, newest first.
CREATE INDEX audit_log_actor ON audit_log (actor_email, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
