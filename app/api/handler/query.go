package handler

import (
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
)

// Query reads a list's query parameters into a filter, collecting a message for every
// bad one so the client hears of all of them in one 400. Parameters a list does not read
// are ignored.
type Query struct {
	c *fiber.Ctx
	f errs.Fields
}

// NewQuery reads the query parameters of c, for a handler that reads a filter itself.
func NewQuery(c *fiber.Ctx) *Query { return &Query{c: c, f: errs.Fields{}} }

// Err is the Invalid error naming every bad parameter read so far, or nil.
func (q *Query) Err() error { return q.f.Err() }

// merge adds the field errors of err (page, page_size, ordering) to the collection.
func (q *Query) merge(err error) {
	if err == nil {
		return
	}
	e := errs.As(err)
	for k, v := range e.Fields {
		q.f.Add(k, v)
	}
	if len(e.Fields) == 0 {
		q.f.Add("query", e.Message)
	}
}

// String is the parameter as sent ("" when absent).
func (q *Query) String(name string) string { return q.c.Query(name) }

// ID is an optional id parameter: 0 when absent.
func (q *Query) ID(name string) int64 {
	v := q.c.Query(name)
	if v == "" {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 1 {
		q.f.Add(name, "must be an id (a whole number from 1)")
		return 0
	}
	return n
}

// Bool is an optional true/false parameter (also 1/0): nil when absent.
func (q *Query) Bool(name string) *bool {
	switch q.c.Query(name) {
	case "":
		return nil
	case "true", "1":
		b := true
		return &b
	case "false", "0":
		b := false
		return &b
	}
	q.f.Add(name, "must be true or false")
	return nil
}

// Order is ?ordering= through the list's whitelist; the zero Order when absent.
func (q *Query) Order(o query.Ordering) query.Order {
	order, err := api.OrderOf(q.c, o)
	q.merge(err)
	return order
}
