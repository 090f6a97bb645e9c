package web

import (
	"encoding/json"
	"math"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/webui"
)

// view is what every page template gets: the layout's needs plus the page's own Data.
type view struct {
	Title     string
	Site      string // the school's name, or "SMS Platform" on the base domain
	Initial   string // the letter in the brand mark
	Prefix    string // "/t/<schema>" under subfolder routing; every link starts with it
	Platform  bool
	Asset     string // static asset version, for cache busting
	User      *auth.Principal
	RoleLabel string
	CSRF      string
	HXHeaders string // JSON for hx-headers, so htmx requests carry the CSRF token
	Nav       []navItem
	Flash     string
	Error     string            // a message for the whole form or page
	Fields    map[string]string // messages next to fields
	Form      map[string]string // submitted values, shown again after an error
	Data      any
	// retryAfter, set from a busy school's error, goes out as the Retry-After header.
	retryAfter time.Duration
}

type navItem struct {
	Label, Href string
	Active      bool
}

// platformName is the site name on the base domain.
const platformName = "SMS Platform"

var roleLabels = map[auth.Role]string{
	auth.RoleAdmin:         "Admin",
	auth.RoleTeacher:       "Teacher",
	auth.RoleClerk:         "Clerk",
	auth.RoleViewer:        "Viewer",
	auth.RolePlatformAdmin: "Platform admin",
}

func roleLabel(r auth.Role) string {
	if l, ok := roleLabels[r]; ok {
		return l
	}
	return string(r)
}

// roleOption is one entry of the role select.
type roleOption struct{ Value, Label, Hint string }

var roleOptions = []roleOption{
	{string(auth.RoleAdmin), "Admin", "everything, including staff accounts"},
	{string(auth.RoleTeacher), "Teacher", "own classes and subjects"},
	{string(auth.RoleClerk), "Clerk", "students, admissions, guardians"},
	{string(auth.RoleViewer), "Viewer", "read only"},
}

// flashes are the messages a redirect may ask for with ?done=<key> (the modules add
// theirs: Pages.Flashes). Only these fixed texts are ever shown, so a crafted link
// cannot put words on the page.
var flashes = map[string]string{
	"signed_out":       "You are signed out.",
	"user_created":     "The user was created and can sign in now.",
	"user_saved":       "The changes were saved.",
	"user_activated":   "The account is active again.",
	"user_deactivated": "The account was deactivated; it was signed out everywhere.",
	"password_set":     "The password was changed; the user was signed out everywhere.",
	"created":          "The school was created.",
	"renamed":          "The school was renamed.",
	"suspended":        "The school is suspended.",
	"resumed":          "The school is served again.",
	"domain_added":     "The domain was added.",
	"domain_removed":   "The domain was removed.",
	"primary_set":      "The primary domain was changed.",
	"deleted":          "The school was deleted.",
}

// newView fills the layout's part of a page for this request.
func (h *handlers) newView(c *fiber.Ctx, title, active string) *view {
	r := tenancy.From(c)
	v := &view{Title: title, Asset: webui.Version(), Fields: map[string]string{}, Form: map[string]string{},
		Flash: h.flashes[c.Query("done")]}
	if r == nil || r.Platform() {
		v.Platform, v.Site = true, platformName
	} else {
		v.Prefix, v.Site = r.Prefix, r.Info.Name
		if v.Site == "" {
			v.Site = r.Info.Schema
		}
	}
	if ch, _ := utf8.DecodeRuneInString(v.Site); ch != utf8.RuneError {
		v.Initial = string(unicode.ToUpper(ch))
	}
	if p := auth.PrincipalOf(c); p != nil {
		v.User, v.RoleLabel, v.CSRF = p, roleLabel(p.Role), p.CSRFToken
		if p.CSRFToken != "" {
			b, _ := json.Marshal(map[string]string{"X-CSRF-Token": p.CSRFToken})
			v.HXHeaders = string(b)
		}
		v.Nav = h.nav(v, p, active)
	}
	return v
}

func (h *handlers) nav(v *view, p *auth.Principal, active string) []navItem {
	var items []navItem
	add := func(key, label, href string) {
		items = append(items, navItem{Label: label, Href: href, Active: key == active})
	}
	if v.Platform {
		if auth.Allowed(p, auth.UsePlatform) {
			add("schools", "Schools", "/")
		}
		if auth.Allowed(p, auth.ManageSchools) {
			add("new_school", "New school", "/schools/new")
		}
		return items
	}
	add("dashboard", "Dashboard", v.Prefix+"/")
	for _, n := range h.navItems {
		if auth.Allowed(p, n.Action) && (n.Show == nil || n.Show(p)) {
			add(n.Key, n.Label, v.Prefix+n.Path)
		}
	}
	if auth.Allowed(p, auth.ManageUsers) {
		add("users", "Users", v.Prefix+"/users")
	}
	return items
}

// render writes a whole page with the status. Pages carry CSRF tokens and personal
// data, so no cache keeps them.
func (h *handlers) render(c *fiber.Ctx, status int, page string, v *view) error {
	c.Status(status)
	setRetryAfter(c, v.retryAfter)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.ui.Render(c.Response().BodyWriter(), page, v)
}

