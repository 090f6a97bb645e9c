package students_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// listedRows is the student list as the API answers it (from the stored rows of
// migration 0011), by id, after checking that every row is the JSON of the Student that
// ListStudents reads from the tables themselves.
func (w *world) listedRows() map[int64]map[string]any {
	w.t.Helper()
	status, out := w.as("admin").JSON("GET", "/api/core/students/?page_size=500", nil)
	require.Equal(w.t, 200, status, "%v", out)
	byID := map[int64]map[string]any{}
	for _, r := range results(out) {
		byID[id(r)] = r
	}
	ctx := context.Background()
	w.s.WithSchool(schema, func(tn *db.Tenant) error {
		page := query.Page{Number: 1, Size: query.MaxPageSize}
		list, n, err := students.New(tn).ListStudents(ctx, students.Viewer{}, students.StudentFilter{}, page)
		require.NoError(w.t, err)
		require.EqualValues(w.t, n, num(out["count"]))
		require.Len(w.t, byID, len(list), "the list has a row for every student and no other")
		for _, st := range list {
			want, err := json.Marshal(st)
			require.NoError(w.t, err)
			got, err := json.Marshal(byID[st.ID])
			require.NoError(w.t, err)
			require.JSONEq(w.t, string(want), string(got), "student %d", st.ID)
		}
		return nil
	})
	return byID
}

func className(row map[string]any) any {
	c, ok := row["current_class"].(map[string]any)
	if !ok {
		return nil
	}
	return c["name"]
}

func formOf(row map[string]any) map[string]any {
	c, _ := row["current_class"].(map[string]any)
	f, _ := c["form"].(map[string]any)
	return f
}

