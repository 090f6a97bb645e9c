package app

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"math"
	"runtime/debug"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schoolsms/sms/app/api"
	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/errs"
	"github.com/schoolsms/sms/app/tenancy"
	"github.com/schoolsms/sms/app/web"
	"github.com/schoolsms/sms/webui"
)

// fiberCodes gives Fiber's own errors (no route, wrong method, body too large) a code.
var fiberCodes = map[int]errs.Code{
	fiber.StatusNotFound:         errs.NotFound,
	fiber.StatusMethodNotAllowed: errs.NotFound,
	fiber.StatusBadRequest:       errs.Invalid,
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    errs.Code         `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
	// Dependents are what stops a delete (409): the records that still refer to it.
	Dependents []errs.Dependent `json:"dependents,omitempty"`
}

// errorPage is the last resort when the site's own error page cannot be rendered.
var errorPage = template.Must(template.New("error").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · SMS</title><link rel="stylesheet" href="{{.Prefix}}/static/app.css?v={{.Version}}"></head>
<body><main class="container"><section class="card card-narrow"><h1>{{.Title}}</h1><p>{{.Message}}</p>
<p class="muted"><small>Error code <code>{{.Code}}</code>{{if .RequestID}}, request <code>{{.RequestID}}</code>{{end}}</small></p>
</section></main></body></html>`))

// errorHandler renders every error the same way: JSON for API clients, a page for browsers.
// Internal errors are logged with the request id and never echoed to the client.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	e := errs.As(err)
	var fe *fiber.Error
	if errors.As(err, &fe) {
		code, ok := fiberCodes[fe.Code]
		if !ok {
			code = errs.Invalid
		}
		e = &errs.Error{Code: code, Message: fe.Message}
		if fe.Code == fiber.StatusNotFound || fe.Code == fiber.StatusMethodNotAllowed {
			e.Message = "no such page: " + c.Method() + " " + requestPath(c)
		}
	}
	status := errs.HTTPStatus(e.Code)
	if fe != nil && fe.Code >= 400 && fe.Code != fiber.StatusMethodNotAllowed {
		status = fe.Code
	}
	switch e.Code {
	case errs.TenantUnavailable:
		s.log.Error("school unavailable", slog.String("request_id", requestID(c)), slog.String("tenant", tenancy.Schema(c)),
			slog.String("path", requestPath(c)), slog.Any("error", e.Err))
	case errs.Busy, errs.StorageFull:
		s.log.Warn("request refused", slog.String("request_id", requestID(c)), slog.String("tenant", tenancy.Schema(c)),
			slog.String("path", requestPath(c)), slog.String("code", string(e.Code)), slog.Any("error", err))
	case errs.Internal:
		if pe := (*panicError)(nil); errors.As(err, &pe) {
			s.log.Error("panic", slog.String("request_id", requestID(c)), slog.String("tenant", tenancy.Schema(c)),
				slog.String("method", c.Method()), slog.String("path", requestPath(c)),
				slog.String("error", fmt.Sprint(pe.value)), slog.String("stack", pe.stack))
		} else {
			s.log.Error("request failed", slog.String("request_id", requestID(c)), slog.String("tenant", tenancy.Schema(c)),
				slog.String("path", requestPath(c)), slog.Any("error", err))
		}
		e = &errs.Error{Code: errs.Internal, Message: "something went wrong on the server; the error was logged with request id " + requestID(c)}
	}
	c.Status(status)
	if e.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	staleHTMX := c.Get("HX-Request") == "true" && errors.Is(err, auth.ErrStaleForm)
	if wantsHTML(c) || staleHTMX {
		perr := s.errorPages.Page(c, s.a.Auth, web.Problem{Status: status, Err: e, Cause: err,
			BaseDomain: s.a.Config.BaseDomain})
		if perr == nil {
			return nil
		}
		s.log.Error("error page failed", slog.String("request_id", requestID(c)), slog.Any("error", perr))
		c.Response().ResetBody()
		c.Status(status)
		c.Type("html", "utf-8")
		prefix := ""
		if r := tenancy.From(c); r != nil {
			prefix = r.Prefix
		}
		msg := e.Message
		if len(e.Fields) > 0 {
			msg = e.Error() // names the fields, as the JSON body does
		}
		return errorPage.Execute(c.Response().BodyWriter(), map[string]any{
			"Title": titleOf(status), "Message": msg, "Code": e.Code, "RequestID": requestID(c),
			"Prefix": prefix, "Version": webui.Version()})
	}
	return c.JSON(errorBody{errorDetail{Code: e.Code, Message: e.Message, Fields: e.Fields, Dependents: e.Dependents}})
}

