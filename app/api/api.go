// Package api holds the conventions every JSON endpoint shares: decoding request bodies
// strictly, the paged list envelope, and the request id.
package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
)

// RequestIDKey is the Fiber local holding the request id.
const RequestIDKey = "sms.request_id"

// RequestID returns the id the request is logged under.
func RequestID(c *fiber.Ctx) string {
	id, _ := c.Locals(RequestIDKey).(string)
	return id
}

// Decode reads a JSON body into v, refusing unknown fields and trailing data, and turns
// every problem into an Invalid error that names the field when it can.
func Decode(c *fiber.Ctx, v any) error { return DecodeJSON(c.Body(), v) }

// DecodeJSON is Decode of a body already read.
func DecodeJSON(body []byte, v any) error {
	if len(bytes.TrimSpace(body)) == 0 {
		return errs.E(errs.Invalid, "the request body is empty; send a JSON object")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var typeErr *json.UnmarshalTypeError
		var syntaxErr *json.SyntaxError
		switch {
		case errors.As(err, &typeErr) && typeErr.Field != "":
			return errs.Field(typeErr.Field, "must be a "+jsonKind(typeErr.Type.Kind().String()))
		case errors.As(err, &syntaxErr):
			return errs.E(errs.Invalid, "the request body is not valid JSON (at byte %d)", syntaxErr.Offset)
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return errs.Field(field, "is not a known field")
		default:
			return errs.E(errs.Invalid, "the request body is not a valid JSON object")
		}
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.E(errs.Invalid, "the request body has data after the JSON object")
	}
	return nil
}

func jsonKind(k string) string {
	switch k {
	case "string":
		return "string"
	case "bool":
		return "boolean (true or false)"
	case "slice", "array":
		return "list"
	case "struct", "map":
		return "object"
	}
	return "number"
}

// PageOf reads ?page= and ?page_size= (bounded by query's limits), with an Invalid
// error naming a bad one.
func PageOf(c *fiber.Ctx) (query.Page, error) {
	p := query.Page{Number: 1, Size: query.DefaultPageSize}
	f := errs.Fields{}
	if n, err := PageNumber(c); err != nil {
		f.Add("page", pageMessage)
	} else {
		p.Number = n
	}
	if v := c.Query("page_size"); v != "" {
		n, ok := boundedInt(v, 1, query.MaxPageSize)
		if !ok {
			f.Add("page_size", fmt.Sprintf("must be a whole number from 1 to %d", query.MaxPageSize))
		} else {
			p.Size = n
		}
	}
	return p, f.Err()
}

var pageMessage = fmt.Sprintf("must be a whole number from 1 to %d", query.MaxPage)

// PageNumber reads ?page= alone (1 when absent), for pages whose size is fixed.
func PageNumber(c *fiber.Ctx) (int, error) {
	v := c.Query("page")
	if v == "" {
		return 1, nil
	}
	n, ok := boundedInt(v, 1, query.MaxPage)
	if !ok {
		return 0, errs.Field("page", pageMessage)
	}
	return n, nil
}

// boundedInt parses plain decimal digits (no sign, spaces or exponent) within [lo, hi].
func boundedInt(v string, lo, hi int) (int, bool) {
	if v == "" || len(v) > len(strconv.Itoa(hi)) {
		return 0, false
	}
	for i := 0; i < len(v); i++ {
		if v[i] < '0' || v[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(v)
	return n, err == nil && n >= lo && n <= hi
}

// List is the paged envelope: {"count","next","previous","results"}.
type List[T any] struct {
	Count    int64   `json:"count"`
	Next     *string `json:"next"`
	Previous *string `json:"previous"`
	Results  []T     `json:"results"`
}

// NewList builds the envelope, with next/previous links that keep the request's other
// query parameters (filters, ordering), its /t/ prefix, and the scheme, host and port
// the client addressed.
func NewList[T any](c *fiber.Ctx, p query.Page, count int64, results []T) List[T] {
	if results == nil {
		results = []T{}
	}
	l := List[T]{Count: count, Results: results}
	origin := c.Protocol() + "://" + string(c.Request().Header.Host())
	if r := tenancy.From(c); r != nil && r.Origin != "" {
		origin = r.Origin
	}
	link := func(n int) *string {
		u, _ := url.Parse(c.OriginalURL())
		q := u.Query()
		q.Set("page", strconv.Itoa(n))
		q.Set("page_size", strconv.Itoa(p.Size))
		u.RawQuery = q.Encode()
		// RequestURI drops the scheme and host of an absolute-form request target.
		s := origin + u.RequestURI()
		return &s
	}
	if int64(p.Number)*int64(p.Size) < count {
		l.Next = link(p.Number + 1)
	}
	if p.Number > 1 {
		l.Previous = link(p.Number - 1)
	}
	return l
}

// SendRawList answers with a list whose results are JSON already. c.JSON would have
// encoding/json scan every byte of them again (to compact and HTML-escape them): a
// tenth of the CPU of a list request.
func SendRawList(c *fiber.Ctx, l List[json.RawMessage]) error {
	head, err := json.Marshal(struct {
		Count    int64   `json:"count"`
		Next     *string `json:"next"`
		Previous *string `json:"previous"`
	}{l.Count, l.Next, l.Previous})
	if err != nil {
		return errs.Wrap(err, "encode list")
	}
	// Written into the response's own pooled buffer: a page is about 20 KB, and a
	// buffer of its own per request was a quarter of a list request's allocations.
	resp := c.Response()
	resp.ResetBody()
	resp.AppendBody(head[:len(head)-1])
	resp.AppendBodyString(`,"results":[`)
	for i, r := range l.Results {
		if i > 0 {
			resp.AppendBodyString(",")
		}
		resp.AppendBody(r)
	}
	resp.AppendBodyString("]}")
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	return nil
}

// OrderOf reads ?ordering= through the list's whitelist: the zero Order (the list's
// default) when absent, an Invalid error naming "ordering" for a field not in it.
func OrderOf(c *fiber.Ctx, o query.Ordering) (query.Order, error) {
	return o.Parse(c.Query("ordering"))
}
