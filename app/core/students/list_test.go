package students_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
	"github.com/schoolsms/sms/migrations"
)

// names answers a list request with the students' "First Last" names, in order, and
// checks that the envelope's count is the whole list's.
func (w *world) names(query string) ([]string, int64) {
	w.t.Helper()
	status, out := w.as("admin").JSON("GET", "/api/core/students/"+query, nil)
	require.Equal(w.t, 200, status, "%s: %v", query, out)
	var got []string
	for _, r := range results(out) {
		got = append(got, r["first_name"].(string)+" "+r["last_name"].(string))
	}
	return got, num(out["count"])
}

// TestStudentSearchPagesInNameOrder: a search's pages in the default order are picked
// from the names in memory; they are the pages SQLite gives for the same order asked
// for by name (ordering=last_name, which it reads from the name index), through names
// that differ only in case or accents, ties broken by id.
func TestStudentSearchPagesInNameOrder(t *testing.T) {
	w := newWorld(t)
	lasts := []string{"abdi", "Abdi", "ABDI", "Émile", "zola", "Zola", "Ölund", "Achieng", "achieng", "Kamau"}
	firsts := []string{"Ann", "ann", "Brian", "Ánn", "Zawadi"}
	for i := range 23 {
		w.student(map[string]any{"admission_no": fmt.Sprint(100 + i), "first_name": firsts[i%len(firsts)],
			"last_name": lasts[(i*3)%len(lasts)], "gender": "female"})
	}
	admin := w.as("admin")
	read := func(q string) ([]string, int64) {
		status, out := admin.JSON("GET", "/api/core/students/"+q, nil)
		require.Equal(t, 200, status, "%s: %v", q, out)
		return admissionNos(out), num(out["count"])
	}
	for _, search := range []string{"a", "an", "ann", "abdi", "zola z", "é"} {
		var memory, bySQL []string
		for page := 1; page <= 7; page++ {
			got, n := read(fmt.Sprintf("?search=%s&page_size=4&page=%d", url.QueryEscape(search), page))
			want, m := read(fmt.Sprintf("?search=%s&page_size=4&page=%d&ordering=last_name", url.QueryEscape(search), page))
			require.Equal(t, m, n, search)
			require.Equal(t, want, got, "%q page %d", search, page)
			memory, bySQL = append(memory, got...), append(bySQL, want...)
			if int64(len(memory)) >= n {
				break
			}
		}
		all, n := read("?page_size=100&search=" + url.QueryEscape(search))
		require.Equal(t, all, memory, search)
		require.EqualValues(t, len(all), n, search)
	}
}

