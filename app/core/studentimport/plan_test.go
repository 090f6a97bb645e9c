package studentimport_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/core/studentimport"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// importNow is the moment the appliance's clock is pinned to in the tests that check
// what an import takes as today.
var importNow = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

// sqlExec runs statements on a school's file in one write transaction.
func sqlExec(t *testing.T, s *apptest.Server, schema string, stmts ...string) {
	t.Helper()
	s.WithSchool(schema, func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			for _, q := range stmts {
				if _, err := tx.Exec(q); err != nil {
					return err
				}
			}
			return nil
		})
	})
}

func classID(t *testing.T, c *apptest.Client, name string) int64 {
	t.Helper()
	status, out := c.JSON("GET", "/api/core/classes/?page_size=100", nil)
	require.Equal(t, 200, status)
	for _, r := range out["results"].([]any) {
		if m := r.(map[string]any); m["name"] == name {
			return int64(m["id"].(float64))
		}
	}
	t.Fatalf("no class %s", name)
	return 0
}

type auditEntry struct {
	Action string         `json:"action"`
	Target string         `json:"target"`
	Detail map[string]any `json:"detail"`
}

// auditSince is the school's audit log after the first n entries, oldest first.
func auditSince(t *testing.T, c *apptest.Client, n int) []auditEntry {
	t.Helper()
	_, _, raw := c.Do("GET", "/api/audit/?page_size=500", "", nil)
	var list struct{ Results []auditEntry }
	require.NoError(t, json.Unmarshal(raw, &list))
	slices.Reverse(list.Results)
	return list.Results[n:]
}

func auditCount(t *testing.T, c *apptest.Client) int {
	t.Helper()
	status, out := c.JSON("GET", "/api/audit/?page_size=1", nil)
	require.Equal(t, 200, status)
	return int(out["count"].(float64))
}

// shape is an audit entry's action and the keys of its detail (and of its nested
// objects), what a reader of the log relies on.
func shape(e auditEntry) string {
	var keys func(m map[string]any) string
	keys = func(m map[string]any) string {
		var out []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if sub, ok := m[k].(map[string]any); ok {
				k += "{" + keys(sub) + "}"
			}
			out = append(out, k)
		}
		return strings.Join(out, ",")
	}
	return e.Action + ":" + keys(e.Detail)
}

// TestImportWritesWhatTheSingleRecordWritesWrite: a student imported with a guardian
// and a class ends up as one created through the API does: the same records, and the
// same audit entries in the same order and shape.
func TestImportWritesWhatTheSingleRecordWritesWrite(t *testing.T) {
	s := apptest.Start(t, apptest.At(importNow))
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	form1A := classID(t, c, "Form 1A")
	year := importNow.Year()

	n := auditCount(t, c)
	status, out := c.JSON("POST", "/api/core/students/", map[string]any{"first_name": "Api", "last_name": "Made", "gender": "female",
		"class": form1A, "guardians": []map[string]any{{"name": "Grace Api", "relationship": "Mother", "phone": "+254700000001", "is_primary": true}}})
	require.Equal(t, 201, status, "%v", out)
	viaAPI := auditSince(t, c, n)

	n = auditCount(t, c)
	status, r := post(t, c, "", "text/csv", []byte("first_name,last_name,gender,class,guardian_name,guardian_relationship,guardian_phone\n"+
		"Imp,Made,F,Form 1A,Grace Imp,Mother,+254700000002\n"))
	require.Equal(t, 200, status, "%+v", r)
	viaImport := auditSince(t, c, n)

	require.Len(t, viaImport, len(viaAPI))
	for i := range viaAPI {
		assert.Equal(t, shape(viaAPI[i]), shape(viaImport[i]), "audit entry %d", i)
	}
	assert.Equal(t, fmt.Sprintf("student:2 ADM/%d/0002", year), viaImport[0].Target)
	assert.Equal(t, "Imp", viaImport[0].Detail["after"].(map[string]any)["first_name"])

	status, list := c.JSON("GET", "/api/core/students/?search=made&ordering=admission_no", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 2, list["count"])
	for i, want := range []string{"Api", "Imp"} {
		id := int64(list["results"].([]any)[i].(map[string]any)["id"].(float64))
		status, st := c.JSON("GET", fmt.Sprintf("/api/core/students/%d/", id), nil)
		require.Equal(t, 200, status)
		assert.Equal(t, want, st["first_name"])
		assert.Equal(t, fmt.Sprintf("ADM/%d/%04d", year, i+1), st["admission_no"])
		assert.Equal(t, "active", st["status"])
		assert.Equal(t, "2026-11-30", st["admitted_on"])
		gs := st["guardians"].([]any)
		require.Len(t, gs, 1)
		assert.Equal(t, true, gs[0].(map[string]any)["is_primary"])
		assert.Equal(t, "Grace "+want, gs[0].(map[string]any)["name"])
		es := st["enrollments"].([]any)
		require.Len(t, es, 1)
		assert.Equal(t, "Form 1A", es[0].(map[string]any)["class"].(map[string]any)["name"])
		assert.Equal(t, "active", es[0].(map[string]any)["status"])
	}
}

