package students

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/db"
)

// A search of the student list needs every one of its words, in any case, inside one of
// a student's first, middle or last name or admission number.
//
// Each open school keeps its students' names in memory for that (names), with an index
// of which students' text holds each trigram (three bytes in a row). A word of three
// bytes or more can only be in the text of students who have all its trigrams, so a
// search intersects those lists and reads the few candidates' text; shorter words are
// read in every candidate. At 20,000 students this takes about 20 µs where SQLite's
// trigram index (FTS5), which checks the trigrams' positions in every matching row,
// took about 600 µs: most of a search request. The names of 20,000 students take about
// 0.7 MB and their index about 2 MB, read by the first search after a change in about
// 49 ms (5.3 ms at 2,000 students: BenchmarkSearchNames). The names also hold the
// students in the list's default order, so that the page of a search in that order is
// picked in memory too (pageByName).
//
// The copy in memory must answer for the snapshot of the read transaction the search
// runs in, so that a list's total and page agree with the rest of what it reads. The
// school file holds a stamp that triggers change with every write to a student's names
// or admission number (student_search_stamp); a copy is used only by a transaction that
// reads the same stamp, and otherwise it is read again from that transaction. Names read
// inside a write transaction that then rolls back carry a stamp no commit will have (it
// is random), so no other transaction uses them.

// names is one school's copy of its students' searchable text and its trigram index.
type names struct {
	stamp int64
	text  string  // each student's fields, case folded, separated by unitSep
	ends  []int32 // where each student's text ends in text; it starts where the last ended
	ids   []int64 // each student's id, ascending
	// grams has, for each trigram of the text, the students (indexes into ids) whose
	// text holds it, ascending.
	grams map[uint32][]int32
	// byName is every student (indexes into ids) in the list's default order, as SQLite
	// orders them (namesOrder), so that a search's page can be picked from memory.
	byName []int32
}

const (
	unitSep   = "\x1f" // between a student's fields: no word has a control character
	recordSep = "\x1e" // between students in the text read from SQLite
)

// namesText reads every student's id and fields in one value: bringing 20,000 rows of
// five columns through the driver one by one costs twice as much. No field holds a
// control character (text.Line refuses them), so the separators do not occur in one.
const namesText = `SELECT s.stamp, (SELECT group_concat(id || char(31) || first_name || char(31) ||
	middle_name || char(31) || last_name || char(31) || admission_no, char(30) ORDER BY id)
	FROM students) FROM student_search_stamp s`

// namesOrder reads every student's id in the list's default order. The stamp changes
// with every write to what that order reads (names and ids).
var namesOrder = func() string {
	order, _ := orderBy(query.Order{})
	return "SELECT group_concat(id) FROM (SELECT s.id FROM students s ORDER BY " + order + ")"
}()

// readNames reads a school's names in d's snapshot.
func readNames(ctx context.Context, d query.Queryer) (*names, error) {
	var stamp int64
	var all, order sql.NullString
	if err := d.QueryRowContext(ctx, namesText).Scan(&stamp, &all); err != nil {
		return nil, err
	}
	if err := d.QueryRowContext(ctx, namesOrder).Scan(&order); err != nil {
		return nil, err
	}
	n, err := parseNames(stamp, all.String)
	if err != nil {
		return nil, err
	}
	return n, n.setOrder(order.String)
}

// setOrder records the default order of the students, given as their ids separated by
// commas.
func (n *names) setOrder(ids string) error {
	n.byName = make([]int32, 0, len(n.ids))
	if ids == "" {
		return nil
	}
	for idText := range strings.SplitSeq(ids, ",") {
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return fmt.Errorf("student order: %.20q is not an id", idText)
		}
		i, ok := slices.BinarySearch(n.ids, id)
		if !ok {
			return fmt.Errorf("student order: no student %d in the names", id)
		}
		n.byName = append(n.byName, int32(i))
	}
	if len(n.byName) != len(n.ids) {
		return fmt.Errorf("student order: %d students of %d", len(n.byName), len(n.ids))
	}
	return nil
}

// parseNames makes the names of namesText's students: records of an id and four fields.
func parseNames(stamp int64, all string) (*names, error) {
	n := &names{stamp: stamp, grams: map[uint32][]int32{}}
	if all == "" { // no students
		return n, nil
	}
	var text strings.Builder
	text.Grow(len(all))
	for rec := range strings.SplitSeq(all, recordSep) {
		idText, fields, _ := strings.Cut(rec, unitSep)
		id, err := strconv.ParseInt(idText, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("student search text: a record starts with %.20q, not an id", rec)
		}
		fields = strings.ToLower(fields)
		text.WriteString(fields)
		n.add(id, fields, int32(text.Len()))
	}
	n.text = text.String()
	return n, nil
}

// add lists the student id, whose folded fields end at end in the text, under each
// trigram of its fields.
func (n *names) add(id int64, fields string, end int32) {
	i := int32(len(n.ids))
	for j := 0; j+3 <= len(fields); j++ {
		g := trigram(fields, j)
		list := n.grams[g]
		if k := len(list); k > 0 && list[k-1] == i {
			continue // already listed for this student
		}
		n.grams[g] = append(list, i)
	}
	n.ids = append(n.ids, id)
	n.ends = append(n.ends, end)
}

