package app_test

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/db"
)

// hostile are characters that must never be stored in a name: they rewrite a terminal
// (NUL, ESC, BEL, DEL, the C1 CSI), reorder what a reader sees (bidi embeddings,
// overrides and isolates), or break a one-line field (newline, tab).
var hostile = map[string]string{
	"NUL":     "Ann\x00e",
	"ESC":     "Ann\x1b[2Je",
	"BEL":     "Ann\ae",
	"DEL":     "Ann\x7fe",
	"C1 CSI":  "Ann\u009b2Je",
	"C1 NEL":  "Ann\u0085e",
	"LRE":     "\u202aAnne",
	"RLO":     "Ann\u202eeh",
	"PDF":     "Anne\u202c",
	"LRI":     "\u2066Anne",
	"FSI":     "Ann\u2068e",
	"PDI":     "Anne\u2069",
	"newline": "Ann\ne",
	"CR":      "Ann\re",
	"tab":     "Ann\te",
}

// lineBreaks may appear in multi-line fields (addresses, notes).
var lineBreaks = map[string]bool{"newline": true, "CR": true, "tab": true}

// target is one place a name-like field is written.
type target struct {
	name, method, path, field string
	body                      func(v string) any
	clean                     string // a value that is accepted, proving the request is otherwise fine
	multiline                 bool
	page                      bool // a browser form (the answer is an HTML page)
}

