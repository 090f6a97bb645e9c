package tenancy

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
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

func TestCheckDomain(t *testing.T) {
	good := map[string]string{
		"school.example.org":  "school.example.org",
		"School.Example.ORG.": "school.example.org",
		"st-marys.localhost":  "st-marys.localhost",
		"a1.b2":               "a1.b2",
	}
	for in, want := range good {
		got, err := CheckDomain(in)
		assert.NoError(t, err, in)
		assert.Equal(t, want, got)
	}
	for _, bad := range []string{"", "http://x.org", "x.org:80", "x.org/path", "x..org", "-x.org", "x-.org",
		"1.2.3.4", "[::1]", "under_score.org", "sp ace.org", strings.Repeat("a", 64) + ".org", strings.Repeat("a.", 130) + "org"} {
		_, err := CheckDomain(bad)
		assert.Error(t, err, bad)
	}
}
