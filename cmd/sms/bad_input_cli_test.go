package main

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const schemaRuleText = "--schema must be 2-63 characters of lower-case letters, digits and _"

type badInput struct {
	name string
	args []string
	code int      // expected exit status
	want []string // each must appear in the stderr line
}

func args(a ...string) []string { return a }

// badInputs are commands that must fail without changing anything. They run against a
// data directory holding alpha (alpha.localhost) and beta (beta.org primary,
// www.beta.org, gamma.localhost).
func badInputs() []badInput {
	long := "a" + strings.Repeat("b", 63) // 64 characters
	var cases []badInput

	// Schema names that can never name a school, for create and for clone.
	for _, s := range []string{"../x", "Public", "public", "a", long, "écola", "1abc", "_abc", "ab-c", "ab c", "ab.c", "ab/c", ""} {
		cases = append(cases,
			badInput{"create schema " + s, args("tenant", "create", "--schema", s, "--name", "School"), 1, []string{schemaRuleText}},
			badInput{"clone to schema " + s, args("tenant", "clone", "--from", "alpha", "--schema", s, "--name", "School"), 1, []string{schemaRuleText}},
		)
	}
	cases = append(cases,
		badInput{"clone from invalid schema", args("tenant", "clone", "--from", "../alpha", "--schema", "fresh", "--name", "F"), 1,
			[]string{"--from must be 2-63 characters"}},
		badInput{"invalid name and schema together", args("tenant", "create", "--schema", "Bad", "--name", " "), 1,
			[]string{"--name must not be empty", schemaRuleText}},
	)

	// Missing or malformed flags and arguments: usage errors.
	cases = append(cases,
		badInput{"create without --schema", args("tenant", "create", "--name", "N"), 2, []string{"--schema is required"}},
		badInput{"create without --name", args("tenant", "create", "--schema", "fresh"), 2, []string{"--name is required"}},
		badInput{"create without flags", args("tenant", "create"), 2, []string{"is required"}},
		badInput{"clone without --from", args("tenant", "clone", "--schema", "fresh", "--name", "N"), 2, []string{"--from is required"}},
		badInput{"clone without --schema", args("tenant", "clone", "--from", "alpha", "--name", "N"), 2, []string{"--schema is required"}},
		badInput{"clone without --name", args("tenant", "clone", "--from", "alpha", "--schema", "fresh"), 2, []string{"--name is required"}},
		badInput{"update without --name", args("tenant", "update", "alpha"), 2, []string{"--name is required"}},
		badInput{"create with an argument", args("tenant", "create", "fresh", "--schema", "fresh", "--name", "N"), 2, []string{`unexpected argument "fresh"`}},
		badInput{"create with an unknown flag", args("tenant", "create", "--schema", "fresh", "--name", "N", "--colour", "red"), 2, []string{"--colour"}},
		badInput{"show without schema", args("tenant", "show"), 2, []string{"expected SCHEMA"}},
		badInput{"show with two schemas", args("tenant", "show", "alpha", "beta"), 2, []string{"expected SCHEMA"}},
		badInput{"delete without schema", args("tenant", "delete", "--purge"), 2, []string{"expected SCHEMA"}},
		badInput{"domain add with one argument", args("domain", "add", "alpha"), 2, []string{"expected SCHEMA and DOMAIN"}},
		badInput{"domain remove without domain", args("domain", "remove"), 2, []string{"expected DOMAIN"}},
		badInput{"list with an argument", args("tenant", "list", "all"), 2, []string{`unexpected argument "all"`}},
		badInput{"migrate --jobs 0", args("migrate", "--jobs", "0"), 2, []string{"--jobs must be at least 1"}},
		badInput{"--pool-cap 0", args("--pool-cap", "0", "tenant", "create", "--schema", "fresh", "--name", "N"), 2, []string{"pool cap must be at least 1"}},
		badInput{"--log-level loud", args("--log-level", "loud", "tenant", "create", "--schema", "fresh", "--name", "N"), 2, []string{"log level"}},
		badInput{"--log-format xml", args("--log-format", "xml", "tenant", "list"), 2, []string{"log format"}},
		badInput{"--base-domain with a port", args("--base-domain", "localhost:8080", "tenant", "create", "--schema", "fresh", "--name", "N"), 2, []string{"base domain"}},
		badInput{"several config errors on one line", args("--pool-cap", "-1", "--log-format", "xml", "tenant", "list"), 2,
			[]string{"pool cap", "log format"}},
	)

	// School names.
	cases = append(cases,
		badInput{"blank name", args("tenant", "create", "--schema", "fresh", "--name", "   "), 1, []string{"--name must not be empty"}},
		badInput{"name too long", args("tenant", "create", "--schema", "fresh", "--name", strings.Repeat("n", 201)), 1, []string{"--name must be at most 200 characters"}},
		badInput{"rename to blank", args("tenant", "update", "alpha", "--name", ""), 1, []string{"--name must not be empty"}},
		badInput{"rename to too long", args("tenant", "update", "alpha", "--name", strings.Repeat("é", 201)), 1, []string{"--name must be at most 200"}},
	)

	// Domains that are not host names, everywhere a domain is accepted.
	invalidDomains := map[string]string{
		"http://x.org":                   "without scheme",
		"x.org:8080":                     "without scheme, port or path",
		"x.org/path":                     "without scheme, port or path",
		"x..org":                         "each dot-separated part must be 1-63 characters",
		".x.org":                         "each dot-separated part must be 1-63 characters",
		"-bad.org":                       "may not start or end with a hyphen",
		"bad-.org":                       "may not start or end with a hyphen",
		"1.2.3.4":                        "not an IP address",
		"under_score.org":                "only letters, digits, hyphens and dots",
		"école.fr":                       "only letters, digits, hyphens and dots",
		"localhost":                      "platform's own domain",
		"LocalHost.":                     "platform's own domain",
		strings.Repeat("a", 64) + ".org": "1-63 characters",
	}
	for d, why := range invalidDomains {
		cases = append(cases,
			badInput{"create --domain " + d, args("tenant", "create", "--schema", "fresh", "--name", "F", "--domain", d), 1, []string{"--domain", why}},
			badInput{"create with a bad second --domain " + d, args("tenant", "create", "--schema", "fresh", "--name", "F", "--domain", "fresh.org", "--domain", d), 1, []string{"--domain", why}},
			badInput{"clone --domain " + d, args("tenant", "clone", "--from", "alpha", "--schema", "fresh", "--name", "F", "--domain", d), 1, []string{"--domain", why}},
			// "--" so that "-bad.org" is an argument rather than a flag.
			badInput{"domain add " + d, args("domain", "add", "alpha", "--", d), 1, []string{"--domain", why}},
			badInput{"domain add --primary " + d, args("domain", "add", "--primary", "alpha", "--", d), 1, []string{"--domain", why}},
			badInput{"domain remove " + d, args("domain", "remove", "--", d), 1, []string{"--domain", why}},
			badInput{"domain set-primary " + d, args("domain", "set-primary", "--", d), 1, []string{"--domain", why}},
		)
	}
	cases = append(cases,
		badInput{"domain remove of a flag-like name", args("domain", "remove", "-bad.org"), 2, []string{"-bad.org"}},
		badInput{"create --domain empty", args("tenant", "create", "--schema", "fresh", "--name", "F", "--domain", ""), 1, []string{"--domain", "must not be empty"}},
	)

	// Domains that belong to another school.
	taken := "already belongs to school \"beta\""
	cases = append(cases,
		badInput{"create with a taken domain", args("tenant", "create", "--schema", "fresh", "--name", "F", "--domain", "beta.org"), 1, []string{`"beta.org"`, taken}},
		badInput{"create with a taken domain, other spelling", args("tenant", "create", "--schema", "fresh", "--name", "F", "--domain", "WWW.BETA.ORG."), 1, []string{`"www.beta.org"`, taken}},
		badInput{"create with a taken second domain", args("tenant", "create", "--schema", "fresh", "--name", "F", "--domain", "fresh.org", "--domain", "beta.org"), 1, []string{taken}},
		badInput{"create whose default domain is taken", args("tenant", "create", "--schema", "gamma", "--name", "Gamma"), 1, []string{`"gamma.localhost"`, taken}},
		badInput{"clone with a taken domain", args("tenant", "clone", "--from", "alpha", "--schema", "fresh", "--name", "F", "--domain", "www.beta.org"), 1, []string{taken}},
		badInput{"clone whose default domain is taken", args("tenant", "clone", "--from", "alpha", "--schema", "gamma", "--name", "G"), 1, []string{taken}},
		badInput{"domain add of another school's domain", args("domain", "add", "alpha", "beta.org"), 1, []string{taken}},
		badInput{"domain add --primary of another school's domain", args("domain", "add", "alpha", "gamma.localhost", "--primary"), 1, []string{taken}},
		badInput{"domain add of its own domain", args("domain", "add", "alpha", "alpha.localhost"), 1, []string{`already belongs to school "alpha"`}},
	)

	// Schools that do not exist, for every command that names one.
	const nope = `no school with schema "nope"`
	cases = append(cases,
		badInput{"show unknown", args("tenant", "show", "nope"), 1, []string{nope}},
		badInput{"show --json unknown", args("tenant", "show", "nope", "--json"), 1, []string{nope}},
		badInput{"update unknown", args("tenant", "update", "nope", "--name", "N"), 1, []string{nope}},
		badInput{"suspend unknown", args("tenant", "suspend", "nope"), 1, []string{nope}},
		badInput{"resume unknown", args("tenant", "resume", "nope"), 1, []string{nope}},
		badInput{"delete unknown", args("tenant", "delete", "nope"), 1, []string{nope}},
		badInput{"delete --purge unknown", args("tenant", "delete", "nope", "--purge"), 1, []string{nope}},
		badInput{"clone from unknown", args("tenant", "clone", "--from", "nope", "--schema", "fresh", "--name", "F"), 1, []string{nope}},
		badInput{"domain add to unknown", args("domain", "add", "nope", "nope.org"), 1, []string{nope}},
		badInput{"domain add --primary to unknown", args("domain", "add", "nope", "nope.org", "--primary"), 1, []string{nope}},
		badInput{"domain list of unknown", args("domain", "list", "--schema", "nope"), 1, []string{nope}},
		badInput{"domain list --json of unknown", args("domain", "list", "--schema", "nope", "--json"), 1, []string{nope}},
		badInput{"show invalid schema", args("tenant", "show", "../alpha"), 1, []string{`no school with schema "../alpha"`}},
		badInput{"show is case sensitive", args("tenant", "show", "ALPHA"), 1, []string{`no school with schema "ALPHA"`}},
		badInput{"delete invalid schema", args("tenant", "delete", "../alpha", "--purge"), 1, []string{`no school with schema "../alpha"`}},
	)

	// Domains nobody uses.
	const unused = `no school uses the domain "nobody.org"`
	cases = append(cases,
		badInput{"domain remove unknown", args("domain", "remove", "nobody.org"), 1, []string{unused}},
		badInput{"domain remove unknown, other spelling", args("domain", "remove", "NOBODY.org."), 1, []string{unused}},
		badInput{"domain set-primary unknown", args("domain", "set-primary", "nobody.org"), 1, []string{unused}},
	)

	// Schools that exist already.
	const exists = `a school with schema "alpha" already exists`
	cases = append(cases,
		badInput{"create existing schema", args("tenant", "create", "--schema", "alpha", "--name", "Another Alpha", "--domain", "another-alpha.org"), 1, []string{exists}},
		badInput{"create existing schema, default domain", args("tenant", "create", "--schema", "alpha", "--name", "Alpha"), 1, []string{exists}},
		badInput{"clone onto an existing schema", args("tenant", "clone", "--from", "beta", "--schema", "alpha", "--name", "A", "--domain", "a2.org"), 1, []string{exists}},
		badInput{"clone onto itself", args("tenant", "clone", "--from", "alpha", "--schema", "alpha", "--name", "A", "--domain", "a2.org"), 1, []string{exists}},
	)
	return cases
}

