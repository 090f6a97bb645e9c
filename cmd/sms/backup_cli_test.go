package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
)

var sizePattern = `\(\d+(\.\d)? (B|kB|MB|GB)\)`

func TestBackupCLI(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha Academy")
	mustRun(t, data, "tenant", "create", "--schema", "beta", "--name", "Beta College", "--domain", "beta.example.org")

	t.Run("default place, named after the time", func(t *testing.T) {
		out := mustRun(t, data, "backup")
		assert.Regexp(t, `^backed up the catalog and 2 schools to `+regexp.QuoteMeta(filepath.Join(data, "backups"))+
			`/\d{8}T\d{6}\.\d{3}Z `+sizePattern+"\n$", out)
		dir := strings.Fields(out)[8]
		assert.FileExists(t, filepath.Join(dir, "manifest.json"))
		assert.FileExists(t, filepath.Join(dir, "catalog.db"))
		assert.FileExists(t, filepath.Join(dir, "tenants", "alpha.db"))
		assert.FileExists(t, filepath.Join(dir, "tenants", "beta.db"))
	})

	t.Run("--out and --schema", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "one")
		assert.Regexp(t, `^backed up school beta to `+regexp.QuoteMeta(out)+" "+sizePattern+"\n$",
			mustRun(t, data, "backup", "--out", out, "--schema", "beta"))
		assert.NoFileExists(t, filepath.Join(out, "tenants", "alpha.db"))
	})

	t.Run("bad input is one line and writes nothing", func(t *testing.T) {
		used := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(used, "notes.txt"), []byte("x"), 0o600))
		code, out, errOut := run(t, data, "backup", "--out", used)
		assertFailure(t, 1, code, out, errOut, "backup failed", used, "not empty")
		entries, _ := os.ReadDir(used)
		assert.Len(t, entries, 1)

		code, out, errOut = run(t, data, "backup", "--out", filepath.Join(t.TempDir(), "x"), "--schema", "ghost")
		assertFailure(t, 1, code, out, errOut, `no school with schema "ghost"`)
		code, out, errOut = run(t, data, "backup", "--schema", "alpha")
		assertFailure(t, 2, code, out, errOut, "--schema needs --out")
	})
}

func TestRestoreCLI(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "alpha", "--name", "Alpha Academy")
	mustRun(t, data, "tenant", "create", "--schema", "beta", "--name", "Beta College", "--domain", "beta.example.org")
	dir := filepath.Join(t.TempDir(), "backup")
	mustRun(t, data, "backup", "--out", dir)
	mustRun(t, data, "tenant", "update", "alpha", "--name", "Renamed Since")

	t.Run("existing schools need --force", func(t *testing.T) {
		before := snapshot(t, data)
		code, out, errOut := run(t, data, "restore", "--from", dir)
		assertFailure(t, 1, code, out, errOut, "schools alpha, beta already exist here", "--force")
		assert.Equal(t, before, snapshot(t, data))
	})

	t.Run("one school with --force", func(t *testing.T) {
		out := mustRun(t, data, "restore", "--from", dir, "--schema", "alpha", "--force")
		assert.Regexp(t, `^restored alpha \("Alpha Academy", [^)]+\) from `+regexp.QuoteMeta(dir)+"\n"+
			`  its data from before the restore is kept at `+regexp.QuoteMeta(filepath.Join(data, "archive"))+`/alpha-\S+-before-restore\.db`+"\n$", out)
		assert.Equal(t, "Alpha Academy", showTenant(t, data, "alpha").Name)
		assert.Equal(t, "Alpha Academy", profileName(t, data, "alpha"))
		assert.Len(t, filesMentioning(t, filepath.Join(data, "archive"), "alpha"), 1)
		assertNoStaging(t, data)
	})

	t.Run("everything into a fresh data dir", func(t *testing.T) {
		fresh := newDataDir(t)
		out := mustRun(t, fresh, "restore", "--from", dir)
		assert.Equal(t, "restored the catalog (platform accounts and settings) from "+dir+"\n", strings.SplitAfter(out, "\n")[0])
		assert.Contains(t, out, `restored alpha ("Alpha Academy", `)
		assert.Contains(t, out, `restored beta ("Beta College", `)
		assert.Equal(t, []string{"alpha", "beta"}, schemasOf(listTenants(t, fresh)))
		assert.Equal(t, "beta.example.org", showTenant(t, fresh, "beta").primary())
		assert.Equal(t, "Beta College", profileName(t, fresh, "beta"))
	})

	t.Run("a damaged backup is refused naming the file", func(t *testing.T) {
		damaged := filepath.Join(t.TempDir(), "damaged")
		require.NoError(t, os.CopyFS(damaged, os.DirFS(dir)))
		f, err := os.OpenFile(filepath.Join(damaged, "tenants", "beta.db"), os.O_RDWR, 0)
		require.NoError(t, err)
		_, err = f.WriteAt([]byte{0x42}, 9000)
		require.NoError(t, err)
		f.Close()
		fresh := newDataDir(t)
		before := snapshot(t, fresh)
		code, out, errOut := run(t, fresh, "restore", "--from", damaged)
		assertFailure(t, 1, code, out, errOut, "backup file tenants/beta.db", "does not match its checksum")
		assert.Equal(t, before, snapshot(t, fresh))
	})

	t.Run("bad input", func(t *testing.T) {
		code, out, errOut := run(t, data, "restore")
		assertFailure(t, 2, code, out, errOut, "--from is required")
		code, out, errOut = run(t, data, "restore", "--from", t.TempDir())
		assertFailure(t, 1, code, out, errOut, "has no manifest.json")
		code, out, errOut = run(t, data, "restore", "--from", dir, "--schema", "ghost")
		assertFailure(t, 1, code, out, errOut, `has no school "ghost" (it has: alpha, beta)`)
	})
}

