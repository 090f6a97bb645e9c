package students

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
	"unicode"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
	"github.com/schoolsms/sms/db/tenantdb"
)

// TestSearchAnswersForItsSnapshot: the names a school keeps in memory answer a search
// only for the transaction whose snapshot they were read in. A transaction that began
// before a rename finds the old name, one after it the new, whichever read the names
// last; and names read inside a write transaction that rolled back are never used.
func TestSearchAnswersForItsSnapshot(t *testing.T) {
	ctx := context.Background()
	tn, path := openPlanSchoolAt(t)
	write := func(q string) {
		t.Helper()
		require.NoError(t, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, q)
			return err
		}))
	}
	search := func(d tenantdb.DBTX, words ...string) []int64 {
		t.Helper()
		m, err := searchStudents(ctx, tn, d, words)
		require.NoError(t, err)
		return orNil(m.ids())
	}
	now := func(words ...string) (ids []int64) {
		t.Helper()
		require.NoError(t, tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
			ids = search(d, words...)
			return nil
		}))
		return ids
	}

	require.Empty(t, now("ann"), "a school without students")
	write(`INSERT INTO students (id, admission_no, first_name, last_name, gender) VALUES
		(7, 'A-7', 'Ann', 'Otieno', 'female'), (9, 'A-9', 'Brian', 'Kamau', 'male')`)
	require.Equal(t, []int64{7}, now("ann"))

	// a transaction on its own connection, its snapshot taken before the rename
	other, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	require.NoError(t, err)
	defer other.Close()
	before, err := other.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	require.NoError(t, err)
	defer before.Rollback()
	require.Equal(t, []int64{7}, search(before, "ann", "otie"))

	write(`UPDATE students SET first_name = 'Grace' WHERE id = 7`)
	require.Equal(t, []int64{7}, now("grace"))
	require.Empty(t, now("ann"))
	require.Equal(t, []int64{7}, search(before, "ann"), "the older snapshot still has Ann")
	require.Empty(t, search(before, "grace"))
	require.Equal(t, []int64{7}, now("grace"), "and the newer one Grace again")

	// names read in a write transaction that rolls back
	rollback := errors.New("roll back")
	err = tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE students SET first_name = 'Zed' WHERE id = 7`); err != nil {
			return err
		}
		require.Equal(t, []int64{7}, search(tx, "zed"))
		return rollback
	})
	require.ErrorIs(t, err, rollback)
	require.Empty(t, now("zed"))
	require.Equal(t, []int64{7}, now("grace"))

	// every change to what a search reads: a new student, a new admission number, a
	// deletion; a change to anything else keeps the names
	write(`INSERT INTO students (id, admission_no, first_name, last_name, gender) VALUES (11, 'A-11', 'Annet', 'Zola', 'female')`)
	require.Equal(t, []int64{11}, now("ann"))
	write(`UPDATE students SET admission_no = 'NEW-1' WHERE id = 9`)
	require.Equal(t, []int64{9}, now("new-"))
	require.Empty(t, now("a-9"))
	write(`DELETE FROM students WHERE id = 11`)
	require.Empty(t, now("ann"))
	c := tn.Memo(namesKey{}, nil).(*namesCache)
	kept := c.latest.Load()
	write(`UPDATE students SET address = 'Kisumu', status = 'suspended' WHERE id = 9`)
	require.Equal(t, []int64{9}, now("kamau"))
	require.Same(t, kept, c.latest.Load(), "the names were not read again")
}

// TestSearchNamesMatch: every word, case folded, inside one field of a student; words
// shorter than a trigram are read in every student's text.
func TestSearchNamesMatch(t *testing.T) {
	n := &names{grams: map[uint32][]int32{}}
	var text strings.Builder
	for i, fields := range []string{
		"ann\x1f\x1fotieno\x1fadm/2024/001",
		"joanna\x1f\x1fwanjiku\x1fadm/2024/002",
		"émile\x1fİbrahim\x1fzola\x1fx_5",
		"li\x1f\x1fna\x1fadm/2025/004",
	} {
		fields = strings.ToLower(fields) // as readNames folds them
		text.WriteString(fields)
		n.add(int64(10*(i+1)), fields, int32(text.Len()))
	}
	n.text = text.String()
	cases := []struct {
		words []string
		want  []int64
	}{
		{[]string{"ANN", "otie"}, []int64{10}},
		{[]string{"ann"}, []int64{10, 20}},
		{[]string{"an", "wanj"}, []int64{20}}, // a short word beside a long one
		{[]string{"a"}, []int64{10, 20, 30, 40}},
		{[]string{"ÉMILE"}, []int64{30}},
		{[]string{"ibrahim"}, []int64{30}}, // İ folds to i
		{[]string{"annotieno"}, nil},       // a word does not run across two fields
		{[]string{"ann", "zzz"}, nil},      // one word missing
		{[]string{"2024/00", "jo"}, []int64{20}},
		{[]string{"x_5"}, []int64{30}},
		{[]string{"\x1f"}, nil},
	}
	for _, c := range cases {
		m := n.match(c.words)
		require.Equal(t, c.want, orNil(m.ids()), "%q", c.words)
		require.ElementsMatch(t, n.ids, append(m.others(), m.ids()...), "%q: the others are every other student", c.words)
	}
}

// TestSearchNamesStayWithTheOpenFile: each open school file keeps its own names, and a
// school file opened again reads them again.
func TestSearchNamesStayWithTheOpenFile(t *testing.T) {
	a, b := openPlanSchool(t), openPlanSchool(t)
	ctx := context.Background()
	for i, tn := range []*db.Tenant{a, b} {
		require.NoError(t, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
			_, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO students (id, admission_no, first_name, last_name, gender)
				VALUES (%d, 'A-1', 'Wanjiku', 'Otieno', 'female')`, i+1))
			return err
		}))
	}
	for range 2 {
		for i, tn := range []*db.Tenant{a, b} {
			require.NoError(t, tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
				m, err := searchStudents(ctx, tn, d, []string{"wanj"})
				require.Equal(t, []int64{int64(i + 1)}, m.ids())
				return err
			}))
		}
	}
	require.NotSame(t, a.Memo(namesKey{}, nil), b.Memo(namesKey{}, nil))
}

