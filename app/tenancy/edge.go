package tenancy

import (
	"bytes"
	"net"
	"net/netip"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/schoolsms/sms/app/errs"
)

// Forwarded headers a reverse proxy sets. From a client they are lies; from a trusted
// proxy the last value of each is what the proxy itself saw.
const (
	hdrForwardedHost     = "X-Forwarded-Host"
	hdrForwardedProto    = "X-Forwarded-Proto"
	hdrForwardedProtocol = "X-Forwarded-Protocol"
	hdrForwardedSsl      = "X-Forwarded-Ssl"
	hdrForwardedPort     = "X-Forwarded-Port"
	hdrForwardedFor      = "X-Forwarded-For"
	hdrURLScheme         = "X-Url-Scheme"
)

// Edge must run before anything reads the request's host, scheme or client address.
//
// fasthttp reads a Host header its own way: it keeps the last of several Host headers,
// drops userinfo ("a@b" routes to b) and lets an absolute-form target
// ("GET http://b/ HTTP/1.1") override the header. A proxy in front of the appliance,
// or the browser's idea of the origin, may read the same request differently, so each
// of these is refused with 400 bad_host instead of picking one reading.
//
// Then the X-Forwarded-* headers: from a peer in TrustedProxies they are reduced to the
// values the proxy itself added (the last of each list) and the forwarded host becomes
// the request's host, so routing, links, same-origin checks, Secure cookies, HSTS and
// c.IP() all see one answer; from anyone else they are removed.
func (rt *Router) Edge(c *fiber.Ctx) error {
	if err := checkWireHost(&c.Request().Header); err != nil {
		return err
	}
	if !rt.trustedPeer(c) {
		h := &c.Request().Header
		for _, k := range []string{hdrForwardedHost, hdrForwardedProto, hdrForwardedProtocol, hdrForwardedSsl,
			hdrForwardedPort, hdrForwardedFor, hdrURLScheme} {
			h.Del(k)
		}
		return c.Next()
	}
	if err := rt.applyForwarded(c); err != nil {
		return err
	}
	return c.Next()
}

// checkWireHost refuses a request whose host is ambiguous: more than one Host header,
// userinfo in it, or an absolute-form target naming another authority.
func checkWireHost(h *fasthttp.RequestHeader) error {
	if n := countHostHeaders(h.RawHeaders()); n > 1 {
		return errs.E(errs.BadHost, "the request has %d Host headers; send exactly one", n)
	}
	host := string(h.Host())
	if strings.Contains(host, "@") {
		return errs.E(errs.BadHost, "the Host header must not contain user information (@)")
	}
	target, absolute := absoluteAuthority(h.RequestURI())
	if !absolute {
		return nil
	}
	if strings.Contains(target, "@") {
		return errs.E(errs.BadHost, "the request target must not contain user information (@)")
	}
	if !sameAuthority(target, host) {
		return errs.E(errs.BadHost, "the request target names %q but the Host header %q", clip(target), clip(host))
	}
	return nil
}

// countHostHeaders counts the Host lines of a raw header block: fasthttp keeps only the
// last one, so the raw bytes are the only place a second one shows.
func countHostHeaders(raw []byte) int {
	n := 0
	for len(raw) > 0 {
		line := raw
		if i := bytes.IndexByte(raw, '\n'); i >= 0 {
			line, raw = raw[:i], raw[i+1:]
		} else {
			raw = nil
		}
		if k, _, ok := bytes.Cut(line, []byte{':'}); ok && bytes.EqualFold(bytes.TrimSpace(k), []byte("host")) {
			n++
		}
	}
	return n
}

// absoluteAuthority returns the authority of an absolute-form request target
// ("http://host:port/path"), recognised the way fasthttp recognises it when the Host
// header is present (a path starting "//" is a path).
func absoluteAuthority(uri []byte) (string, bool) {
	n := bytes.Index(uri, []byte("://"))
	if n < 0 || bytes.IndexByte(uri[:n], '/') >= 0 {
		return "", false
	}
	rest := uri[n+3:]
	if i := bytes.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return string(rest), true
}

// sameAuthority compares two host[:port] values as routing would read them.
func sameAuthority(a, b string) bool {
	ha, pa, err := SplitHost(a)
	if err != nil {
		return false
	}
	hb, pb, err := SplitHost(b)
	return err == nil && ha == hb && pa == pb
}

// trustedPeer reports whether the connection comes from a configured reverse proxy.
func (rt *Router) trustedPeer(c *fiber.Ctx) bool {
	if len(rt.TrustedProxies) == 0 {
		return false
	}
	addr, ok := netip.AddrFromSlice(c.Context().RemoteIP())
	return ok && rt.trusted(addr.Unmap())
}

func (rt *Router) trusted(a netip.Addr) bool {
	for _, p := range rt.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// applyForwarded keeps, of each forwarded header, the value the trusted proxy added.
func (rt *Router) applyForwarded(c *fiber.Ctx) error {
	h := &c.Request().Header
	if v := lastValue(h, hdrForwardedHost); v != "" {
		if strings.Contains(v, "@") {
			return errs.E(errs.BadHost, "the X-Forwarded-Host header must not contain user information (@)")
		}
		if _, _, err := SplitHost(v); err != nil {
			return errs.E(errs.BadHost, "the X-Forwarded-Host header is not a valid host name")
		}
		h.SetHost(v)
		c.Request().URI().SetHost(v)
	}
	// Fiber would read the first value of the forwarded host (the client's), so it goes.
	h.Del(hdrForwardedHost)

	proto := strings.ToLower(lastValue(h, hdrForwardedProto))
	if proto == "" {
		proto = strings.ToLower(lastValue(h, hdrForwardedProtocol))
	}
	h.Del(hdrForwardedProto)
	h.Del(hdrForwardedProtocol)
	if proto == "http" || proto == "https" {
		h.Set(hdrForwardedProto, proto)
	}

	client := rt.forwardedClient(h)
	h.Del(hdrForwardedFor)
	if client != "" {
		h.Set(hdrForwardedFor, client)
	}
	return nil
}

// forwardedClient is the address the nearest untrusted hop had: X-Forwarded-For read
// from the right, skipping the trusted proxies; everything left of that the client
// could have written itself.
func (rt *Router) forwardedClient(h *fasthttp.RequestHeader) string {
	hops := values(h, hdrForwardedFor)
	client := ""
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(hops[i])
		if err != nil {
			// A port or brackets ("[::1]:80", "1.2.3.4:5") are written by some proxies.
			if host, _, serr := net.SplitHostPort(hops[i]); serr == nil {
				a, err = netip.ParseAddr(host)
			}
			if err != nil {
				return client
			}
		}
		client = a.Unmap().String()
		if !rt.trusted(a.Unmap()) {
			return client
		}
	}
	return client
}

// values splits every occurrence of a comma-separated header into its trimmed parts.
func values(h *fasthttp.RequestHeader, key string) []string {
	var out []string
	for _, v := range h.PeekAll(key) {
		for _, part := range strings.Split(string(v), ",") {
			if part = strings.TrimSpace(part); part != "" {
				out = append(out, part)
			}
		}
	}
	return out
}

func lastValue(h *fasthttp.RequestHeader, key string) string {
	v := values(h, key)
	if len(v) == 0 {
		return ""
	}
	return v[len(v)-1]
}
