// Package clients is the platform's side of tenancy: creating, renaming, suspending,
// deleting and cloning schools, and the domains they are reached at. The CLI and the
// platform API both go through Service, so both validate and fail alike.
package clients

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// Service manages schools (tenants) and their domains.
type Service struct {
	Catalog    *db.Catalog
	Pool       *db.Pool
	BaseDomain string
	ArchiveDir string
	// Changed runs after this process changed routing (tenants, domains, status), so
	// caches in this process need not wait for their periodic check.
	Changed func()
}

// Tenant is a school as the platform sees it.
type Tenant struct {
	Schema string `json:"schema_name"`
	Name   string `json:"name"`
	Status string `json:"status"`
	// Appliance is where the school is served: "" for the appliance whose catalog this
	// is, else the name of another (see Place).
	Appliance string   `json:"appliance"`
	CreatedAt string   `json:"created_at"`
	UpdatedAt string   `json:"updated_at"`
	Domains   []Domain `json:"domains"`
}

// Domain is a host name a school is reached at.
type Domain struct {
	Domain    string `json:"domain"`
	IsPrimary bool   `json:"is_primary"`
	Schema    string `json:"schema_name"`
}

// PrimaryDomain is the school's primary host name, "" if it has none.
func (t Tenant) PrimaryDomain() string {
	for _, d := range t.Domains {
		if d.IsPrimary {
			return d.Domain
		}
	}
	return ""
}

// CreateInput describes a new school.
type CreateInput struct {
	Schema  string
	Name    string
	Domains []string // the first is primary; empty means <schema with _ as ->.<base domain>
	// Country (ISO 3166 alpha-2) and Timezone (IANA) of the school; empty means the
	// platform's defaults (see Defaults).
	Country  string
	Timezone string
	// Init runs inside the new file's first transaction, after the school profile is
	// written (e.g. to create the school's first admin).
	Init func(ctx context.Context, q *tenantdb.Queries) error
}

const maxNameLen = 200

const schemaRule = "must be 2-63 characters of lower-case letters, digits and _, start with a letter, and not be \"public\""

func checkSchema(f errs.Fields, field, s string) {
	if db.CheckSchemaName(s) != nil {
		f.Add(field, schemaRule)
	}
}

func checkName(f errs.Fields, name string) string {
	name, msg := text.Line(name, maxNameLen)
	switch {
	case msg != "":
		f.Add("name", msg)
	case name == "":
		f.Add("name", "must not be empty")
	}
	return name
}

// DefaultDomain is the domain a school gets when none is given.
func (s *Service) DefaultDomain(schema string) string {
	return strings.ReplaceAll(schema, "_", "-") + "." + s.BaseDomain
}

func (s *Service) checkDomains(f errs.Fields, raw []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range raw {
		d, err := tenancy.CheckDomain(r)
		if err != nil {
			f.Add("domain", fmt.Sprintf("%q %s", r, err.Error()))
			continue
		}
		if d == s.BaseDomain {
			f.Add("domain", fmt.Sprintf("%q is the platform's own domain", d))
			continue
		}
		if !seen[d] {
			seen[d] = true
			out = append(out, d)
		}
	}
	return out
}

// checkInput validates a new school's fields, returning them normalised.
func (s *Service) checkInput(in CreateInput) (name string, domains []string, err error) {
	f := errs.Fields{}
	checkSchema(f, "schema_name", in.Schema)
	name = checkName(f, in.Name)
	raw := in.Domains
	if len(raw) == 0 && db.CheckSchemaName(in.Schema) == nil {
		raw = []string{s.DefaultDomain(in.Schema)}
	}
	domains = s.checkDomains(f, raw)
	if _, msg := school.CheckCountry(in.Country); msg != "" {
		f.Add("country_code", msg)
	}
	if in.Timezone != "" {
		if _, msg := school.CheckTimezone(in.Timezone); msg != "" {
			f.Add("timezone", msg)
		}
	}
	return name, domains, f.Err()
}

// placeOf is the country and timezone a new school gets: those it was given, else the
// platform's defaults.
func (s *Service) placeOf(ctx context.Context, in CreateInput) (country, timezone string, err error) {
	d, err := s.Defaults(ctx)
	if err != nil {
		return "", "", err
	}
	country, _ = school.CheckCountry(in.Country)
	timezone, _ = school.CheckTimezone(in.Timezone)
	if strings.TrimSpace(in.Country) == "" {
		country = d.Country
	}
	if strings.TrimSpace(in.Timezone) == "" {
		timezone = d.Timezone
	}
	return country, timezone, nil
}

