package clients

import (
	"context"
	"database/sql"
	"errors"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/catalogdb"
)

// AddDomain lets a school be reached at one more host name; primary makes it the one
// links and listings use.
func (s *Service) AddDomain(ctx context.Context, schema, domain string, primary bool) (Tenant, error) {
	f := errs.Fields{}
	ds := s.checkDomains(f, []string{domain})
	if err := f.Err(); err != nil {
		return Tenant{}, err
	}
	t, err := s.Get(ctx, schema)
	if err != nil {
		return Tenant{}, err
	}
	d := ds[0]
	if err := s.domainFree(ctx, s.Catalog.Read(), d); err != nil {
		return Tenant{}, err
	}
	primary = primary || t.PrimaryDomain() == ""
	err = s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		row, err := q.GetTenantBySchema(ctx, schema)
		if err != nil {
			return err
		}
		if primary {
			if err := q.ClearPrimaryDomain(ctx, row.ID); err != nil {
				return err
			}
		}
		_, err = q.CreateDomain(ctx, catalogdb.CreateDomainParams{Domain: d, TenantID: row.ID, IsPrimary: primary})
		return conflictOr(err, "domain", "the domain "+d+" is already taken")
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "add domain")
	}
	s.changed()
	return s.Get(ctx, schema)
}

// RemoveDomain stops serving a school at a host name. Removing the primary domain makes
// the oldest remaining one primary.
func (s *Service) RemoveDomain(ctx context.Context, domain string) (Tenant, error) {
	d, owner, err := s.lookupDomain(ctx, domain)
	if err != nil {
		return Tenant{}, err
	}
	err = s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		if _, err := q.DeleteDomain(ctx, d); err != nil {
			return err
		}
		return q.PromoteAnyDomain(ctx, catalogdb.PromoteAnyDomainParams{TenantID: owner.ID, TenantID_2: owner.ID})
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "remove domain")
	}
	s.changed()
	return s.Get(ctx, owner.SchemaName)
}

// SetPrimaryDomain makes domain the primary one of the school that owns it.
func (s *Service) SetPrimaryDomain(ctx context.Context, domain string) (Tenant, error) {
	d, owner, err := s.lookupDomain(ctx, domain)
	if err != nil {
		return Tenant{}, err
	}
	err = s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		if err := q.ClearPrimaryDomain(ctx, owner.ID); err != nil {
			return err
		}
		_, err := q.SetPrimaryDomain(ctx, catalogdb.SetPrimaryDomainParams{Domain: d, TenantID: owner.ID})
		return err
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "set primary domain")
	}
	s.changed()
	return s.Get(ctx, owner.SchemaName)
}

// ListDomains lists every domain, or one school's when schema is not empty.
func (s *Service) ListDomains(ctx context.Context, schema string) ([]Domain, error) {
	if schema != "" {
		t, err := s.Get(ctx, schema)
		if err != nil {
			return nil, err
		}
		return t.Domains, nil
	}
	rows, err := s.Catalog.Read().ListAllDomains(ctx)
	if err != nil {
		return nil, errs.Wrap(err, "list domains")
	}
	out := make([]Domain, 0, len(rows))
	for _, r := range rows {
		out = append(out, Domain{Domain: r.Domain, IsPrimary: r.IsPrimary, Schema: r.SchemaName})
	}
	return out, nil
}

func (s *Service) lookupDomain(ctx context.Context, raw string) (string, catalogdb.ResolveDomainRow, error) {
	f := errs.Fields{}
	ds := s.checkDomains(f, []string{raw})
	if err := f.Err(); err != nil {
		return "", catalogdb.ResolveDomainRow{}, err
	}
	owner, err := s.Catalog.Read().ResolveDomain(ctx, ds[0])
	if errors.Is(err, sql.ErrNoRows) {
		return "", owner, errs.E(errs.NotFound, "no school uses the domain %q", ds[0])
	}
	if err != nil {
		return "", owner, errs.Wrap(err, "look up domain")
	}
	return ds[0], owner, nil
}
