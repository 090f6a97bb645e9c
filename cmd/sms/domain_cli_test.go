package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDomainCommands(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "lake", "--name", "Lake School")
	mustRun(t, data, "tenant", "create", "--schema", "river", "--name", "River School", "--domain", "river.org")

	t.Run("add without --primary", func(t *testing.T) {
		assert.Equal(t, "added lake.edu to lake\n", mustRun(t, data, "domain", "add", "lake", "lake.edu"))
		tn := showTenant(t, data, "lake")
		assert.Equal(t, "lake.localhost", tn.primary(), "the primary stays")
		assert.ElementsMatch(t, []string{"lake.localhost", "lake.edu"}, tn.domainNames())
	})

	t.Run("add is normalised", func(t *testing.T) {
		out := mustRun(t, data, "domain", "add", "lake", "WWW.Lake.EDU.")
		assert.Regexp(t, `^added \S+ to lake\n$`, out)
		assert.Contains(t, showTenant(t, data, "lake").domainNames(), "www.lake.edu")
	})

	t.Run("add with --primary", func(t *testing.T) {
		mustRun(t, data, "domain", "add", "lake", "lake.school", "--primary")
		tn := showTenant(t, data, "lake")
		assert.Equal(t, "lake.school", tn.primary(), "exactly one primary, the new one")
		assert.ElementsMatch(t, []string{"lake.localhost", "lake.edu", "www.lake.edu", "lake.school"}, tn.domainNames())
		assert.Equal(t, "river.org", showTenant(t, data, "river").primary(), "other schools keep theirs")
	})

	t.Run("list", func(t *testing.T) {
		all := listDomains(t, data, "")
		assert.Len(t, all, 5)
		bySchema := map[string][]string{}
		for _, d := range all {
			bySchema[d.Schema] = append(bySchema[d.Schema], d.Domain)
		}
		assert.ElementsMatch(t, []string{"lake.localhost", "lake.edu", "www.lake.edu", "lake.school"}, bySchema["lake"])
		assert.Equal(t, []string{"river.org"}, bySchema["river"])

		lake := listDomains(t, data, "lake")
		assert.Len(t, lake, 4)
		for _, d := range lake {
			assert.Equal(t, "lake", d.Schema)
			assert.Equal(t, d.Domain == "lake.school", d.IsPrimary, d.Domain)
		}
		assert.Equal(t, []jsonDomain{{Domain: "river.org", IsPrimary: true, Schema: "river"}}, listDomains(t, data, "river"))

		out := mustRun(t, data, "domain", "list", "--schema", "river")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Len(t, lines, 2, out)
		assert.Regexp(t, `^DOMAIN\s+SCHEMA\s+PRIMARY$`, lines[0])
		assert.Regexp(t, `^river\.org\s+river\s+true$`, lines[1])
		out = mustRun(t, data, "domain", "list")
		assert.Len(t, strings.Split(strings.TrimSuffix(out, "\n"), "\n"), 6, out)
		assert.Regexp(t, `(?m)^lake\.edu\s+lake\s+false$`, out)
	})

	t.Run("set-primary", func(t *testing.T) {
		assert.Equal(t, "lake.edu is now the primary domain of lake\n", mustRun(t, data, "domain", "set-primary", "lake.edu"))
		assert.Equal(t, "lake.edu", showTenant(t, data, "lake").primary())
		// Again, on the domain that already is primary.
		mustRun(t, data, "domain", "set-primary", "LAKE.edu")
		assert.Equal(t, "lake.edu", showTenant(t, data, "lake").primary())
		assert.Regexp(t, `(?m)^domain:\s+lake\.edu \(primary\)$`, mustRun(t, data, "tenant", "show", "lake"))
	})

	t.Run("remove a secondary", func(t *testing.T) {
		assert.Equal(t, "removed www.lake.edu from lake\n", mustRun(t, data, "domain", "remove", "www.lake.edu"))
		tn := showTenant(t, data, "lake")
		assert.NotContains(t, tn.domainNames(), "www.lake.edu")
		assert.Equal(t, "lake.edu", tn.primary())
	})

	t.Run("remove the primary promotes another", func(t *testing.T) {
		mustRun(t, data, "domain", "remove", "lake.edu")
		tn := showTenant(t, data, "lake")
		assert.ElementsMatch(t, []string{"lake.localhost", "lake.school"}, tn.domainNames())
		assert.Contains(t, []string{"lake.localhost", "lake.school"}, tn.primary())

		mustRun(t, data, "domain", "remove", tn.primary())
		tn = showTenant(t, data, "lake")
		require.Len(t, tn.Domains, 1)
		assert.True(t, tn.Domains[0].IsPrimary, "the last domain left is primary")
	})

	t.Run("a removed domain can be reused", func(t *testing.T) {
		mustRun(t, data, "domain", "add", "river", "lake.edu")
		assert.Equal(t, "river", findDomain(t, listDomains(t, data, ""), "lake.edu").Schema)
		assert.Equal(t, "river.org", showTenant(t, data, "river").primary())
	})

	t.Run("a school without domains gets its next one as primary", func(t *testing.T) {
		mustRun(t, data, "domain", "remove", "river.org")
		mustRun(t, data, "domain", "remove", "lake.edu")
		assert.Empty(t, showTenant(t, data, "river").Domains)
		assert.Empty(t, listDomains(t, data, "river"))
		assert.Contains(t, mustRun(t, data, "tenant", "show", "river", "--json"), `"domains": []`,
			"no domains is an empty array, not null")
		assert.Regexp(t, `(?m)^river\s+River School\s+active\s+here\s*$`, mustRun(t, data, "tenant", "list"))

		mustRun(t, data, "domain", "add", "river", "river.net")
		assert.Equal(t, "river.net", showTenant(t, data, "river").primary())
	})
}

func findDomain(t testing.TB, ds []jsonDomain, domain string) jsonDomain {
	t.Helper()
	for _, d := range ds {
		if d.Domain == domain {
			return d
		}
	}
	t.Fatalf("domain %s not listed in %v", domain, ds)
	return jsonDomain{}
}