// Create makes a new school: its catalog rows and its migrated file, or nothing at all.
func (s *Service) Create(ctx context.Context, in CreateInput) (Tenant, error) {
	name, domains, err := s.checkInput(in)
	if err != nil {
		return Tenant{}, err
	}
	if err := s.checkFree(ctx, in.Schema, domains); err != nil {
		return Tenant{}, err
	}
	country, timezone, err := s.placeOf(ctx, in)
	if err != nil {
		return Tenant{}, err
	}
	inc := db.NewIncarnation()
	staged, err := s.Pool.CreateFile(ctx, in.Schema, inc, func(q *tenantdb.Queries) error {
		if _, err := q.UpsertSchoolProfile(ctx, tenantdb.UpsertSchoolProfileParams{Name: name, CountryCode: country, Timezone: timezone}); err != nil {
			return err
		}
		if in.Init != nil {
			return in.Init(ctx, q)
		}
		return nil
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "create tenant file")
	}
	return s.register(ctx, staged, in.Schema, inc, name, domains)
}

// cloneTables are what a clone takes from its template: the school's setup, in an order
// that satisfies their foreign keys. Nothing else is copied: accounts, sessions, tokens,
// the audit log, students, guardians, admissions, enrollments, the counters behind
// admission numbers, and every table added later start empty unless listed here.
// Classes keep their form and session but lose their class teacher, and who teaches
// what (subject_assignments) is left out: both name accounts, and a clone has none.
var cloneTables = []db.CopyTable{
	{Name: "school_profile"}, // the name is replaced by the clone's own
	{Name: "academic_sessions"},
	{Name: "terms"},
	{Name: "holidays"},
	{Name: "forms"},
	{Name: "subjects"},
	{Name: "curriculum"},
	{Name: "classes", Null: []string{"class_teacher_id"}},
	{Name: "school_settings"},
	{Name: "school_logo"}, // the profile names it (logo_etag)
}

// checkClone validates a clone's fields, returning them normalised.
func (s *Service) checkClone(from string, in CreateInput) (name string, domains []string, err error) {
	f := errs.Fields{}
	checkSchema(f, "from", from)
	if _, msg := school.CheckCountry(in.Country); msg != "" {
		f.Add("country_code", msg)
	}
	if in.Timezone != "" {
		if _, msg := school.CheckTimezone(in.Timezone); msg != "" {
			f.Add("timezone", msg)
		}
	}
	checkSchema(f, "schema_name", in.Schema)
	name = checkName(f, in.Name)
	raw := in.Domains
	if len(raw) == 0 && db.CheckSchemaName(in.Schema) == nil {
		raw = []string{s.DefaultDomain(in.Schema)}
	}
	domains = s.checkDomains(f, raw)
	return name, domains, f.Err()
}

// Clone makes a new school with the setup of the school from (a template school): its
// profile, academic structure, subjects and settings, and none of its people or history.
// It keeps the template's country and timezone unless in names others.
func (s *Service) Clone(ctx context.Context, from string, in CreateInput) (Tenant, error) {
	name, domains, err := s.checkClone(from, in)
	if err != nil {
		return Tenant{}, err
	}
	if _, err := s.Get(ctx, from); err != nil {
		return Tenant{}, err
	}
	if err := s.checkFree(ctx, in.Schema, domains); err != nil {
		return Tenant{}, err
	}
	inc := db.NewIncarnation()
	staged, err := s.Pool.CloneFile(ctx, from, in.Schema, inc, cloneTables, func(q *tenantdb.Queries) error {
		if err := q.SetSchoolName(ctx, name); err != nil {
			return err
		}
		if in.Country != "" || in.Timezone != "" {
			p, err := q.GetSchoolProfile(ctx)
			if err != nil {
				return err
			}
			country, timezone := p.CountryCode, p.Timezone
			if in.Country != "" {
				country, _ = school.CheckCountry(in.Country)
			}
			if in.Timezone != "" {
				timezone, _ = school.CheckTimezone(in.Timezone)
			}
			if err := q.SetSchoolPlace(ctx, tenantdb.SetSchoolPlaceParams{CountryCode: country, Timezone: timezone}); err != nil {
				return err
			}
		}
		if in.Init != nil {
			return in.Init(ctx, q)
		}
		return nil
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "clone tenant file")
	}
	return s.register(ctx, staged, in.Schema, inc, name, domains)
}

// CloneWithAdmin clones the school from and, when in.Admin is set, creates the new
// school's first admin in the same new file: either both exist afterwards or neither.
func (s *Service) CloneWithAdmin(ctx context.Context, from string, in CreateRequest, meta auth.Meta) (Tenant, error) {
	ci := CreateInput{Schema: in.Schema, Name: in.Name, Domains: in.Domains, Country: in.Country, Timezone: in.Timezone}
	if in.Admin != nil {
		_, _, schoolErr := s.checkClone(from, ci)
		init, err := adminInit(*in.Admin, schoolErr, meta)
		if err != nil {
			return Tenant{}, err
		}
		ci.Init = init
	}
	return s.Clone(ctx, from, ci)
}

