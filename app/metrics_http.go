package app

import (
	"bytes"
	"crypto/subtle"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/schoolsms/sms/app/errs"
)

// metricsHandler answers /metrics in the Prometheus text format, to this machine or to
// a scraper with the metrics token: the counts name routes and schools' load, which is
// nobody else's business.
func (s *Server) metricsHandler() fiber.Handler {
	serve := adaptor.HTTPHandler(promhttp.HandlerFor(s.a.Metrics.Registry, promhttp.HandlerOpts{}))
	return func(c *fiber.Ctx) error {
		if !s.mayReadMetrics(c) {
			return errs.E(errs.Forbidden, "metrics are served to this machine, or with the metrics token (Authorization: Bearer)")
		}
		return serve(c)
	}
}

// mayReadMetrics: the right bearer token, or a request from a loopback address that
// did not come through a proxy (a reverse proxy on this machine would otherwise make
// every client look local).
func (s *Server) mayReadMetrics(c *fiber.Ctx) bool {
	if tok := s.a.Config.MetricsToken; tok != "" {
		got, ok := strings.CutPrefix(c.Get(fiber.HeaderAuthorization), "Bearer ")
		if ok && subtle.ConstantTimeCompare([]byte(got), []byte(tok)) == 1 {
			return true
		}
	}
	peer, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	if !ok || !peer.Unmap().IsLoopback() {
		return false
	}
	return !proxied(c.Request().Header.RawHeaders())
}

// proxied reports whether the request as it arrived carries a header a proxy adds.
// The raw headers are read because the edge removes forwarded headers from untrusted
// peers before handlers see them.
func proxied(raw []byte) bool {
	for line := range bytes.SplitSeq(raw, []byte("\n")) {
		name, _, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(string(name))) {
		case "x-forwarded-for", "forwarded", "x-real-ip", "via":
			return true
		}
	}
	return false
}
