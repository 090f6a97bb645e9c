package query_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/catalogdb"
	"github.com/schoolsms/sms/db/tenantdb"
)

// school makes a real school file (with the real migrations) in a fresh data dir.
func school(t *testing.T) *db.Tenant {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	cat, err := db.OpenCatalog(ctx, dir)
	require.NoError(t, err)
	t.Cleanup(func() { cat.Close() })
	pool, err := db.NewPool(cat, filepath.Join(dir, "tenants"), 2)
	require.NoError(t, err)
	t.Cleanup(func() { pool.Close() })
	inc := db.NewIncarnation()
	staged, err := pool.CreateFile(ctx, "alpha", inc, func(q *tenantdb.Queries) error {
		_, err := q.UpsertSchoolProfile(ctx, tenantdb.UpsertSchoolProfileParams{Name: "Alpha", Timezone: "UTC"})
		return err
	})
	require.NoError(t, err)
	require.NoError(t, cat.Tx(ctx, func(q *catalogdb.Queries) error {
		_, err := q.CreateTenant(ctx, catalogdb.CreateTenantParams{SchemaName: "alpha", Name: "Alpha", Incarnation: inc})
		return err
	}))
	require.NoError(t, pool.Install(staged, "alpha"))
	tn, release, err := pool.Acquire(ctx, "alpha")
	require.NoError(t, err)
	t.Cleanup(release)
	return tn
}

func exec(t *testing.T, tn *db.Tenant, q string, args ...any) error {
	t.Helper()
	return tn.Tx(context.Background(), func(_ *tenantdb.Queries, tx *sql.Tx) error {
		_, err := tx.ExecContext(context.Background(), q, args...)
		return err
	})
}

type subject struct {
	ID   int64
	Code string
	Name string
}

var subjects = query.View[subject]{
	Cols: "id, code, name",
	From: "subjects",
	ID:   "id",
	Scan: func(r query.Scanner) (subject, error) {
		var s subject
		err := r.Scan(&s.ID, &s.Code, &s.Name)
		return s, err
	},
}

var subjectOrdering = query.NewOrdering(map[string]string{"code": "code", "name": "name COLLATE NOCASE"}, "name")

func seedSubjects(t *testing.T, tn *db.Tenant, rows ...[2]string) {
	t.Helper()
	for _, r := range rows {
		require.NoError(t, exec(t, tn, "INSERT INTO subjects (code, name) VALUES (?, ?)", r[0], r[1]))
	}
}

func codes(rows []subject) []string {
	out := []string{}
	for _, r := range rows {
		out = append(out, r.Code)
	}
	return out
}