// TestImportAdmissionNumbers: rows without an admission number take the next numbers
// of the school's sequence, skipping numbers students have and numbers other rows
// name, and the sequence goes on from the last one taken.
func TestImportAdmissionNumbers(t *testing.T) {
	s := apptest.Start(t, apptest.At(importNow))
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	year := importNow.Year()
	no := func(n int) string { return fmt.Sprintf("ADM/%d/%04d", year, n) }
	status, _ := c.JSON("POST", "/api/core/students/", map[string]any{"admission_no": no(2), "first_name": "Had", "last_name": "Two", "gender": "male"})
	require.Equal(t, 201, status)

	status, r := post(t, c, "", "text/csv", []byte("admission_no,first_name,last_name,gender\n"+
		",A,Gen,F\n,B,Gen,M\n"+no(4)+",C,Named,F\n,D,Gen,M\n"))
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 4, r.Created)
	status, list := c.JSON("GET", "/api/core/students/?ordering=admission_no", nil)
	require.Equal(t, 200, status)
	got := map[string]string{}
	for _, st := range list["results"].([]any) {
		m := st.(map[string]any)
		got[m["first_name"].(string)] = m["admission_no"].(string)
	}
	assert.Equal(t, map[string]string{"Had": no(2), "A": no(1), "B": no(3), "C": no(4), "D": no(5)}, got)

	status, out := c.JSON("POST", "/api/core/students/", map[string]any{"first_name": "After", "last_name": "Import", "gender": "male"})
	require.Equal(t, 201, status)
	assert.Equal(t, no(6), out["admission_no"], "the sequence goes on after the import's numbers")
}

// TestImportUpdatesOnlyWhatChanged: importing a file again changes nothing and writes
// nothing; a changed class moves the enrollment, a new guardian is linked (as the
// primary one of a student who had none), and only those are audited.
func TestImportUpdatesOnlyWhatChanged(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	file := "admission_no,first_name,last_name,gender,class,guardian_name,guardian_phone\n" +
		"U/1,Ana,Banda,F,Form 1A,Grace Banda,+254711000001\n" +
		"U/2,Ben,Chola,M,Form 1A,,\n"
	status, r := post(t, c, "", "text/csv", []byte(file))
	require.Equal(t, 200, status, "%+v", r)

	n := auditCount(t, c)
	status, r = post(t, c, "", "text/csv", []byte(file))
	require.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 2, r.Updated)
	assert.Equal(t, n, auditCount(t, c), "nothing changed, nothing was written")

	changed := "admission_no,first_name,last_name,gender,class,guardian_name,guardian_phone\n" +
		"U/1,Ana,Banda,F,Form 1B,Grace Banda,+254711000001\n" +
		"U/2,Ben,Chola,M,Form 1A,Pat Chola,+254711000002\n"
	status, r = post(t, c, "", "text/csv", []byte(changed))
	require.Equal(t, 200, status, "%+v", r)
	var actions []string
	for _, e := range auditSince(t, c, n) {
		actions = append(actions, e.Action)
		if e.Action == "guardian.link" {
			assert.Equal(t, true, e.Detail["is_primary"], "Ben's first guardian is his primary one")
		}
	}
	assert.Equal(t, []string{"enrollment.update", "guardian.create", "guardian.link"}, actions)
	status, list := c.JSON("GET", "/api/core/enrollments/?search=U/1", nil)
	require.Equal(t, 200, status)
	require.EqualValues(t, 1, list["count"])
	assert.Equal(t, "Form 1B", list["results"].([]any)[0].(map[string]any)["class"].(map[string]any)["name"])
}

// TestImportClassRoomAndStatus: capacity counts the rows before in the same file, and
// a student who left is not put in a class; either writes nothing.
func TestImportClassRoomAndStatus(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	sqlExec(t, s, "alpha", "UPDATE classes SET capacity = 2 WHERE name = 'Form 1A'")
	status, _ := c.JSON("POST", "/api/core/students/", map[string]any{"admission_no": "W/1", "first_name": "Wen", "last_name": "Left",
		"gender": "female", "status": "withdrawn"})
	require.Equal(t, 201, status)
	students0 := s.Count("alpha", "students")

	status, r := post(t, c, "", "text/csv", []byte("admission_no,first_name,last_name,gender,class\n"+
		"C/1,A,One,F,Form 1A\nC/2,B,Two,M,Form 1A\nC/3,C,Three,F,Form 1A\nW/1,Wen,Left,F,Form 1B\n"))
	assert.Equal(t, 400, status)
	require.Len(t, r.Errors, 2, "%+v", r.Errors)
	assert.Equal(t, studentimport.Problem{Row: 4, Column: "class", Message: "Form 1A is full: 2 of 2 places are taken"}, r.Errors[0])
	assert.Equal(t, 5, r.Errors[1].Row)
	assert.Equal(t, "class", r.Errors[1].Column)
	assert.Contains(t, r.Errors[1].Message, "withdrawn")
	assert.Equal(t, students0, s.Count("alpha", "students"))
}

