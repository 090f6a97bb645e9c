package main

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/db"
)

type result struct {
	code           int
	stdout, stderr string
}

// runTogether runs each command line in its own goroutine, released at the same moment,
// all against dataDir, and returns their results in order.
func runTogether(t *testing.T, dataDir string, cmds ...[]string) []result {
	t.Helper()
	out := make([]result, len(cmds))
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i, c := range cmds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i].code, out[i].stdout, out[i].stderr = run(t, dataDir, c...)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// oneWinner checks that exactly one of two racing commands succeeded and the other
// failed with one "sms: " line, and returns the winner's index.
func oneWinner(t *testing.T, rs []result) int {
	t.Helper()
	require.Len(t, rs, 2)
	winners := 0
	winner := -1
	for i, r := range rs {
		if r.code == 0 {
			winners++
			winner = i
			assert.Empty(t, r.stderr)
			continue
		}
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Truef(t, strings.HasPrefix(r.stderr, "sms: ") && strings.Count(r.stderr, "\n") == 1,
			"the loser fails with one line: %q", r.stderr)
	}
	require.Equalf(t, 1, winners, "exactly one of the racing commands succeeds: %+v", rs)
	return winner
}

func TestTenantCreateConcurrentSameSchema(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	const rounds = 4
	for i := range rounds {
		schema := fmt.Sprintf("race_%d", i)
		rs := runTogether(t, data,
			args("tenant", "create", "--schema", schema, "--name", "Racer A"),
			args("tenant", "create", "--schema", schema, "--name", "Racer B"),
		)
		w := oneWinner(t, rs)
		assert.Contains(t, rs[w].stdout, "("+schema+")")

		ts := listTenants(t, data)
		require.Len(t, ts, i+1, "the school is in the catalog once")
		tn, ok := findTenant(ts, schema)
		require.True(t, ok)
		assert.Equal(t, []string{strings.ReplaceAll(schema, "_", "-") + ".localhost"}, tn.domainNames())

		var dbFiles []string
		for _, f := range filesMentioning(t, data, schema) {
			if strings.HasSuffix(f, ".db") {
				dbFiles = append(dbFiles, f)
			}
		}
		assert.Equal(t, []string{"tenants/" + schema + ".db"}, dbFiles, "exactly one school file")
	}
}

// TestTenantCreateConcurrentSameSchemaIntegrity races creates of one schema many times
// and checks the winner's file is whole and nothing half-made is left.
func TestTenantCreateConcurrentSameSchemaIntegrity(t *testing.T) {
	data := newDataDir(t)
	for i := range 40 {
		schema := fmt.Sprintf("race_%d", i)
		rs := runTogether(t, data,
			args("tenant", "create", "--schema", schema, "--name", "Racer A"),
			args("tenant", "create", "--schema", schema, "--name", "Racer B"),
		)
		w := oneWinner(t, rs)
		assert.Equalf(t, fmt.Sprintf("sms: a school with schema %q already exists\n", schema), rs[1-w].stderr,
			"the loser is told the school exists")
		assert.Equal(t, []string{"tenants/." + schema + ".lock", "tenants/" + schema + ".db"},
			filesMentioning(t, data, schema), "no staging file is left")
		want := []string{"Racer A", "Racer B"}[w]
		withApp(t, data, func(ctx context.Context, a *app.App) {
			err := a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
				p, err := tn.Read().GetSchoolProfile(ctx)
				assert.Equal(t, want, p.Name, "the winner's file holds the winner's profile")
				return err
			})
			assert.NoErrorf(t, err, "the installed file of %s opens and has a profile", schema)
		})
	}
}

func TestTenantCreateConcurrentSameDomain(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	rs := runTogether(t, data,
		args("tenant", "create", "--schema", "north", "--name", "North", "--domain", "shared.org"),
		args("tenant", "create", "--schema", "south", "--name", "South", "--domain", "shared.org"),
	)
	w := oneWinner(t, rs)
	winner, loser := []string{"north", "south"}[w], []string{"north", "south"}[1-w]
	assert.Contains(t, rs[1-w].stderr, `"shared.org"`)

	assert.Equal(t, []string{winner}, schemasOf(listTenants(t, data)))
	assert.Equal(t, []jsonDomain{{Domain: "shared.org", IsPrimary: true, Schema: winner}}, listDomains(t, data, ""))
	assert.FileExists(t, tenantFile(data, winner))
	assert.Empty(t, filesMentioning(t, data, loser+".db"), "the loser leaves no file")
	assertNoStaging(t, data)
	assert.Equal(t, map[string]string{"north": "North", "south": "South"}[winner], profileName(t, data, winner))
}

func TestConcurrentCommandsOnDifferentSchools(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "base", "--name", "Base")
	rs := runTogether(t, data,
		args("tenant", "create", "--schema", "east", "--name", "East"),
		args("tenant", "create", "--schema", "west", "--name", "West"),
		args("tenant", "clone", "--from", "base", "--schema", "base_copy", "--name", "Base Copy"),
		args("tenant", "update", "base", "--name", "Base Renamed"),
		args("migrate"),
	)
	for i, r := range rs {
		assert.Equalf(t, 0, r.code, "command %d: %q", i, r.stderr)
	}
	assert.Equal(t, []string{"base", "base_copy", "east", "west"}, schemasOf(listTenants(t, data)))
	assertNoStaging(t, data)
	for schema, name := range map[string]string{"east": "East", "west": "West", "base_copy": "Base Copy", "base": "Base Renamed"} {
		assert.Equal(t, name, profileName(t, data, schema))
	}
	assert.Contains(t, mustRun(t, data, "migrate"), "tenants: 4 total, 0 migrated, 4 up to date, 0 failed ")
}
