package db

import (
	"container/list"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schoolsms/sms/db/tenantdb"
	"github.com/schoolsms/sms/migrations"
)

// ErrNoTenantFile means the tenant's file does not exist (never created, or removed).
var ErrNoTenantFile = errors.New("tenant file does not exist")

// ErrNotTenantFile means a file is where a school's file should be, but it is not one
// this program made: empty, truncated, not SQLite, or without a schema version.
var ErrNotTenantFile = errors.New("not a school file")

// ErrTenantClosing means the tenant is being archived or removed.
var ErrTenantClosing = errors.New("tenant is being removed")

// ErrWrongIncarnation means the file at a school's path was made for another school of
// the same schema name (one deleted since, or a file put back by hand).
var ErrWrongIncarnation = errors.New("the file belongs to another school of the same name")

// ErrUnknownTenant means the catalog has no school with the schema name.
var ErrUnknownTenant = errors.New("no such school in the catalog")

// NewIncarnation returns a fresh id for a school being made: written into its catalog
// row and its file, it ties the two together for the school's whole life.
func NewIncarnation() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Pool keeps tenant files open for reuse, at most Cap at a time. When a new file must be
// opened at the cap, the least recently used idle file is closed; a file in use is never
// closed, so at the cap with every file busy Acquire waits for a release.
//
// An open file belongs to one incarnation of its school (the id stored in both the
// catalog row and the file). It is handed out only to callers asking for that
// incarnation; asked for another, the pool drops it (closing it once its last user is
// done) and opens the file on disk afresh, which must carry the incarnation asked for.
type Pool struct {
	cat *Catalog
	dir string
	cap int
	mig *Migrator

	mu      sync.Mutex
	entries map[string]*entry
	lru     *list.List    // open, ready entries; front is most recently used
	wake    chan struct{} // closed (and replaced) whenever an entry becomes idle or leaves
	stats   PoolStats

	// The write waits of files already closed; open files' are read from their writer.
	closedWriteWaits    atomic.Int64
	closedWriteWaitTime atomic.Int64 // nanoseconds
	checkpoints         atomic.Int64 // run in the background (see checkpoint.go)
}

type entry struct {
	schema      string
	incarnation string
	t           *Tenant
	refs        int
	elem        *list.Element
	ready       chan struct{} // closed once the open attempt has finished
	err         error         // the open error, when ready is closed and t is nil
	closing     bool          // being removed: no new users
	// detached: no longer in entries (its school changed) but still in use; the last
	// release closes it.
	detached bool
}

// PoolStats counts what the pool has done; tests and benchmarks read it.
type PoolStats struct {
	Open      int // files open now
	InUse     int // files with at least one user now
	Opens     int // files opened since start
	Evictions int // idle files closed to make room
	Migrated  int // files brought up to date on open
	Peak      int // most files open at once since start
	Waits     int // acquires that waited because every open file was busy

	// WriteWaits counts write transactions that waited for their school's one writer
	// connection (another write of the same school was running); WriteWaitTime is the
	// time they waited in all.
	WriteWaits    int64
	WriteWaitTime time.Duration

	// Checkpoints counts the write-ahead log checkpoints run in the background, off
	// the writes' path (see checkpoint.go).
	Checkpoints int64
}

// NewPool serves the files of the schools in cat from dir (<data>/tenants), with at
// most capacity open.
func NewPool(cat *Catalog, dir string, capacity int) (*Pool, error) {
	m, err := NewMigrator(migrations.Tenant())
	if err != nil {
		return nil, err
	}
	return NewPoolWithMigrations(cat, dir, capacity, m), nil
}

// NewPoolWithMigrations is NewPool with another tenant migration history (tests use it).
func NewPoolWithMigrations(cat *Catalog, dir string, capacity int, m *Migrator) *Pool {
	if capacity < 1 {
		capacity = 1
	}
	return &Pool{cat: cat, dir: dir, cap: capacity, mig: m, entries: map[string]*entry{},
		lru: list.New(), wake: make(chan struct{})}
}

// Dir is the directory the tenant files live in.
func (p *Pool) Dir() string { return p.dir }