func TestTenantExportImportCLI(t *testing.T) {
	t.Parallel()
	src := newDataDir(t)
	mustRun(t, src, "tenant", "create", "--schema", "alpha", "--name", "Alpha Academy", "--domain", "alpha.example.org")
	file := filepath.Join(t.TempDir(), "alpha.tar.gz")
	out := mustRun(t, src, "tenant", "export", "alpha", file)
	assert.Regexp(t, `^exported alpha to `+regexp.QuoteMeta(file)+" "+sizePattern+`; on the other appliance run: sms tenant import `+regexp.QuoteMeta(file)+"\n$", out)

	dst := newDataDir(t)
	mustRun(t, dst, "tenant", "create", "--schema", "beta", "--name", "Beta")
	out = mustRun(t, dst, "tenant", "import", file)
	assert.Regexp(t, `^imported school "Alpha Academy" \(alpha, [^)]+\) at alpha\.example\.org`+"\n$", out)
	assert.Equal(t, []string{"alpha", "beta"}, schemasOf(listTenants(t, dst)))
	assert.Equal(t, "Alpha Academy", profileName(t, dst, "alpha"))

	before := snapshot(t, dst)
	code, out, errOut := run(t, dst, "tenant", "import", file)
	assertFailure(t, 1, code, out, errOut, `a school with schema "alpha" already exists here; nothing was imported`)
	assert.Equal(t, before, snapshot(t, dst))

	other := newDataDir(t)
	mustRun(t, other, "tenant", "create", "--schema", "gamma", "--name", "Gamma", "--domain", "alpha.example.org")
	before = snapshot(t, other)
	code, out, errOut = run(t, other, "tenant", "import", file)
	assertFailure(t, 1, code, out, errOut, "the domain alpha.example.org of the imported school already belongs to school gamma")
	assert.Equal(t, before, snapshot(t, other))

	code, out, errOut = run(t, src, "tenant", "export", "alpha", file)
	assertFailure(t, 1, code, out, errOut, "already exists")
	code, out, errOut = run(t, src, "tenant", "export", "ghost", filepath.Join(t.TempDir(), "g.tar.gz"))
	assertFailure(t, 1, code, out, errOut, `no school with schema "ghost"`)
	code, out, errOut = run(t, src, "tenant", "export", "alpha")
	assertFailure(t, 2, code, out, errOut, "expected SCHEMA and FILE")
	code, out, errOut = run(t, dst, "tenant", "import", filepath.Join(t.TempDir(), "nothing"))
	assertFailure(t, 1, code, out, errOut, "does not exist")
}

