package clients

import (
	"context"
	"database/sql"
	"errors"
	"regexp"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/catalogdb"
)

// applianceRe is what an appliance name may be: it becomes a token of NATS subjects and
// part of durable consumer names, which allow no dots, wildcards or spaces.
var applianceRe = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)

const applianceRule = "must be 1-63 characters of lower-case letters, digits, - and _, starting with a letter or digit"

// CheckAppliance reports whether name can name an appliance; "" (this appliance, on a
// single box) is allowed.
func CheckAppliance(name string) error {
	if name != "" && !applianceRe.MatchString(name) {
		return errors.New(applianceRule)
	}
	return nil
}

// Place records which appliance serves a school. "" places it on the appliance this
// catalog belongs to. Nothing moves: the appliance named serves the school once it
// holds the school's file and catalog entry (sms tenant import), and this one stops
// serving it within a second (421 on its host, no webhooks, no bot work, no relay).
func (s *Service) Place(ctx context.Context, schema, appliance string) (Tenant, error) {
	if err := CheckAppliance(appliance); err != nil {
		return Tenant{}, errs.Field("appliance", applianceRule)
	}
	if _, err := s.Get(ctx, schema); err != nil {
		return Tenant{}, err
	}
	err := s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.SetTenantAppliance(ctx, catalogdb.SetTenantApplianceParams{Appliance: appliance, SchemaName: schema})
		if errors.Is(err, sql.ErrNoRows) {
			return notFound(schema)
		}
		return err
	})
	if err != nil {
		return Tenant{}, errs.Wrap(err, "place tenant")
	}
	s.changed()
	return s.Get(ctx, schema)
}
