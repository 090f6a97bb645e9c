// Package db owns the SQLite layer: the catalog handle, the pool of tenant files, the
// connection settings every file is opened with, and the migration runner. The
// sqlc-generated packages catalogdb and tenantdb live beneath it and are never edited
// by hand.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go, no cgo)
)

// busyTimeout is how long a connection waits for another writer before SQLITE_BUSY.
// It is set first on every connection so the pragmas after it cannot fail on a lock.
const busyTimeout = 5 * time.Second

// fileURI turns a path into a SQLite URI, escaping the characters that URI parsing
// would otherwise treat as delimiters.
func fileURI(path string) string {
	r := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")
	return "file:" + r.Replace(path)
}

// openMode says whether opening may create a missing file.
type openMode int

const (
	mustExist openMode = iota // an existing tenant file; a missing one is an error
	mayCreate                 // a file being created
)

func dsn(path string, mode openMode, readOnly bool) string {
	return dsnWAL(path, mode, readOnly, !readOnly)
}

// dsnWAL is dsn with the choice of whether a writer sets the file to WAL as it connects.
func dsnWAL(path string, mode openMode, readOnly, setWAL bool) string {
	var b strings.Builder
	b.WriteString(fileURI(path))
	if mode == mustExist {
		b.WriteString("?mode=rw")
	} else {
		b.WriteString("?mode=rwc")
	}
	fmt.Fprintf(&b, "&_pragma=busy_timeout(%d)", busyTimeout.Milliseconds())
	// Statement journals (every write that fires triggers, such as a student's search
	// index entry) and sorts stay in memory instead of temporary files: their
	// writes were a fifth of an import's time.
	b.WriteString("&_pragma=temp_store(MEMORY)")
	if readOnly {
		// No journal_mode here: setting it writes to the file, and a reader must be able
		// to look at a file without changing it. WAL is a property of the file, set by
		// its writer when the file is made, which every later reader picks up.
		b.WriteString("&_pragma=query_only(1)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)")
	} else {
		if setWAL {
			b.WriteString("&_pragma=journal_mode(WAL)")
		}
		b.WriteString("&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(ON)")
		// BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails
		// half-way with SQLITE_BUSY when it upgrades from reading to writing.
		b.WriteString("&_txlock=immediate")
	}
	return b.String()
}

// readConns is the size of each file's reader pool: near the core count, because
// modernc's read throughput drops sharply when a pool is much larger than the cores.
func readConns() int {
	n := runtime.NumCPU()
	if n < 2 {
		n = 2
	}
	if n > 4 {
		n = 4
	}
	return n
}

// handles is the pair every open file gets: one writer and a few readers. A school
// file also has a spare writer, for a write while a read transaction holds the writer's
// connection (see Tenant.Tx).
type handles struct {
	w     *sql.DB
	r     *sql.DB
	spare *sql.DB
}

// readerIdle is how long a reader connection stays open unused. Each connection holds
// its own parsed schema and page cache; a school whose concurrent reads have passed
// goes back to reading on its writer (see Tenant.readsOnWriter).
const readerIdle = 30 * time.Second

func openHandles(path string, mode openMode) (handles, error) {
	return openHandlesDSN(path, dsn(path, mode, false))
}

// openTenantHandles opens an existing school file. Its writer connects without setting
// the journal mode: WAL is a property of the file, kept once set, and setting it writes
// to the file, which must not happen before the file has been read (query_only) and
// found to be a school's (see Pool.openExisting, which sets it then).
func openTenantHandles(path string) (handles, error) {
	wdsn := dsnWAL(path, mustExist, false, false)
	h, err := openHandlesDSN(path, wdsn)
	if err != nil {
		return h, err
	}
	// sql.Open connects nothing: the spare costs a connection only when used.
	h.spare, err = sql.Open("sqlite", wdsn)
	if err != nil {
		h.close()
		return handles{}, err
	}
	h.spare.SetMaxOpenConns(1)
	h.spare.SetMaxIdleConns(1)
	h.spare.SetConnMaxIdleTime(readerIdle)
	return h, nil
}

func openHandlesDSN(path, writerDSN string) (handles, error) {
	w, err := sql.Open("sqlite", writerDSN)
	if err != nil {
		return handles{}, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxIdleTime(0)
	r, err := sql.Open("sqlite", dsn(path, mustExist, true))
	if err != nil {
		w.Close()
		return handles{}, err
	}
	n := readConns()
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	r.SetConnMaxIdleTime(readerIdle)
	return handles{w: w, r: r}, nil
}

func (h handles) close() error {
	var errW, errR error
	if h.spare != nil {
		h.spare.Close()
	}
	if h.r != nil {
		errR = h.r.Close()
	}
	if h.w != nil {
		errW = h.w.Close()
	}
	if errW != nil {
		return errW
	}
	return errR
}

// txBeginner is a writer handle or one connection of it (*sql.DB, *sql.Conn).
type txBeginner interface {
	BeginTx(ctx context.Context, opts *sql.TxOptions) (*sql.Tx, error)
}

// inTx runs fn in one write transaction on w and commits only if fn succeeds.
func inTx(ctx context.Context, w txBeginner, fn func(*sql.Tx) error) error {
	tx, err := w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	// Rolled back also when fn panics: a transaction left open would hold the writer's
	// one connection, and the school's write lock, for good.
	defer tx.Rollback() // a no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// SQLite result codes this package acts on (primary codes are the low byte of an
// extended code).
const (
	sqliteCorrupt          = 11
	sqliteNotADB           = 26
	sqliteConstraintUnique = 2067
)

// sqliteCode is the (extended) result code of a SQLite error anywhere in err's chain.
func sqliteCode(err error) (int, bool) {
	var coded interface{ Code() int }
	if !errors.As(err, &coded) {
		return 0, false
	}
	return coded.Code(), true
}
