DROP TRIGGER school_incarnation_no_delete;
DROP TRIGGER school_incarnation_no_update;
DROP TABLE school_incarnation;
