package students_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// TestTodayIsTheSchoolsDate: what a record takes as "today" (admitted on, applied on,
// the admission number's year) is the date in the school's own timezone at the
// appliance's clock, not the server's date: at 22:30 UTC on New Year's Eve it is
// already the new year in Nairobi, and still the old one in a school kept in UTC.
func TestTodayIsTheSchoolsDate(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t, apptest.At(time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)))
	s.CreateSchool("nairobi", "Nairobi School")
	s.CreateSchool("london", "London School")
	for _, tc := range []struct{ schema, zone, today, admissionNo string }{
		{"nairobi", "Africa/Nairobi", "2027-01-01", "ADM/2027/0001"},
		{"london", "UTC", "2026-12-31", "ADM/2026/0001"},
	} {
		s.WithSchool(tc.schema, func(tn *db.Tenant) error {
			return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
				_, err := tx.Exec("UPDATE school_profile SET timezone = ?", tc.zone)
				return err
			})
		})
		c := s.As(tc.schema, "admin@"+tc.schema+".test")
		status, st := c.JSON("POST", "/api/core/students/", map[string]any{"first_name": "Ann", "last_name": "Year", "gender": "female"})
		require.Equal(t, 201, status, "%v", st)
		assert.Equal(t, tc.today, st["admitted_on"], tc.schema)
		assert.Equal(t, tc.admissionNo, st["admission_no"], tc.schema)

		status, forms := c.JSON("POST", "/api/core/forms/", map[string]any{"name": "Form 1", "level": 1})
		require.Equal(t, 201, status, "%v", forms)
		status, a := c.JSON("POST", "/api/core/admissions/", map[string]any{"first_name": "Ben", "last_name": "New",
			"gender": "male", "form": forms["id"]})
		require.Equal(t, 201, status, "%v", a)
		assert.Equal(t, tc.today, a["applied_on"], tc.schema)
	}
}
