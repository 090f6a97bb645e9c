package auth

import (
	"crypto/subtle"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
)

const (
	principalKey = "sms.principal"
	endedKey     = "sms.session_ended"
)

// ErrStaleForm is the cause of the Forbidden error for an unsafe request whose CSRF token
// is missing or is not the session's: typically a form opened before the last sign-in.
var ErrStaleForm = errors.New("csrf token does not match the session")

type endedSession struct{ user int64 }

// SessionEnded reports whether the request came with a session cookie that no longer
// works (expired, idle, signed out elsewhere, or its account deactivated), and the
// account it belonged to when the server still knew (0 otherwise).
func SessionEnded(c *fiber.Ctx) (bool, int64) {
	e, ok := c.Locals(endedKey).(*endedSession)
	if !ok {
		return false, 0
	}
	return true, e.user
}

// PrincipalOf returns the request's authenticated account, nil if anonymous.
func PrincipalOf(c *fiber.Ctx) *Principal {
	p, _ := c.Locals(principalKey).(*Principal)
	return p
}

// StoreFor is the store of the realm the request is in.
func (s *Service) StoreFor(c *fiber.Ctx) Store {
	r := tenancy.From(c)
	if r == nil || r.Platform() {
		return PlatformStore(s.Catalog)
	}
	return SchoolStore(r.Tenant)
}

func schemaOf(c *fiber.Ctx) string {
	if r := tenancy.From(c); r != nil {
		return r.Info.Schema
	}
	return ""
}

// Cookie names differ by realm so a platform cookie on the base host is never mistaken
// for a school's cookie under /t/<schema>/ on the same host.
const (
	schoolCookie   = "sms_session"
	platformCookie = "sms_platform"
)

// CookieName and CookiePath are where the session cookie of this request's realm lives:
// school cookies under /t/<schema>/ are scoped to that path, host cookies to the host.
func CookieName(c *fiber.Ctx) string {
	if r := tenancy.From(c); r == nil || r.Platform() {
		return platformCookie
	}
	return schoolCookie
}

func cookiePath(c *fiber.Ctx) string {
	if r := tenancy.From(c); r != nil && r.Prefix != "" {
		return r.Prefix + "/"
	}
	return "/"
}

// SetSessionCookie hands the browser its session: HttpOnly, SameSite=Lax, Secure under TLS.
func SetSessionCookie(c *fiber.Ctx, secret string) {
	c.Cookie(&fiber.Cookie{Name: CookieName(c), Value: secret, Path: cookiePath(c), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https",
		Expires: time.Now().Add(SessionMaxAge)})
}

// ClearSessionCookie removes the session cookie.
func ClearSessionCookie(c *fiber.Ctx) {
	c.Cookie(&fiber.Cookie{Name: CookieName(c), Value: "", Path: cookiePath(c), HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, Secure: c.Protocol() == "https", Expires: time.Unix(1, 0), MaxAge: -1})
}

// Authenticate finds the principal of a request by bearer token or session cookie, in
// the request's realm only, and enforces CSRF on cookie-authenticated unsafe requests.
// Anonymous requests pass through; Require decides whether they may continue.
func (s *Service) Authenticate(c *fiber.Ctx) error {
	ctx := c.UserContext()
	st := s.StoreFor(c)
	schema := schemaOf(c)
	if h := c.Get(fiber.HeaderAuthorization); h != "" {
		scheme, secret, _ := strings.Cut(h, " ")
		if !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(secret) == "" {
			return errs.E(errs.Unauthorized, "the Authorization header must be \"Bearer <token>\"")
		}
		p, ok, err := s.TokenPrincipal(ctx, st, schema, strings.TrimSpace(secret))
		if err != nil {
			return err
		}
		if !ok {
			return errs.E(errs.Unauthorized, "the token is not valid here (unknown, revoked, expired, or issued elsewhere)")
		}
		c.Locals(principalKey, p)
		return c.Next()
	}
	if secret := c.Cookies(CookieName(c)); secret != "" {
		p, ended, err := s.session(ctx, st, schema, secret)
		if err != nil {
			return err
		}
		if p == nil {
			ClearSessionCookie(c)
			c.Locals(endedKey, &endedSession{user: ended})
		} else {
			// Signing in replaces whatever session the browser had, so a sign-in form from
			// an older tab is not refused for lacking the current session's CSRF token.
			if unsafeMethod(c.Method()) && !signInPath(c.Path()) && !validCSRF(c, p.CSRFToken) {
				// The principal is known, so the error page can be the signed-in layout
				// and keep the form for this session; no handler runs after an error.
				c.Locals(principalKey, p)
				return &errs.Error{Code: errs.Forbidden, Err: ErrStaleForm,
					Message: "the form or request is missing its CSRF token, or it is out of date; reload the page and try again"}
			}
			c.Locals(principalKey, p)
		}
	}
	if unsafeMethod(c.Method()) && !sameOrigin(c) {
		return errs.E(errs.Forbidden, "cross-site request refused")
	}
	return c.Next()
}

