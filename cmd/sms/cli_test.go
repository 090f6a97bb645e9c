package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTenantCreateDefaultDomain(t *testing.T) {
	t.Parallel()

	t.Run("base domain localhost", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		out := mustRun(t, data, "tenant", "create", "--schema", "st_marys", "--name", "St Mary's School")
		assert.Equal(t, "created school \"St Mary's School\" (st_marys) at st-marys.localhost\n", out)

		ts := listTenants(t, data)
		require.Len(t, ts, 1)
		assert.Equal(t, "st_marys", ts[0].Schema)
		assert.Equal(t, "St Mary's School", ts[0].Name)
		assert.Equal(t, "active", ts[0].Status)
		assert.Equal(t, []jsonDomain{{Domain: "st-marys.localhost", IsPrimary: true, Schema: "st_marys"}}, ts[0].Domains)
		assert.NotEmpty(t, ts[0].CreatedAt)

		assert.FileExists(t, tenantFile(data, "st_marys"))
		assertNoStaging(t, data)
		assert.Equal(t, "St Mary's School", profileName(t, data, "st_marys"))
	})

	t.Run("SMS_BASE_DOMAIN", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		env := map[string]string{"SMS_DATA": data, "SMS_BASE_DOMAIN": "School.Test."}
		code, out, errOut := runEnv(t, env, "tenant", "create", "--schema", "st_marys", "--name", "St Mary's")
		require.Equal(t, 0, code, errOut)
		assert.Empty(t, errOut)
		assert.Contains(t, out, " at st-marys.school.test\n")
		assert.Equal(t, []string{"st-marys.school.test"}, showTenant(t, data, "st_marys").domainNames())

		// The base domain itself belongs to the platform, whatever its spelling.
		code, out, errOut = runEnv(t, env, "tenant", "create", "--schema", "other", "--name", "O", "--domain", "SCHOOL.test")
		assertFailure(t, 1, code, out, errOut, "--domain", "platform's own domain")
		// ...but with another base domain it is an ordinary name.
		out = mustRun(t, data, "tenant", "create", "--schema", "other", "--name", "O", "--domain", "school.test")
		assert.Contains(t, out, " at school.test\n")
	})

	t.Run("--base-domain flag beats SMS_BASE_DOMAIN", func(t *testing.T) {
		t.Parallel()
		data := newDataDir(t)
		env := map[string]string{"SMS_DATA": data, "SMS_BASE_DOMAIN": "school.test"}
		code, out, errOut := runEnv(t, env, "--base-domain", "edu.example", "tenant", "create", "--schema", "a_b_c", "--name", "ABC")
		require.Equal(t, 0, code, errOut)
		assert.Contains(t, out, " at a-b-c.edu.example\n")
	})
}

func TestDataFlagBeatsEnvironment(t *testing.T) {
	t.Parallel()
	envDir, flagDir := newDataDir(t), newDataDir(t)
	code, _, errOut := run(t, envDir, "--data", flagDir, "tenant", "create", "--schema", "flagged", "--name", "F")
	require.Equal(t, 0, code, errOut)
	assert.FileExists(t, tenantFile(flagDir, "flagged"))
	assert.NoFileExists(t, tenantFile(envDir, "flagged"))
	assert.Empty(t, listTenants(t, envDir))
	assert.Equal(t, []string{"flagged"}, schemasOf(listTenants(t, flagDir)))
}

func TestTenantCreateExplicitDomains(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	out := mustRun(t, data, "tenant", "create", "--schema", "hill", "--name", "Hill School",
		"--domain", "WWW.Hill.EDU.", "--domain", "hill.localhost", "--domain", "www.hill.edu", "--domain", "hill.org")
	assert.Equal(t, "created school \"Hill School\" (hill) at www.hill.edu, hill.localhost, hill.org\n", out)

	tn := showTenant(t, data, "hill")
	assert.Equal(t, "www.hill.edu", tn.primary(), "the first --domain is primary")
	assert.ElementsMatch(t, []string{"www.hill.edu", "hill.localhost", "hill.org"}, tn.domainNames(),
		"domains are normalised and de-duplicated")
	assert.NotContains(t, tn.domainNames(), "hill.localhost.", "no default domain besides the given ones")
	for _, d := range tn.Domains {
		assert.Equal(t, "hill", d.Schema)
	}
}

