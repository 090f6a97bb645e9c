package query_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	_ "github.com/schoolsms/sms/db" // the SQLite driver
)

// FuzzSearch: whatever is typed into a search box, the query runs, and it returns
// exactly the rows in which every word is found (LIKE's wildcards taken literally,
// ASCII case ignored as SQLite does; bytes that are not UTF-8 match nothing).
func FuzzSearch(f *testing.F) {
	names := [][2]string{{"Achieng", "Otieno"}, {"50%", "off"}, {"a_b", `back\slash`}, {"O'Neil", "Ünal"}, {"", "Kamau"}}
	d, err := sql.Open("sqlite", ":memory:")
	if err != nil {
		f.Fatal(err)
	}
	d.SetMaxOpenConns(1)
	f.Cleanup(func() { d.Close() })
	ctx := context.Background()
	if _, err := d.ExecContext(ctx, "CREATE TABLE p(first TEXT NOT NULL, last TEXT NOT NULL)"); err != nil {
		f.Fatal(err)
	}
	for _, n := range names {
		if _, err := d.ExecContext(ctx, "INSERT INTO p VALUES (?, ?)", n[0], n[1]); err != nil {
			f.Fatal(err)
		}
	}
	for _, s := range []string{"ach", "50%", "a_b", `\`, "%", "_", "o'neil", "ü", "kamau otieno", "' OR 1=1 --", "ACH ien"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		var w query.Where
		w.Search(text, "first", "last")
		rows, err := d.QueryContext(ctx, "SELECT first, last FROM p WHERE "+w.Expr(), w.Args()...)
		if err != nil {
			t.Fatalf("search %q: %v", text, err)
		}
		got := map[[2]string]bool{}
		for rows.Next() {
			var n [2]string
			if err := rows.Scan(&n[0], &n[1]); err != nil {
				t.Fatal(err)
			}
			got[n] = true
		}
		rows.Close()
		for _, n := range names {
			want := true
			for _, word := range query.Words(text) {
				// Words are UTF-8 (bad bytes become U+FFFD) and so is stored text, so
				// SQLite's character-wise LIKE is a byte substring test here.
				want = want && (asciiContains(n[0], word) || asciiContains(n[1], word))
			}
			if got[n] != want {
				t.Fatalf("search %q: row %q found=%v, want %v", text, n, got[n], want)
			}
		}
	})
}

func asciiContains(s, sub string) bool { return strings.Contains(asciiLower(s), asciiLower(sub)) }

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// FuzzOrderingParse: a client's ordering becomes SQL made only of the whitelist's
// expressions, or an error that names the ordering parameter.
func FuzzOrderingParse(f *testing.F) {
	fields := map[string]string{"name": "s.last_name", "admitted": "s.admitted_on", "id": "s.id"}
	o := query.NewOrdering(fields, "name")
	for _, s := range []string{"name", "-admitted,name", "name;DROP TABLE s", " -id , name ", ",", "--name", "NAME", "s.id"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		ord, err := o.Parse(raw)
		if err != nil {
			e := errs.As(err)
			if e == nil || e.Code != errs.Invalid || e.Fields["ordering"] == "" {
				t.Fatalf("Parse(%q) error %v does not name ordering", raw, err)
			}
			return
		}
		for _, term := range ord.Terms() {
			if fields[term.Field] != term.SQL {
				t.Fatalf("Parse(%q) made term %+v outside the whitelist", raw, term)
			}
		}
		left := ord.SQL()
		for _, expr := range []string{"s.last_name", "s.admitted_on", "s.id", " DESC", " ASC", ", "} {
			left = strings.ReplaceAll(left, expr, "")
		}
		if left != "" {
			t.Fatalf("Parse(%q).SQL() = %q has %q from elsewhere", raw, ord.SQL(), left)
		}
	})
}
