package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schoolsms/sms/db/tenantdb"
)

// schemaPattern is the only shape a tenant's schema name may take; it is also the only
// thing a tenant file's path is built from.
var schemaPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{1,62}$`)

// ErrInvalidSchema is returned for a schema name that cannot name a tenant file.
var ErrInvalidSchema = errors.New("invalid schema name")

// CheckSchemaName reports whether s may name a tenant: ^[a-z][a-z0-9_]{1,62}$ and not "public".
func CheckSchemaName(s string) error {
	if !schemaPattern.MatchString(s) || s == "public" {
		return fmt.Errorf("%w %q", ErrInvalidSchema, s)
	}
	return nil
}

// Tenant is one open school file: a single-connection writer and a small reader pool.
// It is valid until the release function returned with it is called.
type Tenant struct {
	Schema      string
	Incarnation string // the school's incarnation the file was made for ("" for older files)
	h           handles
	reads       *readStmts
	read        *tenantdb.Queries
	writes      *readStmts // statements prepared on the writer's one connection
	// readingOnWriter counts read transactions holding the writer's connection.
	readingOnWriter atomic.Int32
	// readTurns holds a token for each read transaction on the reader pool, as many as
	// the pool has connections: read transactions wait here, first come first served,
	// rather than in database/sql's pool, which hands a freed connection to a waiter
	// picked at random, so that under load a few waited many turns.
	readTurns chan struct{}
	// stopCheckpoints ends the file's background checkpoints, before its handles close.
	stopCheckpoints func()
	// memos holds what packages keep in memory about this file while it is open (Memo).
	memos sync.Map
}

func newTenant(schema, incarnation string, h handles) *Tenant {
	t := &Tenant{Schema: schema, Incarnation: incarnation, h: h, reads: newReadStmts(h.r),
		writes: newReadStmts(h.w), readTurns: make(chan struct{}, readConns()), stopCheckpoints: func() {}}
	t.read = tenantdb.New(routedReads{t})
	return t
}

// Memo returns the value kept under key for as long as this file stays open, made by
// make the first time it is asked for (two first calls at once may both make one; one
// is kept). It ties a copy of part of a school held in memory to the open file, so the
// copy goes when the pool closes the file, and a school deleted, made again or restored
// starts without it. What the copy was made from can still change under it: its owner
// checks it against the file before use.
func (t *Tenant) Memo(key any, make func() any) any {
	if v, ok := t.memos.Load(key); ok {
		return v
	}
	v, _ := t.memos.LoadOrStore(key, make())
	return v
}

// Read returns queries that only read: on the reader pool (query_only connections), or
// on the writer's connection while the file has no reader open (see readsOnWriter),
// through statements prepared once per connection.
func (t *Tenant) Read() *tenantdb.Queries { return t.read }

// readsOnWriter reports whether a read should run on the writer's connection: while no
// reader connection is open and the writer is idle. Every SQLite connection parses the
// whole schema when it opens, and most schools see one request at a time, so a file is
// opened with its writer alone and gets readers only when reads meet a busy writer;
// readers left idle close again (readerIdle).
func (t *Tenant) readsOnWriter() bool {
	return t.h.r.Stats().OpenConnections == 0 && t.h.w.Stats().InUse == 0
}

// routedReads sends each read of Read to the writer or the readers (readsOnWriter).
// Only a SELECT goes to the writer, which is not query_only: a SELECT cannot write, and
// anything else runs on a reader, where a write fails as it always did.
type routedReads struct{ t *Tenant }

func (r routedReads) on(query string) *readStmts {
	if isSelect(query) && r.t.readsOnWriter() {
		return r.t.writes
	}
	return r.t.reads
}

func (r routedReads) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return r.t.reads.ExecContext(ctx, query, args...)
}

func (r routedReads) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return r.t.reads.PrepareContext(ctx, query)
}

func (r routedReads) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	return r.on(query).QueryContext(ctx, query, args...)
}

func (r routedReads) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	return r.on(query).QueryRowContext(ctx, query, args...)
}

// isSelect reports whether a statement is a SELECT, after the comments sqlc puts
// before its queries.
func isSelect(query string) bool {
	for {
		query = strings.TrimLeft(query, " \t\r\n")
		if !strings.HasPrefix(query, "--") {
			break
		}
		_, rest, ok := strings.Cut(query, "\n")
		if !ok {
			return false
		}
		query = rest
	}
	return len(query) >= 6 && strings.EqualFold(query[:6], "SELECT")
}

// ReadTx runs fn in one read transaction, so that every read in it sees the same
// snapshot (a list's total and its page agree). d runs queries sqlc cannot express,
// through the same prepared statements as Read. It runs on the reader pool, or on the
// writer's connection while it is idle and no reader is open (readsOnWriter).
func (t *Tenant) ReadTx(ctx context.Context, fn func(q *tenantdb.Queries, d tenantdb.DBTX) error) error {
	if t.readsOnWriter() {
		return t.readTxOnWriter(ctx, fn)
	}
	if err := takeTurn(ctx, t.readTurns); err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	defer func() { <-t.readTurns }()
	tx, err := t.h.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	r := &txReads{tx: tx, c: t.reads}
	err = fn(tenantdb.New(r), r)
	tx.Rollback() // a read transaction has nothing to commit
	for _, q := range r.missed {
		t.reads.prepare(ctx, q)
	}
	return err
}

// readTxOnWriter is ReadTx on the writer's one connection, held for the transaction.
// Only SELECTs run on it; anything else goes to a query_only reader, so fn can no more
// write than on a reader. The connection is not made query_only for the while: setting
// any flag PRAGMA expires every statement prepared on the connection, and each read
// transaction (and the next write transaction) would prepare its statements again.
func (t *Tenant) readTxOnWriter(ctx context.Context, fn func(q *tenantdb.Queries, d tenantdb.DBTX) error) error {
	t.readingOnWriter.Add(1)
	defer t.readingOnWriter.Add(-1)
	conn, err := t.h.w.Conn(ctx)
	if err != nil {
		return fmt.Errorf("begin read: %w", err)
	}
	r, err := func() (*txReads, error) {
		defer conn.Close()
		tx, err := conn.BeginTx(ctx, &sql.TxOptions{ReadOnly: true}) // a deferred BEGIN
		if err != nil {
			return nil, fmt.Errorf("begin read: %w", err)
		}
		defer tx.Rollback() // a read transaction has nothing to commit
		r := &txReads{tx: tx, c: t.writes, others: t.reads}
		return r, fn(tenantdb.New(r), r)
	}()
	if r != nil {
		// Prepared once the connection is free: the writer's statements serve its
		// reads and its transactions alike.
		for _, q := range r.missed {
			t.writes.prepare(ctx, q)
		}
	}
	return err
}

// takeTurn waits for a free token of turns, first come first served, or for ctx.
func takeTurn(ctx context.Context, turns chan struct{}) error {
	select {
	case turns <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// ReadDB runs queries sqlc cannot express (dynamic filters), routed as Read's are: a
// SELECT of a file with no reader open runs on its idle writer, so a cold school's
// reads do not open a reader connection (and parse its schema again) for themselves.
func (t *Tenant) ReadDB() tenantdb.DBTX { return routedReads{t} }

// Tx runs fn in one write transaction; nothing is written unless fn returns nil. Its
// queries run through statements the writer keeps prepared (see txStmts).
func (t *Tenant) Tx(ctx context.Context, fn func(q *tenantdb.Queries, tx *sql.Tx) error) error {
	if t.readingOnWriter.Load() > 0 && t.h.spare != nil {
		// A read transaction holds the writer's connection, perhaps this very caller's
		// (a write inside ReadTx): waiting for it could wait forever, and a long read
		// must not hold up writes. The write goes through the spare writer; SQLite's
		// write lock keeps the two apart as it keeps two processes apart.
		return inTx(ctx, t.h.spare, func(tx *sql.Tx) error {
			return fn(tenantdb.New(newTxStmts(tx)), tx)
		})
	}
	var missed []string
	err := inTx(ctx, t.h.w, func(tx *sql.Tx) error {
		c := newTxStmts(tx)
		c.pool = t.writes
		err := fn(tenantdb.New(c), tx)
		missed = c.missed
		return err
	})
	if len(missed) > 0 {
		// Preparing needs the writer's connection, which the next transaction may
		// already hold: not worth making this caller wait for.
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			for _, q := range missed {
				t.writes.prepare(ctx, q)
			}
		}()
	}
	return err
}