// panicError is a recovered panic, kept with its stack for the log.
type panicError struct {
	value any
	stack string
}

func (p *panicError) Error() string { return fmt.Sprintf("panic: %v", p.value) }

// recoverPanics turns a panicking handler into a 500 for that request alone: fasthttp
// does not recover, so one bad request would otherwise end the process and every school
// with it. The stack is logged with the request id by the error handler.
func (s *Server) recoverPanics(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &panicError{value: r, stack: string(debug.Stack())}
		}
	}()
	return c.Next()
}

func titleOf(status int) string {
	switch status {
	case 404:
		return "Not found"
	case 403:
		return "Not allowed"
	case 503:
		return "Temporarily unavailable"
	}
	if status >= 500 {
		return "Server error"
	}
	return "Request error"
}

// wantsHTML is true for browsers navigating to pages, false for the JSON API.
func wantsHTML(c *fiber.Ctx) bool {
	if strings.Contains(requestPath(c), "/api/") {
		return false
	}
	return strings.Contains(c.Get(fiber.HeaderAccept), "text/html")
}

// requestPath is the path as the client sent it (before tenancy rewrote it).
func requestPath(c *fiber.Ctx) string {
	p := c.OriginalURL()
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i]
	}
	return p
}

func requestID(c *fiber.Ctx) string { return api.RequestID(c) }

// logRequests gives each request an id (the client's X-Request-ID when it is sane) and
// logs one line when it is done: id, tenant, method, path, status, duration.
func (s *Server) logRequests(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(fiber.HeaderXRequestID)
	if !saneID(id) {
		var b [8]byte
		rand.Read(b[:])
		id = hex.EncodeToString(b[:])
	}
	c.Locals(api.RequestIDKey, id)
	c.Set(fiber.HeaderXRequestID, id)
	err := c.Next()
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	took := time.Since(start)
	s.a.Metrics.Request(routeOf(c), c.Method(), c.Response().StatusCode(), took)
	// Built only when it is written, and as attributes: Info's ...any would box each
	// one, a dozen allocations per request even at a level that drops the line.
	if !s.log.Enabled(context.Background(), slog.LevelInfo) {
		return nil
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("request_id", id),
		slog.String("tenant", tenancy.Schema(c)),
		slog.String("host", clip(string(c.Request().Header.Host()), 100)),
		slog.String("method", c.Method()),
		slog.String("route", routeOf(c)),
		slog.String("path", clip(requestPath(c), 200)),
		slog.Int("status", c.Response().StatusCode()),
		slog.Duration("duration", took),
		slog.Int("bytes", responseBytes(c)),
		slog.String("ip", c.IP()))
	return nil
}

// routeOf is the route pattern that answered ("/api/core/students/:id"), the same for
// a school's host and its /t/ prefix; "" when no route did (unknown school, no page),
// which leaves the request at a middleware mounted on "/".
func routeOf(c *fiber.Ctx) string {
	p := c.Route().Path
	for _, prefix := range []string{tenancy.TenantRoutes, tenancy.PlatformRoutes} {
		if rest, ok := strings.CutPrefix(p, prefix); ok {
			return rest
		}
	}
	if p == "/" {
		return ""
	}
	return p
}

// responseBytes is the size of the body sent; a streamed body is not read to count it.
func responseBytes(c *fiber.Ctx) int {
	if c.Response().IsBodyStream() {
		return max(c.Response().Header.ContentLength(), 0)
	}
	return len(c.Response().Body())
}

func saneID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// clip shortens client-controlled text before it goes into a log line.
func clip(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}