// TestBadInputChangesNothing runs every bad command against one populated data
// directory and checks the message a user sees and that the catalog and the files on
// disk are exactly as before.
func TestBadInputChangesNothing(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha")
	mustRun(t, data, "tenant", "create", "--schema", "beta", "--name", "Beta", "--domain", "beta.org", "--domain", "www.beta.org")
	mustRun(t, data, "domain", "add", "beta", "gamma.localhost")
	before := snapshot(t, data)
	require.Len(t, before.Tenants, 2)
	require.Contains(t, before.Files, "tenants/alpha.db")
	require.Contains(t, before.Files, "tenants/beta.db")

	for _, tc := range badInputs() {
		t.Run(tc.name, func(t *testing.T) {
			code, stdout, stderr := run(t, data, tc.args...)
			assertFailure(t, tc.code, code, stdout, stderr, tc.want...)
			assert.Equal(t, before.Files, files(t, data), "files under the data directory")
		})
	}

	after := snapshot(t, data)
	assert.Equal(t, before, after, "catalog and files are unchanged")
	assertNoStaging(t, data)
	assert.Equal(t, "Alpha", profileName(t, data, "alpha"))
	assert.Equal(t, "Beta", profileName(t, data, "beta"))
}

func TestBadInputOnFreshDataDir(t *testing.T) {
	t.Parallel()
	// Usage errors are caught before the data directory is touched at all.
	for _, tc := range []badInput{
		{"create without --schema", args("tenant", "create", "--name", "N"), 2, []string{"--schema is required"}},
		{"migrate --jobs 0", args("migrate", "--jobs", "0"), 2, []string{"--jobs must be at least 1"}},
		{"bad log level", args("--log-level", "chatty", "tenant", "list"), 2, []string{"log level"}},
		{"unknown flag", args("tenant", "list", "--yaml"), 2, []string{"--yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := t.TempDir()
			code, stdout, stderr := run(t, data, tc.args...)
			assertFailure(t, tc.code, code, stdout, stderr, tc.want...)
			entries, err := os.ReadDir(data)
			require.NoError(t, err)
			assert.Empty(t, entries, "nothing is created for a usage error")
		})
	}
}