func TestHostileTextIsRefusedEverywhere(t *testing.T) {
	s := apptest.Start(t)
	s.CreateSchool("alpha", "Alpha School")
	ctx := context.Background()
	_, err := auth.CreatePlatformAdmin(ctx, s.App.Catalog, "root@platform.test", "Root", apptest.Password, auth.Meta{})
	require.NoError(t, err)

	platform := s.Client("localhost", "")
	status, tok := platform.JSON("POST", "/api/auth/token", map[string]string{"email": "root@platform.test", "password": apptest.Password})
	require.Equal(t, 201, status, "%v", tok)
	platform.Token = tok["token"].(string)
	platformPage := s.Client("localhost", "")
	platformPage.Login("root@platform.test")
	admin := s.As("alpha", "admin@alpha.test")
	adminPage := s.Client("alpha.localhost", "")
	adminPage.Login("admin@alpha.test")
	anon := s.Client("alpha.localhost", "")

	id := func(status int, m map[string]any) int64 {
		t.Helper()
		require.Equal(t, 201, status, "%v", m)
		return int64(m["id"].(float64))
	}
	sess := id(admin.JSON("POST", "/api/core/sessions/", map[string]any{"name": "2026", "start_date": "2026-01-05", "end_date": "2026-11-27"}))
	form := id(admin.JSON("POST", "/api/core/forms/", map[string]any{"name": "Form 1", "level": 1}))
	clerk := s.CreateUser("alpha", "clerk@alpha.test", auth.RoleClerk)

	cases := []target{
		{name: "school create", method: "POST", path: "/api/clients/tenants/", field: "name", clean: "Gamma School",
			body: func(v string) any { return map[string]any{"schema_name": "gamma", "name": v} }},
		{name: "school rename", method: "PATCH", path: "/api/clients/tenants/alpha/", field: "name", clean: "Alpha Secondary",
			body: func(v string) any { return map[string]any{"name": v} }},
		{name: "school create page", method: "POST", path: "/schools/new", field: "name", clean: "Delta School", page: true,
			body: func(v string) any { return url.Values{"schema_name": {"delta"}, "name": {v}} }},
		{name: "school rename page", method: "POST", path: "/schools/alpha/name", field: "name", clean: "Alpha High", page: true,
			body: func(v string) any { return url.Values{"name": {v}} }},
		{name: "first admin's name", method: "POST", path: "/api/clients/tenants/", field: "admin.name", clean: "Head",
			body: func(v string) any {
				return map[string]any{"schema_name": "epsilon", "name": "Epsilon", "admin": map[string]string{"email": "head@epsilon.test", "name": v, "password": apptest.Password}}
			}},

		{name: "user name", method: "POST", path: "/api/auth/users/", field: "name", clean: "Clerk Two",
			body: func(v string) any {
				return map[string]any{"email": "clerk2@alpha.test", "name": v, "role": "clerk", "password": apptest.Password}
			}},
		{name: "user email", method: "POST", path: "/api/auth/users/", field: "email", clean: "",
			body: func(v string) any {
				return map[string]any{"email": "cl" + v + "rk3@alpha.test", "role": "clerk", "password": apptest.Password}
			}},
		{name: "user rename", method: "PATCH", path: fmt.Sprintf("/api/auth/users/%d/", clerk), field: "name", clean: "Clerk One",
			body: func(v string) any { return map[string]any{"name": v} }},
		{name: "user page", method: "POST", path: "/users/new", field: "name", clean: "Clerk Four", page: true,
			body: func(v string) any {
				return url.Values{"email": {"clerk4@alpha.test"}, "name": {v}, "role": {"clerk"}, "password": {apptest.Password}}
			}},
		{name: "token name", method: "POST", path: "/api/auth/token", field: "name", clean: "backup script",
			body: func(v string) any {
				return map[string]any{"email": "admin@alpha.test", "password": apptest.Password, "name": v}
			}},

		{name: "session", method: "POST", path: "/api/core/sessions/", field: "name", clean: "2027",
			body: func(v string) any {
				return map[string]any{"name": v, "start_date": "2027-01-04", "end_date": "2027-11-26"}
			}},
		{name: "session rename", method: "PATCH", path: fmt.Sprintf("/api/core/sessions/%d/", sess), field: "name", clean: "2026/27",
			body: func(v string) any { return map[string]any{"name": v} }},
		{name: "term", method: "POST", path: "/api/core/terms/", field: "name", clean: "Term 1",
			body: func(v string) any {
				return map[string]any{"session": sess, "name": v, "start_date": "2026-01-05", "end_date": "2026-04-02"}
			}},
		{name: "form", method: "POST", path: "/api/core/forms/", field: "name", clean: "Form 2",
			body: func(v string) any { return map[string]any{"name": v, "level": 2} }},
		{name: "form level block", method: "POST", path: "/api/core/forms/", field: "level_block", clean: "O Level",
			body: func(v string) any { return map[string]any{"name": "Form 3", "level": 3, "level_block": v} }},
		{name: "class", method: "POST", path: "/api/core/classes/", field: "name", clean: "1 East",
			body: func(v string) any { return map[string]any{"name": v, "form": form, "session": sess} }},
		{name: "subject name", method: "POST", path: "/api/core/subjects/", field: "name", clean: "Mathematics",
			body: func(v string) any { return map[string]any{"code": "MAT", "name": v} }},
		{name: "subject code", method: "POST", path: "/api/core/subjects/", field: "code", clean: "ENG",
			body: func(v string) any { return map[string]any{"code": v, "name": "English"} }},

		{name: "student first name", method: "POST", path: "/api/core/students/", field: "first_name", clean: "Amani",
			body: func(v string) any { return map[string]any{"first_name": v, "last_name": "Otieno", "gender": "female"} }},
		{name: "student last name", method: "POST", path: "/api/core/students/", field: "last_name", clean: "Kamau",
			body: func(v string) any { return map[string]any{"first_name": "Baraka", "last_name": v, "gender": "male"} }},
		{name: "student home language", method: "POST", path: "/api/core/students/", field: "home_language", clean: "Kiswahili",
			body: func(v string) any {
				return map[string]any{"first_name": "Chebet", "last_name": "K", "gender": "female", "home_language": v}
			}},
		{name: "student address", method: "POST", path: "/api/core/students/", field: "address", clean: "Plot 4\nKisumu\tRoad", multiline: true,
			body: func(v string) any {
				return map[string]any{"first_name": "Dalia", "last_name": "K", "gender": "female", "address": v}
			}},
		{name: "student medical notes", method: "POST", path: "/api/core/students/", field: "medical_notes", clean: "Asthma.\r\nInhaler in bag.", multiline: true,
			body: func(v string) any {
				return map[string]any{"first_name": "Eli", "last_name": "K", "gender": "male", "medical_notes": v}
			}},
		{name: "student guardian", method: "POST", path: "/api/core/students/", field: "guardians[0].name", clean: "Grace",
			body: func(v string) any {
				return map[string]any{"first_name": "Faith", "last_name": "K", "gender": "female", "guardians": []any{map[string]any{"name": v}}}
			}},
		{name: "guardian", method: "POST", path: "/api/core/guardians/", field: "name", clean: "Grace Wanjiru",
			body: func(v string) any { return map[string]any{"name": v} }},
		{name: "guardian relationship", method: "POST", path: "/api/core/guardians/", field: "relationship", clean: "aunt",
			body: func(v string) any { return map[string]any{"name": "Hope", "relationship": v} }},
		{name: "guardian email", method: "POST", path: "/api/core/guardians/", field: "email", clean: "",
			body: func(v string) any { return map[string]any{"name": "Irene", "email": "ire" + v + "ne@example.org"} }},
		{name: "admission", method: "POST", path: "/api/core/admissions/", field: "first_name", clean: "Juma",
			body: func(v string) any {
				return map[string]any{"first_name": v, "last_name": "K", "gender": "male", "form": form}
			}},
		{name: "admission guardian", method: "POST", path: "/api/core/admissions/", field: "guardian_name", clean: "Mama Juma",
			body: func(v string) any {
				return map[string]any{"first_name": "Kito", "last_name": "K", "gender": "male", "form": form, "guardian_name": v}
			}},
		{name: "admission notes", method: "POST", path: "/api/core/admissions/", field: "notes", clean: "Sibling in 2 East.\nCalled twice.", multiline: true,
			body: func(v string) any {
				return map[string]any{"first_name": "Lulu", "last_name": "K", "gender": "female", "form": form, "notes": v}
			}},
		{name: "admission number pattern", method: "PUT", path: "/api/core/settings/admission-number-pattern/", field: "pattern", clean: "-A",
			body: func(v string) any { return map[string]any{"pattern": "S" + v + "/{seq:04}"} }},
	}

	// snapshot is everything the requests could write, in the catalog and the school.
	snapshot := func() string {
		t.Helper()
		ts, err := s.App.Clients.List(ctx)
		require.NoError(t, err)
		var b strings.Builder
		for _, x := range ts {
			fmt.Fprintf(&b, "%s=%q;", x.Schema, x.Name)
		}
		s.WithSchool("alpha", func(tn *db.Tenant) error {
			for _, q := range []string{
				"SELECT group_concat(email || '|' || name, ';') FROM users",
				"SELECT group_concat(name, ';') FROM api_tokens",
				"SELECT group_concat(name, ';') FROM academic_sessions",
				"SELECT group_concat(name, ';') FROM terms",
				"SELECT group_concat(name || '|' || level_block, ';') FROM forms",
				"SELECT group_concat(name, ';') FROM classes",
				"SELECT group_concat(code || '|' || name, ';') FROM subjects",
				"SELECT count(*) FROM students", "SELECT count(*) FROM guardians", "SELECT count(*) FROM admissions",
				"SELECT group_concat(value, ';') FROM school_settings",
			} {
				var v sql.NullString
				require.NoError(t, tn.ReadDB().QueryRowContext(ctx, q).Scan(&v), q)
				fmt.Fprintf(&b, "%s;", v.String)
			}
			return nil
		})
		return b.String()
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := admin
			switch {
			case strings.HasPrefix(tc.path, "/api/clients/"):
				c = platform
			case strings.HasPrefix(tc.path, "/schools/"):
				c = platformPage
			case tc.page:
				c = adminPage
			case tc.path == "/api/auth/token":
				c = anon
			}
			send := func(v string) (int, map[string]any, string) {
				if !tc.page {
					status, m := c.JSON(tc.method, tc.path, tc.body(v))
					return status, m, ""
				}
				status, _, raw := c.Do(tc.method, tc.path, "application/x-www-form-urlencoded", strings.NewReader(tc.body(v).(url.Values).Encode()))
				return status, nil, string(raw)
			}
			before := snapshot()
			for what, v := range hostile {
				if tc.multiline && lineBreaks[what] {
					continue
				}
				status, m, page := send(v)
				assert.Equal(t, 400, status, "%s: %v", what, m)
				if tc.page {
					assert.True(t, strings.Contains(strings.ToLower(page), "must not contain"), "%s: the page names the problem", what)
				} else {
					e, _ := m["error"].(map[string]any)
					fields, _ := e["fields"].(map[string]any)
					assert.Contains(t, fields, tc.field, "%s: the error names the field: %v", what, m)
				}
			}
			assert.Equal(t, before, snapshot(), "nothing was written")

			if tc.clean != "" {
				status, m, _ := send(tc.clean)
				assert.Contains(t, []int{200, 201, 303}, status, "the same request with a clean value: %v", m)
			}
		})
	}

	t.Run("multi-line fields keep their line breaks", func(t *testing.T) {
		status, m := admin.JSON("POST", "/api/core/students/", map[string]any{"first_name": "Mosi", "last_name": "K", "gender": "male",
			"address": "  Plot 9\r\nNairobi\tWest  ", "medical_notes": "None."})
		require.Equal(t, 201, status, "%v", m)
		assert.Equal(t, "Plot 9\nNairobi\tWest", m["address"])
	})

	t.Run("import rows", func(t *testing.T) {
		before := snapshot()
		for what, v := range hostile {
			csv := "first_name,last_name,gender,guardian_name\nNuru,Kamau,female,Mama Nuru\n\"Odhi" + v + "\",Kamau,male,Baba\n"
			status, _, raw := admin.Do("POST", "/api/core/students/import/", "text/csv", strings.NewReader(csv))
			assert.Equal(t, 400, status, "%s: %s", what, raw)
			assert.Contains(t, string(raw), `"row":3,"column":"first_name"`, what)
		}
		assert.Equal(t, before, snapshot(), "nothing was written")
	})
}
