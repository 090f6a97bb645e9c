package chatbot

import (
	"context"
	"database/sql"
	"sync"

	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Webhooks that arrive together are stored in one transaction (group commit): a school
// file has one writer, and a commit costs more than the few rows of a webhook, so
// committing each alone would make 32 posts at once wait in line for 32 commits. Each
// webhook's writes run under a savepoint of their own, so one that fails (and is
// answered with its error) does not undo the others.

type commitJob struct {
	fn   func(q *tenantdb.Queries) error
	err  error
	wake chan bool // false: its batch has committed (err is set); true: lead the next batch
}

type committer struct {
	mu      sync.Mutex
	queue   []*commitJob
	running bool
	users   int
}

type committers struct {
	mu sync.Mutex
	m  map[*db.Tenant]*committer
}

func (cs *committers) get(t *db.Tenant) *committer {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if cs.m == nil {
		cs.m = map[*db.Tenant]*committer{}
	}
	c := cs.m[t]
	if c == nil {
		c = &committer{}
		cs.m[t] = c
	}
	c.users++
	return c
}

func (cs *committers) put(t *db.Tenant, c *committer) {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	if c.users--; c.users == 0 {
		delete(cs.m, t)
	}
}

// groupCommit runs fn in a write transaction of t shared with the writes waiting
// beside it, and returns once that transaction has committed (or fn's own error).
// The first caller to find no transaction running commits the batch it is in; the
// batch that gathered meanwhile is led by its first caller, so under a steady stream
// nobody commits for others for longer than one batch.
func (m *Bot) groupCommit(ctx context.Context, t *db.Tenant, fn func(q *tenantdb.Queries) error) error {
	c := m.commits.get(t)
	defer m.commits.put(t, c)
	job := &commitJob{fn: fn, wake: make(chan bool, 1)}
	c.mu.Lock()
	c.queue = append(c.queue, job)
	if c.running {
		c.mu.Unlock()
		if lead := <-job.wake; !lead {
			return job.err
		}
		c.mu.Lock()
	}
	c.running = true
	batch := c.queue
	c.queue = nil
	c.mu.Unlock()
	// Not the leader's own context: the batch holds others' writes too.
	runBatch(context.WithoutCancel(ctx), t, batch)
	c.mu.Lock()
	if len(c.queue) > 0 {
		c.queue[0].wake <- true
	} else {
		c.running = false
	}
	c.mu.Unlock()
	return job.err
}

func runBatch(ctx context.Context, t *db.Tenant, batch []*commitJob) {
	err := t.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
		if len(batch) == 1 {
			batch[0].err = batch[0].fn(q)
			return batch[0].err
		}
		for _, j := range batch {
			if _, err := tx.ExecContext(ctx, "SAVEPOINT webhook"); err != nil {
				return err
			}
			if j.err = j.fn(q); j.err != nil {
				if _, err := tx.ExecContext(ctx, "ROLLBACK TO webhook"); err != nil {
					return err
				}
			}
			if _, err := tx.ExecContext(ctx, "RELEASE webhook"); err != nil {
				return err
			}
		}
		return nil
	})
	for _, j := range batch {
		if err != nil && j.err == nil {
			j.err = err
		}
		j.wake <- false
	}
}
