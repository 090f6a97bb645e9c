DROP INDEX audit_log_action;
DROP INDEX audit_log_actor;
DROP TABLE school_logo;
ALTER TABLE school_profile DROP COLUMN logo_etag;
ALTER TABLE school_profile DROP COLUMN date_format;
