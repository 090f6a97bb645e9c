DROP TABLE outbox_drained;