// TestImportChecksAgainWhenTheSchoolChanged: what another writer changes between an
// import's check and its write is seen before anything is written: the import is
// checked again (without the write lock, and, when the school keeps changing, finally
// under it), so a class filled meanwhile is full, and new ids taken meanwhile are not
// taken twice.
func TestImportChecksAgainWhenTheSchoolChanged(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	c := s.As("alpha", "admin@alpha.test")
	form1A, form1B := classID(t, c, "Form 1A"), classID(t, c, "Form 1B")
	sqlExec(t, s, "alpha", "UPDATE classes SET capacity = 3 WHERE name = 'Form 1A'")
	other := func(class int64) {
		status, out := c.JSON("POST", "/api/core/students/", map[string]any{"first_name": "Other", "last_name": "Writer",
			"gender": "male", "class": class, "guardians": []map[string]any{{"name": "Other Parent"}}})
		require.Equal(t, 201, status, "%v", out)
	}
	file := []byte("admission_no,first_name,last_name,gender,class,guardian_name\nR/1,A,One,F,Form 1A,Pa One\nR/2,B,Two,M,Form 1A,Pa Two\n")

	t.Run("changed once", func(t *testing.T) {
		calls := 0
		defer studentimport.SetAfterCheck(func() {
			if calls++; calls == 1 {
				other(form1A)
				other(form1A)
			}
		})()
		status, r := post(t, c, "", "text/csv", file)
		assert.Equal(t, 400, status, "%+v", r)
		require.Len(t, r.Errors, 1)
		assert.Equal(t, studentimport.Problem{Row: 3, Column: "class", Message: "Form 1A is full: 3 of 3 places are taken"}, r.Errors[0])
		assert.Equal(t, 2, s.Count("alpha", "students"), "only the students the other writer added")
	})

	sqlExec(t, s, "alpha", "UPDATE classes SET capacity = 5 WHERE name = 'Form 1A'")
	t.Run("changing all the time", func(t *testing.T) {
		calls := 0
		defer studentimport.SetAfterCheck(func() {
			calls++
			other(form1B)
		})()
		students0 := s.Count("alpha", "students")
		status, r := post(t, c, "", "text/csv", file)
		require.Equal(t, 200, status, "%+v", r)
		assert.Equal(t, 2, r.Created)
		assert.Equal(t, 3, calls, "checked three times, the last time under the lock")
		assert.Equal(t, students0+2+calls, s.Count("alpha", "students"))
		status, list := c.JSON("GET", "/api/core/students/?search=R/", nil)
		require.Equal(t, 200, status)
		require.EqualValues(t, 2, list["count"])
		for _, st := range list["results"].([]any) {
			id := int64(st.(map[string]any)["id"].(float64))
			status, d := c.JSON("GET", fmt.Sprintf("/api/core/students/%d/", id), nil)
			require.Equal(t, 200, status)
			gs := d["guardians"].([]any)
			require.Len(t, gs, 1, "each imported student has their own guardian, not the other writer's")
			assert.Contains(t, gs[0].(map[string]any)["name"], "Pa ")
		}
	})
}

// TestImportDateOfBirthAfterTheSchoolsToday: a date of birth after the school's date
// (in its timezone, at the appliance's clock) is a problem of its row; the school's
// today itself is not, even where the server's clock is still on the day before.
func TestImportDateOfBirthAfterTheSchoolsToday(t *testing.T) {
	s := apptest.Start(t, apptest.At(time.Date(2026, 12, 31, 22, 30, 0, 0, time.UTC)))
	school(t, s, "alpha")
	sqlExec(t, s, "alpha", "UPDATE school_profile SET timezone = 'Africa/Nairobi'")
	c := s.As("alpha", "admin@alpha.test")

	status, r := post(t, c, "?dry_run=true", "text/csv", []byte("first_name,last_name,gender,date_of_birth\n"+
		"Ann,Today,F,2027-01-01\nBen,Tomorrow,M,02/01/2027\n"))
	assert.Equal(t, 400, status, "%+v", r)
	require.Len(t, r.Errors, 1, "%+v", r.Errors)
	assert.Equal(t, 3, r.Errors[0].Row)
	assert.Equal(t, "date_of_birth", r.Errors[0].Column)
	assert.Contains(t, r.Errors[0].Message, "after today (2027-01-01)")

	status, r = post(t, c, "?dry_run=true", "text/csv", []byte("first_name,last_name,gender,date_of_birth\nAnn,Today,F,2027-01-01\n"))
	assert.Equal(t, 200, status, "%+v", r)
	assert.Equal(t, 1, r.Created)
}
