package clients

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db/catalogdb"
)

// The platform settings a new school starts from when it is created without its own
// country or timezone (sms settings set default-country KE).
const (
	SettingDefaultCountry  = "default-country"
	SettingDefaultTimezone = "default-timezone"
)

// Defaults are the platform's defaults for new schools.
type Defaults struct {
	Country  string `json:"default-country"`  // "" for none: the school reads only international phone numbers
	Timezone string `json:"default-timezone"` // UTC unless set
}

// Settings are the platform settings sms settings can change, with what each means.
var Settings = map[string]string{
	SettingDefaultCountry:  "country (ISO 3166 alpha-2, e.g. KE) of schools created without --country; empty for none",
	SettingDefaultTimezone: "timezone (IANA, e.g. Africa/Nairobi) of schools created without --timezone; UTC when empty",
}

// Defaults reads the platform's defaults for new schools.
func (s *Service) Defaults(ctx context.Context) (Defaults, error) {
	d := Defaults{Timezone: "UTC"}
	q := s.Catalog.Read()
	for key, dst := range map[string]*string{SettingDefaultCountry: &d.Country, SettingDefaultTimezone: &d.Timezone} {
		v, err := q.GetSetting(ctx, key)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return Defaults{}, errs.Wrap(err, "read platform settings")
		}
		if v != "" {
			*dst = v
		}
	}
	return d, nil
}

// SetSetting checks and stores a platform setting; an empty value restores the default.
func (s *Service) SetSetting(ctx context.Context, key, value string) (string, error) {
	var msg string
	switch key {
	case SettingDefaultCountry:
		value, msg = school.CheckCountry(value)
	case SettingDefaultTimezone:
		if strings.TrimSpace(value) == "" {
			value = ""
		} else {
			value, msg = school.CheckTimezone(value)
		}
	default:
		return "", errs.Field("key", fmt.Sprintf("%q is not a setting: the settings are %s and %s", key, SettingDefaultCountry, SettingDefaultTimezone))
	}
	if msg != "" {
		return "", errs.Field("value", msg)
	}
	err := s.Catalog.Tx(ctx, func(q *catalogdb.Queries) error {
		return q.PutSetting(ctx, catalogdb.PutSettingParams{Key: key, Value: value})
	})
	return value, errs.Wrap(err, "store platform setting")
}
