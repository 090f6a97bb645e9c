package app

import (
	"context"
	"database/sql"
	"net/http"
	"net/url"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
	"github.com/schoolsms/sms/app/core/demo"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// countRows counts the rows of each table in a school's file.
func countRows(t *testing.T, a *App, schema string, tables ...string) map[string]int {
	t.Helper()
	out := map[string]int{}
	require.NoError(t, a.Pool.WithTenant(context.Background(), schema, func(tn *db.Tenant) error {
		for _, tbl := range tables {
			var n int
			if err := tn.ReadDB().QueryRowContext(context.Background(), "SELECT count(*) FROM "+tbl).Scan(&n); err != nil {
				return err
			}
			out[tbl] = n
		}
		return nil
	}))
	return out
}

// Tables that hold people or what they did; a clone starts with none of their rows.
var peopleTables = []string{"users", "sessions", "api_tokens", "audit_log", "students", "guardians",
	"student_guardians", "admissions", "enrollments", "subject_assignments", "counters"}

// Tables that hold the school's setup; a clone has the template's rows.
var setupTables = []string{"academic_sessions", "terms", "forms", "classes", "subjects", "curriculum", "school_settings"}

// TestCloneCarriesSetupNotPeople: a clone of a school in use has the template's setup
// and none of its people or history, and nothing issued on the template opens it.
func TestCloneCarriesSetupNotPeople(t *testing.T) {
	w := newAuthWorld(t)
	a := w.App
	ctx := context.Background()
	require.NoError(t, a.Pool.WithTenant(ctx, "alpha", func(tn *db.Tenant) error {
		if _, err := demo.Seed(ctx, tn, demo.Options{StudentsPerForm: 4, TeacherEmail: "teacher@alpha.school", EmailDomain: "alpha.school"}, auth.Meta{}); err != nil {
			return err
		}
		return tn.Tx(ctx, func(q *tenantdb.Queries, tx *sql.Tx) error {
			if _, err := tx.Exec(`INSERT INTO school_settings (key, value) VALUES ('admission_number_pattern', 'AL/{seq:03}')`); err != nil {
				return err
			}
			_, err := tx.Exec(`INSERT INTO admissions (first_name, last_name, gender, form_id) SELECT 'Applicant', 'Person', 'female', min(id) FROM forms`)
			return err
		})
	}))
	// Credentials issued on the template before the clone is made.
	tok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	browser := w.browser(t, "alpha.localhost", "")
	browser.login("admin@alpha.school")
	cookies := browser.jar.Cookies(&url.URL{Scheme: "http", Host: "alpha.localhost", Path: "/"})
	require.Len(t, cookies, 1)

	template := countRows(t, a, "alpha", append(peopleTables, setupTables...)...)
	for _, tbl := range append(peopleTables, setupTables...) {
		require.Positivef(t, template[tbl], "the template must have rows in %s for this test to mean anything", tbl)
	}

	_, err := a.Clients.Clone(ctx, "alpha", clients.CreateInput{Schema: "gamma", Name: "Gamma School"})
	require.NoError(t, err)

	t.Run("no people or history", func(t *testing.T) { // before anyone tries to sign in to the clone
		got := countRows(t, a, "gamma", peopleTables...)
		for _, tbl := range peopleTables {
			assert.Zerof(t, got[tbl], "rows in %s", tbl)
		}
	})

	t.Run("the template's credentials do not open the clone", func(t *testing.T) {
		status, _ := get(t, w.testServer, "gamma.localhost", "/api/auth/me", "Authorization", "Bearer "+tok)
		assert.Equal(t, 401, status, "a token issued on the template")

		req, _ := http.NewRequest("GET", w.URL+"/api/auth/me", nil)
		req.Host = "gamma.localhost"
		req.AddCookie(cookies[0])
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, 401, resp.StatusCode, "a session cookie issued on the template")

		b := w.browser(t, "gamma.localhost", "")
		status, _ = b.do("POST", "/api/auth/login", map[string]string{"email": "admin@alpha.school", "password": testPassword})
		assert.Equal(t, 401, status, "the template admin's password")
	})

	t.Run("the setup, without teacher links", func(t *testing.T) {
		got := countRows(t, a, "gamma", setupTables...)
		for _, tbl := range setupTables {
			assert.Equalf(t, template[tbl], got[tbl], "rows in %s", tbl)
		}
		require.NoError(t, a.Pool.WithTenant(ctx, "gamma", func(tn *db.Tenant) error {
			var linked int
			require.NoError(t, tn.ReadDB().QueryRowContext(context.Background(), `SELECT count(*) FROM classes WHERE class_teacher_id IS NOT NULL`).Scan(&linked))
			assert.Zero(t, linked, "classes keep no class teacher: the clone has no users")
			var pattern string
			require.NoError(t, tn.ReadDB().QueryRowContext(context.Background(), `SELECT value FROM school_settings WHERE key = 'admission_number_pattern'`).Scan(&pattern))
			assert.Equal(t, "AL/{seq:03}", pattern)
			return nil
		}))
		profile := func(schema string) tenantdb.SchoolProfile {
			var p tenantdb.SchoolProfile
			require.NoError(t, a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) (err error) {
				p, err = tn.Read().GetSchoolProfile(ctx)
				return err
			}))
			return p
		}
		src, dst := profile("alpha"), profile("gamma")
		assert.Equal(t, "Gamma School", dst.Name)
		assert.Equal(t, "KE", dst.CountryCode)
		dst.Name, dst.UpdatedAt, src.UpdatedAt = src.Name, "", ""
		assert.Equal(t, src, dst, "every other profile field comes from the template")
	})

	t.Run("the template is unchanged and still works", func(t *testing.T) {
		assert.Equal(t, template["students"], countRows(t, a, "alpha", "students")["students"])
		status, _ := get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+tok)
		assert.Equal(t, 200, status)
	})

	t.Run("a clone with its first admin", func(t *testing.T) {
		_, err := a.Clients.CloneWithAdmin(ctx, "alpha", clients.CreateRequest{Schema: "delta", Name: "Delta School",
			Admin: &auth.NewUser{Email: "head@delta.school", Password: testPassword}}, auth.Meta{})
		require.NoError(t, err)
		b := w.browser(t, "delta.localhost", "")
		b.login("head@delta.school")
		status, me := b.do("GET", "/api/auth/me", nil)
		require.Equal(t, 200, status)
		assert.Equal(t, "delta", me["school"])
		assert.Equal(t, 1, countRows(t, a, "delta", "users")["users"])
	})
}