// TestStudentSearch: the search finds substrings of names and admission numbers,
// every word must match, words under three characters too, and the search follows
// every create, rename and delete.
func TestStudentSearch(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	mk := func(no, first, middle, last string) int64 {
		return w.student(map[string]any{"admission_no": no, "first_name": first, "middle_name": middle, "last_name": last,
			"gender": "female", "class": sc.c1B})
	}
	ann := mk("ADM/2024/001", "Ann", "", "Otieno")
	mk("ADM/2024/002", "Joanna", "", "Wanjiku")
	mk("ADM/2025/003", "Anne", "Mary", "Okoth")
	mk("ADM/2025/004", "Li", "", "Na")
	mk("X_5", "Émile", "", "Zola")
	sandra := mk("ADM/2025/006", "Sandra", "", "Ochieng")

	cases := []struct {
		search string
		want   []string
	}{
		{"ann otie", []string{"Ann Otieno"}}, // every word, each a substring
		{"OTIE ann", []string{"Ann Otieno"}}, // any order, any case
		{"ann", []string{"Anne Okoth", "Ann Otieno", "Joanna Wanjiku"}},
		{"mary", []string{"Anne Okoth"}},                               // middle name
		{"2025/00", []string{"Li Na", "Sandra Ochieng", "Anne Okoth"}}, // admission number
		{"ann zzz", nil},                        // one word missing: no match
		{"an wanj", []string{"Joanna Wanjiku"}}, // a short word beside a long one
		{"li", []string{"Li Na"}},               // only short words
		{"li na", []string{"Li Na"}},
		{"o", []string{"Sandra Ochieng", "Anne Okoth", "Ann Otieno", "Joanna Wanjiku", "Émile Zola"}},
		{"émile", []string{"Émile Zola"}},
		{"ÉMILE", []string{"Émile Zola"}},   // the trigram index folds case beyond ASCII
		{"and", []string{"Sandra Ochieng"}}, // FTS5 words are plain text here
		{"AND ochi", []string{"Sandra Ochieng"}},
		{"NEAR", nil},
		{`"ann"`, nil}, // quotes are searched for, not syntax
		{"ann*", nil},
		{"x_5", []string{"Émile Zola"}}, // _ and % are literal too
		{"_", []string{"Émile Zola"}},
		{"%", nil},
		{"%2f", nil},
		{"\xff\xfe\xfd", nil},
		{"ann ann ann ann ann ann ann ann ann ann zzz", []string{"Anne Okoth", "Ann Otieno", "Joanna Wanjiku"}}, // ten words at most
	}
	for _, c := range cases {
		t.Run(c.search, func(t *testing.T) {
			got, n := w.names("?search=" + url.QueryEscape(c.search))
			assert.Equal(t, c.want, got)
			assert.EqualValues(t, len(c.want), n)
		})
	}

	for _, bad := range []string{"\x00\x00\x00", "ann\x00", "a\x01b"} {
		status, out := w.as("admin").JSON("GET", "/api/core/students/?search="+url.QueryEscape(bad), nil)
		assert.Equal(t, 400, status, "%q", bad)
		assert.Contains(t, fields(out), "search", "%q", bad)
	}

	// the index follows renames, new admission numbers and deletes
	admin := w.as("admin")
	status, _ := admin.JSON("PATCH", path("/api/core/students/%d/", ann), map[string]any{"first_name": "Grace", "admission_no": "NEW-77"})
	require.Equal(t, 200, status)
	got, _ := w.names("?search=ann+otie")
	assert.Empty(t, got, "the old name is gone from the index")
	got, _ = w.names("?search=grace+otie")
	assert.Equal(t, []string{"Grace Otieno"}, got)
	got, _ = w.names("?search=new-7")
	assert.Equal(t, []string{"Grace Otieno"}, got)
	got, _ = w.names("?search=2024/001")
	assert.Empty(t, got)
	status, _ = admin.JSON("PATCH", path("/api/core/students/%d/", sandra), map[string]any{"status": "suspended"})
	require.Equal(t, 200, status)
	got, _ = w.names("?search=sandra")
	assert.Equal(t, []string{"Sandra Ochieng"}, got, "a status change keeps the student findable")

	never := w.student(map[string]any{"first_name": "Temporary", "last_name": "Entry", "gender": "male"})
	got, _ = w.names("?search=tempor")
	assert.Equal(t, []string{"Temporary Entry"}, got)
	status, _ = admin.JSON("DELETE", path("/api/core/students/%d/", never), nil)
	require.Equal(t, 204, status)
	got, n := w.names("?search=tempor")
	assert.Empty(t, got)
	assert.Zero(t, n)

	// with a class filter, a status filter, and as a teacher who sees only Form 1A
	got, _ = w.names(fmt.Sprintf("?search=ann&class=%d", sc.c1B))
	assert.Equal(t, []string{"Anne Okoth", "Joanna Wanjiku"}, got)
	got, _ = w.names(fmt.Sprintf("?search=ann&class=%d", sc.c1A))
	assert.Empty(t, got)
	got, _ = w.names("?search=och&status=suspended")
	assert.Equal(t, []string{"Sandra Ochieng"}, got)
	got, _ = w.names("?search=och&status=active")
	assert.Empty(t, got)
	// a search most students match is passed on as the students it leaves out
	got, n = w.names("?search=o&status=suspended")
	assert.Equal(t, []string{"Sandra Ochieng"}, got)
	assert.EqualValues(t, 1, n)
	got, _ = w.names(fmt.Sprintf("?search=o&class=%d", sc.c1A))
	assert.Empty(t, got)
	got, n = w.names("?search=o&ordering=-first_name")
	assert.Equal(t, []string{"Émile Zola", "Sandra Ochieng", "Joanna Wanjiku", "Grace Otieno", "Anne Okoth"}, got)
	assert.EqualValues(t, 5, n)
	status, out := w.as("teacher").JSON("GET", "/api/core/students/?search=ann", nil)
	require.Equal(t, 200, status)
	assert.Empty(t, results(out), "a teacher finds only their own students")
	assert.EqualValues(t, 0, out["count"])
}