func TestTenantListAndShow(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	assert.Equal(t, "[]\n", mustRun(t, data, "tenant", "list", "--json"))

	mustRun(t, data, "tenant", "create", "--schema", "zeta", "--name", "Zeta Academy")
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha High", "--domain", "alpha.org", "--domain", "www.alpha.org")

	t.Run("table", func(t *testing.T) {
		out := mustRun(t, data, "tenant", "list")
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		require.Len(t, lines, 3, out)
		assert.Regexp(t, `^SCHEMA\s+NAME\s+STATUS\s+APPLIANCE\s+DOMAINS$`, lines[0])
		assert.Regexp(t, `^alpha\s+Alpha High\s+active\s+here\s+alpha\.org,www\.alpha\.org$`, lines[1], "sorted by schema")
		assert.Regexp(t, `^zeta\s+Zeta Academy\s+active\s+here\s+zeta\.localhost$`, lines[2])
	})

	t.Run("json", func(t *testing.T) {
		ts := listTenants(t, data)
		assert.Equal(t, []string{"alpha", "zeta"}, schemasOf(ts))
		assert.Equal(t, "Alpha High", ts[0].Name)
		assert.Equal(t, "alpha.org", ts[0].primary())
		assert.ElementsMatch(t, []string{"alpha.org", "www.alpha.org"}, ts[0].domainNames())
	})

	t.Run("show text", func(t *testing.T) {
		out := mustRun(t, data, "tenant", "show", "alpha")
		assert.Regexp(t, `(?m)^schema:\s+alpha$`, out)
		assert.Regexp(t, `(?m)^name:\s+Alpha High$`, out)
		assert.Regexp(t, `(?m)^status:\s+active$`, out)
		assert.Regexp(t, `(?m)^domain:\s+alpha\.org \(primary\)$`, out)
		assert.Regexp(t, `(?m)^domain:\s+www\.alpha\.org$`, out)
		assert.Regexp(t, `(?m)^file:\s+`+regexp.QuoteMeta(tenantFile(data, "alpha"))+`$`, out)
		assert.Regexp(t, `(?m)^created:\s+\d{4}-\d\d-\d\dT`, out)
		assert.Regexp(t, `(?m)^updated:\s+\d{4}-\d\d-\d\dT`, out)
	})

	t.Run("show json", func(t *testing.T) {
		out := mustRun(t, data, "tenant", "show", "zeta", "--json")
		var raw map[string]any
		require.NoError(t, json.Unmarshal([]byte(out), &raw))
		for _, k := range []string{"schema_name", "name", "status", "created_at", "updated_at", "domains"} {
			assert.Contains(t, raw, k)
		}
		tn := showTenant(t, data, "zeta")
		assert.Equal(t, "Zeta Academy", tn.Name)
		assert.Equal(t, []jsonDomain{{Domain: "zeta.localhost", IsPrimary: true, Schema: "zeta"}}, tn.Domains)
	})
}

func TestTenantUpdateName(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "oak", "--name", "Oak School")

	out := mustRun(t, data, "tenant", "update", "oak", "--name", "  Oak Grammar School  ")
	assert.Equal(t, "renamed oak to \"Oak Grammar School\"\n", out)
	assert.Equal(t, "Oak Grammar School", showTenant(t, data, "oak").Name)
	assert.Regexp(t, `(?m)^name:\s+Oak Grammar School$`, mustRun(t, data, "tenant", "show", "oak"))
	assert.Equal(t, "Oak Grammar School", profileName(t, data, "oak"), "the school's own profile follows")

	code, stdout, stderr := run(t, data, "tenant", "update", "oak", "--name", "   ")
	assertFailure(t, 1, code, stdout, stderr, "--name must not be empty")
	assert.Equal(t, "Oak Grammar School", showTenant(t, data, "oak").Name)
	assert.Equal(t, "Oak Grammar School", profileName(t, data, "oak"))
}

func TestTenantSuspendResume(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "elm", "--name", "Elm")
	mustRun(t, data, "tenant", "create", "--schema", "ash", "--name", "Ash")

	assert.Equal(t, "suspended elm\n", mustRun(t, data, "tenant", "suspend", "elm"))
	assert.Equal(t, "suspended", showTenant(t, data, "elm").Status)
	assert.Equal(t, "active", showTenant(t, data, "ash").Status, "other schools are untouched")
	assert.Regexp(t, `(?m)^elm\s+Elm\s+suspended\s+here\s+elm\.localhost$`, mustRun(t, data, "tenant", "list"))

	// Suspending twice is harmless, and the data stays.
	mustRun(t, data, "tenant", "suspend", "elm")
	assert.FileExists(t, tenantFile(data, "elm"))

	assert.Equal(t, "resumed elm\n", mustRun(t, data, "tenant", "resume", "elm"))
	assert.Equal(t, "active", showTenant(t, data, "elm").Status)
	mustRun(t, data, "tenant", "resume", "elm")
	assert.Equal(t, "active", showTenant(t, data, "elm").Status)
}

