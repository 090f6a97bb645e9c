package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/db"
)

func countStudents(t *testing.T, dataDir, schema string) int {
	t.Helper()
	n := -1
	withApp(t, dataDir, func(ctx context.Context, a *app.App) {
		require.NoError(t, a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
			return tn.ReadDB().QueryRowContext(ctx, "SELECT count(*) FROM students").Scan(&n)
		}))
	})
	return n
}

func TestImportStudentsCommand(t *testing.T) {
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "lake", "--name", "Lake School")
	good := filepath.Join(t.TempDir(), "students.csv")
	require.NoError(t, os.WriteFile(good, []byte("\ufeffadm no;first name;surname;sex;dob\nL/1;Ana;Banda;F;07/03/2012\nL/2;Ben;Chola;M;2011-11-30\n"), 0o600))

	out := mustRun(t, data, "import", "students", "--schema", "lake", good, "--dry-run")
	assert.Equal(t, "dry run: 2 student(s) would be created and 0 updated; nothing was written\n", out)
	assert.Equal(t, 0, countStudents(t, data, "lake"))

	out = mustRun(t, data, "import", "students", "--schema", "lake", good)
	assert.Contains(t, out, "2 student(s) created, 0 updated")
	assert.Equal(t, 2, countStudents(t, data, "lake"))

	bad := filepath.Join(t.TempDir(), "bad.csv")
	require.NoError(t, os.WriteFile(bad, []byte("first_name,last_name,gender\nCleo,Dube,F\nDan,,Q\n"), 0o600))
	code, stdout, stderr := run(t, data, "import", "students", "--schema", "lake", bad)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "row 3, column last_name")
	assert.Contains(t, stderr, "row 3, column gender")
	assert.True(t, strings.HasSuffix(stderr, "sms: 2 problem(s) in "+bad+"; nothing was imported\n"), stderr)
	assert.Equal(t, 2, countStudents(t, data, "lake"), "nothing was written")

	code, stdout, stderr = run(t, data, "import", "students", "--schema", "nope", good)
	assertFailure(t, 1, code, stdout, stderr, `no school with schema "nope"`)
	code, stdout, stderr = run(t, data, "import", "students", "--schema", "lake", filepath.Join(t.TempDir(), "missing.csv"))
	assertFailure(t, 1, code, stdout, stderr, "missing.csv")
	code, stdout, stderr = run(t, data, "import", "students", good)
	assertFailure(t, 2, code, stdout, stderr, "--schema is required")
}

// TestImportStudentsOnAFullDisk: on a data directory whose filesystem fills up during
// an import, `sms import students` says the disk is full, in SQLite's words too, and the
// school is as it was. Needs a small real filesystem: a tmpfs mounted as root.
func TestImportStudentsOnAFullDisk(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	require.NoError(t, os.MkdirAll(data, 0o700))
	if err := exec.Command("mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", data).Run(); err != nil {
		t.Skipf("a small filesystem cannot be mounted here (needs root): %v", err)
	}
	t.Cleanup(func() { exec.Command("umount", data).Run() })
	mustRun(t, data, "tenant", "create", "--schema", "lake", "--name", "Lake School")

	var csv strings.Builder
	csv.WriteString("admission_no,first_name,last_name,gender,guardian_name,guardian_phone\n")
	for i := range 20000 {
		fmt.Fprintf(&csv, "L/%05d,First%d,%s,F,Parent %d,+2547%08d\n", i, i, strings.Repeat("Long", 20), i, 10000000+i)
	}
	file := filepath.Join(t.TempDir(), "students.csv")
	require.NoError(t, os.WriteFile(file, []byte(csv.String()), 0o600))

	code, stdout, stderr := run(t, data, "import", "students", "--schema", "lake", file)
	t.Logf("stderr: %s", stderr)
	assert.Equal(t, 1, code)
	assert.Empty(t, stdout)
	assert.Contains(t, stderr, "disk is full")
	assert.Contains(t, stderr, "database or disk is full", "SQLite's own words")
	assert.NotContains(t, stderr, "savepoint")
	assert.Equal(t, 0, countStudents(t, data, "lake"), "nothing of the import was written")
}
