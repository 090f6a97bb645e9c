DROP INDEX enrollments_class_status;
CREATE INDEX enrollments_class ON enrollments (class_id);