// Migrator is the tenant migration history the pool brings files up to.
func (p *Pool) Migrator() *Migrator { return p.mig }

// Path is the file of a tenant. Only schema names that pass CheckSchemaName reach a path.
func (p *Pool) Path(schema string) string { return filepath.Join(p.dir, schema+".db") }

func (p *Pool) lockPath(schema string) string { return filepath.Join(p.dir, "."+schema+".lock") }

// Stats returns the pool's counters.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	s := p.stats
	s.Open, s.InUse = 0, 0
	s.WriteWaits, s.WriteWaitTime = p.closedWriteWaits.Load(), time.Duration(p.closedWriteWaitTime.Load())
	s.Checkpoints = p.checkpoints.Load()
	for _, e := range p.entries {
		if e.t != nil {
			s.Open++
			w := e.t.h.w.Stats()
			s.WriteWaits += w.WaitCount
			s.WriteWaitTime += w.WaitDuration
		}
		if e.refs > 0 {
			s.InUse++
		}
	}
	return s
}

// Acquire returns the open file of the school the catalog names schema, opening (and
// migrating) it if needed. It reads the school's incarnation from the catalog: CLI
// commands and workers use it; requests, which know the incarnation from the resolver's
// cache, use AcquireIncarnation. The caller must call release exactly once.
func (p *Pool) Acquire(ctx context.Context, schema string) (t *Tenant, release func(), err error) {
	inc, err := p.incarnation(ctx, schema)
	if err != nil {
		return nil, nil, err
	}
	return p.AcquireIncarnation(ctx, schema, inc)
}

// incarnation is the catalog's incarnation of the school schema.
func (p *Pool) incarnation(ctx context.Context, schema string) (string, error) {
	if err := CheckSchemaName(schema); err != nil {
		return "", err
	}
	inc, err := p.cat.Read().GetTenantIncarnation(ctx, schema)
	if errors.Is(err, sql.ErrNoRows) {
		return "", fmt.Errorf("tenant %q: %w", schema, ErrUnknownTenant)
	}
	if err != nil {
		return "", fmt.Errorf("tenant %q: %w", schema, err)
	}
	return inc, nil
}

// AcquireIncarnation returns the open file of the given incarnation of the school
// schema, opening (and migrating) it if needed; it fails if the file on disk belongs to
// another incarnation. The caller must call release exactly once.
func (p *Pool) AcquireIncarnation(ctx context.Context, schema, incarnation string) (t *Tenant, release func(), err error) {
	return p.acquire(ctx, schema, incarnation, false)
}

// acquire is AcquireIncarnation. A background acquire (a sweep over every school) leaves
// the recently used order as it was: a file it opens goes to the back, the first to be
// closed, so a sweep of many schools closes at most one file users were working in
// instead of all of them.
func (p *Pool) acquire(ctx context.Context, schema, incarnation string, background bool) (t *Tenant, release func(), err error) {
	if err := CheckSchemaName(schema); err != nil {
		return nil, nil, err
	}
	for {
		p.mu.Lock()
		if e, ok := p.entries[schema]; ok {
			select {
			case <-e.ready:
			default: // another caller is opening it: wait for that, then look again
				p.mu.Unlock()
				if err := wait(ctx, e.ready); err != nil {
					return nil, nil, err
				}
				continue
			}
			if e.closing {
				p.mu.Unlock()
				return nil, nil, fmt.Errorf("tenant %q: %w", schema, ErrTenantClosing)
			}
			if e.incarnation != incarnation {
				// The school was deleted and made again (or restored) since this file was
				// opened: the open file is the old school's. Nobody new gets it.
				closeNow := p.detachLocked(e)
				p.mu.Unlock()
				if closeNow != nil {
					p.closeTenant(closeNow)
				}
				continue
			}
			e.refs++
			if !background {
				p.lru.MoveToFront(e.elem)
			}
			p.mu.Unlock()
			return e.t, p.releaser(e), nil
		}
		var victim *entry
		if len(p.entries) >= p.cap {
			victim = p.idleVictim()
			if victim == nil { // every open file is busy: wait for one to be released
				w := p.wake
				p.stats.Waits++
				p.mu.Unlock()
				if err := wait(ctx, w); err != nil {
					return nil, nil, err
				}
				continue
			}
			p.removeLocked(victim)
			p.stats.Evictions++
		}
		e := &entry{schema: schema, incarnation: incarnation, refs: 1, ready: make(chan struct{})}
		p.entries[schema] = e
		p.mu.Unlock()

		if victim != nil {
			p.closeTenant(victim.t)
		}
		t, res, err := p.open(ctx, schema, incarnation)

		p.mu.Lock()
		if err != nil {
			delete(p.entries, schema)
			e.err = err
			close(e.ready)
			p.signalLocked()
			p.mu.Unlock()
			return nil, nil, err
		}
		e.t = t
		if background {
			e.elem = p.lru.PushBack(e)
		} else {
			e.elem = p.lru.PushFront(e)
		}
		p.stats.Opens++
		p.stats.Peak = max(p.stats.Peak, p.lru.Len())
		if res.Migrated() {
			p.stats.Migrated++
		}
		close(e.ready)
		p.mu.Unlock()
		return t, p.releaser(e), nil
	}
}

