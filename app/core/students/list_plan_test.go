package students

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// openPlanSchool opens a migrated, empty school file: SQLite plans a query from the
// schema alone until ANALYZE has run, so the plans here are the plans of any school.
func openPlanSchool(t testing.TB) *db.Tenant {
	t.Helper()
	tn, _ := openPlanSchoolAt(t)
	return tn
}

// openPlanSchoolAt is openPlanSchool that also returns the path of the school's file.
func openPlanSchoolAt(t testing.TB) (*db.Tenant, string) {
	t.Helper()
	ctx := context.Background()
	data := t.TempDir()
	cat, err := db.OpenCatalog(ctx, data)
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	p, err := db.NewPool(cat, filepath.Join(data, "tenants"), 2)
	require.NoError(t, err)
	t.Cleanup(func() { p.Close() })
	inc := db.NewIncarnation()
	staged, err := p.CreateFile(ctx, "plans", inc, nil)
	require.NoError(t, err)
	require.NoError(t, cat.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.CreateTenant(ctx, catalogdb.CreateTenantParams{SchemaName: "plans", Name: "Plans", Incarnation: inc})
		return err
	}))
	require.NoError(t, p.Install(staged, "plans"))
	tn, release, err := p.Acquire(ctx, "plans")
	require.NoError(t, err)
	t.Cleanup(release)
	return tn, filepath.Join(data, "tenants", "plans.db")
}

func plan(t *testing.T, tn *db.Tenant, query string, args ...any) string {
	t.Helper()
	rows, err := tn.ReadDB().QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+query, args...)
	require.NoError(t, err)
	defer rows.Close()
	var b strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		require.NoError(t, rows.Scan(&id, &parent, &unused, &detail))
		fmt.Fprintf(&b, "%d/%d %s\n", id, parent, detail)
	}
	require.NoError(t, rows.Err())
	return b.String()
}

// innerPlan is the plan of the page's ids: the part of the plan before the outer query
// reads them back (the outer sort orders only the page's own rows).
func innerPlan(full string) string {
	inner, _, _ := strings.Cut(full, " SCAN p\n")
	return inner
}

