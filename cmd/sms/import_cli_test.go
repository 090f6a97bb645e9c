package main

import (
	"context"
	"os"
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
