package web

import (
	"encoding/json"
	"errors"
	"maps"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/core/school"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/webui"
)

// view is what every page template gets: the layout's needs plus the page's own Data.
type view struct {
	Title     string
	Site      string // the school's name, or "SMS Platform" on the base domain
	Initial   string // the letter in the brand mark
	Logo      string // the school's logo (a versioned link under the school), "" for none
	Prefix    string // "/t/<schema>" under subfolder routing; every link starts with it
	Platform  bool
	Asset     string // static asset version, for cache busting
	User      *auth.Principal
	RoleLabel string
	CSRF      string
	HXHeaders string // JSON for hx-headers, so htmx requests carry the CSRF token
	Home      string // where the brand mark leads: this site's start page
	Nav       []navItem
	Flash     string
	Notice    string            // information that is neither success nor error
	Error     string            // a message for the whole form or page
	Fields    map[string]string // messages next to fields
	Form      map[string]string // submitted values, shown again after an error
	Restore   *restoreView      // a form kept from before a sign-in, to fill in again
	Data      any
	// retryAfter, set from a busy school's error, goes out as the Retry-After header.
	retryAfter time.Duration
	// dates writes dates and moments as the school does (templates: date, datetime).
	dates school.Dates
}

// Date writes a stored date or moment in the school's date format (template: date).
func (v *view) Date(d any) string { return v.dates.Date(d) }

// DateTime writes a stored moment as the date and time it was in the school (template:
// datetime).
func (v *view) DateTime(d any) string { return v.dates.DateTime(d) }

// Dates is how the page's school writes dates and moments.
func (v *view) Dates() school.Dates { return v.dates }

type navItem struct {
	Label, Href string
	Active      bool
}

// LogoPath is where a school's logo is served, under the school.
const LogoPath = "/school/logo"

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

// notices are the informational messages a redirect may ask for with ?why=<key>; as with
// flashes, only these fixed texts are ever shown.
var notices = map[string]string{
	"ended": "Your session ended, so you were signed out. Sign in again to carry on where you were.",
	"stale": "The page was out of date, so nothing was changed. It is up to date now: please try again.",
}

