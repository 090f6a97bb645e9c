-- When the outbox relay last found a school's outbox empty (Unix nanoseconds, taken
-- before that read), for the school's incarnation. A sweep skips a school whose file
-- has not changed since (its status change time, and its -wal's, are older), so it
-- does not open every school's file to find nothing to send. A table of its own: the
-- tenants table's trigger would bump the catalog generation on every write.
CREATE TABLE outbox_drained (
    tenant_id   INTEGER PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    incarnation TEXT    NOT NULL,
    drained_at  INTEGER NOT NULL
);