// TestStudentListCountFollowsWrites: the list's total (kept by counters per status)
// matches the rows after creates, status changes, withdrawals and deletes.
func TestStudentListCountFollowsWrites(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	admin := w.as("admin")
	check := func(msg string) {
		t.Helper()
		for _, st := range []string{"", "active", "suspended", "withdrawn", "graduated"} {
			q := "?page_size=1"
			if st != "" {
				q += "&status=" + st
			}
			_, n := w.names(q)
			var want int
			w.s.WithSchool(schema, func(tn *db.Tenant) error {
				return tn.ReadDB().QueryRowContext(context.Background(),
					"SELECT count(*) FROM students WHERE ? = '' OR status = ?", st, st).Scan(&want)
			})
			assert.EqualValues(t, want, n, "%s: status %q", msg, st)
		}
	}
	check("empty school")
	a := w.student(map[string]any{"first_name": "A", "last_name": "One", "gender": "male", "class": sc.c1B})
	b := w.student(map[string]any{"first_name": "B", "last_name": "Two", "gender": "male"})
	w.student(map[string]any{"first_name": "C", "last_name": "Three", "gender": "male", "status": "suspended"})
	check("after creates")
	status, _ := admin.JSON("PATCH", path("/api/core/students/%d/", b), map[string]any{"status": "graduated"})
	require.Equal(t, 200, status)
	status, _ = admin.JSON("PATCH", path("/api/core/students/%d/", b), map[string]any{"first_name": "Bee"})
	require.Equal(t, 200, status)
	check("after a status change")
	status, _ = admin.JSON("PATCH", path("/api/core/students/%d/", a), map[string]any{"status": "withdrawn"})
	require.Equal(t, 200, status, "an enrolled student is withdrawn")
	status, _ = admin.JSON("DELETE", path("/api/core/students/%d/", b), nil)
	require.Equal(t, 204, status, "a never enrolled one is deleted")
	check("after a withdrawal and a delete")
	status, out := admin.JSON("POST", "/api/core/students/", map[string]any{"first_name": "", "last_name": "X", "gender": "male"})
	require.Equal(t, 400, status, "%v", out)
	check("after a refused create")
}

// TestStudentListPagesAgree: on a school large enough that a common search is read by
// walking the name index and a rare one by sorting its matches, every page of every
// ordering and filter holds exactly the students a plain sort of the school says.
func TestStudentListPagesAgree(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	type row struct {
		id                      int64
		no, first, middle, last string
		dob, status             string
		class                   int64
	}
	firsts := []string{"Ann", "Joanna", "Brian", "grace", "Hannah", "Mercy"}
	lasts := []string{"Wanjiku", "otieno", "Kamau", "Wanjala", "Achieng", "Barasa", "Omondi"}
	var all []row
	w.s.WithSchool(schema, func(tn *db.Tenant) error {
		return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
			for i := range 150 {
				r := row{no: fmt.Sprintf("S-%03d", (i*37)%150), first: firsts[i%len(firsts)], last: lasts[(i/3)%len(lasts)],
					dob: fmt.Sprintf("20%02d-0%d-1%d", 8+i%5, 1+i%9, i%10), status: "active"}
				if i%4 == 0 {
					r.middle = "Mary"
				}
				if i%11 == 0 {
					r.status = "suspended"
				}
				res, err := tx.Exec(`INSERT INTO students (admission_no, first_name, middle_name, last_name, gender, date_of_birth, status)
					VALUES (?, ?, ?, ?, 'female', ?, ?)`, r.no, r.first, r.middle, r.last, r.dob, r.status)
				if err != nil {
					return err
				}
				if r.id, err = res.LastInsertId(); err != nil {
					return err
				}
				if i%5 == 0 {
					r.class = sc.c1B
					if _, err := tx.Exec("INSERT INTO enrollments (student_id, class_id, session_id) VALUES (?, ?, ?)", r.id, sc.c1B, sc.session); err != nil {
						return err
					}
				}
				all = append(all, r)
			}
			return nil
		})
	})
	contains := func(r row, word string) bool {
		for _, f := range []string{r.first, r.middle, r.last, r.no} {
			if strings.Contains(strings.ToLower(f), strings.ToLower(word)) {
				return true
			}
		}
		return false
	}
	cmpName := func(a, b row) int {
		if c := strings.Compare(strings.ToLower(a.last), strings.ToLower(b.last)); c != 0 {
			return c
		}
		if c := strings.Compare(strings.ToLower(a.first), strings.ToLower(b.first)); c != 0 {
			return c
		}
		return int(a.id - b.id)
	}
	orderings := map[string]func(a, b row) int{
		"":           cmpName,
		"-last_name": func(a, b row) int { return -cmpName(a, b) },
		"first_name": func(a, b row) int {
			if c := strings.Compare(strings.ToLower(a.first), strings.ToLower(b.first)); c != 0 {
				return c
			}
			return int(a.id - b.id)
		},
		"-admission_no": func(a, b row) int { return -strings.Compare(a.no, b.no) },
		"date_of_birth": func(a, b row) int {
			if c := strings.Compare(a.dob, b.dob); c != 0 {
				return c
			}
			return int(a.id - b.id)
		},
	}
	filters := []struct {
		query string
		keep  func(r row) bool
	}{
		{"", func(row) bool { return true }},
		{"status=suspended", func(r row) bool { return r.status == "suspended" }},
		{"search=ann", func(r row) bool { return contains(r, "ann") }},                               // many: walked
		{"search=anna+wanj", func(r row) bool { return contains(r, "anna") && contains(r, "wanj") }}, // few: sorted
		{"search=wanj+a", func(r row) bool { return contains(r, "wanj") && contains(r, "a") }},       // with a short word
		{"search=ma", func(r row) bool { return contains(r, "ma") }},                                 // short words only
		{"search=mary&status=active", func(r row) bool { return contains(r, "mary") && r.status == "active" }},
		{fmt.Sprintf("class=%d", sc.c1B), func(r row) bool { return r.class == sc.c1B }},
		{fmt.Sprintf("class=%d&search=ann", sc.c1B), func(r row) bool { return r.class == sc.c1B && contains(r, "ann") }},
	}
	for _, f := range filters {
		for ord, cmp := range orderings {
			var want []string
			for _, r := range all {
				if f.keep(r) {
					want = append(want, r.no)
				}
			}
			sorted := slices.Clone(all)
			slices.SortStableFunc(sorted, cmp)
			want = want[:0]
			for _, r := range sorted {
				if f.keep(r) {
					want = append(want, r.no)
				}
			}
			query := "?" + f.query + "&ordering=" + ord + "&page_size=20"
			t.Run(query, func(t *testing.T) {
				var got []string
				for page := 1; ; page++ {
					status, out := w.as("admin").JSON("GET", fmt.Sprintf("/api/core/students/%s&page=%d", query, page), nil)
					require.Equal(t, 200, status, "%v", out)
					require.EqualValues(t, len(want), out["count"])
					nos := admissionNos(out)
					got = append(got, nos...)
					if out["next"] == nil {
						break
					}
					require.Len(t, nos, 20, "page %d", page)
				}
				assert.Equal(t, want, got)
			})
		}
	}
}