func TestTenantDeleteArchives(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "pine", "--name", "Pine", "--domain", "pine.org")
	mustRun(t, data, "tenant", "create", "--schema", "keep", "--name", "Keep")

	out := mustRun(t, data, "tenant", "delete", "pine")
	m := regexp.MustCompile(`^deleted pine; its file was archived to (\S+)\n$`).FindStringSubmatch(out)
	require.NotNil(t, m, out)
	archived := m[1]
	assert.Equal(t, filepath.Join(data, "archive"), filepath.Dir(archived))
	assert.True(t, strings.HasPrefix(filepath.Base(archived), "pine-"), archived)
	assert.FileExists(t, archived)

	assert.NoFileExists(t, tenantFile(data, "pine"))
	assert.Empty(t, filesMentioning(t, filepath.Join(data, "tenants"), "pine"), "nothing of pine stays in tenants/")
	assert.Equal(t, []string{"keep"}, schemasOf(listTenants(t, data)))
	assert.FileExists(t, tenantFile(data, "keep"))
	for _, d := range listDomains(t, data, "") {
		assert.NotEqual(t, "pine", d.Schema, "the school's domains go with it")
	}

	// The archived file is a readable SQLite file holding the school.
	b, err := os.ReadFile(archived)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(b), "SQLite format 3\x00"))

	// The schema and the domain are free again.
	mustRun(t, data, "tenant", "create", "--schema", "pine", "--name", "Pine Again", "--domain", "pine.org")
	assert.Equal(t, "Pine Again", profileName(t, data, "pine"))
	assert.FileExists(t, archived, "re-creating does not touch the archive")
}

func TestTenantDeletePurge(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "birch", "--name", "Birch")
	mustRun(t, data, "tenant", "create", "--schema", "keep", "--name", "Keep")
	// Give the file companions, as a school in use would have.
	for _, suffix := range []string{"-wal", "-shm"} {
		require.NoError(t, os.WriteFile(tenantFile(data, "birch")+suffix, nil, 0o600))
	}

	assert.Equal(t, "deleted birch and removed its files\n", mustRun(t, data, "tenant", "delete", "birch", "--purge"))
	assert.Empty(t, filesMentioning(t, data, "birch"), "no .db, -wal, -shm or lock file left anywhere")
	assert.NoDirExists(t, filepath.Join(data, "archive"))
	assert.Equal(t, []string{"keep"}, schemasOf(listTenants(t, data)))
	assert.FileExists(t, tenantFile(data, "keep"))

	code, stdout, stderr := run(t, data, "tenant", "show", "birch")
	assertFailure(t, 1, code, stdout, stderr, `no school with schema "birch"`)
}

func TestTenantClone(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "template", "--name", "Template School")

	out := mustRun(t, data, "tenant", "clone", "--from", "template", "--schema", "copy_one", "--name", "Copy One")
	assert.Equal(t, "cloned template into school \"Copy One\" (copy_one) at copy-one.localhost\n", out)
	assert.FileExists(t, tenantFile(data, "copy_one"))
	assertNoStaging(t, data)

	tn := showTenant(t, data, "copy_one")
	assert.Equal(t, "Copy One", tn.Name)
	assert.Equal(t, "active", tn.Status)
	assert.Equal(t, []string{"copy-one.localhost"}, tn.domainNames())
	assert.Regexp(t, `(?m)^name:\s+Copy One$`, mustRun(t, data, "tenant", "show", "copy_one"))

	assert.Equal(t, "Copy One", profileName(t, data, "copy_one"), "the copy's own profile carries the new name")
	assert.Equal(t, "Template School", profileName(t, data, "template"), "the template is unchanged")
	assert.Equal(t, "Template School", showTenant(t, data, "template").Name)

	// Explicit domains, from a suspended template.
	mustRun(t, data, "tenant", "suspend", "template")
	mustRun(t, data, "tenant", "clone", "--from", "template", "--schema", "copy_two", "--name", "Copy Two",
		"--domain", "two.example.org", "--domain", "copy2.example.org")
	tn = showTenant(t, data, "copy_two")
	assert.Equal(t, "two.example.org", tn.primary())
	assert.ElementsMatch(t, []string{"two.example.org", "copy2.example.org"}, tn.domainNames())
	assert.Equal(t, "active", tn.Status, "a clone starts active")
	assert.Equal(t, "Copy Two", profileName(t, data, "copy_two"))

	assert.Equal(t, []string{"copy_one", "copy_two", "template"}, schemasOf(listTenants(t, data)))
	out = mustRun(t, data, "migrate", "--schema", "copy_two")
	assert.Contains(t, out, "tenants: 1 total, 0 migrated, 1 up to date, 0 failed")
}

func TestTenantWithMissingFile(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "gone", "--name", "Gone")
	mustRun(t, data, "tenant", "create", "--schema", "here", "--name", "Here")
	require.NoError(t, os.Remove(tenantFile(data, "gone")))

	assert.Equal(t, "Gone", showTenant(t, data, "gone").Name, "the catalog still knows the school")

	code, out, errOut := run(t, data, "migrate")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "tenants: 2 total, 0 migrated, 1 up to date, 1 failed ")
	assert.Contains(t, errOut, "gone: FAILED:")
	assert.NotContains(t, errOut, "here")

	assert.Equal(t, "deleted gone (it had no file)\n", mustRun(t, data, "tenant", "delete", "gone"))
	assert.NoDirExists(t, filepath.Join(data, "archive"), "nothing to archive")
	assert.Equal(t, []string{"here"}, schemasOf(listTenants(t, data)))
	assert.Contains(t, mustRun(t, data, "migrate"), "tenants: 1 total, 0 migrated, 1 up to date, 0 failed ")
}