// adminInit validates a new school's first admin and returns the Init that creates it.
// The school's own field errors (schoolErr) are reported with the admin's, in one round.
func adminInit(admin auth.NewUser, schoolErr error, meta auth.Meta) (func(context.Context, *tenantdb.Queries) error, error) {
	admin.Role = auth.RoleAdmin
	checked, adminErr := admin.Check()
	if schoolErr != nil || adminErr != nil {
		all := errs.Fields{}
		for k, v := range errs.As(schoolErr).Fields {
			all.Add(k, v)
		}
		if adminErr != nil {
			for k, v := range errs.As(errs.PrefixFields(adminErr, "admin.")).Fields {
				all.Add(k, v)
			}
		}
		if err := all.Err(); err != nil {
			return nil, err
		}
	}
	return func(ctx context.Context, q *tenantdb.Queries) error {
		_, err := auth.CreateSchoolUser(ctx, q, checked, meta)
		return err
	}, nil
}

// checkFree fails with Conflict when the schema or a domain is taken.
func (s *Service) checkFree(ctx context.Context, schema string, domains []string) error {
	q := s.Catalog.Read()
	if _, err := q.GetTenantBySchema(ctx, schema); err == nil {
		return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("a school with schema %q already exists", schema),
			Fields: map[string]string{"schema_name": "is already taken"}}
	} else if !errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(err, "look up tenant")
	}
	for _, d := range domains {
		if err := s.domainFree(ctx, q, d); err != nil {
			return err
		}
	}
	if _, err := os.Stat(s.Pool.Path(schema)); err == nil {
		return &errs.Error{Code: errs.Conflict,
			Message: fmt.Sprintf("a file for schema %q already exists at %s; archive or remove it first", schema, s.Pool.Path(schema)),
			Fields:  map[string]string{"schema_name": "has a leftover file"}}
	}
	return nil
}

func (s *Service) domainFree(ctx context.Context, q *catalogdb.Queries, d string) error {
	row, err := q.ResolveDomain(ctx, d)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return errs.Wrap(err, "look up domain")
	}
	return &errs.Error{Code: errs.Conflict, Message: fmt.Sprintf("the domain %q already belongs to school %q", d, row.SchemaName),
		Fields: map[string]string{"domain": "is already taken"}}
}

// register writes the catalog rows of a staged school (with the incarnation its file
// was made for) and moves its file into place, all in one catalog transaction: if any
// step fails, neither the rows nor the file stay.
func (s *Service) register(ctx context.Context, staged, schema, incarnation, name string, domains []string) (Tenant, error) {
	installed := false
	err := s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		t, err := q.CreateTenant(ctx, catalogdb.CreateTenantParams{SchemaName: schema, Name: name, Incarnation: incarnation})
		if err != nil {
			return conflictOr(err, "schema_name", fmt.Sprintf("a school with schema %q already exists", schema))
		}
		for i, d := range domains {
			_, err := q.CreateDomain(ctx, catalogdb.CreateDomainParams{Domain: d, TenantID: t.ID, IsPrimary: i == 0})
			if err != nil {
				return conflictOr(err, "domain", fmt.Sprintf("the domain %q is already taken", d))
			}
		}
		if err := s.Pool.Install(staged, schema); err != nil {
			return err
		}
		installed = true
		return nil
	})
	if err != nil {
		if installed {
			db.RemoveFiles(s.Pool.Path(schema))
		}
		s.Pool.Discard(staged)
		return Tenant{}, errs.Wrap(err, "register tenant")
	}
	s.changed()
	return s.Get(ctx, schema)
}

// conflictOr turns a unique-constraint failure into a Conflict naming field.
func conflictOr(err error, field, msg string) error {
	if err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed") {
		return &errs.Error{Code: errs.Conflict, Message: msg, Fields: map[string]string{field: "is already taken"}}
	}
	return err
}

func (s *Service) changed() {
	if s.Changed != nil {
		s.Changed()
	}
}

func notFound(schema string) error {
	return errs.E(errs.NotFound, "no school with schema %q", schema)
}

// Get returns one school with its domains.
func (s *Service) Get(ctx context.Context, schema string) (Tenant, error) {
	if db.CheckSchemaName(schema) != nil {
		return Tenant{}, notFound(schema)
	}
	q := s.Catalog.Read()
	t, err := q.GetTenantBySchema(ctx, schema)
	if errors.Is(err, sql.ErrNoRows) {
		return Tenant{}, notFound(schema)
	}
	if err != nil {
		return Tenant{}, errs.Wrap(err, "get tenant")
	}
	ds, err := q.ListDomainsByTenant(ctx, t.ID)
	if err != nil {
		return Tenant{}, errs.Wrap(err, "list domains")
	}
	return view(t, ds), nil
}

