package tenancy

import (
	"strings"
	"testing"
)

// FuzzSplitHost: any Host header either is refused or becomes a name routing can look
// up as it is: lower case, without port, user information, spaces or empty labels, and
// the same name when normalised again.
func FuzzSplitHost(f *testing.F) {
	for _, s := range []string{"demo.localhost", "DEMO.localhost:8080", "[::1]:80", "[::1]", "a@b", "localhost.",
		" x ", "[fe80::1%25eth0]", "host:99999", "host:", "\t", "a..b", "a..", "10.0.0.1:8080", "xn--bcher-kva.example",
		strings.Repeat("a", 300)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		host, port, err := SplitHost(raw)
		if err != nil {
			return
		}
		if host == "" || host != strings.ToLower(host) || len(host) > MaxHostLen+2 {
			t.Fatalf("SplitHost(%q) = %q", raw, host)
		}
		if strings.ContainsAny(host, "@/\\ \t\r\n%") || !strings.HasPrefix(host, "[") &&
			(strings.Contains(host, "..") || strings.HasPrefix(host, ".") || strings.HasSuffix(host, ".")) {
			t.Fatalf("SplitHost(%q) = %q: not a name routing can look up", raw, host)
		}
		if !validPort(port) {
			t.Fatalf("SplitHost(%q) port %q", raw, port)
		}
		again, err := NormalizeHost(host)
		if err != nil || again != host {
			t.Fatalf("NormalizeHost(%q) = %q, %v; want it unchanged", host, again, err)
		}
	})
}

// FuzzCheckDomain: a domain a school accepts is stable and is what a request for it routes by.
func FuzzCheckDomain(f *testing.F) {
	for _, s := range []string{"school.example.org", "Demo.LAN.", "a-b.c", "-a.b", "a_b.c", "1.2.3.4", "a:80", "ex ample.org"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := CheckDomain(raw)
		if err != nil {
			return
		}
		if again, err := CheckDomain(d); err != nil || again != d {
			t.Fatalf("CheckDomain(%q) = %q, then %q, %v", raw, d, again, err)
		}
		if h, err := NormalizeHost(d); err != nil || h != d {
			t.Fatalf("domain %q routes as %q, %v", d, h, err)
		}
	})
}