// WithTenant runs fn with the tenant's open file: the programmatic equivalent of a
// request on the tenant's host, for CLI commands and workers.
func (p *Pool) WithTenant(ctx context.Context, schema string, fn func(*Tenant) error) error {
	t, release, err := p.Acquire(ctx, schema)
	if err != nil {
		return err
	}
	defer release()
	return fn(t)
}

// WithTenantBackground is WithTenant for background work that visits many schools:
// it does not count as use of the school, so the files users are working in stay open
// (see acquire).
func (p *Pool) WithTenantBackground(ctx context.Context, schema string, fn func(*Tenant) error) error {
	inc, err := p.incarnation(ctx, schema)
	if err != nil {
		return err
	}
	t, release, err := p.acquire(ctx, schema, inc, true)
	if err != nil {
		return err
	}
	defer release()
	return fn(t)
}

func (p *Pool) releaser(e *entry) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			var closeNow *Tenant
			p.mu.Lock()
			e.refs--
			if e.refs == 0 {
				if e.detached {
					closeNow, e.t = e.t, nil
				}
				p.signalLocked()
			}
			p.mu.Unlock()
			if closeNow != nil {
				p.closeTenant(closeNow)
			}
		})
	}
}

// detachLocked takes an open entry out of the pool so nobody new gets it. It returns
// the tenant to close now if nobody is using it; otherwise its last release closes it.
func (p *Pool) detachLocked(e *entry) *Tenant {
	p.removeLocked(e)
	if e.refs > 0 {
		e.detached = true
		return nil
	}
	t := e.t
	e.t = nil
	return t
}

// idleVictim is the least recently used open entry nobody is using.
func (p *Pool) idleVictim() *entry {
	for el := p.lru.Back(); el != nil; el = el.Prev() {
		if e := el.Value.(*entry); e.refs == 0 && !e.closing {
			return e
		}
	}
	return nil
}

func (p *Pool) removeLocked(e *entry) {
	delete(p.entries, e.schema)
	if e.elem != nil {
		p.lru.Remove(e.elem)
		e.elem = nil
	}
	p.signalLocked()
}

func (p *Pool) signalLocked() {
	close(p.wake)
	p.wake = make(chan struct{})
}

// closeTenant closes an open school file, keeping its write waits in the pool's counts.
func (p *Pool) closeTenant(t *Tenant) error {
	w := t.h.w.Stats()
	p.closedWriteWaits.Add(w.WaitCount)
	p.closedWriteWaitTime.Add(int64(w.WaitDuration))
	t.stopCheckpoints()
	return t.h.close()
}

