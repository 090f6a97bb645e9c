package db

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/migrations"
)

// Catalog is the public catalog file (<data>/catalog.db): tenants, domains, settings.
type Catalog struct {
	Path string
	h    handles
	read *catalogdb.Queries
	// Migration says what opening did to the catalog's schema.
	Migration Result
}

// OpenCatalog opens (creating if needed) and migrates <dataDir>/catalog.db.
func OpenCatalog(ctx context.Context, dataDir string) (*Catalog, error) {
	m, err := NewMigrator(migrations.Catalog())
	if err != nil {
		return nil, err
	}
	return openCatalog(ctx, dataDir, m)
}

func openCatalog(ctx context.Context, dataDir string, m *Migrator) (*Catalog, error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	path := filepath.Join(dataDir, "catalog.db")
	h, err := openHandles(path, mayCreate)
	if err != nil {
		return nil, fmt.Errorf("open catalog: %w", err)
	}
	// Create the file through the writer before the query_only reader looks at it.
	if err := h.w.PingContext(ctx); err != nil {
		h.close()
		return nil, fmt.Errorf("open catalog %s: %w", path, err)
	}
	res, err := m.ensure(ctx, h, filepath.Join(dataDir, ".catalog.lock"))
	if err != nil {
		h.close()
		return nil, fmt.Errorf("migrate catalog %s: %w", path, err)
	}
	return &Catalog{Path: path, h: h, read: catalogdb.New(h.r), Migration: res}, nil
}

// Read returns queries on the reader pool.
func (c *Catalog) Read() *catalogdb.Queries { return c.read }

// Tx runs fn in one write transaction on the catalog.
func (c *Catalog) Tx(ctx context.Context, fn func(q *catalogdb.Queries) error) error {
	return inTx(ctx, c.h.w, func(tx *sql.Tx) error { return fn(catalogdb.New(tx)) })
}

// Close closes the catalog's handles.
func (c *Catalog) Close() error { return c.h.close() }

// DataDirLockedError means another sms serve runs on the data directory.
type DataDirLockedError struct {
	Dir string
	PID int // 0 if the holder has not written it yet
}

func (e *DataDirLockedError) Error() string {
	holder := "another process"
	if e.PID > 0 {
		holder = fmt.Sprintf("pid %d", e.PID)
	}
	return fmt.Sprintf("the data directory %s is in use by another sms serve (%s); stop it, or give this one another --data", e.Dir, holder)
}