// setRetryAfter tells a client that met a busy school when to try again.
func setRetryAfter(c *fiber.Ctx, d time.Duration) {
	if d > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(d.Seconds()))))
	}
}

// renderPart writes one fragment of a page (for htmx).
func (h *handlers) renderPart(c *fiber.Ctx, status int, page, part string, data any) error {
	c.Status(status)
	c.Type("html", "utf-8")
	c.Set(fiber.HeaderCacheControl, "no-store")
	return h.ui.RenderPart(c.Response().BodyWriter(), page, part, data)
}

// redirect sends the browser to a page with 303 See Other (a POST becomes a GET). htmx
// requests are told with HX-Redirect so the whole page changes, not a fragment.
func redirect(c *fiber.Ctx, to string) error {
	if isHTMX(c) {
		c.Set("HX-Redirect", to)
		return c.SendStatus(fiber.StatusNoContent)
	}
	return c.Redirect(to, fiber.StatusSeeOther)
}

func isHTMX(c *fiber.Ctx) bool { return c.Get("HX-Request") == "true" }

// prefix is what links of this request start with.
func prefix(c *fiber.Ctx) string {
	if r := tenancy.From(c); r != nil {
		return r.Prefix
	}
	return ""
}

// require lets signed-in users with the right through. Anonymous browsers go to the
// sign-in page (coming back here afterwards); others get a 403 page.
func (h *handlers) require(a auth.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := auth.PrincipalOf(c)
		if p == nil {
			to := prefix(c) + "/login"
			if c.Method() == fiber.MethodGet && !isHTMX(c) {
				if next := c.OriginalURL(); safeNext(prefix(c), next) != "" && strings.TrimSuffix(next, "/") != prefix(c) {
					to += "?next=" + url.QueryEscape(next)
				}
			}
			return redirect(c, to)
		}
		if !auth.Allowed(p, a) {
			return h.fail(c, errs.E(errs.Forbidden, "Your account (%s) may not open this page.", roleLabel(p.Role)))
		}
		return c.Next()
	}
}

// safeNext returns next if it is a path inside this school (or the platform) to come
// back to after signing in, "" otherwise: never another site, never the sign-in page.
func safeNext(prefix, next string) string {
	if !strings.HasPrefix(next, prefix+"/") || strings.HasPrefix(next, "//") || strings.ContainsAny(next, "\\\r\n\t") {
		return ""
	}
	rest := strings.TrimPrefix(next, prefix)
	if strings.HasPrefix(rest, "//") || rest == "/login" || strings.HasPrefix(rest, "/login?") || strings.HasPrefix(rest, "/logout") {
		return ""
	}
	return next
}

// statusFor is the HTTP status of a user-facing error (Internal never gets here).
func statusFor(e *errs.Error) int {
	if e.Code == errs.Internal {
		return fiber.StatusBadRequest
	}
	return errs.HTTPStatus(e.Code)
}

var headings = map[errs.Code]string{
	errs.NotFound:  "Not found",
	errs.Forbidden: "Not allowed",
	errs.Conflict:  "That did not work",
}

// fail shows a user-facing error as a page in the site's layout. Internal errors go to
// the app's error handler, which logs them with the request id.
func (h *handlers) fail(c *fiber.Ctx, err error) error {
	e := errs.As(err)
	if e.Code == errs.Internal {
		return err
	}
	if isHTMX(c) { // a fragment request: let the error page replace the page
		return err
	}
	heading, ok := headings[e.Code]
	if !ok {
		heading = "Something is not right"
	}
	v := h.newView(c, heading, "")
	v.retryAfter = e.RetryAfter
	v.Data = map[string]string{"Heading": heading, "Message": sentence(e.Message)}
	return h.render(c, statusFor(e), "error", v)
}

// formError puts a service error on a form: field messages next to their fields and a
// summary at the top. It returns the status to answer with, or the error itself when it
// is internal and must reach the app's error handler.
func formError(v *view, err error) (int, error) {
	e := errs.As(err)
	if e.Code == errs.Internal {
		return 0, err
	}
	v.retryAfter = e.RetryAfter
	for k, msg := range e.Fields {
		v.Fields[k] = sentence(msg)
	}
	switch {
	case len(e.Fields) > 0 && e.Code == errs.Invalid:
		v.Error = "Please correct the highlighted fields."
	default:
		v.Error = sentence(e.Message)
	}
	return statusFor(e), nil
}

// sentence capitalises a service message for display.
func sentence(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return s
	}
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

// siteURL is the address of host on the port and scheme this request came in on, so
// links to a school's domain work on a LAN appliance listening on :8080.
func siteURL(c *fiber.Ctx, host string) string {
	port := ""
	if _, p, err := net.SplitHostPort(string(c.Request().Host())); err == nil && p != "" {
		port = ":" + p
	}
	return c.Protocol() + "://" + host + port + "/"
}

// form copies the named form values, trimmed of surrounding spaces.
func form(c *fiber.Ctx, names ...string) map[string]string {
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = strings.TrimSpace(c.FormValue(n))
	}
	return m
}
