package school_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/schoolsms/sms/app/core/school"
)

func TestClockOf(t *testing.T) {
	ctx := context.Background()
	before := time.Now()
	got := school.ClockOf(ctx)()
	assert.False(t, got.Before(before), "without a clock in the context, the machine's")

	pinned := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ctx = school.WithClock(ctx, func() time.Time { return pinned })
	assert.Equal(t, pinned, school.ClockOf(ctx)())
	assert.Equal(t, pinned, school.ClockOf(school.WithClock(ctx, nil))(), "a nil clock changes nothing")
}

func TestLocation(t *testing.T) {
	assert.Equal(t, "Africa/Nairobi", school.Location("Africa/Nairobi").String())
	for _, name := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd"} {
		assert.Equal(t, time.UTC, school.Location(name), name)
	}
	at := time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)
	assert.Equal(t, "2027-01-01", at.In(school.Location("Africa/Nairobi")).Format(school.DateLayout))
	assert.Equal(t, "2026-12-31", at.In(school.Location("America/Lima")).Format(school.DateLayout))
}

func TestDates(t *testing.T) {
	at := "2026-12-31T22:30:00.000Z"
	cases := []struct {
		zone, format       string
		date, dateOfMoment string
		moment             string
	}{
		{"", "", "01/09/2025", "31/12/2026", "31/12/2026 22:30"},
		{"Africa/Nairobi", school.DefaultDateFormat, "01/09/2025", "01/01/2027", "01/01/2027 01:30"},
		{"Africa/Nairobi", school.DateFormatUS, "09/01/2025", "01/01/2027", "01/01/2027 01:30"},
		{"America/Lima", school.DateFormatISO, "2025-09-01", "2026-12-31", "2026-12-31 17:30"},
	}
	for _, c := range cases {
		d := school.Profile{Timezone: c.zone, DateFormat: c.format}.Dates()
		assert.Equal(t, c.date, d.Date("2025-09-01"), "a date is a date anywhere: %+v", c)
		assert.Equal(t, c.dateOfMoment, d.Date(at), "%+v", c)
		assert.Equal(t, c.moment, d.DateTime(at), "%+v", c)
		s := at
		assert.Equal(t, c.moment, d.DateTime(&s))
		assert.Equal(t, c.moment, d.DateTime(time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)))
	}
	d := school.Dates{}
	assert.Equal(t, "", d.Date(nil))
	assert.Equal(t, "", d.Date((*string)(nil)))
	assert.Equal(t, "", d.DateTime(time.Time{}))
	assert.Equal(t, "not a date", d.Date("not a date"), "text that is not a date is shown as it is")
	assert.Equal(t, "31/12/2026 22:30", d.DateTime("2026-12-31 22:30:00"), "SQLite's datetime() is UTC")
	assert.Equal(t, "01/09/2025", d.DateTime("2025-09-01"), "a date has no time")
}

func TestCheckTimezone(t *testing.T) {
	for _, ok := range []string{"Africa/Nairobi", " Africa/Kampala ", "UTC", "Europe/London", "America/Argentina/Buenos_Aires"} {
		_, msg := school.CheckTimezone(ok)
		assert.Empty(t, msg, ok)
	}
	for _, bad := range []string{"", "Local", "Mars/Olympus", "../../etc/passwd", "africa/nairobi\x00", "/etc/localtime"} {
		_, msg := school.CheckTimezone(bad)
		assert.NotEmpty(t, msg, bad)
	}
}
