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