// TestSearchEveryWord: every word must be found in one of the columns (any of them, in
// any case); LIKE's wildcards in a search are plain characters.
func TestSearchEveryWord(t *testing.T) {
	tn := school(t)
	seedSubjects(t, tn,
		[2]string{"MATH", "Mathematics"},
		[2]string{"PHY", "Physical Science"},
		[2]string{"CHEM", "Chemistry Science"},
		[2]string{"PCT", "100% Practical"},
		[2]string{"A_B", "Arts and Business"},
		[2]string{"AXB", "Arts extra Business"},
	)
	ctx := context.Background()
	cases := []struct {
		search string
		want   []string
	}{
		{"", []string{"PCT", "A_B", "AXB", "CHEM", "MATH", "PHY"}},
		{"science", []string{"CHEM", "PHY"}},
		{"sci chem", []string{"CHEM"}},              // both words, one row
		{"phy   SCIENCE", []string{"PHY"}},          // a word may match the code, another the name
		{"math chem", []string{}},                   // no row has both
		{"100%", []string{"PCT"}},                   // % is a character, not a wildcard
		{"%", []string{"PCT"}},                      // ... even alone
		{"a_b", []string{"A_B"}},                    // _ is a character too
		{`\`, []string{}},                           // the escape character is escaped as well
		{"b a i n e s s s", []string{"A_B", "AXB"}}, // repeated words each match
	}
	for _, tc := range cases {
		var w query.Where
		w.Search(tc.search, "code", "name")
		rows, n, err := subjects.List(ctx, tn, w, subjectOrdering.Default(), query.Page{})
		require.NoError(t, err, tc.search)
		assert.Equal(t, tc.want, codes(rows), "search %q", tc.search)
		assert.EqualValues(t, len(tc.want), n, "search %q", tc.search)
	}

	var w query.Where
	w.Search("a b c d e f g h i j zzz", "code", "name")
	assert.Equal(t, query.MaxSearchWords, w.Len(), "words past the limit are ignored")
}

func TestWhere(t *testing.T) {
	var w query.Where
	assert.Equal(t, "", w.SQL())
	assert.Equal(t, "1", w.Expr())
	w.Add("a = ?", 1)
	var o query.Where
	o.Add("b IN (?, ?)", 2, 3)
	w.And(o)
	assert.Equal(t, " WHERE a = ? AND b IN (?, ?)", w.SQL())
	assert.Equal(t, []any{1, 2, 3}, w.Args())
	args := append(w.Args(), 4)
	w.Add("c = ?", 5)
	assert.Equal(t, []any{1, 2, 3, 4}, args, "appending to Args does not write into the builder")
	assert.Equal(t, []any{1, 2, 3, 5}, w.Args())
}

func TestOrdering(t *testing.T) {
	o := query.NewOrdering(map[string]string{"name": "s.name COLLATE NOCASE", "start": "s.start_date", "id": "s.id"}, "-start")
	assert.Equal(t, []string{"id", "name", "start"}, o.Names())
	assert.Equal(t, "s.start_date DESC", o.Default().SQL())
	assert.Equal(t, "s.start_date DESC, s.id DESC", o.Default().By("s.id"))

	got, err := o.Parse("")
	require.NoError(t, err)
	assert.True(t, got.IsZero(), "blank is the default")
	assert.Equal(t, "-start", got.Or(o.Default()).String())

	got, err = o.Parse(" name , -start")
	require.NoError(t, err)
	assert.Equal(t, "s.name COLLATE NOCASE ASC, s.start_date DESC", got.SQL())
	assert.Equal(t, "s.name COLLATE NOCASE ASC, s.start_date DESC, s.id DESC", got.By("s.id"))
	assert.Equal(t, "name,-start", got.String())
	assert.Equal(t, []query.Term{{Field: "name", SQL: "s.name COLLATE NOCASE"}, {Field: "start", SQL: "s.start_date", Desc: true}}, got.Terms())

	for _, bad := range []string{"password", "name;DROP TABLE students", "s.name", "name,", "--name", "-"} {
		_, err := o.Parse(bad)
		var e *errs.Error
		if assert.ErrorAs(t, err, &e, bad) {
			assert.Equal(t, errs.Invalid, e.Code)
			assert.Contains(t, e.Fields, "ordering", bad)
			assert.Contains(t, e.Fields["ordering"], "id, name, start")
		}
	}

	assert.Panics(t, func() { query.NewOrdering(map[string]string{"a": "a"}, "b") }, "a default outside the whitelist")
	assert.Panics(t, func() { query.NewOrdering(map[string]string{"a": "a"}, "") }, "no default")
}

// TestListPagesAndOrders: the page's rows in order with the id as the last tie-break,
// the total of every matching row, and an empty page past the end.
func TestListPagesAndOrders(t *testing.T) {
	tn := school(t)
	ctx := context.Background()
	for i := 1; i <= 7; i++ {
		seedSubjects(t, tn, [2]string{fmt.Sprintf("S%d", i), []string{"Beta", "Alpha"}[i%2]})
	}
	byName, err := subjectOrdering.Parse("name")
	require.NoError(t, err)
	rows, n, err := subjects.List(ctx, tn, query.Where{}, byName, query.Page{Number: 1, Size: 3})
	require.NoError(t, err)
	assert.EqualValues(t, 7, n)
	assert.Equal(t, []string{"S1", "S3", "S5"}, codes(rows), "ties in name come by id")

	desc, err := subjectOrdering.Parse("-name")
	require.NoError(t, err)
	rows, _, err = subjects.List(ctx, tn, query.Where{}, desc, query.Page{Number: 2, Size: 3})
	require.NoError(t, err)
	assert.Equal(t, []string{"S7", "S5", "S3"}, codes(rows), "descending, ids descending")

	rows, n, err = subjects.List(ctx, tn, query.Where{}, byName, query.Page{Number: 4, Size: 3})
	require.NoError(t, err)
	assert.EqualValues(t, 7, n)
	assert.Empty(t, rows)
	assert.NotNil(t, rows, "an empty page is an empty list, not null")

	one, err := subjects.Get(ctx, tn.ReadDB(), rows0(t, tn))
	require.NoError(t, err)
	assert.Equal(t, "S1", one.Code)
	_, err = subjects.Get(ctx, tn.ReadDB(), 999)
	assert.ErrorIs(t, err, sql.ErrNoRows)
}

func rows0(t *testing.T, tn *db.Tenant) int64 {
	t.Helper()
	var id int64
	require.NoError(t, tn.ReadDB().QueryRowContext(context.Background(), "SELECT id FROM subjects WHERE code = 'S1'").Scan(&id))
	return id
}

// writeBeforePage is a reader that lets another connection add a subject after the
// count and before the page is read.
type writeBeforePage struct {
	query.Queryer
	write func()
}

func (w writeBeforePage) QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	w.write()
	return w.Queryer.QueryContext(ctx, q, args...)
}

// TestListTotalAndPageAgree: in one read transaction a write that commits between the
// count and the page is in neither; read outside one, the page has a row the total
// does not count.
func TestListTotalAndPageAgree(t *testing.T) {
	tn := school(t)
	ctx := context.Background()
	seedSubjects(t, tn, [2]string{"A", "A"}, [2]string{"B", "B"})
	n := 0
	add := func() {
		n++
		require.NoError(t, exec(t, tn, "INSERT INTO subjects (code, name) VALUES (?, 'added')", fmt.Sprintf("X%d", n)))
	}
	var rows []subject
	var total int64
	require.NoError(t, tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) (err error) {
		rows, total, err = subjects.ListIn(ctx, writeBeforePage{d, add}, query.Where{}, query.Order{}, query.Page{})
		return err
	}))
	assert.EqualValues(t, 2, total)
	assert.Len(t, rows, 2, "the page is of the same snapshot as the total")

	rows, total, err := subjects.ListIn(ctx, writeBeforePage{tn.ReadDB(), add}, query.Where{}, query.Order{}, query.Page{})
	require.NoError(t, err)
	assert.EqualValues(t, 3, total)
	assert.Len(t, rows, 4, "without a transaction the two reads see different schools")
}

// TestConstraintsByCode: constraint failures SQLite reports are told apart by their
// result codes.
func TestConstraintsByCode(t *testing.T) {
	tn := school(t)
	seedSubjects(t, tn, [2]string{"MATH", "Mathematics"})
	var id int64
	require.NoError(t, tn.ReadDB().QueryRowContext(context.Background(), "SELECT id FROM subjects").Scan(&id))

	dupCode := exec(t, tn, "INSERT INTO subjects (code, name) VALUES ('math', 'Again')")
	dupKey := exec(t, tn, "INSERT INTO subjects (id, code, name) VALUES (?, 'OTHER', 'Other')", id)
	fk := exec(t, tn, "INSERT INTO classes (form_id, session_id, name) VALUES (98, 99, '1A')")
	notNull := exec(t, tn, "INSERT INTO subjects (code, name) VALUES (NULL, 'x')")
	check := exec(t, tn, "INSERT INTO forms (name, level) VALUES ('F', 1); INSERT INTO sessions_missing VALUES (1)")
	for _, err := range []error{dupCode, dupKey, fk, notNull, check} {
		require.Error(t, err)
	}

	assert.True(t, query.IsUnique(dupCode), "UNIQUE")
	assert.True(t, query.IsUnique(dupKey), "PRIMARY KEY")
	assert.True(t, query.IsForeignKey(fk))
	for name, err := range map[string]error{"not null": notNull, "no table": check, "plain": errors.New("UNIQUE constraint failed: subjects.code"), "nil": nil} {
		assert.False(t, query.IsUnique(err), name)
		assert.False(t, query.IsForeignKey(err), name)
	}
	assert.False(t, query.IsUnique(fk))
	assert.False(t, query.IsForeignKey(dupCode))
	assert.True(t, query.IsUnique(fmt.Errorf("create: %w", dupCode)), "wrapped")

	conflicts := query.Conflicts{"subjects.code": {Field: "code", Message: "another subject already has this code"}}
	e := errs.As(conflicts.Check(dupCode))
	assert.Equal(t, errs.Conflict, e.Code)
	assert.Equal(t, map[string]string{"code": "another subject already has this code"}, e.Fields)
	e = errs.As(conflicts.Check(dupKey))
	assert.Equal(t, errs.Conflict, e.Code, "a unique failure of another constraint")
	assert.Empty(t, e.Fields)
	e = errs.As(conflicts.Check(fk))
	assert.Equal(t, errs.Conflict, e.Code)
	assert.Contains(t, e.Message, "refer")
	assert.Equal(t, notNull, conflicts.Check(notNull), "other failures pass unchanged")
	assert.NoError(t, conflicts.Check(nil))
}

func TestPage(t *testing.T) {
	assert.Equal(t, query.Page{Number: 1, Size: query.DefaultPageSize}, query.Page{}.Norm())
	assert.Equal(t, query.Page{Number: query.MaxPage, Size: query.MaxPageSize}, query.Page{Number: 1 << 62, Size: 1 << 40}.Norm())
	assert.EqualValues(t, 0, query.Page{}.Offset())
	assert.EqualValues(t, (query.MaxPage-1)*query.MaxPageSize, query.Page{Number: query.MaxPage, Size: query.MaxPageSize}.Offset())
	all := []int{1, 2, 3, 4, 5}
	assert.Equal(t, []int{3, 4}, query.Slice(all, query.Page{Number: 2, Size: 2}))
	assert.Equal(t, []int{5}, query.Slice(all, query.Page{Number: 3, Size: 2}))
	assert.Empty(t, query.Slice(all, query.Page{Number: 9, Size: 2}))
}