// TestStudentSearchStaysInItsSchool: two schools with students of the same names get
// each their own answers, under the same query, one after the other.
func TestStudentSearchStaysInItsSchool(t *testing.T) {
	w := newWorld(t)
	w.s.CreateSchool("beta", "Beta School")
	beta := w.s.As("beta", "admin@beta.test")
	for i := range 3 {
		w.student(map[string]any{"admission_no": fmt.Sprintf("A-%d", i), "first_name": "Alpha", "last_name": "Wanjiku", "gender": "female"})
	}
	status, out := beta.JSON("POST", "/api/core/students/", map[string]any{"admission_no": "B-1", "first_name": "Beta", "last_name": "Wanjiku", "gender": "male"})
	require.Equal(t, 201, status, "%v", out)
	for range 3 {
		for _, q := range []string{"?search=wanj", "?search=wanjiku+a", "?search=wa", ""} {
			status, a := w.as("admin").JSON("GET", "/api/core/students/"+q, nil)
			require.Equal(t, 200, status)
			assert.Equal(t, []string{"A-0", "A-1", "A-2"}, admissionNos(a), q)
			assert.EqualValues(t, 3, a["count"], q)
			status, b := beta.JSON("GET", "/api/core/students/"+q, nil)
			require.Equal(t, 200, status)
			assert.Equal(t, []string{"B-1"}, admissionNos(b), q)
			assert.EqualValues(t, 1, b["count"], q)
		}
	}
}

