// Package school owns what every module needs to know about the school itself: its
// profile, and what time and date it is there. "Today" in a school is the date in the
// profile's timezone, read from a clock the caller can pin (school.WithClock), never the
// server's local date.
package school

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"
	_ "time/tzdata" // schools name their zone; the appliance must know it on any machine

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// DateLayout is how a date is written everywhere: 2025-09-01.
const DateLayout = "2006-01-02"

// Clock is where the current time comes from.
type Clock func() time.Time

type clockKey struct{}

// WithClock makes every school time read through ctx come from clock. The server puts
// its clock into each request's context; tests pin one to a fixed moment.
func WithClock(ctx context.Context, clock Clock) context.Context {
	if clock == nil {
		return ctx
	}
	return context.WithValue(ctx, clockKey{}, clock)
}

// ClockOf is the clock of ctx, time.Now when none was set.
func ClockOf(ctx context.Context) Clock {
	if c, ok := ctx.Value(clockKey{}).(Clock); ok {
		return c
	}
	return time.Now
}

// Profile is the school's description of itself.
type Profile struct {
	ID          int64  `json:"id"`
	Name        string `json:"name"`
	Motto       string `json:"motto"`
	Address     string `json:"address"`
	Phone       string `json:"phone"` // E.164
	Email       string `json:"email"`
	CountryCode string `json:"country_code"` // ISO 3166 alpha-2; decides how national phone numbers read
	Timezone    string `json:"timezone"`     // IANA name; "today" is the date there
	DateFormat  string `json:"date_format"`  // how pages write dates: DD/MM/YYYY, MM/DD/YYYY or YYYY-MM-DD
	// LogoVersion names the stored logo ("" when there is none); it changes with the
	// logo, so a link to the logo that carries it may be cached for good.
	LogoVersion string `json:"logo_version"`
	UpdatedAt   string `json:"updated_at"`
}

// HasLogo reports whether the school has a logo.
func (p Profile) HasLogo() bool { return p.LogoVersion != "" }

// Dates is how the school writes dates and times.
func (p Profile) Dates() Dates {
	return Dates{Loc: Location(p.Timezone), Layout: DateLayoutOf(p.DateFormat)}
}

func profileOf(p tenantdb.SchoolProfile) Profile {
	if p.DateFormat == "" {
		p.DateFormat = DefaultDateFormat
	}
	return Profile{ID: p.ID, Name: p.Name, Motto: p.Motto, Address: p.Address, Phone: p.Phone, Email: p.Email,
		CountryCode: p.CountryCode, Timezone: p.Timezone, DateFormat: p.DateFormat, LogoVersion: p.LogoEtag,
		UpdatedAt: p.UpdatedAt}
}

// Service is the school of one file.
type Service struct {
	T *db.Tenant
}

// New returns the service over a school's open file.
func New(t *db.Tenant) Service { return Service{T: t} }

// Profile reads the school's profile (an empty one, in UTC, if it has none).
func (s Service) Profile(ctx context.Context) (Profile, error) { return ProfileIn(ctx, s.T.Read()) }

// Now is the clock's time in the school's timezone.
func (s Service) Now(ctx context.Context) (time.Time, error) { return NowIn(ctx, s.T.Read()) }

// Today is the school's date now, written YYYY-MM-DD.
func (s Service) Today(ctx context.Context) (string, error) { return TodayIn(ctx, s.T.Read()) }

// Location is the school's timezone (UTC when it names none or an unknown one).
func (s Service) Location(ctx context.Context) (*time.Location, error) {
	p, err := s.Profile(ctx)
	if err != nil {
		return nil, err
	}
	return Location(p.Timezone), nil
}

// ProfileIn is Profile through q (a caller's transaction).
func ProfileIn(ctx context.Context, q *tenantdb.Queries) (Profile, error) {
	p, err := q.GetSchoolProfile(ctx)
	if errors.Is(err, sql.ErrNoRows) {
		return Profile{Timezone: "UTC", DateFormat: DefaultDateFormat}, nil
	}
	if err != nil {
		return Profile{}, errs.Wrap(err, "read school profile")
	}
	return profileOf(p), nil
}

// NowIn is Now through q (a caller's transaction).
func NowIn(ctx context.Context, q *tenantdb.Queries) (time.Time, error) {
	p, err := ProfileIn(ctx, q)
	if err != nil {
		return time.Time{}, err
	}
	return ClockOf(ctx)().In(Location(p.Timezone)), nil
}

// TodayIn is Today through q (a caller's transaction).
func TodayIn(ctx context.Context, q *tenantdb.Queries) (string, error) {
	now, err := NowIn(ctx, q)
	if err != nil {
		return "", err
	}
	return now.Format(DateLayout), nil
}

var zones sync.Map // name -> *time.Location

// Location is the zone a profile names; UTC for a blank or unknown name, and for
// "Local": a school's date never depends on the machine it is served from, and a school
// must not stop working over a misspelt zone.
func Location(name string) *time.Location {
	if l, ok := zones.Load(name); ok {
		return l.(*time.Location)
	}
	l, err := time.LoadLocation(name)
	if err != nil || name == "" || name == "Local" {
		l = time.UTC
	}
	zones.Store(name, l)
	return l
}