// TestStudentListRowsFollowEveryWrite: every write that changes what a student's list
// row shows changes the stored row in the same transaction: the student's own record,
// enrollments (made, moved, ended, promoted), a class's name or form, a form's name or
// level, which session is current, an import, a delete; and writes made straight in
// SQL too, since triggers keep the rows.
func TestStudentListRowsFollowEveryWrite(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	admin := w.as("admin")
	ann := w.student(map[string]any{"first_name": "Ann", "last_name": "Otieno", "gender": "female", "class": sc.c1A})
	bob := w.student(map[string]any{"first_name": "Bob", "last_name": "Kamau", "gender": "male", "class": sc.c2A})
	cy := w.student(map[string]any{"first_name": "Cy", "last_name": "Njeri", "gender": "other"})
	rows := w.listedRows()
	require.Equal(t, "Form 1A", className(rows[ann]))
	require.Nil(t, rows[cy]["current_class"])

	t.Run("student edit", func(t *testing.T) {
		status, out := admin.JSON("PATCH", path("/api/core/students/%d/", ann), map[string]any{"first_name": "Anne", "address": "Box 1"})
		require.Equal(t, 200, status, "%v", out)
		rows := w.listedRows()
		assert.Equal(t, "Anne", rows[ann]["first_name"])
		assert.Equal(t, "Box 1", rows[ann]["address"])
	})
	t.Run("class renamed", func(t *testing.T) {
		status, out := admin.JSON("PATCH", path("/api/core/classes/%d/", sc.c1A), map[string]any{"name": "Form 1 East"})
		require.Equal(t, 200, status, "%v", out)
		assert.Equal(t, "Form 1 East", className(w.listedRows()[ann]))
	})
	t.Run("class moved to another form", func(t *testing.T) {
		status, out := admin.JSON("PATCH", path("/api/core/classes/%d/", sc.c1A), map[string]any{"form": sc.form2})
		require.Equal(t, 200, status, "%v", out)
		assert.EqualValues(t, sc.form2, num(formOf(w.listedRows()[ann])["id"]))
		status, out = admin.JSON("PATCH", path("/api/core/classes/%d/", sc.c1A), map[string]any{"form": sc.form1})
		require.Equal(t, 200, status, "%v", out)
		assert.EqualValues(t, sc.form1, num(formOf(w.listedRows()[ann])["id"]))
	})
	t.Run("form renamed and moved", func(t *testing.T) {
		status, out := admin.JSON("PATCH", path("/api/core/forms/%d/", sc.form1), map[string]any{"name": "Grade 7", "level": 7})
		require.Equal(t, 200, status, "%v", out)
		f := formOf(w.listedRows()[ann])
		assert.Equal(t, "Grade 7", f["name"])
		assert.EqualValues(t, 7, num(f["level"]))
	})
	t.Run("enrollment made, moved and ended", func(t *testing.T) {
		status, out := admin.JSON("POST", "/api/core/enrollments/", map[string]any{"student": cy, "class": sc.c1B})
		require.Equal(t, 201, status, "%v", out)
		enr := id(out)
		assert.Equal(t, "Form 1B", className(w.listedRows()[cy]))
		status, out = admin.JSON("PATCH", path("/api/core/enrollments/%d/", enr), map[string]any{"class": sc.c2A})
		require.Equal(t, 200, status, "%v", out)
		assert.Equal(t, "Form 2A", className(w.listedRows()[cy]))
		status, out = admin.JSON("DELETE", path("/api/core/enrollments/%d/", enr), nil)
		require.Equal(t, 200, status, "%v", out)
		assert.Nil(t, w.listedRows()[cy]["current_class"])
	})
	next := w.session("2026/2027", "2026-09-01", "2027-07-31", false)
	t.Run("current session changed", func(t *testing.T) {
		status, out := admin.JSON("PATCH", path("/api/core/sessions/%d/", next), map[string]any{"is_current": true})
		require.Equal(t, 200, status, "%v", out)
		rows := w.listedRows()
		assert.Nil(t, rows[ann]["current_class"], "no class in the new session")
		assert.Nil(t, rows[bob]["current_class"])
		status, out = admin.JSON("PATCH", path("/api/core/sessions/%d/", sc.session), map[string]any{"is_current": true})
		require.Equal(t, 200, status, "%v", out)
		assert.Equal(t, "Form 1 East", className(w.listedRows()[ann]))
	})
	t.Run("promotion", func(t *testing.T) {
		w.class(sc.form2, next, "Form 2 North", 0, 0)
		w.class(sc.form1, next, "Form 1 North", 0, 0)
		w.exec("UPDATE forms SET level = 1 WHERE id = ?", sc.form1)
		body := map[string]any{"from_session": sc.session, "to_session": next}
		status, out := admin.JSON("POST", "/api/core/promotions/commit/", body)
		require.Equal(t, 200, status, "%v", out)
		status, out = admin.JSON("PATCH", path("/api/core/sessions/%d/", next), map[string]any{"is_current": true})
		require.Equal(t, 200, status, "%v", out)
		assert.Equal(t, "Form 2 North", className(w.listedRows()[ann]))
	})
	t.Run("status change", func(t *testing.T) {
		status, out := admin.JSON("PATCH", path("/api/core/students/%d/", bob), map[string]any{"status": "suspended"})
		require.Equal(t, 200, status, "%v", out)
		assert.Equal(t, "suspended", w.listedRows()[bob]["status"])
	})
	t.Run("import", func(t *testing.T) {
		ctx := context.Background()
		var added int64
		w.s.WithSchool(schema, func(tn *db.Tenant) error {
			return tn.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
				ids, err := students.ReadBulkIDs(ctx, q)
				require.NoError(t, err)
				classes, err := q.StudentsSessionClasses(ctx, next)
				require.NoError(t, err)
				b := students.NewBulk(ids, auth.Meta{}, today)
				st := b.AddStudent(students.StudentInput{AdmissionNo: "IMP-1", FirstName: "Imani", LastName: "Auma",
					Gender: "female", Status: students.StatusActive, AdmittedOn: today})
				b.Enroll(st, classes[0])
				added = st.ID
				return b.Write(ctx, q, tx)
			})
		})
		row := w.listedRows()[added]
		require.NotNil(t, row)
		assert.Equal(t, "Imani", row["first_name"])
		assert.NotNil(t, row["current_class"])
	})
	t.Run("written in SQL", func(t *testing.T) {
		w.exec("UPDATE students SET last_name = 'Odhiambo' WHERE id = ?", cy)
		w.exec("UPDATE classes SET name = 'Form 2 South' WHERE name = 'Form 2 North'")
		rows := w.listedRows()
		assert.Equal(t, "Odhiambo", rows[cy]["last_name"])
		assert.Equal(t, "Form 2 South", className(rows[ann]))
	})
	t.Run("delete", func(t *testing.T) {
		dan := w.student(map[string]any{"first_name": "Dan", "last_name": "Wafula", "gender": "male"})
		require.Contains(t, w.listedRows(), dan)
		status, _ := admin.JSON("DELETE", path("/api/core/students/%d/", dan), nil)
		require.Equal(t, 204, status)
		assert.NotContains(t, w.listedRows(), dan)
		assert.Equal(t, w.count("students"), w.count("student_list_rows"))
	})
}
