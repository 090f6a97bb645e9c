package auth

import (
	"bytes"
	"mime/multipart"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignInPathIsExact(t *testing.T) {
	cases := map[string]bool{
		"/_tenant/login":                         true,
		"/_tenant/login/":                        true,
		"/_tenant/api/auth/login":                true,
		"/_tenant/api/auth/token/":               true,
		"/_platform/login":                       true,
		"/_platform/API/Auth/Login":              true, // routing ignores case
		"/_platform/api/auth/token":              true,
		"/_platform/api/clients/tenants/login":   false,
		"/_platform/api/clients/tenants/login/":  false,
		"/_platform/schools/login":               false,
		"/_tenant/users/login":                   false,
		"/_tenant/api/core/students/login":       false,
		"/_tenant/api/auth/token/extra":          false,
		"/_tenant/api/auth/login//":              false,
		"/login":                                 false, // not a routed path
		"/_tenant/t/login/api/auth/users/":       false,
		"/_platform/api/clients/domains/x.login": false,
	}
	for p, want := range cases {
		assert.Equal(t, want, signInPath(p), p)
	}
}

// csrfApp answers 204 when the request carries the token "secret" where validCSRF looks.
func csrfApp() *fiber.App {
	app := fiber.New()
	app.All("/*", func(c *fiber.Ctx) error {
		if validCSRF(c, "secret") {
			return c.SendStatus(fiber.StatusNoContent)
		}
		return c.SendStatus(fiber.StatusForbidden)
	})
	return app
}

func TestCSRFTokenComesFromTheHeaderOrTheBody(t *testing.T) {
	var mp bytes.Buffer
	mw := multipart.NewWriter(&mp)
	require.NoError(t, mw.WriteField(CSRFField, "secret"))
	require.NoError(t, mw.Close())
	var mpQuery bytes.Buffer
	mw2 := multipart.NewWriter(&mpQuery)
	require.NoError(t, mw2.WriteField("name", "x"))
	require.NoError(t, mw2.Close())

	cases := []struct {
		name, target, ctype, body, header string
		want                              int
	}{
		{"header", "/x", "application/json", "{}", "secret", 204},
		{"url-encoded body", "/x", "application/x-www-form-urlencoded", "a=1&_csrf=secret", "", 204},
		{"multipart body", "/x", mw.FormDataContentType(), mp.String(), "", 204},
		{"query only", "/x?_csrf=secret", "application/json", "{}", "", 403},
		{"query with a form body", "/x?_csrf=secret", "application/x-www-form-urlencoded", "a=1", "", 403},
		{"query with a multipart body", "/x?_csrf=secret", mw2.FormDataContentType(), mpQuery.String(), "", 403},
		{"wrong header", "/x", "application/json", "{}", "guess", 403},
		{"wrong body", "/x", "application/x-www-form-urlencoded", "_csrf=guess", "", 403},
		{"token in a JSON body", "/x", "application/json", `{"_csrf":"secret"}`, "", 403},
		{"nothing", "/x", "", "", "", 403},
	}
	app := csrfApp()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tc.target, strings.NewReader(tc.body))
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			if tc.header != "" {
				req.Header.Set("X-CSRF-Token", tc.header)
			}
			resp, err := app.Test(req)
			require.NoError(t, err)
			assert.Equal(t, tc.want, resp.StatusCode)
		})
	}
}
