// Package query is the list kit every module uses: a bounded Page, a Where builder with
// the one search behaviour (every word must match), an ordering that can only be made
// from a whitelist, a View that reads a page and its total in one read transaction, and
// recognition of constraint failures by SQLite's result code.
//
// It knows nothing of HTTP: app/api parses ?page=, ?ordering= and the like into these
// types, and a worker builds them directly.
package query

// Paging limits for every list. MaxPage keeps the offset arithmetic far from overflow (a
// page number near 2^62 used to wrap the offset negative); no list is that deep, so a
// larger number is a mistake or a probe.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
	MaxPage         = 1_000_000
)

// Page is a requested page of a list. The zero Page is the first page of
// DefaultPageSize rows, so callers outside HTTP may leave it empty.
type Page struct {
	Number int // from 1
	Size   int
}

// Norm is p with a zero or negative number or size replaced by the defaults and both
// kept within the limits.
func (p Page) Norm() Page {
	if p.Number < 1 {
		p.Number = 1
	}
	p.Number = min(p.Number, MaxPage)
	if p.Size < 1 {
		p.Size = DefaultPageSize
	}
	p.Size = min(p.Size, MaxPageSize)
	return p
}

// Limit and Offset are the SQL bounds of the page.
func (p Page) Limit() int64  { return int64(p.Norm().Size) }
func (p Page) Offset() int64 { n := p.Norm(); return int64(n.Number-1) * int64(n.Size) }

// Slice is the page's items of a list held in memory.
func Slice[T any](all []T, p Page) []T {
	from := min(len(all), int(p.Offset()))
	return all[from:min(len(all), from+int(p.Limit()))]
}
