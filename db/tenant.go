package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"

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
	read        *tenantdb.Queries
}

func newTenant(schema, incarnation string, h handles) *Tenant {
	return &Tenant{Schema: schema, Incarnation: incarnation, h: h, read: tenantdb.New(h.r)}
}

// Read returns queries on the reader pool (query_only connections).
func (t *Tenant) Read() *tenantdb.Queries { return t.read }

// ReadDB is the reader pool, for queries sqlc cannot express (dynamic filters).
func (t *Tenant) ReadDB() *sql.DB { return t.h.r }

// Tx runs fn in one write transaction; nothing is written unless fn returns nil.
func (t *Tenant) Tx(ctx context.Context, fn func(q *tenantdb.Queries, tx *sql.Tx) error) error {
	return inTx(ctx, t.h.w, func(tx *sql.Tx) error {
		return fn(tenantdb.New(newTxStmts(tx)), tx)
	})
}
