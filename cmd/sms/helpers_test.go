package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/db"
)

// jsonTenant is a school as `sms tenant list --json` and `tenant show --json` print it.
type jsonTenant struct {
	Schema    string       `json:"schema_name"`
	Name      string       `json:"name"`
	Status    string       `json:"status"`
	Appliance string       `json:"appliance"`
	CreatedAt string       `json:"created_at"`
	UpdatedAt string       `json:"updated_at"`
	Domains   []jsonDomain `json:"domains"`
}

// jsonDomain is a domain as the --json outputs print it.
type jsonDomain struct {
	Domain    string `json:"domain"`
	IsPrimary bool   `json:"is_primary"`
	Schema    string `json:"schema_name"`
}

func (t jsonTenant) domainNames() []string {
	out := []string{}
	for _, d := range t.Domains {
		out = append(out, d.Domain)
	}
	return out
}

func (t jsonTenant) primary() string {
	p := ""
	for _, d := range t.Domains {
		if d.IsPrimary {
			if p != "" {
				return "MORE THAN ONE PRIMARY"
			}
			p = d.Domain
		}
	}
	return p
}

// runEnv runs the CLI in-process with the given environment variables (nothing else
// of the real environment leaks in) and returns the exit status and both outputs.
func runEnv(t testing.TB, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Env{
		Stdin:  strings.NewReader(""),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errOut.String()
}

// run runs the CLI against the data directory dataDir (given through SMS_DATA).
func run(t testing.TB, dataDir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return runEnv(t, map[string]string{"SMS_DATA": dataDir}, args...)
}

// mustRun runs a command that must succeed quietly and returns its stdout.
func mustRun(t testing.TB, dataDir string, args ...string) string {
	t.Helper()
	code, out, errOut := run(t, dataDir, args...)
	require.Equalf(t, 0, code, "sms %s: stderr=%q stdout=%q", strings.Join(args, " "), errOut, out)
	require.Emptyf(t, errOut, "sms %s wrote to stderr", strings.Join(args, " "))
	return out
}

// newDataDir returns a fresh data directory whose catalog already exists, so later
// commands do not log the first catalog migration.
func newDataDir(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	code, out, errOut := run(t, dir, "tenant", "list")
	require.Equal(t, 0, code, errOut)
	require.Equal(t, "SCHEMA  NAME  STATUS  APPLIANCE  DOMAINS\n", out)
	require.FileExists(t, filepath.Join(dir, "catalog.db"))
	return dir
}

// assertFailure checks what a user sees of a failed command: the exit status and
// exactly one stderr line, starting with "sms: " and containing each of wants.
func assertFailure(t testing.TB, wantCode, code int, stdout, stderr string, wants ...string) {
	t.Helper()
	assert.Equalf(t, wantCode, code, "exit status (stderr=%q)", stderr)
	assert.Emptyf(t, stdout, "stdout of a failed command")
	assert.Truef(t, strings.HasPrefix(stderr, "sms: "), "stderr should start with \"sms: \": %q", stderr)
	assert.Truef(t, strings.HasSuffix(stderr, "\n") && strings.Count(stderr, "\n") == 1,
		"stderr should be exactly one line: %q", stderr)
	for _, w := range wants {
		assert.Containsf(t, stderr, w, "stderr")
	}
}

// listTenants returns the catalog as `tenant list --json` prints it.
func listTenants(t testing.TB, dataDir string) []jsonTenant {
	t.Helper()
	out := mustRun(t, dataDir, "tenant", "list", "--json")
	var ts []jsonTenant
	require.NoError(t, json.Unmarshal([]byte(out), &ts), out)
	require.NotNil(t, ts, "tenant list --json must print an array, even when empty: %q", out)
	return ts
}

// showTenant returns one school as `tenant show --json` prints it.
func showTenant(t testing.TB, dataDir, schema string) jsonTenant {
	t.Helper()
	out := mustRun(t, dataDir, "tenant", "show", schema, "--json")
	var tn jsonTenant
	require.NoError(t, json.Unmarshal([]byte(out), &tn), out)
	require.Equal(t, schema, tn.Schema)
	return tn
}

// listDomains returns `domain list --json [--schema S]`.
func listDomains(t testing.TB, dataDir string, schema string) []jsonDomain {
	t.Helper()
	args := []string{"domain", "list", "--json"}
	if schema != "" {
		args = append(args, "--schema", schema)
	}
	out := mustRun(t, dataDir, args...)
	var ds []jsonDomain
	require.NoError(t, json.Unmarshal([]byte(out), &ds), out)
	require.NotNil(t, ds, "domain list --json must print an array: %q", out)
	return ds
}

func schemasOf(ts []jsonTenant) []string {
	out := []string{}
	for _, t := range ts {
		out = append(out, t.Schema)
	}
	return out
}

func findTenant(ts []jsonTenant, schema string) (jsonTenant, bool) {
	for _, t := range ts {
		if t.Schema == schema {
			return t, true
		}
	}
	return jsonTenant{}, false
}

func tenantFile(dataDir, schema string) string {
	return filepath.Join(dataDir, "tenants", schema+".db")
}

// files lists every file under dataDir (relative, sorted) except the catalog's own.
func files(t testing.TB, dataDir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dataDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			return nil
		}
		rel, err := filepath.Rel(dataDir, path)
		if err != nil {
			return err
		}
		if strings.HasPrefix(rel, "catalog.db") || rel == ".catalog.lock" {
			return nil
		}
		out = append(out, rel)
		return nil
	})
	require.NoError(t, err)
	slices.Sort(out)
	return out
}

// filesMentioning lists the files under dataDir whose name contains schema.
func filesMentioning(t testing.TB, dataDir, schema string) []string {
	t.Helper()
	var out []string
	for _, f := range files(t, dataDir) {
		if strings.Contains(filepath.Base(f), schema) {
			out = append(out, f)
		}
	}
	return out
}

// assertNoStaging checks that no half-made school file was left behind.
func assertNoStaging(t testing.TB, dataDir string) {
	t.Helper()
	for _, f := range files(t, dataDir) {
		base := filepath.Base(f)
		assert.Falsef(t, strings.HasSuffix(base, ".db.new") || strings.Contains(base, ".db.new-"),
			"staging file left behind: %s", f)
	}
}

// state is what a command that fails must leave untouched.
type state struct {
	Tenants []jsonTenant
	Files   []string
}

func snapshot(t testing.TB, dataDir string) state {
	t.Helper()
	return state{Tenants: listTenants(t, dataDir), Files: files(t, dataDir)}
}

// withApp opens the data directory the way the CLI does, for checks beneath it.
func withApp(t testing.TB, dataDir string, fn func(ctx context.Context, a *app.App)) {
	t.Helper()
	ctx := context.Background()
	cfg := app.DefaultConfig()
	cfg.DataDir = dataDir
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	defer func() { require.NoError(t, a.Close()) }()
	fn(ctx, a)
}

// profileName reads the school name stored in the school's own file.
func profileName(t testing.TB, dataDir, schema string) string {
	t.Helper()
	var name string
	withApp(t, dataDir, func(ctx context.Context, a *app.App) {
		err := a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
			p, err := tn.Read().GetSchoolProfile(ctx)
			name = p.Name
			return err
		})
		require.NoError(t, err)
	})
	return name
}

func fileExists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