func TestBadEnvironment(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	for _, tc := range []struct {
		name string
		env  map[string]string
		want string
	}{
		{"SMS_POOL_CAP not a number", map[string]string{"SMS_POOL_CAP": "lots"}, `SMS_POOL_CAP: "lots" is not a number`},
		{"SMS_POOL_CAP zero", map[string]string{"SMS_POOL_CAP": "0"}, "pool cap must be at least 1"},
		{"SMS_LOG_FORMAT", map[string]string{"SMS_LOG_FORMAT": "xml"}, "log format must be text or json"},
		{"SMS_BASE_DOMAIN with a path", map[string]string{"SMS_BASE_DOMAIN": "example.org/schools"}, "base domain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.env["SMS_DATA"] = data
			code, stdout, stderr := runEnv(t, tc.env, "tenant", "create", "--schema", "fresh", "--name", "F")
			assertFailure(t, 2, code, stdout, stderr, tc.want)
			entries, err := os.ReadDir(data)
			require.NoError(t, err)
			assert.Empty(t, entries)
		})
	}

	t.Run("flags override a bad environment", func(t *testing.T) {
		env := map[string]string{"SMS_DATA": data, "SMS_POOL_CAP": "0", "SMS_LOG_LEVEL": "loud"}
		code, _, stderr := runEnv(t, env, "--pool-cap", "4", "--log-level", "error", "tenant", "list", "--json")
		assert.Equal(t, 0, code, stderr)
		assert.Empty(t, stderr)
	})
}

