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
