package web

import (
	"context"
	"maps"
	"net/url"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/query"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/db"
)

// Kit is what a module's pages are made with: the page frame (layout data, navigation,
// flash messages), rendering, errors shown as a page or next to form fields, and the
// sign-in and rights check. The server makes one and hands it to each module's
// Pages.Routes; a module never builds pages any other way.
type Kit struct {
	h *handlers
}

// View is what every page template gets: the layout's needs plus the page's own Data.
type View = view

// NavLink is an entry of the top bar as a page shows it (View.Nav).
type NavLink = navItem

// Pages is what one module adds to the browser UI of a school.
type Pages struct {
	// Routes registers the module's pages on a school's routes.
	Routes func(r fiber.Router, k *Kit)
	// Templates are the page templates (webui/templates/pages/<name>.html) its pages
	// render: the server checks that they exist, and the module's render test renders
	// every one of them.
	Templates []string
	// Nav are its entries in the top bar; Flashes the messages its pages redirect with
	// (?done=<key>); Cards what it shows on the dashboard.
	Nav     []NavItem
	Flashes map[string]string
	Cards   []Card
}

// NavItem is an entry of the top bar. It shows to those allowed Action (and, when Show
// is set, to those it says yes to), in Order; Key is the active name a page passes to
// Kit.View to be marked as where the user is.
type NavItem struct {
	Key, Label string
	Path       string // under the school, e.g. "/students"
	Action     auth.Action
	Order      int
	Show       func(*auth.Principal) bool
}

// Card is a fact a module shows on the school's dashboard to those allowed Action, in
// Order. Fill reads it for the request; ok false shows nothing.
type Card struct {
	Action auth.Action
	Order  int
	Fill   func(c *fiber.Ctx) (card CardView, ok bool, err error)
}

// CardView is a card as the dashboard shows it.
type CardView struct {
	Label    string // what it counts or names
	Value    string // the number or name, shown large
	Text     string // a line under it
	Link     string // under the school, e.g. "/students"; "" for none
	LinkText string
}

// ShellTemplates are the page templates of the shell (sign-in, dashboard, users,
// platform, error); every other template belongs to a module (Pages.Templates).
func ShellTemplates() []string {
	return []string{"login", "error", "dashboard", "users", "user_new", "user_edit", "schools", "school_new", "school", "school_delete"}
}

// View fills the layout's part of a page for this request; active names the top bar
// entry the page belongs to.
func (k *Kit) View(c *fiber.Ctx, title, active string) *View { return k.h.newView(c, title, active) }

// Render writes a whole page with the status (never cached: pages carry CSRF tokens and
// personal data).
func (k *Kit) Render(c *fiber.Ctx, status int, page string, v *View) error {
	return k.h.render(c, status, page, v)
}

// RenderPart writes one fragment of a page, for htmx.
func (k *Kit) RenderPart(c *fiber.Ctx, status int, page, part string, data any) error {
	return k.h.renderPart(c, status, page, part, data)
}

// Fail shows a user-facing error as a page in the site's layout; internal errors go to
// the app's error handler, which logs them.
func (k *Kit) Fail(c *fiber.Ctx, err error) error { return k.h.fail(c, err) }

// Require lets signed-in users allowed the action through; anonymous browsers go to the
// sign-in page and come back, others get a 403 page.
func (k *Kit) Require(a auth.Action) fiber.Handler { return k.h.require(a) }

// StaffOptions are the school's active teachers and admins, who can lead a class or teach.
func (k *Kit) StaffOptions(c *fiber.Ctx) ([]Option, error) {
	users, _, err := usersOf(c).List(c.UserContext(), 1000, 0)
	if err != nil {
		return nil, err
	}
	var out []Option
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
		out = append(out, Option{Value: ID(u.ID), Label: label})
	}
	return out, nil
}

// FormError puts a service error on a form: field messages next to their fields and a
// summary at the top. It returns the status to answer with, or the error itself when it
// is internal and must reach the app's error handler.
func FormError(v *View, err error) (int, error) { return formError(v, err) }

// Redirect sends the browser to a page with 303 See Other (htmx: HX-Redirect).
func Redirect(c *fiber.Ctx, to string) error { return redirect(c, to) }

// IsHTMX reports whether htmx sent the request (it wants a fragment).
func IsHTMX(c *fiber.Ctx) bool { return isHTMX(c) }

// Prefix is what links of this request start with ("/t/<schema>" or "").
func Prefix(c *fiber.Ctx) string { return prefix(c) }