// newView fills the layout's part of a page for this request.
func (h *handlers) newView(c *fiber.Ctx, title, active string) *view {
	r := tenancy.From(c)
	v := &view{Title: title, Asset: webui.Version(), Fields: map[string]string{}, Form: map[string]string{},
		Flash: h.flashes[c.Query("done")], Notice: notices[c.Query("why")]}
	if r == nil || r.Platform() {
		v.Platform, v.Site = true, platformName
	} else {
		v.Prefix, v.Site = r.Prefix, r.Info.Name
		// The profile is where the school keeps its name; the catalog's copy may lag.
		if p, err := school.New(r.Tenant).Profile(c.UserContext()); err == nil {
			if p.Name != "" {
				v.Site = p.Name
			}
			v.dates = p.Dates()
			if p.HasLogo() {
				v.Logo = v.Prefix + LogoPath + "?v=" + url.QueryEscape(p.LogoVersion)
			}
		}
		if v.Site == "" {
			v.Site = r.Info.Schema
		}
	}
	v.Home = v.Prefix + "/"
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
// data, so no cache keeps them. A page shown with 200 to a GET is where a form kept from
// before a sign-in comes back (see keepForm).
func (h *handlers) render(c *fiber.Ctx, status int, page string, v *view) error {
	if status == fiber.StatusOK && c.Method() == fiber.MethodGet && page != "error" && page != "login" {
		h.restoreInto(c, v)
	}
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
// sign-in page and come back afterwards: a page or search (htmx's too) to the same URL,
// an htmx button to the page it was on, and a form is kept to be filled in again (its
// sign-in page is the answer to the post itself). Others get a 403 page.
func (h *handlers) require(a auth.Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := auth.PrincipalOf(c)
		if p == nil {
			pre := prefix(c)
			q := url.Values{}
			switch {
			case c.Method() == fiber.MethodGet:
				if next := c.OriginalURL(); safeNext(pre, next) != "" && strings.TrimSuffix(next, "/") != pre {
					q.Set("next", next)
				}
			case isHTMX(c):
				if next := sitePage(c, c.Get("HX-Current-URL")); next != "" {
					q.Set("next", next)
				}
			default:
				return h.signInToKeep(c)
			}
			if ended, _ := auth.SessionEnded(c); ended {
				q.Set("why", "ended")
			}
			to := pre + "/login"
			if len(q) > 0 {
				to += "?" + q.Encode()
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
	return h.errorPage(c, statusFor(e), e, Problem{})
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

// errorData is what the error page shows.
type errorData struct {
	Heading, Message string
	Detail           string // small print for whoever looks after the server
	Link, LinkLabel  string // the way on: the start page, or the same page again
}

// Problem is a failed browser request as the app's error handler knows it.
type Problem struct {
	Status int
	Err    *errs.Error
	Cause  error // the error as it was returned, to recognise a stale form
	// BaseDomain is the platform's host: the way home from a host that names no school.
	BaseDomain string
}

// ErrorPages renders error pages; Routes returns the one that knows the modules' top
// bar entries, so an error page shows the same navigation as the page it replaces.
type ErrorPages struct{ h *handlers }

// Page answers a failed browser request with a page in the site's layout (the
// signed-in navigation too, when the request got that far) and a way on. It returns an
// error only if the page could not be rendered. The zero ErrorPages (a request failed
// before the pages were registered) shows the shell's navigation only.
func (e ErrorPages) Page(c *fiber.Ctx, a *auth.Service, p Problem) error {
	h := e.h
	if h == nil {
		ui, err := loadUI()
		if err != nil {
			return err
		}
		h = newHandlers(Deps{Auth: a}, ui)
	}
	if errors.Is(p.Cause, auth.ErrStaleForm) && auth.PrincipalOf(c) != nil {
		return h.staleForm(c, p)
	}
	return h.errorPage(c, p.Status, p.Err, p)
}

// errorPage renders e as the error page with status.
func (h *handlers) errorPage(c *fiber.Ctx, status int, e *errs.Error, p Problem) error {
	v := h.newView(c, "", "")
	msg := e.Message
	if len(e.Fields) > 0 && e.Code != errs.Internal {
		msg = e.Error() // names the fields, as the JSON body does
	}
	d := errorData{Message: sentence(msg), Link: v.Home, LinkLabel: "Back to the start page"}
	switch e.Code {
	case errs.NotFound:
		d.Heading = "Not found"
	case errs.Forbidden:
		d.Heading = "Not allowed"
	case errs.Conflict:
		d.Heading = "That did not work"
	case errs.TenantNotFound:
		d.Heading = "No school at this address"
		d.Message = sentence(e.Message) + ". Check the address, or ask the school office for the right one."
		if p.BaseDomain != "" {
			v.Home = siteURL(c, p.BaseDomain)
			d.Link, d.LinkLabel = v.Home, "Go to the SMS start page"
		}
	case errs.TenantSuspended:
		// Suspending is the platform's business; the school's users only need to know
		// that the pages are away for now, not that they are refused.
		d.Heading = "Temporarily unavailable"
		d.Message = "This school's pages are temporarily unavailable. Please try again later; if it stays like this, ask the school office."
		d.Link, d.LinkLabel = sameAgain(c), "Try again"
	case errs.TenantUnavailable, errs.Busy:
		d.Heading = "Temporarily unavailable"
		d.Link, d.LinkLabel = sameAgain(c), "Try again"
	case errs.StorageFull:
		d.Heading = "Nothing was saved"
	case errs.TooManyRequests:
		d.Heading = "Too many tries"
	case errs.Unauthorized:
		d.Heading = "Please sign in"
		d.Link, d.LinkLabel = v.Prefix+"/login", "Sign in"
	case errs.Internal:
		d.Heading = "Something went wrong" // the message names the request id for the log
	default:
		d.Heading = "Something is not right"
	}
	if tenancy.From(c) == nil {
		// The request reached no school and not the platform: the appliance's own name.
		v.Site, v.Initial = "SMS", "S"
	}
	v.Title, v.Data, v.retryAfter = d.Heading, d, e.RetryAfter
	return h.render(c, status, "error", v)
}

// sameAgain is a link to try the request's page again (a GET's own URL), or the start page.
func sameAgain(c *fiber.Ctx) string {
	u := c.OriginalURL()
	if c.Method() != fiber.MethodGet || !strings.HasPrefix(u, "/") || strings.HasPrefix(u, "//") || strings.ContainsAny(u, "\\\r\n\t") {
		return prefix(c) + "/"
	}
	return u
}

// staleForm answers a form whose token is not the session's (opened before the last
// sign-in): nothing is done, the page says why, and what was typed waits on the form.
// An htmx button goes back to its page, now with a current token, and says so there.
func (h *handlers) staleForm(c *fiber.Ctx, p Problem) error {
	if isHTMX(c) {
		back := sitePage(c, c.Get("HX-Current-URL"))
		if back == "" {
			back = prefix(c) + "/"
		}
		u, _ := url.Parse(back)
		q := u.Query()
		q.Set("why", "stale")
		u.RawQuery = q.Encode()
		return redirect(c, u.String())
	}
	back := h.keepForm(c, auth.DraftStale)
	v := h.newView(c, "", "")
	d := errorData{Heading: "This form is out of date",
		Message: "The page was opened before you last signed in, so nothing was saved. What you typed is kept: go back to the form, check it and send it again.",
		Detail:  "Technical detail: the form's CSRF token is not the one of this session.",
		Link:    back, LinkLabel: "Back to the form"}
	v.Title, v.Data = d.Heading, d
	return h.render(c, p.Status, "error", v)
}

// restoreView is a kept form on the page it returns to: the script fills the form whose
// action is Action; List shows the values to read where no form takes them.
type restoreView struct {
	Action string
	Fields string // JSON [[name, value], ...]
	List   []restoreItem
	Files  bool
}

type restoreItem struct{ Label, Value string }

var restoreNotices = map[auth.DraftReason]string{
	auth.DraftEnded: "Your session ended before this was saved. What you typed is back in the form: check it and press its button to save it.",
	auth.DraftStale: "This form was opened before you last signed in, so it was not saved. What you typed is back in the form: check it and press its button to save it.",
}

// restoreInto puts the form kept for this session and page, if any, on the view. It is
// taken once: reloading the page shows the form as the page has it.
func (h *handlers) restoreInto(c *fiber.Ctx, v *view) {
	if v.User == nil || v.User.SessionID == "" || h.Auth == nil {
		return
	}
	d, ok := h.Auth.Drafts.Take(v.User.SessionID, place(c), normalPage(c.OriginalURL()))
	if !ok {
		return
	}
	pairs := make([][2]string, 0, len(d.Fields))
	r := &restoreView{Action: d.Action, Files: d.Files}
	for _, f := range d.Fields {
		pairs = append(pairs, [2]string{f.Name, f.Value})
		if strings.TrimSpace(f.Value) != "" {
			r.List = append(r.List, restoreItem{Label: fieldLabel(f.Name), Value: f.Value})
		}
	}
	b, _ := json.Marshal(pairs)
	r.Fields = string(b)
	v.Restore = r
	v.Notice = restoreNotices[d.Reason]
	if d.Files {
		v.Notice += " Files cannot be kept: choose the file again."
	}
}

// fieldLabel turns a field name (guardian_phone, admin.email) into words for the list
// of kept values.
func fieldLabel(name string) string {
	return sentence(strings.NewReplacer("_", " ", ".", " ", "-", " ").Replace(name))
}

// keepForm keeps the fields of this form post (never a password or the form token) for
// the signed-in session, to come back on the page it was sent from, and returns that page.
func (h *handlers) keepForm(c *fiber.Ctx, reason auth.DraftReason) string {
	back := returnPage(c)
	p := auth.PrincipalOf(c)
	if p == nil || h.Auth == nil {
		return back
	}
	fields, files := formFields(c)
	h.Auth.Drafts.Keep(p.SessionID, auth.Draft{Place: place(c), Owner: p.UserID, Action: normalPage(c.OriginalURL()),
		Return: normalPage(back), Fields: fields, Files: files, Reason: reason})
	return back
}

// returnPage is the page a form post came from (its same-site Referer), else the post's
// own path, else the start page: where a kept form is shown again.
func returnPage(c *fiber.Ctx) string {
	if back := sitePage(c, c.Get(fiber.HeaderReferer)); back != "" {
		return back
	}
	if back := safeNext(prefix(c), c.OriginalURL()); back != "" {
		return back
	}
	return prefix(c) + "/"
}

// sitePage turns an absolute URL the browser reported (Referer, HX-Current-URL) into a
// path to come back to, if it is a page of this very site (same scheme, host and port,
// same school); "" otherwise.
func sitePage(c *fiber.Ctx, raw string) string {
	r := tenancy.From(c)
	if raw == "" || r == nil {
		return ""
	}
	u, err := url.Parse(raw)
	if err != nil || !strings.EqualFold(u.Scheme+"://"+u.Host, r.Origin) {
		return ""
	}
	return safeNext(r.Prefix, u.RequestURI())
}

// normalPage is a path and query in one spelling, so a page can be compared with the
// page a form was kept for.
func normalPage(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return s
	}
	return u.RequestURI()
}

// place names the school (by schema and incarnation) or the platform of the request; a
// kept form is handed out only in its own place.
func place(c *fiber.Ctx) string {
	r := tenancy.From(c)
	if r == nil || r.Platform() {
		return "platform"
	}
	return "school:" + r.Info.Schema + ":" + r.Info.Incarnation
}

// formFields are the values of the request's form body in order, without the form token
// and without passwords (which are never kept); files tells whether a file was chosen.
func formFields(c *fiber.Ctx) (fields []auth.DraftField, files bool) {
	keep := func(k, v string) {
		if k == auth.CSRFField || strings.Contains(strings.ToLower(k), "password") {
			return
		}
		fields = append(fields, auth.DraftField{Name: k, Value: v})
	}
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		c.Request().PostArgs().VisitAll(func(k, v []byte) { keep(string(k), string(v)) })
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		f, err := c.MultipartForm()
		if err != nil {
			return nil, false
		}
		for _, k := range slices.Sorted(maps.Keys(f.Value)) {
			for _, v := range f.Value[k] {
				keep(k, v)
			}
		}
		for _, fs := range f.File {
			for _, fh := range fs {
				files = files || fh.Filename != ""
			}
		}
	}
	return fields, files
}