func TestCreateRefusesLeftoverFile(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "keep", "--name", "Keep")
	leftover := tenantFile(data, "orphan")
	require.NoError(t, os.WriteFile(leftover, []byte("someone's data"), 0o600))
	before := snapshot(t, data)

	for _, a := range [][]string{
		args("tenant", "create", "--schema", "orphan", "--name", "Orphan"),
		args("tenant", "clone", "--from", "keep", "--schema", "orphan", "--name", "Orphan"),
	} {
		code, stdout, stderr := run(t, data, a...)
		assertFailure(t, 1, code, stdout, stderr, `a file for schema "orphan" already exists`, leftover)
	}

	assert.Equal(t, before, snapshot(t, data))
	b, err := os.ReadFile(leftover)
	require.NoError(t, err)
	assert.Equal(t, "someone's data", string(b), "the leftover file is untouched")
	assertNoStaging(t, data)
}

func TestUnknownCommand(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, stdout, stderr := run(t, data, "tenants")
	assert.NotEqual(t, 0, code)
	assert.Empty(t, stdout)
	assert.True(t, strings.HasPrefix(stderr, `sms: unknown command "tenants" for "sms"`), stderr)
	assert.Equal(t, 1, strings.Count(stderr, "\n"), "one line: %q", stderr)

	t.Run("unknown subcommand", func(t *testing.T) {
		for _, a := range [][]string{args("tenant", "delet", "alpha"), args("domain", "rm", "x.org")} {
			code, stdout, stderr := run(t, data, a...)
			assert.NotEqualf(t, 0, code, "sms %v must fail", a)
			assert.Emptyf(t, stdout, "sms %v", a)
			assert.Truef(t, strings.HasPrefix(stderr, "sms: "), "sms %v: %q", a, stderr)
		}
	})
}