// Form copies the named form values, trimmed of surrounding spaces.
func Form(c *fiber.Ctx, names ...string) map[string]string { return form(c, names...) }

// Sentence capitalises a service message for display.
func Sentence(s string) string { return sentence(s) }

// StatusFor is the HTTP status of a user-facing error.
func StatusFor(e *errs.Error) int { return statusFor(e) }

// Tenant is the request's school.
func Tenant(c *fiber.Ctx) *db.Tenant { return tenancy.From(c).Tenant }

// Option is one entry of a select.
type Option struct {
	Value, Label string
	Group        string // an optgroup label, for selects that group their options
}

// OptionGroup is the options of one optgroup, in order.
type OptionGroup struct {
	Label   string
	Options []Option
}

// Grouped splits options into optgroups by their Group, keeping their order.
func Grouped(opts []Option) []OptionGroup {
	var out []OptionGroup
	for _, o := range opts {
		if len(out) == 0 || out[len(out)-1].Label != o.Group {
			out = append(out, OptionGroup{Label: o.Group})
		}
		out[len(out)-1].Options = append(out[len(out)-1].Options, o)
	}
	return out
}

// KnownOption reports whether v is the value of one of opts.
func KnownOption(opts []Option, v string) bool {
	for _, o := range opts {
		if o.Value == v {
			return true
		}
	}
	return false
}

// ID writes an id as a form or select value.
func ID(id int64) string { return strconv.FormatInt(id, 10) }

// PathID is the :id of the path, or a not-found error naming what was looked for.
func PathID(c *fiber.Ctx, what string) (int64, error) {
	id, err := strconv.ParseInt(c.Params("id"), 10, 64)
	if err != nil || id < 1 {
		return 0, errs.E(errs.NotFound, "there is no %s %q", what, c.Params("id"))
	}
	return id, nil
}

// QueryID reads an optional id from the query string; anything else is 0.
func QueryID(c *fiber.Ctx, name string) int64 {
	id, err := strconv.ParseInt(c.Query(name), 10, 64)
	if err != nil || id < 1 {
		return 0
	}
	return id
}

// FormInt reads a whole number a form field holds: 0 for blank, a field error for text
// that is not a number.
func FormInt(v *View, name string) (int64, bool) {
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

// FormOptionalInt is FormInt for fields that may stay empty: nil for blank.
func FormOptionalInt(v *View, name string) (*int64, bool) {
	if v.Form[name] == "" {
		return nil, true
	}
	n, ok := FormInt(v, name)
	return &n, ok
}

// Checked reports whether a checkbox was ticked (value 1), as "1" or "0".
func Checked(c *fiber.Ctx, name string) string { return boolValue(c.FormValue(name) == "1") }

// FieldsError is the error for field messages found before asking a service.
func FieldsError(v *View) error {
	return &errs.Error{Code: errs.Invalid, Message: "invalid input", Fields: maps.Clone(v.Fields)}
}

// Pager is the paging links under a list.
type Pager struct {
	Page, Pages      int
	Count            int64
	PrevURL, NextURL string
	Links            []PageLink
}

// PageLink is one page number (or a gap, when Gap is set).
type PageLink struct {
	Number  int
	URL     string
	Current bool
	Gap     bool
}

// NewPager builds the links of page (from 1) of count rows, size a page, keeping the
// list's other query values.
func NewPager(path string, q url.Values, page, size int, count int64) Pager {
	pages := max(1, int((count+int64(size)-1)/int64(size)))
	p := Pager{Page: page, Pages: pages, Count: count}
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
			p.Links = append(p.Links, PageLink{Gap: true})
		}
		p.Links = append(p.Links, PageLink{Number: n, URL: at(n), Current: n == page})
		last = n
	}
	return p
}

// PageOf reads ?page= (from 1, bounded like the API's) for a list of size rows a page.
func PageOf(c *fiber.Ctx, size int) (query.Page, error) {
	n, err := api.PageNumber(c)
	return query.Page{Number: n, Size: size}, err
}

// All reads every row of a list a service pages, up to a bound no school reaches (for
// the options of a select).
func All[F, T any](c *fiber.Ctx, list func(context.Context, F, query.Page) ([]T, int64, error), f F) ([]T, error) {
	rows, _, err := list(c.UserContext(), f, query.Page{Number: 1, Size: query.MaxPageSize})
	return rows, err
}

// Count is "1 student", "3 students".
func Count(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}
