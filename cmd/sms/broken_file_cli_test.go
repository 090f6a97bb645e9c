package main

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCommandsNeverMakeSchoolsOfEmptyFiles: a school whose file was emptied is reported
// by sms migrate and refused by commands that would write it; none of them turns it into
// a fresh, empty school.
func TestCommandsNeverMakeSchoolsOfEmptyFiles(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "emptied", "--name", "Emptied")
	mustRun(t, data, "tenant", "create", "--schema", "fine", "--name", "Fine")
	path := tenantFile(data, "emptied")
	require.NoError(t, os.Truncate(path, 0))
	before := snapshot(t, data)

	code, out, errOut := run(t, data, "migrate")
	assert.Equal(t, 1, code)
	assert.Contains(t, out, "tenants: 2 total, 0 migrated, 1 up to date, 1 failed ")
	assert.Contains(t, errOut, "emptied: FAILED:")
	assert.Contains(t, errOut, "not a school file")
	assert.NotContains(t, errOut, "fine")

	code, out, errOut = runStdin(t, data, "a long passphrase\n",
		"user", "create", "--schema", "emptied", "--email", "head@emptied.test", "--role", "admin", "--password-stdin")
	assert.Equal(t, 1, code, errOut)
	assert.Empty(t, out)

	code, out, errOut = run(t, data, "tenant", "update", "emptied", "--name", "Renamed")
	assert.Equal(t, 1, code, errOut)
	assert.Empty(t, out)

	code, out, errOut = run(t, data, "tenant", "clone", "--from", "emptied", "--schema", "copy", "--name", "Copy")
	assert.Equal(t, 1, code, errOut)
	assert.Empty(t, out)

	st, err := os.Stat(path)
	require.NoError(t, err)
	assert.Zero(t, st.Size(), "the emptied file is never written")
	assert.Equal(t, before, snapshot(t, data), "no files and no catalog rows changed")
	assertNoStaging(t, data)
}
