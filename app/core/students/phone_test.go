package students_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/schoolsms/sms/app/core/students"
)

func TestNormalizePhone(t *testing.T) {
	t.Parallel()
	cases := []struct {
		country, raw, want string
		errHas             string // "" means no error
	}{
		{"KE", "0712 345 678", "+254712345678", ""},
		{"KE", "0712-345-678", "+254712345678", ""},
		{"KE", "712345678", "+254712345678", ""},
		{"KE", "254712345678", "+254712345678", ""},
		{"KE", "+254 712 345 678", "+254712345678", ""},
		{"KE", "00254712345678", "+254712345678", ""},
		{"KE", "+254 0712 345 678", "+254712345678", ""},
		{"ke", " (0712) 345.678 ", "+254712345678", ""},
		{"KE", "+44 20 7946 0958", "+442079460958", ""},
		{"KE", "+44 (0)20 7946 0958", "+442079460958", ""},
		{"KE", "071234567", "", "too short"},
		{"KE", "07123456789", "", "too long"},
		{"KE", "+2547123", "", "too short"},
		{"KE", "0712 abc 678", "", "not a phone number"},
		{"KE", "call me", "", "not a phone number"},
		{"KE", "+", "", "no digits"},
		{"KE", "+0712345678", "", "never starts with 0"},
		{"NG", "0803 123 4567", "+2348031234567", ""},
		{"GH", "024 123 4567", "+233241234567", ""},
		{"UG", "0772 123456", "+256772123456", ""},
		{"TZ", "0754 123 456", "+255754123456", ""},
		{"ZA", "082 123 4567", "+27821234567", ""},
		{"GB", "07911 123456", "+447911123456", ""},
		{"US", "(415) 555-2671", "+14155552671", ""},
		{"US", "1 415 555 2671", "+14155552671", ""},
		{"US", "555-2671", "", "too short"},
		{"", "+254712345678", "+254712345678", ""},
		{"", "00 254 712 345 678", "+254712345678", ""},
		{"", "0712345678", "", "international form"},
		{"XX", "0712345678", "", "international form"},
		{"", "+999 1234 5678", "", "no known country code"}, // +999 is no country's
		{"", "+999 12", "", "no known country code"},
		{"KE", "", "", ""},
		{"KE", "   ", "", ""},
	}
	for _, c := range cases {
		got, err := students.NormalizePhone(c.country, c.raw)
		if c.errHas != "" {
			if assert.Error(t, err, "%s %q", c.country, c.raw) {
				assert.Contains(t, err.Error(), c.errHas, "%s %q", c.country, c.raw)
			}
			continue
		}
		assert.NoError(t, err, "%s %q", c.country, c.raw)
		assert.Equal(t, c.want, got, "%s %q", c.country, c.raw)
	}
	code, ok := students.CallingCode("ke")
	assert.True(t, ok)
	assert.Equal(t, "254", code)
}
