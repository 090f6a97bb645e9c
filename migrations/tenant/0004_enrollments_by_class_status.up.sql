-- Class capacity checks count the active students of a class on every enrollment;
-- with (class_id, status) the count reads only index entries of that class.
DROP INDEX enrollments_class;
CREATE INDEX enrollments_class_status ON enrollments (class_id, status);
