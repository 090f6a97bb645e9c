package phone_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/schoolsms/sms/app/phone"
)

// TestNormalizeCountries reads the numbers of KE, UG, TZ, NG, GB, US and IN in the
// national and international forms people write, and refuses wrong lengths and ranges.
func TestNormalizeCountries(t *testing.T) {
	t.Parallel()
	cases := []struct {
		country, raw, want string
		errHas             string // "" means no error
	}{
		// Kenya: Safaricom and Airtel mobiles, a Nairobi landline.
		{"KE", "0712 345 678", "+254712345678", ""},
		{"KE", "0712-345-678", "+254712345678", ""},
		{"KE", "712345678", "+254712345678", ""},
		{"KE", "254712345678", "+254712345678", ""},
		{"KE", "+254 712 345 678", "+254712345678", ""},
		{"KE", "00254712345678", "+254712345678", ""},
		{"KE", "+254 0712 345 678", "+254712345678", ""},
		{"ke", " (0712) 345.678 ", "+254712345678", ""},
		{"KE", "0110 123456", "+254110123456", ""},
		{"KE", "020 2222222", "+254202222222", ""},
		{"KE", "071234567", "", "too short"},
		{"KE", "07123456789", "", "too long"},
		{"KE", "+2547123", "", "too short"},
		// Uganda
		{"UG", "0772 123456", "+256772123456", ""},
		{"UG", "+256 772 123 456", "+256772123456", ""},
		{"KE", "+256772123456", "+256772123456", ""},
		{"UG", "0772 12345", "", "UG (+256)"},
		// Tanzania
		{"TZ", "0754 123 456", "+255754123456", ""},
		{"TZ", "+255 754 123 456", "+255754123456", ""},
		{"TZ", "0754 123 4567", "", "long"},
		// Nigeria: 11-digit mobiles with trunk 0, and their international form
		{"NG", "0803 123 4567", "+2348031234567", ""},
		{"NG", "+234 803 123 4567", "+2348031234567", ""},
		{"NG", "0803 123 456", "", "NG"},
		// United Kingdom: a mobile and a London number, with the (0) people write
		{"GB", "07911 123456", "+447911123456", ""},
		{"GB", "+44 7911 123456", "+447911123456", ""},
		{"KE", "+44 20 7946 0958", "+442079460958", ""},
		{"KE", "+44 (0)20 7946 0958", "+442079460958", ""},
		{"GB", "07911 12345", "", "GB"},
		// United States: with and without the trunk 1
		{"US", "(415) 555-2671", "+14155552671", ""},
		{"US", "1 415 555 2671", "+14155552671", ""},
		{"US", "+1 415 555 2671", "+14155552671", ""},
		{"US", "555-2671", "", "US"},
		{"US", "(099) 555-2671", "", "no phone number there starts like this"},
		// India: ten-digit mobiles, trunk 0
		{"IN", "098765 43210", "+919876543210", ""},
		{"IN", "98765 43210", "+919876543210", ""},
		{"IN", "+91 98765 43210", "+919876543210", ""},
		{"IN", "9876 5432", "", "IN"},
		// what is not a number at all
		{"KE", "0712 abc 678", "", "not a phone number"},
		{"KE", "call me", "", "not a phone number"},
		{"KE", "+", "", "no digits"},
		{"KE", "+0712345678", "", "never starts with 0"},
		{"KE", "07+12345678", "", "not a phone number"},
		{"", "+999 1234 5678", "", "no known country code"},
		// no country, or one without numbering data: only international numbers
		{"", "+254712345678", "+254712345678", ""},
		{"", "00 254 712 345 678", "+254712345678", ""},
		{"", "0712345678", "", "international form"},
		{"XX", "0712345678", "", "international form"},
		{"KE", "", "", ""},
		{"KE", "   ", "", ""},
	}
	for _, c := range cases {
		got, err := phone.Normalize(c.country, c.raw)
		if c.errHas != "" {
			if assert.Error(t, err, "%s %q", c.country, c.raw) {
				assert.Contains(t, err.Error(), c.errHas, "%s %q", c.country, c.raw)
			}
			continue
		}
		assert.NoError(t, err, "%s %q", c.country, c.raw)
		assert.Equal(t, c.want, got, "%s %q", c.country, c.raw)
	}
}

// TestStoredNumbersStayTheSame: a number already stored in E.164 reads as itself under
// every school country, so guardians keep their WhatsApp identity.
func TestStoredNumbersStayTheSame(t *testing.T) {
	t.Parallel()
	for _, stored := range []string{"+254712345678", "+256772123456", "+255754123456", "+2348031234567",
		"+447911123456", "+14155552671", "+919876543210", "+27821234567", "+233241234567"} {
		for _, country := range []string{"", "KE", "US", "GB", "IN"} {
			got, err := phone.Normalize(country, stored)
			assert.NoError(t, err, "%s under %q", stored, country)
			assert.Equal(t, stored, got, "%s under %q", stored, country)
		}
	}
}

func TestCountry(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"KE", "ug", " tz ", "NG", "GB", "US", "IN"} {
		code, ok := phone.Country(c)
		assert.True(t, ok, c)
		assert.Len(t, code, 2)
	}
	for _, c := range []string{"", "XX", "KEN", "K", "../"} {
		_, ok := phone.Country(c)
		assert.False(t, ok, c)
	}
	code, ok := phone.CallingCode("ke")
	assert.True(t, ok)
	assert.Equal(t, "254", code)
}
