DROP TABLE outbox;
DROP TABLE notices;
DROP TABLE attendance_alerts;
DROP TABLE attendance;
DROP TABLE holidays;
DELETE FROM school_settings WHERE key = 'working_days';