func wait(ctx context.Context, ch <-chan struct{}) error {
	select {
	case <-ch:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// open opens an existing tenant file and brings it to the latest migration.
func (p *Pool) open(ctx context.Context, schema, incarnation string) (*Tenant, Result, error) {
	h, res, err := p.openExisting(ctx, schema, incarnation)
	if err != nil {
		return nil, res, err
	}
	t := newTenant(schema, incarnation, h)
	t.stopCheckpoints = startCheckpoints(p.Path(schema), h.r, &p.checkpoints)
	return t, res, nil
}

// Migrate brings one tenant file up to date through handles of its own, closed again
// afterwards (sms migrate). The file's migration lock keeps it safe beside a server
// that has the same file open.
func (p *Pool) Migrate(ctx context.Context, schema string) (Result, error) {
	inc, err := p.incarnation(ctx, schema)
	if err != nil {
		return Result{}, err
	}
	h, res, err := p.openExisting(ctx, schema, inc)
	if err != nil {
		return res, err
	}
	return res, h.close()
}

// openExisting opens the file of a school that exists, after checking that it is a file
// this program made for that incarnation of the school, and migrates it if it is
// behind. Anything else (missing, empty, not SQLite, no schema version, a version this
// program does not know, another incarnation's file) is an error and the file is left
// exactly as it was: only creating a school makes a new file.
func (p *Pool) openExisting(ctx context.Context, schema, incarnation string) (handles, Result, error) {
	path := p.Path(schema)
	if err := checkFile(path); err != nil {
		return handles{}, Result{}, fmt.Errorf("tenant %q: %w", schema, err)
	}
	h, err := openTenantHandles(path)
	if err != nil {
		return handles{}, Result{}, fmt.Errorf("open tenant %q: %w", schema, err)
	}
	// The file is checked on the writer's connection, the one a cold file's requests
	// use (see Tenant.readsOnWriter), so opening a school costs one connection and one
	// parse of its schema.
	v, err := p.checkOpen(ctx, h.w, incarnation)
	if err != nil {
		h.close()
		return handles{}, Result{From: v, To: v}, fmt.Errorf("open tenant %q: %w", schema, err)
	}
	res, err := p.mig.ensureFrom(ctx, h, p.lockPath(schema), v)
	if err != nil {
		h.close()
		return handles{}, res, fmt.Errorf("open tenant %q: %w", schema, err)
	}
	return h, res, nil
}

// checkOpen checks that the file behind w (a single-connection writer that has not
// connected yet) is a school file this program made for incarnation, and returns its
// migration version. The checks read through the connection made query_only: nothing is
// written to a file that turns out not to be a school's. Only once it passes is the
// connection made writable and the file put in WAL (a no-op for a file already in WAL).
func (p *Pool) checkOpen(ctx context.Context, w *sql.DB, incarnation string) (uint, error) {
	conn, err := w.Conn(ctx)
	if err != nil {
		if isNotADB(err) {
			err = fmt.Errorf("%w: it is not a SQLite database", ErrNotTenantFile)
		}
		return 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 1`); err != nil {
		return 0, err
	}
	v, got, err := p.readState(ctx, conn)
	switch {
	case isNotADB(err):
		err = fmt.Errorf("%w: it is not a SQLite database", ErrNotTenantFile)
	case err == nil && v == 0:
		err = fmt.Errorf("%w: it has no schema version", ErrNotTenantFile)
	case err == nil && got != incarnation:
		err = fmt.Errorf("%w (file %q, catalog %q)", ErrWrongIncarnation, got, incarnation)
	}
	if err != nil {
		// The connection stays query_only: the caller closes the handles.
		return v, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA query_only = 0`); err != nil {
		return v, err
	}
	if _, err := conn.ExecContext(ctx, `PRAGMA journal_mode = WAL`); err != nil {
		return v, err
	}
	return v, nil
}

// readState reads a school file's migration version and incarnation, in one statement
// for a file that has both tables (every file made since incarnations exist).
func (p *Pool) readState(ctx context.Context, q rowQuerier) (uint, string, error) {
	var ver sql.NullInt64
	var dirty sql.NullBool
	var inc sql.NullString
	err := q.QueryRowContext(ctx, `SELECT (SELECT version FROM schema_migrations LIMIT 1),
		(SELECT dirty FROM schema_migrations LIMIT 1),
		(SELECT incarnation FROM school_incarnation WHERE id = 1)`).Scan(&ver, &dirty, &inc)
	if err != nil && isNoSuchTable(err) {
		// An older file (no incarnation table) or not a school's (no version table).
		v, err := p.mig.Version(ctx, q)
		if err != nil || v == 0 {
			return v, "", err
		}
		got, err := readIncarnation(ctx, q)
		return v, got, err
	}
	if err != nil {
		return 0, "", err
	}
	if !ver.Valid {
		return 0, "", nil
	}
	v, err := p.mig.check(ver.Int64, dirty.Bool)
	return v, inc.String, err
}

// readIncarnation reads the incarnation a school file was made for; files made before
// incarnations existed have none ("").
func readIncarnation(ctx context.Context, r rowQuerier) (string, error) {
	var n int
	err := r.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'school_incarnation'`).Scan(&n)
	if err != nil || n == 0 {
		return "", err
	}
	var inc string
	err = r.QueryRowContext(ctx, `SELECT incarnation FROM school_incarnation WHERE id = 1`).Scan(&inc)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return inc, err
}

// checkFile looks at a school's file before SQLite does, which would take an empty file
// for a new database and make one in it. It only stats the file: opening and closing a
// descriptor of a SQLite file would drop the locks SQLite holds on it in this process.
func checkFile(path string) error {
	st, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return ErrNoTenantFile
	}
	if err != nil {
		return err
	}
	if st.Size() == 0 {
		return fmt.Errorf("%w: the file is empty", ErrNotTenantFile)
	}
	return nil
}

func isNotADB(err error) bool {
	code, ok := sqliteCode(err)
	return ok && code&0xff == sqliteNotADB
}

// Remove closes the tenant's file (waiting for its users to finish, refusing new ones)
// and then calls fn, which may move or delete the file.
func (p *Pool) Remove(ctx context.Context, schema string, fn func(path string) error) error {
	if err := CheckSchemaName(schema); err != nil {
		return err
	}
	for {
		p.mu.Lock()
		e, ok := p.entries[schema]
		if !ok {
			// Hold a closing placeholder so nobody opens the file while fn runs.
			e = &entry{schema: schema, ready: make(chan struct{}), closing: true}
			close(e.ready)
			p.entries[schema] = e
			p.mu.Unlock()
			break
		}
		select {
		case <-e.ready:
		default:
			p.mu.Unlock()
			if err := wait(ctx, e.ready); err != nil {
				return err
			}
			continue
		}
		e.closing = true
		if e.refs > 0 {
			w := p.wake
			p.mu.Unlock()
			if err := wait(ctx, w); err != nil {
				p.mu.Lock()
				e.closing = false
				p.mu.Unlock()
				return err
			}
			continue
		}
		// Idle and marked closing: close it, keep the placeholder until fn is done.
		if e.elem != nil {
			p.lru.Remove(e.elem)
			e.elem = nil
		}
		t := e.t
		e.t = nil
		p.mu.Unlock()
		if t != nil {
			p.closeTenant(t)
		}
		break
	}
	defer func() {
		p.mu.Lock()
		delete(p.entries, schema)
		p.signalLocked()
		p.mu.Unlock()
	}()
	return fn(p.Path(schema))
}

// Retain drops every open file whose school keep no longer knows as (schema,
// incarnation): a school deleted, or deleted and made again, by another process. Idle
// files close now; files in use close when their last user is done, and nobody new gets
// them. It returns how many files were dropped.
func (p *Pool) Retain(keep func(schema, incarnation string) bool) int {
	p.mu.Lock()
	var closeNow []*Tenant
	n := 0
	for _, e := range p.entries {
		if e.t == nil || e.closing || keep(e.schema, e.incarnation) {
			continue
		}
		n++
		if t := p.detachLocked(e); t != nil {
			closeNow = append(closeNow, t)
		}
	}
	p.mu.Unlock()
	for _, t := range closeNow {
		p.closeTenant(t)
	}
	return n
}

// Close closes every open file. Callers stop using the pool first.
func (p *Pool) Close() error {
	p.mu.Lock()
	var all []*entry
	for _, e := range p.entries {
		if e.t != nil {
			all = append(all, e)
		}
		p.removeLocked(e)
	}
	p.mu.Unlock()
	var errs []error
	for _, e := range all {
		errs = append(errs, p.closeTenant(e.t))
	}
	return errors.Join(errs...)
}

// CreateFile builds a new, migrated tenant file for schema at a staging path, made for
// the school's incarnation (see NewIncarnation), and calls init in its first
// transaction. The file is not visible to the pool until Install.
func (p *Pool) CreateFile(ctx context.Context, schema, incarnation string, init func(q *tenantdb.Queries) error) (staged string, err error) {
	return p.build(ctx, schema, func(conn *sql.Conn) error {
		return inTx(ctx, conn, func(tx *sql.Tx) error {
			if err := stamp(ctx, tx, incarnation); err != nil {
				return err
			}
			if init == nil {
				return nil
			}
			return init(tenantdb.New(tx))
		})
	})
}

// CopyTable is a table a new school takes from the school it is cloned from: every row,
// with every column but those in Null, which the copy leaves NULL.
type CopyTable struct {
	Name string
	Null []string
}

var identPattern = regexp.MustCompile(`^[a-z_][a-z0-9_]*$`)

// CloneFile builds a new tenant file like CreateFile and, in its first transaction,
// copies the listed tables of the tenant src into it (read as one snapshot, even while
// src is in use) before init runs. Only what is listed is copied: the new file starts
// from the migrations, not from a copy of src, so a table nobody listed stays empty.
func (p *Pool) CloneFile(ctx context.Context, src, schema, incarnation string, tables []CopyTable, init func(q *tenantdb.Queries) error) (staged string, err error) {
	for _, tb := range tables {
		for _, name := range append([]string{tb.Name}, tb.Null...) {
			if !identPattern.MatchString(name) {
				return "", fmt.Errorf("clone: %q is not a table or column name", name)
			}
		}
	}
	// Holding src through the pool brings it to the same schema version as the new file
	// and keeps it from being removed while it is read.
	_, release, err := p.Acquire(ctx, src)
	if err != nil {
		return "", fmt.Errorf("clone from %q: %w", src, err)
	}
	defer release()
	return p.build(ctx, schema, func(conn *sql.Conn) error {
		// Read-only: the copy can never write to the school it is made from.
		if _, err := conn.ExecContext(ctx, `ATTACH DATABASE ? AS src`, fileURI(p.Path(src))+"?mode=ro"); err != nil {
			return fmt.Errorf("open %q to copy from: %w", src, err)
		}
		defer conn.ExecContext(context.WithoutCancel(ctx), `DETACH DATABASE src`)
		return inTx(ctx, conn, func(tx *sql.Tx) error {
			if err := stamp(ctx, tx, incarnation); err != nil {
				return err
			}
			for _, tb := range tables {
				if err := copyTable(ctx, tx, tb); err != nil {
					return fmt.Errorf("copy %s from %q: %w", tb.Name, src, err)
				}
			}
			if init == nil {
				return nil
			}
			return init(tenantdb.New(tx))
		})
	})
}

// stamp writes the incarnation a new file is made for.
func stamp(ctx context.Context, tx *sql.Tx, incarnation string) error {
	if incarnation == "" {
		return errors.New("a new school file needs an incarnation")
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO school_incarnation (id, incarnation) VALUES (1, ?)`, incarnation)
	return err
}

// copyTable copies every row of src.<table> into main.<table>, column by column as the
// new file names them.
func copyTable(ctx context.Context, tx *sql.Tx, tb CopyTable) error {
	rows, err := tx.QueryContext(ctx, `SELECT name FROM pragma_table_info(?, 'main') ORDER BY cid`, tb.Name)
	if err != nil {
		return err
	}
	var cols []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			rows.Close()
			return err
		}
		cols = append(cols, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if len(cols) == 0 {
		return errors.New("no such table")
	}
	into := make([]string, len(cols))
	from := make([]string, len(cols))
	for i, c := range cols {
		into[i] = `"` + c + `"`
		from[i] = into[i]
		if slices.Contains(tb.Null, c) {
			from[i] = "NULL"
		}
	}
	q := fmt.Sprintf(`INSERT INTO main."%s" (%s) SELECT %s FROM src."%s"`, tb.Name,
		strings.Join(into, ", "), strings.Join(from, ", "), tb.Name)
	_, err = tx.ExecContext(ctx, q)
	return err
}

// build makes a fresh file for schema at a staging path, migrates it from nothing and
// lets fill write its first rows through the file's single writer connection.
func (p *Pool) build(ctx context.Context, schema string, fill func(conn *sql.Conn) error) (staged string, err error) {
	if err := CheckSchemaName(schema); err != nil {
		return "", err
	}
	if err := os.MkdirAll(p.dir, 0o750); err != nil {
		return "", fmt.Errorf("create tenants dir: %w", err)
	}
	staged = p.stagingPath(schema)
	defer func() {
		if err != nil {
			removeFiles(staged)
		}
	}()
	h, err := openHandles(staged, mayCreate)
	if err != nil {
		return "", err
	}
	defer h.close()
	if err := h.w.PingContext(ctx); err != nil {
		return "", fmt.Errorf("create tenant file: %w", err)
	}
	if _, err := p.mig.ensure(ctx, h, p.lockPath(schema)); err != nil {
		return "", fmt.Errorf("migrate new tenant file: %w", err)
	}
	conn, err := h.w.Conn(ctx)
	if err != nil {
		return "", fmt.Errorf("create tenant file: %w", err)
	}
	defer conn.Close()
	return staged, fill(conn)
}

// stagingPath is a fresh name beside the tenant files for a file being built, unique so
// that two processes creating the same school never touch each other's file.
func (p *Pool) stagingPath(schema string) string {
	var b [6]byte
	rand.Read(b[:])
	return filepath.Join(p.dir, "."+schema+".db.new-"+hex.EncodeToString(b[:]))
}

// Install moves a staged file into place as schema's tenant file. It never replaces an
// existing file: the hard link fails if the name is taken, even in a race.
func (p *Pool) Install(staged, schema string) error {
	final := p.Path(schema)
	// The staged file was closed cleanly, so it has no -wal or -shm to carry along.
	if err := os.Link(staged, final); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("tenant file %s already exists", final)
		}
		return fmt.Errorf("install tenant file: %w", err)
	}
	if err := os.Remove(staged); err != nil {
		return fmt.Errorf("install tenant file: %w", err)
	}
	return nil
}

