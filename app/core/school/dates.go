package school

import (
	"strings"
	"time"
)

// The date formats a school may choose; dates on the wire and in inputs stay ISO.
const (
	DefaultDateFormat = "DD/MM/YYYY"
	DateFormatUS      = "MM/DD/YYYY"
	DateFormatISO     = "YYYY-MM-DD"
)

// DateFormats are the formats a school may choose, the default first.
var DateFormats = []string{DefaultDateFormat, DateFormatUS, DateFormatISO}

var dateLayouts = map[string]string{DefaultDateFormat: "02/01/2006", DateFormatUS: "01/02/2006", DateFormatISO: DateLayout}

// DateLayoutOf is the Go layout of a date format (the default's for an unknown one).
func DateLayoutOf(format string) string {
	if l, ok := dateLayouts[format]; ok {
		return l
	}
	return dateLayouts[DefaultDateFormat]
}

// Dates writes dates and times as one school does: dates in its format, moments in its
// timezone. The zero value writes dates DD/MM/YYYY and moments in UTC.
type Dates struct {
	Loc    *time.Location
	Layout string // Go layout of a date
}

func (d Dates) loc() *time.Location {
	if d.Loc == nil {
		return time.UTC
	}
	return d.Loc
}

func (d Dates) layout() string {
	if d.Layout == "" {
		return dateLayouts[DefaultDateFormat]
	}
	return d.Layout
}

// Date writes a date. It takes a stored date (2025-09-01), a stored moment (written as
// the date it was in the school) or a time.Time; text it cannot read comes back as it
// is, so nothing is hidden.
func (d Dates) Date(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(d.loc()).Format(d.layout())
	case *string:
		if x == nil {
			return ""
		}
		return d.Date(*x)
	case string:
		s := strings.TrimSpace(x)
		if t, err := time.Parse(DateLayout, s); err == nil {
			return t.Format(d.layout())
		}
		if t, ok := parseMoment(s); ok {
			return t.In(d.loc()).Format(d.layout())
		}
		return x
	}
	return ""
}

// DateTime writes a moment (a stored UTC timestamp such as 2025-01-02T15:04:05.000Z, or
// a time.Time) as the date and time it was in the school: 02/01/2025 18:04.
func (d Dates) DateTime(v any) string {
	switch x := v.(type) {
	case time.Time:
		if x.IsZero() {
			return ""
		}
		return x.In(d.loc()).Format(d.layout() + " 15:04")
	case *string:
		if x == nil {
			return ""
		}
		return d.DateTime(*x)
	case string:
		s := strings.TrimSpace(x)
		if t, ok := parseMoment(s); ok {
			return t.In(d.loc()).Format(d.layout() + " 15:04")
		}
		if t, err := time.Parse(DateLayout, s); err == nil {
			return t.Format(d.layout())
		}
		return x
	}
	return ""
}

// parseMoment reads the timestamps the appliance stores (RFC 3339, UTC, with or without
// fractions) and the "2006-01-02 15:04:05" SQLite's datetime() writes, which is UTC.
func parseMoment(s string) (time.Time, bool) {
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, true
	}
	if t, err := time.ParseInLocation("2006-01-02 15:04:05", s, time.UTC); err == nil {
		return t, true
	}
	return time.Time{}, false
}
