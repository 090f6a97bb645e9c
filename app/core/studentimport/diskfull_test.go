package studentimport_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// bigCSV is an import of n new students, each with a guardian and a class.
func bigCSV(n int, prefix string) []byte {
	var b bytes.Buffer
	b.WriteString("admission_no,first_name,last_name,gender,date_of_birth,class,guardian_name,guardian_relationship,guardian_phone\n")
	for i := range n {
		fmt.Fprintf(&b, "%s/%05d,First%d,Last%d,%s,12/%02d/2011,Form %d%s,Parent %d,Mother,+2547%08d\n",
			prefix, i, i, i, []string{"F", "M"}[i%2], 1+i%12, 1+i%4, []string{"A", "B"}[i/4%2], i, 10000000+i)
	}
	return b.Bytes()
}

// roomyClasses lifts the capacity of every class, for imports larger than a school.
func roomyClasses(t testing.TB, s *apptest.Server, schema string) {
	t.Helper()
	s.WithSchool(schema, func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			_, err := tx.Exec("UPDATE classes SET capacity = NULL")
			return err
		})
	})
}

// limitGrowth lets the school's file grow by at most pages pages on the server's write
// connection (0 lifts the limit): past it SQLite fails a write with SQLITE_FULL, as on
// a full disk.
func limitGrowth(t *testing.T, s *apptest.Server, schema string, pages int) {
	t.Helper()
	s.WithSchool(schema, func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			limit := 1073741823
			if pages > 0 {
				var n int
				if err := tx.QueryRow("PRAGMA page_count").Scan(&n); err != nil {
					return err
				}
				limit = n + pages
			}
			_, err := tx.Exec(fmt.Sprintf("PRAGMA max_page_count = %d", limit))
			return err
		})
	})
}

// TestImportWhenTheDiskIsFull: an import that fills the disk part-way is answered 507
// storage_full, the SQLite error is in the log, and nothing of it is written; once
// there is room the same file imports.
func TestImportWhenTheDiskIsFull(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	roomyClasses(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	tables := []string{"students", "guardians", "student_guardians", "enrollments", "audit_log", "counters"}
	counts := func() map[string]int {
		out := map[string]int{}
		for _, tb := range tables {
			out[tb] = s.Count("alpha", tb)
		}
		return out
	}
	before := counts()
	file := bigCSV(2000, "F")

	limitGrowth(t, s, "alpha", 40)
	status, h, raw := c.Do("POST", "/api/core/students/import/", "text/csv", bytes.NewReader(file))
	assert.Equal(t, 507, status, string(raw))
	assert.Contains(t, string(raw), `"code":"storage_full"`)
	assert.NotContains(t, string(raw), "savepoint")
	assert.Empty(t, h.Get("Retry-After"))
	assert.Contains(t, s.Logs(), "database or disk is full", "the operator sees SQLite's own words")
	assert.NotContains(t, s.Logs(), "no such savepoint")
	assert.Equal(t, before, counts(), "nothing of the import was written")

	limitGrowth(t, s, "alpha", 0)
	status, r := post(t, c, "", "text/csv", file)
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 2000, r.Created)
	assert.Equal(t, before["students"]+2000, s.Count("alpha", "students"))
	assert.True(t, strings.Contains(s.Logs(), "storage_full"))
}