// BenchmarkSearchNames: reading a school's names (the first search after a change) and
// a two-word search of them, at 2,000 and 20,000 students.
func BenchmarkSearchNames(b *testing.B) {
	for _, size := range []int{2000, 20000} {
		b.Run(fmt.Sprintf("students=%d", size), func(b *testing.B) {
			ctx := context.Background()
			tn := openPlanSchool(b)
			require.NoError(b, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
					INSERT INTO students (admission_no, first_name, middle_name, last_name, gender)
					SELECT printf('ADM/%05d', i),
						json_extract('["Achieng","Brian","Wanjiru","Kevin","Faith","Ann","Mercy","Hassan","Amina","Joseph"]', printf('$[%d]', i % 10)),
						CASE WHEN i % 3 = 0 THEN 'Mary' ELSE '' END,
						json_extract('["Abdi","Kamau","Mwangi","Ochieng","Wanjala","Njoroge","Kiptoo","Mutua","Omondi","Barasa","Kariuki"]', printf('$[%d]', i % 11)),
						'female' FROM n`, size)
				return err
			}))
			var n *names
			b.Run("read", func(b *testing.B) {
				for b.Loop() {
					require.NoError(b, tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) (err error) {
						n, err = readNames(ctx, d)
						return err
					}))
				}
			})
			b.Run("match", func(b *testing.B) {
				var m matches
				for b.Loop() {
					m = n.match([]string{"achieng", "abd"})
				}
				b.ReportMetric(float64(len(m.found)), "matches")
			})
		})
	}
}

func orNil(ids []int64) []int64 {
	if len(ids) == 0 {
		return nil
	}
	return ids
}

// TestSearchAgreesWithItsReadsUnderWrites: searches running beside renames each find
// what the rest of their own read transaction sees.
func TestSearchAgreesWithItsReadsUnderWrites(t *testing.T) {
	ctx := context.Background()
	tn := openPlanSchool(t)
	require.NoError(t, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO students (id, admission_no, first_name, last_name, gender) VALUES
			(1, 'A-1', 'Alpha', 'Otieno', 'female'), (2, 'A-2', 'Brian', 'Kamau', 'male')`)
		return err
	}))
	done := make(chan struct{})
	writes := make(chan error, 1)
	go func() {
		defer close(writes)
		names := []string{"Omega", "Alpha"}
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if err := tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `UPDATE students SET first_name = ? WHERE id = 1`, names[i%2])
				return err
			}); err != nil {
				writes <- err
				return
			}
		}
	}()
	var wg sync.WaitGroup
	var seen [2]atomic.Int32 // snapshots with Alpha, with Omega
	reading := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-reading:
					return
				default:
				}
				assert.NoError(t, tn.ReadTx(ctx, func(_ *tenantdb.Queries, d tenantdb.DBTX) error {
					m, err := searchStudents(ctx, tn, d, []string{"alpha"})
					if err != nil {
						return err
					}
					var first string
					if err := d.QueryRowContext(ctx, `SELECT first_name FROM students WHERE id = 1`).Scan(&first); err != nil {
						return err
					}
					if first == "Alpha" {
						seen[0].Add(1)
						assert.Equal(t, []int64{1}, m.ids())
					} else {
						seen[1].Add(1)
						assert.Empty(t, m.ids(), "the snapshot has %s", first)
					}
					return nil
				}))
			}
		})
	}
	// until both names were seen often, however the writer and readers take turns
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if seen[0].Load() >= 50 && seen[1].Load() >= 50 {
			break
		}
	}
	close(reading)
	wg.Wait()
	close(done)
	assert.Positive(t, seen[0].Load(), "a snapshot with Alpha")
	assert.Positive(t, seen[1].Load(), "a snapshot with Omega")
	require.NoError(t, <-writes)
}