// TestStudentIndexesBackfilled: a school file made before the search index and the
// counters existed gets both filled in by the migration that adds them.
func TestStudentIndexesBackfilled(t *testing.T) {
	ctx := context.Background()
	data := t.TempDir()
	dir := filepath.Join(data, "tenants")
	cat, err := db.OpenCatalog(ctx, data)
	require.NoError(t, err)
	defer cat.Close()
	old := fstest.MapFS{}
	require.NoError(t, fs.WalkDir(migrations.Tenant(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || p >= "0006" {
			return err
		}
		b, err := fs.ReadFile(migrations.Tenant(), p)
		old[p] = &fstest.MapFile{Data: b}
		return err
	}))
	m, err := db.NewMigrator(old)
	require.NoError(t, err)
	require.Equal(t, uint(5), m.Latest())
	p4 := db.NewPoolWithMigrations(cat, dir, 2, m)
	inc := db.NewIncarnation()
	staged, err := p4.CreateFile(ctx, "older", inc, nil)
	require.NoError(t, err)
	require.NoError(t, cat.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.CreateTenant(ctx, catalogdb.CreateTenantParams{SchemaName: "older", Name: "Older", Incarnation: inc})
		return err
	}))
	require.NoError(t, p4.Install(staged, "older"))
	// rows written under the older schema
	require.NoError(t, p4.WithTenant(ctx, "older", func(tn *db.Tenant) error {
		return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO students (admission_no, first_name, last_name, gender, status) VALUES
				('A-1', 'Ann', 'Otieno', 'female', 'active'), ('A-2', 'Zawadi', 'Otieno', 'female', 'suspended'),
				('A-3', 'Brian', 'Kamau', 'male', 'active')`)
			return err
		})
	}))
	require.NoError(t, p4.Close())

	pool, err := db.NewPool(cat, dir, 2)
	require.NoError(t, err)
	defer pool.Close()
	require.NoError(t, pool.WithTenant(ctx, "older", func(tn *db.Tenant) error {
		svc := students.New(tn)
		page := query.Page{Number: 1, Size: 50}
		list, n, err := svc.ListStudents(ctx, students.Viewer{}, students.StudentFilter{Search: "otie"}, page)
		require.NoError(t, err)
		require.EqualValues(t, 2, n)
		assert.Equal(t, "Ann", list[0].FirstName)
		assert.Equal(t, "Zawadi", list[1].FirstName)
		_, n, err = svc.ListStudents(ctx, students.Viewer{}, students.StudentFilter{}, page)
		require.NoError(t, err)
		assert.EqualValues(t, 3, n)
		_, n, err = svc.ListStudents(ctx, students.Viewer{}, students.StudentFilter{Status: "suspended"}, page)
		require.NoError(t, err)
		assert.EqualValues(t, 1, n)
		return nil
	}))
}

// TestStudentJSON: the list's JSON, made by SQLite, is the JSON of the Student the
// service returns, whatever the text holds.
func TestStudentJSON(t *testing.T) {
	w := newWorld(t)
	sc := w.school()
	w.student(map[string]any{"first_name": "Zoë", "middle_name": "Ñúñez", "last_name": "O'Brien \"Jr\"", "gender": "female",
		"date_of_birth": "2012-02-29", "address": "Line 1\nLine 2\t<b>&amp;</b> \\ end", "medical_notes": "🙂 asthma",
		"nationality": "Kenyan", "home_language": "Swahili", "class": sc.c1B})
	w.student(map[string]any{"first_name": "No", "last_name": "Class", "gender": "male"})
	w.exec(`INSERT INTO students (admission_no, first_name, last_name, gender, address) VALUES ('RAW-1', 'Bro' || char(1) || 'ken', ?, 'other', ?)`,
		"Bad\xffByte", "tab\there \u2028 end")
	status, hdr, body := w.as("admin").Do("GET", "/api/core/students/?page_size=2", "", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "application/json", hdr.Get("Content-Type"))
	assert.True(t, json.Valid(body) && utf8.Valid(body), "%s", body)
	var page struct {
		Count    int64            `json:"count"`
		Next     *string          `json:"next"`
		Previous *string          `json:"previous"`
		Results  []map[string]any `json:"results"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	assert.EqualValues(t, 3, page.Count)
	assert.Len(t, page.Results, 2)
	assert.Contains(t, *page.Next, "page=2")
	assert.Nil(t, page.Previous)

	ctx := context.Background()
	w.s.WithSchool(schema, func(tn *db.Tenant) error {
		svc := students.New(tn)
		desc, err := students.StudentOrdering.Parse("-admission_no")
		require.NoError(t, err)
		for _, f := range []students.StudentFilter{{}, {Search: "zoë"}, {Class: sc.c1B}, {Order: desc}} {
			page := query.Page{Number: 1, Size: 50}
			list, n, err := svc.ListStudents(ctx, students.Viewer{}, f, page)
			require.NoError(t, err)
			raw, m, err := svc.ListStudentsJSON(ctx, students.Viewer{}, f, page)
			require.NoError(t, err)
			require.Equal(t, n, m)
			require.Len(t, raw, len(list))
			require.NotEmpty(t, list)
			for i := range list {
				want, err := json.Marshal(list[i])
				require.NoError(t, err)
				assert.True(t, utf8.Valid(raw[i]) && json.Valid(raw[i]), "%s", raw[i])
				assert.JSONEq(t, string(want), string(raw[i]))
			}
		}
		return nil
	})
}
