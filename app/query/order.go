package query

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/schoolsms/sms/app/errs"
)

// Ordering is the whitelist of a list's orderings: the names a client may ask for
// (?ordering=last_name,-created_at) and the SQL expression each stands for. An Order can
// only be made by an Ordering, so no caller can put SQL of its own into an ORDER BY.
type Ordering struct {
	fields map[string]string
	def    Order
}

// NewOrdering makes the whitelist of fields (name -> SQL expression) with the default
// order def, written as a client would ("-start_date", "last_name,first_name"). A def
// that names an unknown field is a defect of the module: it panics at start-up.
func NewOrdering(fields map[string]string, def string) Ordering {
	o := Ordering{fields: maps.Clone(fields)}
	d, err := o.Parse(def)
	if err != nil || d.IsZero() {
		panic(fmt.Sprintf("query: default ordering %q is not made of %v", def, o.Names()))
	}
	o.def = d
	return o
}

// Names are the field names a client may order by, sorted.
func (o Ordering) Names() []string { return slices.Sorted(maps.Keys(o.fields)) }

// Default is the order of the list when none is asked for.
func (o Ordering) Default() Order { return o.def }

// Parse reads a client's ordering: comma-separated names, each optionally prefixed with
// "-" for descending. Blank is the zero Order (use the default); an unknown name is an
// Invalid error naming the parameter "ordering" and the names allowed.
func (o Ordering) Parse(raw string) (Order, error) {
	if strings.TrimSpace(raw) == "" {
		return Order{}, nil
	}
	var out Order
	for _, f := range strings.Split(raw, ",") {
		f = strings.TrimSpace(f)
		desc := strings.HasPrefix(f, "-")
		f = strings.TrimPrefix(f, "-")
		expr, ok := o.fields[f]
		if !ok {
			return Order{}, errs.Field("ordering", fmt.Sprintf("%q is not one of: %s (prefix - for descending)",
				f, strings.Join(o.Names(), ", ")))
		}
		out.terms = append(out.terms, Term{Field: f, SQL: expr, Desc: desc})
	}
	return out, nil
}

// Order is an ordering made by an Ordering from its whitelist. The zero Order means
// "the list's default".
type Order struct {
	terms []Term
}

// Term is one field of an Order, as the Ordering that made it defines it.
type Term struct {
	Field string // the client's name for it
	SQL   string // the expression
	Desc  bool
}

// IsZero reports whether the order was left to the list's default.
func (o Order) IsZero() bool { return len(o.terms) == 0 }

// Or is o, or def when o is the zero Order.
func (o Order) Or(def Order) Order {
	if o.IsZero() {
		return def
	}
	return o
}

// Terms are the fields of the order, first first. The slice is a copy.
func (o Order) Terms() []Term { return slices.Clone(o.terms) }

// String is the order as a client writes it ("-start_date,name").
func (o Order) String() string {
	parts := make([]string, len(o.terms))
	for i, t := range o.terms {
		parts[i] = t.Field
		if t.Desc {
			parts[i] = "-" + parts[i]
		}
	}
	return strings.Join(parts, ",")
}

// SQL is the ORDER BY body ("start_date DESC, name ASC"); "" for the zero Order.
func (o Order) SQL() string {
	parts := make([]string, len(o.terms))
	for i, t := range o.terms {
		parts[i] = t.SQL + dir(t.Desc)
	}
	return strings.Join(parts, ", ")
}

// By is the ORDER BY body completed with a last tie-break on col (a unique column, the
// primary key), in the direction of the order's last field: rows that tie on every
// field still come in one order, and a descending index walk yields ids descending too.
func (o Order) By(col string) string {
	if o.IsZero() {
		return col + " ASC"
	}
	return o.SQL() + ", " + col + dir(o.terms[len(o.terms)-1].Desc)
}

func dir(desc bool) string {
	if desc {
		return " DESC"
	}
	return " ASC"
}
