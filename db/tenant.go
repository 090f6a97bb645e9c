package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
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
}

func newTenant(schema, incarnation string, h handles) *Tenant {
	reads := newReadStmts(h.r)
	return &Tenant{Schema: schema, Incarnation: incarnation, h: h, reads: reads, read: tenantdb.New(reads),
		writes: newReadStmts(h.w)}
}

// Read returns queries on the reader pool (query_only connections), through
// statements prepared once per connection.
func (t *Tenant) Read() *tenantdb.Queries { return t.read }

// ReadTx runs fn in one read transaction on the reader pool, so that every read in it
// sees the same snapshot (a list's total and its page agree). d runs queries sqlc cannot
// express, through the same prepared statements as Read.
func (t *Tenant) ReadTx(ctx context.Context, fn func(q *tenantdb.Queries, d tenantdb.DBTX) error) error {
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

// ReadDB is the reader pool, for queries sqlc cannot express (dynamic filters).
func (t *Tenant) ReadDB() *sql.DB { return t.h.r }

// Tx runs fn in one write transaction; nothing is written unless fn returns nil. Its
// queries run through statements the writer keeps prepared (see txStmts).
func (t *Tenant) Tx(ctx context.Context, fn func(q *tenantdb.Queries, tx *sql.Tx) error) error {
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
