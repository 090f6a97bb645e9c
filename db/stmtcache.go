package db

import (
	"context"
	"database/sql"
	"sync"
)

// txStmts runs a transaction's queries through prepared statements kept for the length
// of the transaction. Bulk work (an import of thousands of rows) repeats the same few
// queries; preparing each once instead of on every call saves about a third of its time.
// The statements close with the transaction.
//
// With pool set (the writer's statements, prepared once on its one connection), a query
// the writer has prepared before is not prepared again: a webhook storing a message
// runs the same few statements on every request, and preparing them was a third of its
// time. A query not prepared yet is prepared for the transaction and noted in missed,
// to be prepared on the writer once the transaction has given its connection back.
type txStmts struct {
	tx     *sql.Tx
	stmts  map[string]*sql.Stmt
	pool   *readStmts
	missed []string
}

func newTxStmts(tx *sql.Tx) *txStmts { return &txStmts{tx: tx, stmts: map[string]*sql.Stmt{}} }

func (c *txStmts) stmt(ctx context.Context, query string) (*sql.Stmt, error) {
	if s, ok := c.stmts[query]; ok {
		return s, nil
	}
	if c.pool != nil {
		if ps := c.pool.cached(query); ps != nil {
			s := c.tx.StmtContext(ctx, ps)
			c.stmts[query] = s
			return s, nil
		}
		c.missed = append(c.missed, query)
	}
	s, err := c.tx.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	c.stmts[query] = s
	return s, nil
}

func (c *txStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.ExecContext(ctx, args...)
}

func (c *txStmts) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.stmt(ctx, query)
}

func (c *txStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	s, err := c.stmt(ctx, query)
	if err != nil {
		return nil, err
	}
	return s.QueryContext(ctx, args...)
}

func (c *txStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	s, err := c.stmt(ctx, query)
	if err != nil {
		// A *sql.Row cannot be built with an error from outside database/sql; running the
		// query unprepared reports the same preparation error through Scan.
		return c.tx.QueryRowContext(ctx, query, args...)
	}
	return s.QueryRowContext(ctx, args...)
}

// maxReadStmts bounds the statements one file keeps prepared. Lists build their SQL
// from filters, so the texts vary; past the bound a query runs unprepared.
const maxReadStmts = 128

// readStmts runs a reader pool's queries through statements prepared once per
// connection: a *sql.Stmt prepared on the pool stays prepared on every connection that
// has run it, so a query repeated on every request (a token lookup, a page of a list)
// skips SQLite's parser and planner, which cost about a third of such a request. The
// statements close with the pool's connections.
type readStmts struct {
	db    *sql.DB
	mu    sync.RWMutex
	stmts map[string]*sql.Stmt
}

func newReadStmts(db *sql.DB) *readStmts {
	return &readStmts{db: db, stmts: map[string]*sql.Stmt{}}
}

func (c *readStmts) cached(query string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.stmts[query]
}

// prepare returns the statement for query, preparing it on first use; nil when the
// cache is full or the query does not prepare (running it then reports the error).
func (c *readStmts) prepare(ctx context.Context, query string) *sql.Stmt {
	if s := c.cached(query); s != nil {
		return s
	}
	c.mu.RLock()
	full := len(c.stmts) >= maxReadStmts
	c.mu.RUnlock()
	if full {
		return nil
	}
	s, err := c.db.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.stmts[query]; ok { // prepared meanwhile by another request
		s.Close()
		return old
	}
	if len(c.stmts) >= maxReadStmts {
		s.Close()
		return nil
	}
	c.stmts[query] = s
	return s
}

func (c *readStmts) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return c.db.ExecContext(ctx, query, args...)
}

func (c *readStmts) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return c.db.PrepareContext(ctx, query)
}

func (c *readStmts) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := c.prepare(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return c.db.QueryContext(ctx, query, args...)
}

func (c *readStmts) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := c.prepare(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return c.db.QueryRowContext(ctx, query, args...)
}

// txReads is a read transaction that uses the pool's prepared statements. A query not
// prepared yet runs unprepared and is prepared after the transaction: preparing on the
// pool needs a second connection, which a transaction waiting for one must not hold
// (with every connection in such a transaction, none would come).
type txReads struct {
	tx     *sql.Tx
	c      *readStmts
	missed []string
	// others, when set, runs every statement but a SELECT, outside the transaction: the
	// query_only readers, where a write fails. It is set when tx is on the writer's
	// connection (see Tenant.readTxOnWriter).
	others *readStmts
}

// elsewhere reports whether query must run on others rather than in the transaction.
func (r *txReads) elsewhere(query string) bool { return r.others != nil && !isSelect(query) }

func (r *txReads) stmt(ctx context.Context, query string) *sql.Stmt {
	s := r.c.cached(query)
	if s == nil {
		r.missed = append(r.missed, query)
		return nil
	}
	return r.tx.StmtContext(ctx, s)
}

func (r *txReads) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if r.elsewhere(query) {
		return r.others.db.ExecContext(ctx, query, args...)
	}
	return r.tx.ExecContext(ctx, query, args...)
}

func (r *txReads) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	if r.elsewhere(query) {
		return r.others.db.PrepareContext(ctx, query)
	}
	return r.tx.PrepareContext(ctx, query)
}

func (r *txReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if r.elsewhere(query) {
		return r.others.db.QueryContext(ctx, query, args...)
	}
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.tx.QueryContext(ctx, query, args...)
}

func (r *txReads) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if r.elsewhere(query) {
		return r.others.db.QueryRowContext(ctx, query, args...)
	}
	if s := r.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.tx.QueryRowContext(ctx, query, args...)
}
