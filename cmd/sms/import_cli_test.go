package main

import (
	"context"
	"database/sql"
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
	"github.com/schoolsms/sms/db/tenantdb"
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

// TestImportStudentsReportsEveryProblemInOnePass: `sms import students` lists every
// problem of a file at once, as the web import does: those of the file itself (a date
// that does not exist, an empty name) with those the school finds (an admission number
// twice in the file, an unknown class, a bad phone) and one line per class without room
// for its rows. It exits non-zero and writes nothing, dry run or not.
func TestImportStudentsReportsEveryProblemInOnePass(t *testing.T) {
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "lake", "--name", "Lake School", "--country", "KE")
	withApp(t, data, func(ctx context.Context, a *app.App) {
		require.NoError(t, a.Pool.WithTenant(ctx, "lake", func(tn *db.Tenant) error {
			return tn.Tx(ctx, func(_ *tenantdb.Queries, tx *sql.Tx) error {
				_, err := tx.ExecContext(ctx, `
				INSERT INTO academic_sessions (id, name, start_date, end_date, is_current) VALUES (1, '2026', '2026-01-05', '2026-11-27', 1);
				INSERT INTO forms (id, name, level) VALUES (1, 'Form 1', 1), (2, 'Form 2', 2);
				INSERT INTO classes (form_id, session_id, name, capacity) VALUES (1, 1, 'Form 1A', NULL), (2, 1, 'Form 2A', 3), (2, 1, 'Form 2B', 2);`)
				return err
			})
		}))
	})
	var b strings.Builder
	b.WriteString("admission_no,first_name,last_name,gender,date_of_birth,class,guardian_name,guardian_phone\n")
	b.WriteString("P/1,Ana,Banda,F,31/02/2012,Form 1A,,\n")            // row 2: no such date
	b.WriteString("P/2,,Chola,M,,Form 1A,,\n")                         // row 3: empty first name
	b.WriteString("P/4,Cleo,Dube,F,,Form 1A,,\n")                      // row 4
	b.WriteString("P/4,Dan,Dube,M,,Form 1A,,\n")                       // row 5: P/4 again
	b.WriteString("P/6,Eve,Fula,F,,Form 9Z,,\n")                       // row 6: no such class
	b.WriteString("P/7,Fay,Gama,F,,Form 1A,Gina Gama,call me maybe\n") // row 7: not a phone
	for i := range 5 {                                                 // rows 8-12: 5 into Form 2A, which holds 3
		fmt.Fprintf(&b, "Q/%d,Kid,Number%d,F,,Form 2A,,\n", i, i)
	}
	for i := range 3 { // rows 13-15: 3 into Form 2B, which holds 2
		fmt.Fprintf(&b, "R/%d,Kid,Other%d,M,,Form 2B,,\n", i, i)
	}
	file := filepath.Join(t.TempDir(), "students.csv")
	require.NoError(t, os.WriteFile(file, []byte(b.String()), 0o600))

	for _, dry := range []bool{true, false} {
		args := []string{"import", "students", "--schema", "lake", file}
		if dry {
			args = append(args, "--dry-run")
		}
		code, stdout, stderr := runProcess(t, data, args...)
		assert.Equal(t, 1, code, "dry run %v", dry)
		assert.Empty(t, stdout)
		lines := strings.Split(strings.TrimSuffix(stderr, "\n"), "\n")
		require.Len(t, lines, 8, "dry run %v: %s", dry, stderr)
		assert.True(t, strings.HasPrefix(lines[0], "row 2, column date_of_birth: "), lines[0])
		assert.True(t, strings.HasPrefix(lines[1], "row 3, column first_name: "), lines[1])
		assert.True(t, strings.HasPrefix(lines[2], "row 5, column admission_no: "), lines[2])
		assert.Contains(t, lines[2], "row 4")
		assert.True(t, strings.HasPrefix(lines[3], "row 6, column class: "), lines[3])
		assert.Contains(t, lines[3], "Form 9Z")
		assert.True(t, strings.HasPrefix(lines[4], "row 7, column guardian_phone: "), lines[4])
		assert.Equal(t, []string{"class Form 2A: 2 more places needed; it holds 3", "class Form 2B: 1 more place needed; it holds 2"},
			lines[5:7], "one line per class without room")
		assert.Equal(t, "sms: 7 problem(s) in "+file+"; nothing was imported", lines[7])
		assert.Equal(t, 0, countStudents(t, data, "lake"), "nothing was written")
	}
}