func trigram(s string, i int) uint32 { return uint32(s[i])<<16 | uint32(s[i+1])<<8 | uint32(s[i+2]) }

// student returns the text of the student at index i.
func (n *names) student(i int32) string {
	start := int32(0)
	if i > 0 {
		start = n.ends[i-1]
	}
	return n.text[start:n.ends[i]]
}

// matches are the students a search found among a school's names.
type matches struct {
	n     *names
	found []int32 // indexes into n.ids, ascending
}

// match returns the students whose text holds every word.
func (n *names) match(words []string) matches { return matches{n, n.find(words)} }

// pageByName returns the ids of the students found that come from offset to
// offset+limit in the list's default order, in that order.
func (m matches) pageByName(offset, limit int64) []int64 {
	found := make([]bool, len(m.n.ids))
	for _, f := range m.found {
		found[f] = true
	}
	var ids []int64
	for _, i := range m.n.byName {
		if !found[i] {
			continue
		}
		if offset > 0 {
			offset--
			continue
		}
		if ids = append(ids, m.n.ids[i]); int64(len(ids)) == limit {
			break
		}
	}
	return ids
}

// ids returns the ids of the students found, ascending.
func (m matches) ids() []int64 {
	ids := make([]int64, len(m.found))
	for i, f := range m.found {
		ids[i] = m.n.ids[f]
	}
	return ids
}

// others returns the ids of the students not found, ascending.
func (m matches) others() []int64 {
	others := make([]int64, 0, len(m.n.ids)-len(m.found))
	next := 0
	for i, id := range m.n.ids {
		if next < len(m.found) && m.found[next] == int32(i) {
			next++
		} else {
			others = append(others, id)
		}
	}
	return others
}

// find returns the students (indexes into ids, ascending) whose text holds every word.
func (n *names) find(words []string) []int32 {
	folded := make([]string, len(words))
	var lists [][]int32
	for i, w := range words {
		folded[i] = strings.ToLower(w)
		if strings.Contains(folded[i], unitSep) { // no field holds one (query.Words splits there)
			return nil
		}
		for j := 0; j+3 <= len(folded[i]); j++ {
			list, ok := n.grams[trigram(folded[i], j)]
			if !ok {
				return nil
			}
			lists = append(lists, list)
		}
	}
	var candidates []int32
	if len(lists) == 0 { // only words shorter than a trigram
		candidates = make([]int32, len(n.ids))
		for i := range candidates {
			candidates[i] = int32(i)
		}
	} else {
		slices.SortFunc(lists, func(a, b []int32) int { return len(a) - len(b) })
		candidates = slices.Clone(lists[0])
		for _, list := range lists[1:] {
			if candidates = intersect(candidates, list); len(candidates) == 0 {
				return nil
			}
		}
	}
	found := candidates[:0]
	for _, c := range candidates {
		text := n.student(c)
		if !slices.ContainsFunc(folded, func(w string) bool { return !strings.Contains(text, w) }) {
			found = append(found, c)
		}
	}
	return found
}

// intersect keeps the elements of a (ascending) that are in b (ascending), in place.
func intersect(a, b []int32) []int32 {
	out, j := a[:0], 0
	for _, x := range a {
		for j < len(b) && b[j] < x {
			j++
		}
		if j == len(b) {
			break
		}
		if b[j] == x {
			out = append(out, x)
		}
	}
	return out
}

// namesCache is where an open school keeps its names (db.Tenant.Memo).
type namesCache struct {
	latest atomic.Pointer[names]
	mu     sync.Mutex // held while names are read: one read for the requests that need it
}

type namesKey struct{}

// searchStudents returns the students of t that every word matches, as d's snapshot
// has them. d is a transaction's (ReadTx): its stamp and names must be one snapshot.
func searchStudents(ctx context.Context, t *db.Tenant, d query.Queryer, words []string) (matches, error) {
	var stamp int64
	if err := d.QueryRowContext(ctx, "SELECT stamp FROM student_search_stamp").Scan(&stamp); err != nil {
		return matches{}, err
	}
	c := t.Memo(namesKey{}, func() any { return new(namesCache) }).(*namesCache)
	n := c.latest.Load()
	if n == nil || n.stamp != stamp {
		var err error
		if n, err = c.read(ctx, d, stamp); err != nil {
			return matches{}, err
		}
	}
	return n.match(words), nil
}

// read returns the names at stamp, read from d unless another request has just read
// them. The names read are kept for the next search, even when d's snapshot is older
// than one kept before: the stamp tells which is which, and the next request of a newer
// snapshot reads them again.
func (c *namesCache) read(ctx context.Context, d query.Queryer, stamp int64) (*names, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if n := c.latest.Load(); n != nil && n.stamp == stamp {
		return n, nil
	}
	n, err := readNames(ctx, d)
	if err != nil {
		return nil, err
	}
	if n.stamp != stamp {
		return nil, errors.New("the students' search stamp changed within a read transaction")
	}
	c.latest.Store(n)
	return n, nil
}