// TestStudentListPlans checks that a page of every common list is read through an index
// in the list's order (no sort of the school), and that narrowed lists start from
// their index: the search's matches, a class's enrollments, a teacher's classes.
func TestStudentListPlans(t *testing.T) {
	tn := openPlanSchool(t)
	page := query.Page{Number: 1, Size: 50}
	walk, sort := true, false
	cases := []struct {
		name     string
		f        StudentFilter
		v        Viewer
		walk     bool
		uses     []string // what the plan of the page's ids must contain
		noSort   bool     // and that it needs no sort
		countUse string   // what the plan of the count must contain, when it counts rows
	}{
		{name: "default order", uses: []string{"SCAN s USING COVERING INDEX students_name"}, noSort: true},
		{name: "status", f: StudentFilter{Status: "active"},
			uses: []string{"SEARCH s USING COVERING INDEX students_status_name (status=?)"}, noSort: true},
		{name: "by last name, descending", f: StudentFilter{Order: order(t, "-last_name")},
			uses: []string{"SCAN s USING COVERING INDEX students_name"}, noSort: true},
		{name: "by first name", f: StudentFilter{Order: order(t, "first_name")},
			uses: []string{"SCAN s USING COVERING INDEX students_first_name"}, noSort: true},
		{name: "by admission number, descending", f: StudentFilter{Order: order(t, "-admission_no")},
			uses: []string{"SCAN s USING COVERING INDEX sqlite_autoindex_students_1"}, noSort: true},
		{name: "by date of birth", f: StudentFilter{Order: order(t, "date_of_birth")},
			uses: []string{"SCAN s USING COVERING INDEX students_date_of_birth"}, noSort: true},
		{name: "newest first", f: StudentFilter{Order: order(t, "-created_at")},
			uses: []string{"SCAN s USING COVERING INDEX students_created_at"}, noSort: true},
		{name: "by two fields", f: StudentFilter{Order: order(t, "first_name,-last_name")},
			uses: []string{"SCAN s"}},
		{name: "search, few matches", f: StudentFilter{Search: "ann wanj"}, walk: sort,
			uses: []string{"SEARCH s USING INTEGER PRIMARY KEY", "SCAN json_each VIRTUAL TABLE"}},
		{name: "search, many matches", f: StudentFilter{Search: "ann"}, walk: walk,
			uses: []string{"SCAN s USING COVERING INDEX students_name", "SCAN json_each VIRTUAL TABLE"}, noSort: true},
		{name: "search and status", f: StudentFilter{Search: "ann wanj", Status: "active"}, walk: sort,
			uses:     []string{"SEARCH s USING INTEGER PRIMARY KEY", "SCAN json_each VIRTUAL TABLE"},
			countUse: "SEARCH s USING INTEGER PRIMARY KEY"},
		{name: "search with a short word", f: StudentFilter{Search: "wanj an"}, walk: sort,
			uses:     []string{"SEARCH s USING INTEGER PRIMARY KEY", "SCAN json_each VIRTUAL TABLE"},
			countUse: "SEARCH s USING INTEGER PRIMARY KEY"},
		{name: "class", f: StudentFilter{Class: 3}, walk: sort,
			uses: []string{"SEARCH s USING INTEGER PRIMARY KEY", "SEARCH fe USING INDEX enrollments_class_status (class_id=?)"}},
		{name: "form", f: StudentFilter{Form: 2}, walk: walk,
			uses: []string{"SCAN s USING COVERING INDEX students_name", "SEARCH fc USING COVERING INDEX classes_form (form_id=?)"}, noSort: true},
		{name: "teacher", v: Viewer{TeacherID: 5}, walk: sort,
			uses: []string{"SEARCH s USING INTEGER PRIMARY KEY", "SEARCH ve USING INDEX enrollments_class_status (class_id=?)",
				"SEARCH vc USING COVERING INDEX classes_class_teacher (class_teacher_id=?)"}},
		{name: "teacher, status and class", v: Viewer{TeacherID: 5}, f: StudentFilter{Class: 3, Status: "active"}, walk: sort,
			uses:     []string{"SEARCH s USING INTEGER PRIMARY KEY", "SEARCH ve USING INDEX enrollments_class_status (class_id=?)"},
			countUse: "SEARCH s USING INTEGER PRIMARY KEY"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			l := c.f.list(c.v, 1)
			require.NoError(t, tn.ReadTx(context.Background(), func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
				return l.search(context.Background(), tn, d, c.f.Order, nil)
			}))
			order, indexed := orderBy(c.f.Order)
			require.Equal(t, c.noSort, indexed && (c.walk || len(l.sets) == 0))
			q, args := jsonPageQuery(l, order, c.walk, 1, page)
			full := plan(t, tn, q, args...)
			inner := innerPlan(full)
			require.NotContains(t, strings.TrimPrefix(full, inner), "TEMP B-TREE", "the page's rows come in order")
			for _, u := range c.uses {
				require.Contains(t, inner, u)
			}
			if c.noSort {
				require.NotContains(t, inner, "TEMP B-TREE", "the page is an index walk")
			}
			if c.countUse != "" {
				w := l.where(false)
				require.Contains(t, plan(t, tn, "SELECT count(*) FROM students s"+w.SQL(), w.Args()...), c.countUse)
			}
			require.NotContains(t, inner, "SCAN ve", "never reads every enrollment")
			require.NotContains(t, inner, "SCAN s\n", "never reads every student")
		})
	}
}

func TestWalkOrLeadWithTheSet(t *testing.T) {
	first := query.Page{Number: 1, Size: 50}
	cases := []struct {
		n, total int64
		page     query.Page
		walk     bool
	}{
		{n: 40, total: 20000, page: first, walk: false},                             // a class
		{n: 93, total: 20000, page: first, walk: false},                             // a two-word name
		{n: 910, total: 20000, page: first, walk: true},                             // a common first name
		{n: 5000, total: 20000, page: first, walk: true},                            // a form
		{n: 3, total: 5, page: first, walk: true},                                   // a rare status: the walk is short
		{n: 910, total: 20000, page: query.Page{Number: 18, Size: 50}, walk: false}, // deep pages walk far
		{n: 0, total: 20000, page: first, walk: false},
	}
	for _, c := range cases {
		require.Equal(t, c.walk, walks(c.n, c.total, c.page), "%d of %d, page %d", c.n, c.total, c.page.Number)
	}
}

// order parses a client's ordering of the student list.
func order(t *testing.T, raw string) query.Order {
	t.Helper()
	o, err := StudentOrdering.Parse(raw)
	require.NoError(t, err)
	return o
}