// signInRoutes are the routed paths (after tenancy has rewritten the request) of the
// forms and endpoints that sign in. Only these are exempt from the CSRF token; matching
// on a path's ending would also exempt, say, the platform's routes for a school named
// "login".
var signInRoutes = map[string]bool{}

func init() {
	for _, realm := range []string{tenancy.TenantRoutes, tenancy.PlatformRoutes} {
		for _, p := range []string{"/login", "/api/auth/login", "/api/auth/token"} {
			signInRoutes[realm+p] = true
		}
	}
}

// signInPath reports whether the routed path p is a sign-in route. Routing ignores case
// and one trailing slash, so this does too.
func signInPath(p string) bool {
	return signInRoutes[strings.ToLower(strings.TrimSuffix(p, "/"))]
}

func unsafeMethod(m string) bool {
	switch m {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return false
	}
	return true
}

// CSRFField is the form field (and X-CSRF-Token the header) carrying the session's token.
const CSRFField = "_csrf"

// validCSRF checks the token from the X-CSRF-Token header or the form body. A token in
// the URL is ignored: URLs end up in logs, browser history and Referer headers.
func validCSRF(c *fiber.Ctx, want string) bool {
	got := c.Get("X-CSRF-Token")
	if got == "" {
		got = formCSRF(c)
	}
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// formCSRF is the CSRF field of a form body (URL-encoded or multipart), never of the query.
func formCSRF(c *fiber.Ctx) string {
	ct := strings.ToLower(string(c.Request().Header.ContentType()))
	switch {
	case strings.HasPrefix(ct, fiber.MIMEApplicationForm):
		return string(c.Request().PostArgs().Peek(CSRFField))
	case strings.HasPrefix(ct, fiber.MIMEMultipartForm):
		if f, err := c.MultipartForm(); err == nil && len(f.Value[CSRFField]) > 0 {
			return f.Value[CSRFField][0]
		}
	}
	return ""
}

// sameOrigin refuses unsafe requests whose Origin names another site (login CSRF);
// requests without an Origin header (curl, older browsers) are allowed.
func sameOrigin(c *fiber.Ctx) bool {
	o := c.Get(fiber.HeaderOrigin)
	if o == "" || o == "null" {
		return o == ""
	}
	u, err := url.Parse(o)
	return err == nil && strings.EqualFold(u.Host, string(c.Request().Host()))
}

// Require lets the request through only if its principal may do the action: 401 when
// nobody is signed in, 403 when the account is not allowed.
func Require(a Action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		p := PrincipalOf(c)
		if p == nil {
			return errs.E(errs.Unauthorized, "sign in first")
		}
		if !Allowed(p, a) {
			return errs.E(errs.Forbidden, "your account (%s) is not allowed to do this", p.Role)
		}
		return c.Next()
	}
}

// MetaFrom is the audit metadata of the current request.
func MetaFrom(c *fiber.Ctx) Meta { return MetaOf(PrincipalOf(c), c.IP(), api.RequestID(c)) }

// SecurityHeaders sets the headers every response carries.
func SecurityHeaders(c *fiber.Ctx) error {
	h := &c.Response().Header
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
	h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'")
	h.Set("Cross-Origin-Opener-Policy", "same-origin")
	if c.Protocol() == "https" {
		h.Set("Strict-Transport-Security", "max-age=31536000")
	}
	return c.Next()
}
