package tenancy

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schoolsms/sms/db"
)

// Info is what routing needs to know about a school.
type Info struct {
	ID     int64
	Schema string
	Name   string
	Status string
	// Incarnation ties the catalog row to the school's file: a request is served only
	// from a file made for this incarnation (see db.Pool).
	Incarnation string
	// Appliance is where the school is placed: "" for the appliance whose catalog this
	// is, else a name (sms tenant place).
	Appliance string
}

// Suspended reports whether the school is suspended.
func (i Info) Suspended() bool { return i.Status == "suspended" }

// ServedBy reports whether the appliance named appliance ("" on a single box) serves
// the school: it is placed there, or nowhere else.
func (i Info) ServedBy(appliance string) bool { return i.Appliance == "" || i.Appliance == appliance }

// Resolver maps host names and schema names to schools through the catalog, caching
// both answers (including "no such school"). The catalog's generation counter changes
// on every tenant or domain write by any process; the resolver reads it at most once
// per CheckEvery and drops its caches when it moved, so changes made by another sms
// process are served within that interval without a restart.
type Resolver struct {
	catalog    *db.Catalog
	CheckEvery time.Duration

	mu         sync.RWMutex
	byHost     map[string]*Info // nil value: known not to exist
	bySchema   map[string]*Info
	generation int64
	// epoch counts cache flushes; an answer read from the catalog is cached only if no
	// flush happened while it was being read, so a pre-change answer never outlives it.
	epoch uint64

	lastCheck atomic.Int64 // unix nanos of the last generation read
	checking  atomic.Bool
	onChange  []func()
}

// maxNegative bounds the cache of unknown hosts, which anyone can grow with made-up names.
const maxNegative = 10000

// NewResolver returns a resolver over the catalog.
func NewResolver(c *db.Catalog) *Resolver {
	return &Resolver{catalog: c, CheckEvery: time.Second,
		byHost: map[string]*Info{}, bySchema: map[string]*Info{}}
}

// OnChange registers fn to run after the resolver noticed a catalog change.
func (r *Resolver) OnChange(fn func()) { r.onChange = append(r.onChange, fn) }

// Invalidate drops every cached answer at once (after a change made by this process).
func (r *Resolver) Invalidate() {
	r.mu.Lock()
	r.flushLocked()
	r.mu.Unlock()
	r.lastCheck.Store(0)
}

// ByHost returns the school a normalised host name belongs to; ok is false if none.
func (r *Resolver) ByHost(ctx context.Context, host string) (Info, bool, error) {
	return r.lookup(ctx, host, true)
}

// BySchema returns the school with that schema name; ok is false if none.
func (r *Resolver) BySchema(ctx context.Context, schema string) (Info, bool, error) {
	return r.lookup(ctx, schema, false)
}

func (r *Resolver) lookup(ctx context.Context, key string, byHost bool) (Info, bool, error) {
	r.maybeRefresh(ctx)
	r.mu.RLock()
	m := r.bySchema
	if byHost {
		m = r.byHost
	}
	info, cached := m[key]
	epoch := r.epoch
	r.mu.RUnlock()
	if cached {
		if info == nil {
			return Info{}, false, nil
		}
		return *info, true, nil
	}

	found, err := r.load(ctx, key, byHost)
	if err != nil {
		return Info{}, false, err
	}
	r.mu.Lock()
	if r.epoch == epoch {
		m = r.bySchema
		if byHost {
			m = r.byHost
		}
		if found == nil && len(m) >= maxNegative {
			clear(m)
		}
		m[key] = found
	}
	r.mu.Unlock()
	if found == nil {
		return Info{}, false, nil
	}
	return *found, true, nil
}

func (r *Resolver) load(ctx context.Context, key string, byHost bool) (*Info, error) {
	q := r.catalog.Read()
	if byHost {
		row, err := q.ResolveDomain(ctx, key)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		return &Info{ID: row.ID, Schema: row.SchemaName, Name: row.Name, Status: row.Status, Incarnation: row.Incarnation, Appliance: row.Appliance}, nil
	}
	t, err := q.GetTenantBySchema(ctx, key)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &Info{ID: t.ID, Schema: t.SchemaName, Name: t.Name, Status: t.Status, Incarnation: t.Incarnation, Appliance: t.Appliance}, nil
}

// maybeRefresh reads the catalog generation when the last read is older than
// CheckEvery; one caller does the read while the others go on with the cache.
func (r *Resolver) maybeRefresh(ctx context.Context) {
	now := time.Now().UnixNano()
	if now-r.lastCheck.Load() < int64(r.CheckEvery) {
		return
	}
	if !r.checking.CompareAndSwap(false, true) {
		return
	}
	defer r.checking.Store(false)
	r.lastCheck.Store(now)
	gen, err := r.catalog.Read().CatalogGeneration(ctx)
	if err != nil {
		return // keep serving from the cache; the next check tries again
	}
	r.mu.Lock()
	changed := gen != r.generation
	if changed {
		r.generation = gen
		r.flushLocked()
	}
	r.mu.Unlock()
	if changed {
		for _, fn := range r.onChange {
			fn()
		}
	}
}

func (r *Resolver) flushLocked() {
	r.byHost = map[string]*Info{}
	r.bySchema = map[string]*Info{}
	r.epoch++
}