func view(t catalogdb.Tenant, ds []catalogdb.Domain) Tenant {
	out := Tenant{Schema: t.SchemaName, Name: t.Name, Status: t.Status, Appliance: t.Appliance, CreatedAt: t.CreatedAt,
		UpdatedAt: t.UpdatedAt, Domains: []Domain{}}
	for _, d := range ds {
		out.Domains = append(out.Domains, Domain{Domain: d.Domain, IsPrimary: d.IsPrimary, Schema: t.SchemaName})
	}
	return out
}

// List returns every school with its domains, ordered by schema name.
func (s *Service) List(ctx context.Context) ([]Tenant, error) {
	q := s.Catalog.Read()
	ts, err := q.ListTenants(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "list tenants")
	}
	all, err := q.ListAllDomains(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "list domains")
	}
	bySchema := map[string][]Domain{}
	for _, d := range all {
		bySchema[d.SchemaName] = append(bySchema[d.SchemaName], Domain{Domain: d.Domain, IsPrimary: d.IsPrimary, Schema: d.SchemaName})
	}
	out := make([]Tenant, 0, len(ts))
	for _, t := range ts {
		v := view(t, nil)
		if ds := bySchema[t.SchemaName]; ds != nil {
			v.Domains = ds
		}
		out = append(out, v)
	}
	return out, nil
}

// Rename changes a school's display name, in the catalog and in its own profile.
func (s *Service) Rename(ctx context.Context, schema, name string) (Tenant, error) {
	f := errs.Fields{}
	name = checkName(f, name)
	if err := f.Err(); err != nil {
		return Tenant{}, err
	}
	if _, err := s.Get(ctx, schema); err != nil {
		return Tenant{}, err
	}
	err := s.Pool.WithTenant(ctx, schema, func(t *db.Tenant) error {
		return t.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error { return q.SetSchoolName(ctx, name) })
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "rename school profile")
	}
	err = s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.UpdateTenantName(ctx, catalogdb.UpdateTenantNameParams{Name: name, SchemaName: schema})
		return err
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "rename tenant")
	}
	s.changed()
	return s.Get(ctx, schema)
}

// Suspend stops a school from being served (403 tenant_suspended) without touching its data.
func (s *Service) Suspend(ctx context.Context, schema string) (Tenant, error) {
	return s.setStatus(ctx, schema, "suspended")
}

// Resume serves a suspended school again.
func (s *Service) Resume(ctx context.Context, schema string) (Tenant, error) {
	return s.setStatus(ctx, schema, "active")
}

func (s *Service) setStatus(ctx context.Context, schema, status string) (Tenant, error) {
	if _, err := s.Get(ctx, schema); err != nil {
		return Tenant{}, err
	}
	err := s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.SetTenantStatus(ctx, catalogdb.SetTenantStatusParams{Status: status, SchemaName: schema})
		return err
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "set tenant status")
	}
	s.changed()
	return s.Get(ctx, schema)
}

// Delete removes a school from the catalog. Its file is moved to the archive directory,
// or with purge removed with its -wal and -shm files. It returns the archive path.
func (s *Service) Delete(ctx context.Context, schema string, purge bool) (archived string, err error) {
	if _, err := s.Get(ctx, schema); err != nil {
		return "", err
	}
	err = s.Pool.Remove(ctx, schema, func(path string) error {
		_, statErr := os.Stat(path)
		hasFile := statErr == nil
		if hasFile && !purge {
			if err := os.MkdirAll(s.ArchiveDir, 0o750); err != nil {
				return fmt.Errorf("create archive dir: %w", err)
			}
			archived = filepath.Join(s.ArchiveDir, schema+"-"+time.Now().UTC().Format("20060102T150405.000Z")+".db")
			if err := db.MoveFiles(path, archived); err != nil {
				return fmt.Errorf("archive tenant file: %w", err)
			}
		}
		err := s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
			_, err := q.DeleteTenant(ctx, schema)
			return err
		})
		if err != nil {
			if archived != "" { // put the file back: the school still exists
				db.MoveFiles(archived, path)
				archived = ""
			}
			return fmt.Errorf("delete tenant rows: %w", err)
		}
		if purge {
			if err := db.RemoveFiles(path); err != nil {
				return fmt.Errorf("purge tenant file: %w", err)
			}
		}
		os.Remove(filepath.Join(filepath.Dir(path), "."+schema+".lock"))
		return nil
	})
	if err != nil {
		return "", errs.Wrap(err, "delete tenant")
	}
	s.changed()
	return archived, nil
}