// TestSMSProcess is how tests run sms as a process of its own: the test binary runs
// itself again with this test selected and the command line after "--".
func TestSMSProcess(t *testing.T) {
	if os.Getenv("SMS_TEST_PROCESS") != "1" {
		t.Skip("runs only as the sms process of another test")
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	os.Exit(Main(context.Background(), args, Env{Stdin: os.Stdin, Stdout: os.Stdout, Stderr: os.Stderr, Getenv: os.Getenv}))
}

// runProcess runs sms in a separate process against dataDir.
func runProcess(t *testing.T, dataDir string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"-test.run=^TestSMSProcess$", "--"}, args...)...)
	cmd.Env = []string{"SMS_TEST_PROCESS=1", "SMS_DATA=" + dataDir, "PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"), "TMPDIR=" + os.TempDir()}
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out.String(), errOut.String()
	}
	require.NoError(t, err)
	return 0, out.String(), errOut.String()
}

// TestRestoreBesideRunningServer: sms restore is another process than the sms serve that
// has the school open; the server must serve the restored data, not its old handle's.
func TestRestoreBesideRunningServer(t *testing.T) {
	t.Parallel()
	s := apptest.Start(t)
	data := s.App.Config.DataDir
	s.CreateSchool("alpha", "Alpha Academy")
	c := s.As("alpha", "admin@alpha.test")
	status, _ := c.JSON("POST", "/api/core/subjects/", map[string]any{"code": "MATH", "name": "Mathematics"})
	require.Equal(t, 201, status)
	dir := filepath.Join(t.TempDir(), "backup")
	code, out, errOut := runProcess(t, data, "backup", "--out", dir)
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "backed up the catalog and 1 school to "+dir)

	status, _ = c.JSON("POST", "/api/core/subjects/", map[string]any{"code": "ART", "name": "Art"})
	require.Equal(t, 201, status)
	mustRun(t, data, "tenant", "update", "alpha", "--name", "Renamed Since")
	codes := func() []string {
		status, body := c.JSON("GET", "/api/core/subjects/?ordering=code", nil)
		require.Equal(t, 200, status, "%v", body)
		var out []string
		for _, r := range body["results"].([]any) {
			out = append(out, r.(map[string]any)["code"].(string))
		}
		return out
	}
	require.Equal(t, []string{"ART", "MATH"}, codes(), "the server has alpha's file open")

	code, out, errOut = runProcess(t, data, "restore", "--from", dir, "--schema", "alpha", "--force")
	require.Equal(t, 0, code, errOut)
	require.Contains(t, out, "restored alpha")
	assert.Equal(t, []string{"MATH"}, codes(), "the server serves the restored data")
	status, body := c.JSON("GET", "/api/tenant", nil)
	require.Equal(t, 200, status)
	assert.Equal(t, "Alpha Academy", body["name"])
	assert.Equal(t, "Alpha Academy", body["profile"].(map[string]any)["name"])
	status, _ = c.JSON("POST", "/api/core/subjects/", map[string]any{"code": "GEO", "name": "Geography"})
	require.Equal(t, 201, status, "and writes to it")
	assert.Equal(t, []string{"GEO", "MATH"}, codes())
}

func TestServeBackupFlags(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	code, out, errOut := run(t, data, "serve", "--addr", "127.0.0.1:0", "--backup-keep", "0")
	assertFailure(t, 2, code, out, errOut, "backups to keep must be at least 1")
	code, out, errOut = run(t, data, "serve", "--addr", "127.0.0.1:0", "--backup-every", "soon")
	assertFailure(t, 2, code, out, errOut, "--backup-every")
	code, out, errOut = runEnv(t, map[string]string{"SMS_DATA": data, "SMS_BACKUP_EVERY": "daily"}, "tenant", "list")
	assertFailure(t, 2, code, out, errOut, "SMS_BACKUP_EVERY", "24h")
}
