package students

import (
	"context"
	"database/sql"
	"encoding/json"
	"testing"

	"github.com/golang-migrate/migrate/v4"
	msqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db/tenantdb"
	"github.com/schoolsms/sms/migrations"
)

// TestStudentListRowsBackfill: migration 0011 fills the stored list rows of a school
// that has students already, including ones written while the school had no triggers
// to keep rows, and its down migration removes them.
func TestStudentListRowsBackfill(t *testing.T) {
	ctx := context.Background()
	tn, file := openPlanSchoolAt(t)
	require.NoError(t, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
		for _, q := range []string{
			`INSERT INTO academic_sessions (id, name, start_date, end_date, is_current) VALUES (1, '2026', '2026-01-05', '2026-12-04', 1)`,
			`INSERT INTO forms (id, name, level) VALUES (1, 'Form 1', 1)`,
			`INSERT INTO classes (id, form_id, session_id, name) VALUES (1, 1, 1, 'Form 1A')`,
			`INSERT INTO students (id, admission_no, first_name, last_name, gender) VALUES (1, 'A1', 'Ann', 'Otieno', 'female')`,
			`INSERT INTO enrollments (student_id, class_id, session_id) VALUES (1, 1, 1)`,
		} {
			if _, err := tx.Exec(q); err != nil {
				return err
			}
		}
		return nil
	}))

	w, err := sql.Open("sqlite", "file:"+file+"?_pragma=busy_timeout(5000)")
	require.NoError(t, err)
	defer w.Close()
	w.SetMaxOpenConns(1)
	src, err := iofs.New(migrations.Tenant(), ".")
	require.NoError(t, err)
	drv, err := msqlite.WithInstance(w, &msqlite.Config{})
	require.NoError(t, err)
	mg, err := migrate.NewWithInstance("iofs", src, "sqlite", drv)
	require.NoError(t, err)

	require.NoError(t, mg.Migrate(10))
	var tables int
	require.NoError(t, w.QueryRow(`SELECT count(*) FROM sqlite_schema WHERE name LIKE 'student_list_%'`).Scan(&tables))
	require.Zero(t, tables, "the down migration leaves nothing behind")
	for _, q := range []string{
		`INSERT INTO students (id, admission_no, first_name, last_name, gender) VALUES (2, 'A2', 'Bob', 'Kamau', 'male')`,
		`INSERT INTO enrollments (student_id, class_id, session_id) VALUES (2, 1, 1)`,
		`UPDATE classes SET name = 'Form 1 East' WHERE id = 1`,
		`INSERT INTO students (id, admission_no, first_name, last_name, gender) VALUES (3, 'A3', 'Cy', 'Njeri', 'other')`,
	} {
		_, err := w.Exec(q)
		require.NoError(t, err)
	}
	require.NoError(t, mg.Migrate(11))

	svc := New(tn)
	page := query.Page{Number: 1, Size: 50}
	list, n, err := svc.ListStudents(ctx, Viewer{}, StudentFilter{}, page)
	require.NoError(t, err)
	raw, m, err := svc.ListStudentsJSON(ctx, Viewer{}, StudentFilter{}, page)
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
	require.Equal(t, n, m)
	require.Len(t, raw, 3)
	for i := range list {
		want, err := json.Marshal(list[i])
		require.NoError(t, err)
		require.JSONEq(t, string(want), string(raw[i]))
	}
	require.Equal(t, "Form 1 East", list[0].CurrentClass.Name, "Bob Kamau, first by name")
	require.Nil(t, list[1].CurrentClass, "Cy Njeri")
}
