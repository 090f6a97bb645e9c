package main

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	catalogUpToDate = regexp.MustCompile(`^catalog: up to date \(version \d+\)$`)
	summaryLine     = regexp.MustCompile(`^tenants: \d+ total, \d+ migrated, \d+ up to date, \d+ failed \(latest version \d+\)$`)
)

func TestMigrateFreshDataDir(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	code, out, errOut := run(t, data, "migrate")
	require.Equal(t, 0, code, errOut)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 2, out)
	assert.Regexp(t, `^catalog: migrated 0 -> [1-9]\d*$`, lines[0])
	assert.Regexp(t, `^tenants: 0 total, 0 migrated, 0 up to date, 0 failed \(latest version \d+\)$`, lines[1])
	assert.FileExists(t, data+"/catalog.db")

	out = mustRun(t, data, "migrate")
	assert.Regexp(t, catalogUpToDate, strings.Split(out, "\n")[0], "a second run has nothing to do")
}

func TestMigrate(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	for _, s := range []string{"one", "two", "three"} {
		mustRun(t, data, "tenant", "create", "--schema", s, "--name", "School "+s)
	}

	t.Run("all tenants", func(t *testing.T) {
		for _, jobs := range []string{"1", "2", "8"} {
			out := mustRun(t, data, "migrate", "--jobs", jobs)
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			require.Len(t, lines, 2, out)
			assert.Regexp(t, catalogUpToDate, lines[0])
			assert.Regexp(t, summaryLine, lines[1])
			assert.True(t, strings.HasPrefix(lines[1], "tenants: 3 total, 0 migrated, 3 up to date, 0 failed "), lines[1])
		}
	})

	t.Run("one tenant", func(t *testing.T) {
		out := mustRun(t, data, "migrate", "--schema", "two")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Len(t, lines, 2, out)
		assert.Regexp(t, catalogUpToDate, lines[0])
		assert.True(t, strings.HasPrefix(lines[1], "tenants: 1 total, 0 migrated, 1 up to date, 0 failed "), lines[1])
	})

	t.Run("unknown schema", func(t *testing.T) {
		code, out, errOut := run(t, data, "migrate", "--schema", "nope")
		// The catalog line is printed before the schema is looked up.
		assert.Equal(t, 1, code)
		assert.NotContains(t, out, "tenants:")
		assert.Equal(t, "sms: no school with schema \"nope\"\n", errOut)
	})

	t.Run("--jobs below 1 is a usage error", func(t *testing.T) {
		for _, jobs := range []string{"0", "-3"} {
			code, out, errOut := run(t, data, "migrate", "--jobs", jobs)
			assertFailure(t, 2, code, out, errOut, "--jobs must be at least 1")
		}
		code, out, errOut := run(t, data, "migrate", "--jobs", "many")
		assertFailure(t, 2, code, out, errOut, "--jobs")
	})
}

func TestMigrateCorruptTenantFile(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	for _, s := range []string{"good_a", "broken", "good_b"} {
		mustRun(t, data, "tenant", "create", "--schema", s, "--name", "School "+s)
	}
	require.NoError(t, os.WriteFile(tenantFile(data, "broken"),
		[]byte(strings.Repeat("this is not a SQLite database\n", 200)), 0o600))

	code, out, errOut := run(t, data, "migrate", "--jobs", "2")
	assert.Equal(t, 1, code)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	require.Len(t, lines, 2, out)
	assert.Regexp(t, catalogUpToDate, lines[0])
	assert.True(t, strings.HasPrefix(lines[1], "tenants: 3 total, 0 migrated, 2 up to date, 1 failed "),
		"the other schools are still counted: %s", lines[1])

	assert.Contains(t, errOut, "broken")
	assert.NotContains(t, errOut, "good_a")
	assert.NotContains(t, errOut, "good_b")
	errLines := strings.Split(strings.TrimSuffix(errOut, "\n"), "\n")
	assert.Regexp(t, `^sms: 1 of 3 school files failed to migrate`, errLines[len(errLines)-1])
	for _, l := range errLines[:len(errLines)-1] {
		assert.Contains(t, l, "broken: FAILED:", "only the broken school is reported")
	}

	t.Run("--schema of the broken one", func(t *testing.T) {
		code, out, errOut := run(t, data, "migrate", "--schema", "broken")
		assert.Equal(t, 1, code)
		assert.Contains(t, out, "tenants: 1 total, 0 migrated, 0 up to date, 1 failed ")
		assert.Contains(t, errOut, "broken")
	})

	t.Run("--schema of a good one", func(t *testing.T) {
		out := mustRun(t, data, "migrate", "--schema", "good_b")
		assert.Contains(t, out, "tenants: 1 total, 0 migrated, 1 up to date, 0 failed ")
	})

	t.Run("the rest of the appliance keeps working", func(t *testing.T) {
		assert.Equal(t, []string{"broken", "good_a", "good_b"}, schemasOf(listTenants(t, data)))
		assert.Equal(t, "School good_a", profileName(t, data, "good_a"))
		mustRun(t, data, "tenant", "update", "good_b", "--name", "Renamed")
		assert.Equal(t, "Renamed", profileName(t, data, "good_b"))
	})

	t.Run("renaming the broken school fails and changes nothing", func(t *testing.T) {
		code, out, errOut := run(t, data, "tenant", "update", "broken", "--name", "Other")
		assertFailure(t, 1, code, out, errOut)
		assert.Equal(t, "School broken", showTenant(t, data, "broken").Name)
	})

	t.Run("the broken school can be purged", func(t *testing.T) {
		mustRun(t, data, "tenant", "delete", "broken", "--purge")
		assert.Empty(t, filesMentioning(t, data, "broken"))
		out := mustRun(t, data, "migrate")
		assert.Contains(t, out, "tenants: 2 total, 0 migrated, 2 up to date, 0 failed ")
	})
}