// FuzzSearchNames: a search of names in memory finds exactly the students of whom some
// field holds every word, case folded, as reading each field would.
func FuzzSearchNames(f *testing.F) {
	f.Add("Ann", "", "Otieno", "ADM/1", "Joanna", "Mary", "Wanjiku", "X_5", "ann otie")
	f.Add("Émile", "İbrahim", "Zola", "é-1", "ÉMILE", "", "zola", "2", "émile ibra")
	f.Add("Li", "", "Na", "A", "Lina", "", "Nana", "B", "na a")
	f.Add("\xff\xfe", "ab", "abc", "abcd", "b", "c", "d", "e", "\xfe ab")
	f.Fuzz(func(t *testing.T, f1, m1, l1, a1, f2, m2, l2, a2, search string) {
		students := [][]string{{f1, m1, l1, a1}, {f2, m2, l2, a2}}
		var recs []string
		for i, fields := range students {
			for j, v := range fields {
				// what text.Line lets into a name: no control characters
				fields[j] = strings.Map(func(r rune) rune {
					if unicode.IsControl(r) {
						return -1
					}
					return r
				}, v)
			}
			recs = append(recs, fmt.Sprintf("%d\x1f%s", i+1, strings.Join(fields, "\x1f")))
		}
		n, err := parseNames(1, strings.Join(recs, "\x1e"))
		require.NoError(t, err)
		words := query.Words(search)
		var want []int64
		for i, fields := range students {
			if !slices.ContainsFunc(words, func(w string) bool {
				return !slices.ContainsFunc(fields, func(v string) bool {
					return strings.Contains(strings.ToLower(v), strings.ToLower(w))
				})
			}) {
				want = append(want, int64(i+1))
			}
		}
		m := n.match(words)
		require.Equal(t, want, orNil(m.ids()), "%q in %q", words, students)
		require.Len(t, m.others(), len(students)-len(want))
	})
}

// TestSearchPageFromMemoryBothReaders: a page's rows read as students (the pages)
// and as JSON (the API) are the same students in the same order.
func TestSearchPageFromMemoryBothReaders(t *testing.T) {
	ctx := context.Background()
	tn := openPlanSchool(t)
	require.NoError(t, tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO students (admission_no, first_name, last_name, gender) VALUES
			('1', 'Ann', 'zola', 'female'), ('2', 'ann', 'Abdi', 'female'), ('3', 'Brian', 'ABDI', 'male'),
			('4', 'Ánn', 'Émile', 'female'), ('5', 'Zawadi', 'abdi', 'female'), ('6', 'Anne', 'Kamau', 'female'),
			('7', 'Joanna', 'Otieno', 'female')`)
		return err
	}))
	svc := New(tn)
	var fromRows, fromJSON []string
	for number := 1; number <= 3; number++ {
		page := query.Page{Number: number, Size: 2}
		list, n, err := svc.ListStudents(ctx, Viewer{}, StudentFilter{Search: "a"}, page)
		require.NoError(t, err)
		require.EqualValues(t, 6, n)
		for _, s := range list {
			fromRows = append(fromRows, s.AdmissionNo)
		}
		raw, n, err := svc.ListStudentsJSON(ctx, Viewer{}, StudentFilter{Search: "a"}, page)
		require.NoError(t, err)
		require.EqualValues(t, 6, n)
		for _, r := range raw {
			var s Student
			require.NoError(t, json.Unmarshal(r, &s))
			fromJSON = append(fromJSON, s.AdmissionNo)
		}
	}
	// by last name, then first name, ignoring ASCII case (Ánn Émile has no "a")
	require.Equal(t, []string{"2", "3", "5", "6", "7", "1"}, fromRows)
	require.Equal(t, fromRows, fromJSON)
}
