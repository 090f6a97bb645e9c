package tenancy

import (
	"net/netip"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/valyala/fasthttp"
)

func TestNormalizeHost(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"demo.localhost", "demo.localhost", true},
		{"Demo.LocalHost:8080", "demo.localhost", true},
		{"demo.localhost.", "demo.localhost", true},
		{"demo.localhost.:80", "demo.localhost", true},
		{"127.0.0.1:8080", "127.0.0.1", true},
		{"[::1]:8080", "[::1]", true},
		{"[::1]", "[::1]", true},
		{"[FE80::1]", "[fe80::1]", true},
		{"", "", false},
		{"   ", "", false},
		{":8080", "", false},
		{"[::1", "", false},
		{"[not-ip]:80", "", false},
		{"demo.localhost:http", "", false},
		{"demo.localhost:123456", "", false},
		{"demo.localhost:65536", "", false},
		{"demo.localhost:99999", "", false},
		{"demo.localhost:65535", "demo.localhost", true},
		{"demo.localhost:", "demo.localhost", true},
		{"demo.localhost:+80", "", false},
		{"[::1]x", "", false},
		{"demo.localhost@other.localhost", "", false},
		{"\tdemo.localhost", "", false},
		{"demo.localhost\t", "", false},
		{" demo.localhost ", "demo.localhost", true},
		{"demo.localhost other.localhost", "", false},
		{"bad host", "", false},
		{"école.localhost", "", false},
		{strings.Repeat("a", 254), "", false},
		{strings.Repeat("a", 300), "", false},
	}
	for _, tc := range cases {
		got, err := NormalizeHost(tc.in)
		if tc.ok {
			assert.NoError(t, err, tc.in)
			assert.Equal(t, tc.want, got, tc.in)
		} else {
			assert.Error(t, err, tc.in)
		}
	}
}

func TestSplitHost(t *testing.T) {
	cases := []struct{ in, host, port string }{
		{"Demo.Localhost:8080", "demo.localhost", "8080"},
		{"demo.localhost", "demo.localhost", ""},
		{"[::1]:8443", "[::1]", "8443"},
		{"[::1]", "[::1]", ""},
		{"10.0.0.1:80", "10.0.0.1", "80"},
	}
	for _, tc := range cases {
		h, p, err := SplitHost(tc.in)
		assert.NoError(t, err, tc.in)
		assert.Equal(t, tc.host, h, tc.in)
		assert.Equal(t, tc.port, p, tc.in)
	}
}

func TestCheckDomain(t *testing.T) {
	good := map[string]string{
		"school.example.org":  "school.example.org",
		"School.Example.ORG.": "school.example.org",
		"st-marys.localhost":  "st-marys.localhost",
		"a1.b2":               "a1.b2",
		"2026-02.example.org": "2026-02.example.org",
		"school.0xz":          "school.0xz",
	}
	for in, want := range good {
		got, err := CheckDomain(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "http://x.org", "x.org:80", "x.org/path", "x..org", "-x.org", "x-.org",
		"1.2.3.4", "[::1]", "under_score.org", "sp ace.org", strings.Repeat("a", 64) + ".org", strings.Repeat("a.", 130) + "org",
		// browsers read a host whose last part is a number as an IPv4 address
		// (127.1 and 2130706433 are 127.0.0.1), so no school can be reached at one
		"127.1", "2130706433", "99999999999999999999", "school.2026", "0x7f.1", "a.0X1F"} {
		_, err := CheckDomain(bad)
		assert.Error(t, err, bad)
	}
}

func TestForwardedClient(t *testing.T) {
	rt := &Router{TrustedProxies: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.1/32")}}
	cases := []struct {
		headers []string
		want    string
	}{
		{[]string{"203.0.113.9"}, "203.0.113.9"},
		{[]string{"198.51.100.1, 203.0.113.9"}, "203.0.113.9"},
		{[]string{"198.51.100.1, 203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{[]string{"198.51.100.1", "203.0.113.9, 10.1.2.3"}, "203.0.113.9"},
		{[]string{"10.9.9.9, 10.1.2.3"}, "10.9.9.9"},
		{[]string{"garbage, 203.0.113.9"}, "203.0.113.9"},
		{[]string{"203.0.113.9, garbage"}, ""},
		{[]string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{[]string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{nil, ""},
	}
	for _, tc := range cases {
		var h fasthttp.RequestHeader
		for _, v := range tc.headers {
			h.Add("X-Forwarded-For", v)
		}
		assert.Equal(t, tc.want, rt.forwardedClient(&h), "%q", tc.headers)
	}
}

func TestHostHeaderChecks(t *testing.T) {
	assert.Equal(t, 0, countHostHeaders(nil))
	assert.Equal(t, 1, countHostHeaders([]byte("Host: a\r\nAccept: */*\r\n\r\n")))
	assert.Equal(t, 2, countHostHeaders([]byte("Host: a\r\nX-Host: b\r\nhOST:b\r\n\r\n")))
	assert.Equal(t, 1, countHostHeaders([]byte("X-Original-Host: a\r\nHost: b\r\n\r\n")))

	for uri, want := range map[string]string{"http://a.b/x": "a.b", "https://u@a.b:8/x?y": "u@a.b:8", "ftp://a.b": "a.b", "http://a.b?x=/y": "a.b"} {
		got, ok := absoluteAuthority([]byte(uri))
		assert.True(t, ok, uri)
		assert.Equal(t, want, got, uri)
	}
	for _, uri := range []string{"/x", "/x?next=http://a.b/", "/x//y", "//a.b/x", "*"} {
		_, ok := absoluteAuthority([]byte(uri))
		assert.False(t, ok, uri)
	}
	assert.True(t, sameAuthority("A.b:80", "a.b.:80"))
	assert.False(t, sameAuthority("a.b:80", "a.b"))
	assert.False(t, sameAuthority("a.b", "c.b"))
}