// Discard removes a staged file that will not be installed.
func (p *Pool) Discard(staged string) { removeFiles(staged) }

// removeFiles removes a SQLite file and its -wal and -shm companions.
func removeFiles(path string) error {
	var errs []error
	for _, f := range []string{path, path + "-wal", path + "-shm", path + "-journal"} {
		if err := os.Remove(f); err != nil && !errors.Is(err, fs.ErrNotExist) {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// RemoveFiles deletes a tenant file with its -wal and -shm files.
func RemoveFiles(path string) error { return removeFiles(path) }

// MoveFiles renames a tenant file with any -wal and -shm files beside it.
func MoveFiles(from, to string) error {
	if err := os.Rename(from, to); err != nil {
		return err
	}
	for _, suffix := range []string{"-wal", "-shm"} {
		if err := os.Rename(from+suffix, to+suffix); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
	}
	return nil
}

// ChangeMargin covers the coarse clock file times are taken from (a write may be
// stamped a few milliseconds before the time.Now of a read that did not see it): a
// change within it of a time counts as after it.
const ChangeMargin = time.Second

// ChangedSince reports whether a school's file (or its -wal) may have changed since at,
// by their status change times, without opening it: a write, a checkpoint, or a file
// moved into place (a restore keeps its modification time but not its change time) all
// set it. Anything that cannot be read counts as changed. Background work that visits
// every school (the outbox relay's sweep, due notices) skips the ones it has seen as
// they are, rather than open a thousand files to find nothing new.
func (p *Pool) ChangedSince(schema string, at time.Time) bool {
	limit := at.Add(-ChangeMargin)
	path := p.Path(schema)
	for i, f := range []string{path, path + "-wal"} {
		ct, err := changeTime(f)
		if errors.Is(err, fs.ErrNotExist) && i > 0 {
			continue // no -wal: the file was closed cleanly
		}
		if err != nil || !ct.Before(limit) {
			return true
		}
	}
	return false
}
