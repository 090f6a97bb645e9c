package web

import (
	"context"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/academics"
	"github.com/schoolsms/sms/app/core/students"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// The school record pages (academic setup, students, admissions, import) share the
// helpers in this file: select options, paging links and reading numbers from forms.

// acadOf is the academic structure of the request's school.
func acadOf(c *fiber.Ctx) academics.Service { return academics.New(tenantOf(c)) }

func tenantOf(c *fiber.Ctx) *db.Tenant { return tenancy.From(c).Tenant }

func studentsOf(c *fiber.Ctx) students.Service { return students.New(tenantOf(c)) }

// viewerOf is whose eyes the student service reads for: a teacher sees only the students
// of the classes they teach or lead.
func viewerOf(v *view) students.Viewer { return students.ViewerOf(v.User) }

// option is one entry of a select.
type option struct {
	Value, Label string
	Group        string // an optgroup label, for selects that group their options
}

// optionGroup is the options of one optgroup, in order.
type optionGroup struct {
	Label   string
	Options []option
}

// grouped splits options into optgroups by their Group, keeping their order.
func grouped(opts []option) []optionGroup {
	var out []optionGroup
	for _, o := range opts {
		if len(out) == 0 || out[len(out)-1].Label != o.Group {
			out = append(out, optionGroup{Label: o.Group})
		}
		out[len(out)-1].Options = append(out[len(out)-1].Options, o)
	}
	return out
}

func id64(id int64) string { return strconv.FormatInt(id, 10) }

// pathID is the :id of the path, or a not-found error naming what was looked for.
func pathID(c *fiber.Ctx, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "there is no %s %q", what, c.Params("id"))
	}
	return id, nil
}

// queryID reads an optional id from the query string; anything else is 0.
func queryID(c *fiber.Ctx, name string) int64 {
	id, err := strconv.ParseInt(c.Query(name), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// formInt reads a whole number a form field holds: 0 for blank, a field error for text
// that is not a number.
func formInt(v *view, name string) (int64, bool) {
	s := v.Form[name]
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		v.Fields[name] = "Must be a whole number"
		return 0, false
	}
	return n, true
}

// formOptionalInt is formInt for fields that may stay empty: nil for blank.
func formOptionalInt(v *view, name string) (*int64, bool) {
	if v.Form[name] == "" {
		return nil, true
	}
	n, ok := formInt(v, name)
	return &n, ok
}

// checked reports whether a checkbox was ticked (value 1), as "1" or "0".
func checked(c *fiber.Ctx, name string) string { return boolValue(c.FormValue(name) == "1") }

// fieldsError is the error for field messages found before asking a service.
func fieldsError(v *view) error {
	return &errs.Error{Code: errs.Invalid, Message: "invalid input", Fields: copyFields(v.Fields)}
}

func copyFields(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// pager is the paging links under a list.
type pager struct {
	Page, Pages      int
	Count            int64
	PrevURL, NextURL string
	Links            []pageLink
}

// pageLink is one page number (or a gap, when Gap is set).
type pageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// newPager builds the links of page (from 1) of count rows, size a page, keeping the
// list's other query values.
func newPager(path string, q url.Values, page, size int, count int64) pager {
	pages := max(1, int((count+int64(size)-1)/int64(size)))
	p := pager{Page: page, Pages: pages, Count: count}
	at := func(n int) string {
		qq := url.Values{}
		for k, vs := range q {
			qq[k] = vs
		}
		if n > 1 {
			qq.Set("page", strconv.Itoa(n))
		} else {
			qq.Del("page")
		}
		if len(qq) == 0 {
			return path
		}
		return path + "?" + qq.Encode()
	}
	if page > 1 {
		p.PrevURL = at(page - 1)
	}
	if page < pages {
		p.NextURL = at(page + 1)
	}
	if pages == 1 {
		return p
	}
	// First, last and two either side of the current page; gaps between.
	last := 0
	for n := 1; n <= pages; n++ {
		if n != 1 && n != pages && (n < page-2 || n > page+2) {
			continue
		}
		if last != 0 && n > last+1 {
			p.Links = append(p.Links, pageLink{Gap: true})
		}
		p.Links = append(p.Links, pageLink{Number: n, URL: at(n), Current: n == page})
		last = n
	}
	return p
}

// pageOf reads ?page= (from 1, bounded like the API's).
func pageOf(c *fiber.Ctx, size int) (query.Page, error) {
	n, err := api.PageNumber(c)
	return query.Page{Number: n, Size: size}, err
}

// staffOptions are the active teachers and admins, who can lead a class or teach.
func staffOptions(c *fiber.Ctx) ([]option, error) {
	users, _, err := usersOf(c).List(c.UserContext(), 1000, 0)
	if err != nil {
		return nil, err
	}
	var out []option
	for _, u := range users {
		if !u.IsActive || (u.Role != auth.RoleTeacher && u.Role != auth.RoleAdmin) {
			continue
		}
		label := u.Name
		if label == "" {
			label = u.Email
		}
		if u.Role == auth.RoleAdmin {
			label += " (admin)"
		}
		out = append(out, option{Value: id64(u.ID), Label: label})
	}
	return out, nil
}

// allOf reads every row of a list the service pages, up to a bound no school reaches.
func allOf[F, T any](c *fiber.Ctx, list func(context.Context, F, query.Page) ([]T, int64, error), f F) ([]T, error) {
	rows, _, err := list(c.UserContext(), f, query.Page{Number: 1, Size: query.MaxPageSize})
	return rows, err
}

// currentSession is the school's current academic session, nil when it has none yet.
func currentSession(c *fiber.Ctx) (*academics.Session, error) {
	s, err := acadOf(c).CurrentSession(c.UserContext())
	if errs.CodeOf(err) == errs.NotFound {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &s, nil
}

// classOptions are the classes of a session, grouped by form.
func classOptions(c *fiber.Ctx, sessionID int64) ([]academics.Class, []option, error) {
	if sessionID == 0 {
		return nil, nil, nil
	}
	cls, err := allOf(c, acadOf(c).ListClasses, academics.ClassFilter{SessionID: sessionID})
	if err != nil {
		return nil, nil, err
	}
	opts := make([]option, 0, len(cls))
	for _, x := range cls {
		opts = append(opts, option{Value: id64(x.ID), Label: x.Name, Group: x.FormName})
	}
	return cls, opts, nil
}

// formOptions are the school's forms, lowest level first.
func formOptions(c *fiber.Ctx) ([]option, error) {
	fs, err := allOf(c, acadOf(c).ListForms, academics.FormFilter{})
	if err != nil {
		return nil, err
	}
	opts := make([]option, 0, len(fs))
	for _, f := range fs {
		opts = append(opts, option{Value: id64(f.ID), Label: f.Name})
	}
	return opts, nil
}
