package school

import (
	"context"
	"database/sql"
	"errors"
	"net/mail"
	"slices"
	"strings"
	"time"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/phone"
	"github.com/schoolsms/sms/app/text"
	"github.com/schoolsms/sms/db/tenantdb"
)

// ProfilePatch changes the fields it sets.
type ProfilePatch struct {
	Name        *string `json:"name"`
	Motto       *string `json:"motto"`
	Address     *string `json:"address"`
	Phone       *string `json:"phone"`
	Email       *string `json:"email"`
	CountryCode *string `json:"country_code"`
	Timezone    *string `json:"timezone"`
	DateFormat  *string `json:"date_format"`
}

// MaxNameLen bounds a school's name, here and in the catalog.
const MaxNameLen = 200

// CheckTimezone reads an IANA timezone name ("Africa/Nairobi"), returning it cleaned, or
// a message fit for the field. "Local" is refused: a school's time never depends on the
// machine that serves it.
func CheckTimezone(name string) (string, string) {
	name = strings.TrimSpace(name)
	if name == "" {
		return name, "must name a timezone, such as Africa/Nairobi or UTC"
	}
	if name == "Local" {
		return name, "must name a timezone, such as Africa/Nairobi: \"Local\" depends on the server"
	}
	if _, err := time.LoadLocation(name); err != nil || len(name) > 64 {
		return name, "is not a timezone known here: use an IANA name such as Africa/Nairobi, Africa/Lagos or Europe/London"
	}
	return name, ""
}

// CheckCountry reads an ISO 3166 alpha-2 country code ("ke" -> "KE"); "" is no country.
func CheckCountry(code string) (string, string) {
	code, ok := phone.Country(code)
	if code != "" && !ok {
		return code, "must be a two-letter country code such as KE, UG, TZ or NG"
	}
	return code, ""
}

// apply checks a patch against the current profile and returns the new one; nothing is
// written when a field is wrong.
func (p ProfilePatch) apply(cur Profile) (Profile, error) {
	f := errs.Fields{}
	out := cur
	line := func(field string, v *string, dst *string, max int, required bool) {
		if v == nil {
			return
		}
		s, msg := text.Line(*v, max)
		switch {
		case msg != "":
			f.Add(field, msg)
		case required && s == "":
			f.Add(field, "must not be empty")
		}
		*dst = s
	}
	line("name", p.Name, &out.Name, MaxNameLen, true)
	line("motto", p.Motto, &out.Motto, 200, false)
	if p.Address != nil {
		s, msg := text.Multiline(*p.Address, 500)
		if msg != "" {
			f.Add("address", msg)
		}
		out.Address = s
	}
	if p.CountryCode != nil {
		c, msg := CheckCountry(*p.CountryCode)
		if msg != "" {
			f.Add("country_code", msg)
		}
		out.CountryCode = c
	}
	if p.Phone != nil && strings.TrimSpace(*p.Phone) != cur.Phone {
		n, err := phone.Normalize(out.CountryCode, *p.Phone)
		if err != nil {
			f.Add("phone", err.Error())
		}
		out.Phone = n
	}
	if p.Email != nil {
		e, msg := text.Line(*p.Email, 254)
		if msg == "" && e != "" {
			if a, err := mail.ParseAddress(e); err != nil || a.Address != e || !strings.Contains(e[strings.IndexByte(e, '@')+1:], ".") {
				msg = "must be an email address like office@school.ac.ke"
			}
		}
		if msg != "" {
			f.Add("email", msg)
		}
		out.Email = strings.ToLower(e)
	}
	if p.Timezone != nil {
		tz, msg := CheckTimezone(*p.Timezone)
		if msg != "" {
			f.Add("timezone", msg)
		}
		out.Timezone = tz
	}
	if p.DateFormat != nil {
		d := strings.ToUpper(strings.TrimSpace(*p.DateFormat))
		if !slices.Contains(DateFormats, d) {
			f.Add("date_format", "must be one of "+strings.Join(DateFormats, ", "))
		}
		out.DateFormat = d
	}
	return out, f.Err()
}

func profileData(p Profile) map[string]any {
	return map[string]any{"name": p.Name, "motto": p.Motto, "address": p.Address, "phone": p.Phone, "email": p.Email,
		"country_code": p.CountryCode, "timezone": p.Timezone, "date_format": p.DateFormat}
}

// UpdateProfile changes the fields the patch sets, after checking all of them, and
// audits the change with what was before and after. The profile is where a school's
// name is kept; the catalog's copy, which the platform lists, follows it (the caller
// that serves the school's host updates it, see tenancy.Request.SetName).
func (s Service) UpdateProfile(ctx context.Context, p ProfilePatch, meta auth.Meta) (Profile, error) {
	var out Profile
	err := s.T.Tx(ctx, func(q *tenantdb.Queries, _ *sql.Tx) error {
		cur, err := ProfileIn(ctx, q)
		if err != nil {
			return err
		}
		if cur.ID == 0 {
			return errs.E(errs.NotFound, "the school has no profile")
		}
		next, err := p.apply(cur)
		if err != nil {
			return err
		}
		row, err := q.UpdateSchoolProfile(ctx, tenantdb.UpdateSchoolProfileParams{Name: next.Name, Motto: next.Motto,
			Address: next.Address, Phone: next.Phone, Email: next.Email, CountryCode: next.CountryCode,
			Timezone: next.Timezone, DateFormat: next.DateFormat})
		if err != nil {
			return errs.Wrap(err, "update school profile")
		}
		out = profileOf(row)
		return auth.InsertSchoolAudit(ctx, q, meta.Entry("school.profile.update", "school",
			map[string]any{"before": profileData(cur), "after": profileData(out)}))
	})
	return out, err
}

// ErrNoLogo is the answer of Logo for a school without one.
var ErrNoLogo = errs.E(errs.NotFound, "the school has no logo")

// Logo is the school's logo as stored: its content type (image/png or image/jpeg) and
// bytes; ErrNoLogo (not_found) when it has none.
func (s Service) Logo(ctx context.Context) (contentType string, data []byte, err error) {
	l, err := s.T.Read().GetSchoolLogo(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil, ErrNoLogo
	}
	if err != nil {
		return "", nil, errs.Wrap(err, "read school logo")
	}
	return l.ContentType, l.Data, nil
}
