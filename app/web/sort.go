package web

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/query"
)

// SortColumn is a column header that orders a list by one of its ordering's fields: a
// link to the list ordered by it (the other way round when it is the current order),
// with the current order shown by an arrow and aria-sort.
type SortColumn struct {
	Label string
	URL   string
	Sort  string // aria-sort: "ascending", "descending" or "none"
	Arrow string // ▲, ▼ or ""
}

// SortColumns are the headers of a list at path with the query values q (its filters
// and page size, not its page: a new order starts at page 1), ordered by cur, for the
// columns given as label -> ordering field. The first field of cur decides which
// column shows the arrow.
func SortColumns(path string, q url.Values, cur query.Order, cols map[string]string) map[string]SortColumn {
	first, desc := "", false
	if ts := cur.Terms(); len(ts) > 0 {
		first, desc = ts[0].Field, ts[0].Desc
	}
	out := make(map[string]SortColumn, len(cols))
	for label, field := range cols {
		c := SortColumn{Label: label, Sort: "none"}
		next := field
		if field == first {
			c.Sort, c.Arrow = "ascending", "▲"
			next = "-" + field
			if desc {
				c.Sort, c.Arrow = "descending", "▼"
				next = field
			}
		}
		qq := url.Values{}
		for k, vs := range q {
			if k != "page" && k != "ordering" {
				qq[k] = vs
			}
		}
		qq.Set("ordering", next)
		c.URL = path + "?" + qq.Encode()
		out[label] = c
	}
	return out
}

// ListOrder reads ?ordering= of a list page with the ordering's whitelist; a value it
// does not know gives the default (a page shows the list rather than an error).
func ListOrder(c *fiber.Ctx, o query.Ordering) query.Order {
	ord, err := o.Parse(c.Query("ordering"))
	if err != nil || ord.IsZero() {
		return o.Default()
	}
	return ord
}

// PageSizes are the rows-per-page choices of the lists.
var PageSizes = []int{25, 50, 100}

// PageSize reads ?page_size= of a list page: one of PageSizes, else the first.
func PageSize(c *fiber.Ctx) int {
	n, err := strconv.Atoi(strings.TrimSpace(c.Query("page_size")))
	if err == nil {
		for _, s := range PageSizes {
			if s == n {
				return n
			}
		}
	}
	return PageSizes[0]
}

// SortField is one way a list can be ordered, for the "Sort by" select of narrow screens
// (where a list's rows are cards and its header row, with the sort links, is hidden):
// a column's label, its ordering field and the words of each direction ("A to Z").
type SortField struct {
	Label, Field string
	Asc, Desc    string
}

// SortChoice is an option of the "Sort by" select.
type SortChoice struct {
	Value, Label string
	Selected     bool
}

// SortChoices are the options of a list's "Sort by" select, each field both ways, with
// the one of cur (by its first field, as SortColumns shows it) selected. The option of
// the list's default order has the value "", so choosing it gives the default (with
// its tie-breaks) and leaves the address without an ordering.
func SortChoices(cur, def query.Order, fields ...SortField) []SortChoice {
	first := func(o query.Order) string {
		if ts := o.Terms(); len(ts) > 0 {
			if ts[0].Desc {
				return "-" + ts[0].Field
			}
			return ts[0].Field
		}
		return ""
	}
	now, dflt := first(cur), first(def)
	var out []SortChoice
	for _, f := range fields {
		for _, v := range []SortChoice{{Value: f.Field, Label: f.Label + ", " + f.Asc}, {Value: "-" + f.Field, Label: f.Label + ", " + f.Desc}} {
			v.Selected = v.Value == now
			if v.Value == dflt {
				v.Value = ""
			}
			out = append(out, v)
		}
	}
	return out
}
