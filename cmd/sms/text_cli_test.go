package main

import (
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// rawControl reports whether out holds anything a terminal would act on rather than show:
// C0/C1 controls other than the newlines between lines, and bidi controls.
func rawControl(out string) bool {
	return strings.ContainsFunc(out, func(r rune) bool {
		return r < 0x20 && r != '\n' || r >= 0x7f && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
	})
}

func TestTenantNamesNeverDriveTheTerminal(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)

	for _, name := range []string{"Evil\x1b[2J", "Bell\a", "Nul\x00", "abc\u202edcba", "\u2066Isolated", "Two\nLines", "C1\u009b31m"} {
		code, out, errOut := run(t, data, "tenant", "create", "--schema", "evil", "--name", name)
		assert.NotEqual(t, 0, code, "%q was accepted", name)
		assert.Contains(t, errOut, "name", "%q: the error names the field", name)
		assert.False(t, rawControl(out+errOut), "%q: the refusal itself prints no raw control characters: %q", name, errOut)
	}
	mustRun(t, data, "tenant", "create", "--schema", "fine", "--name", "Fine School")
	code, _, errOut := run(t, data, "tenant", "update", "fine", "--name", "Renamed\x1b]0;pwned\a")
	assert.NotEqual(t, 0, code)
	assert.Contains(t, errOut, "name")
	assert.Equal(t, []string{"fine"}, schemasOf(listTenants(t, data)), "nothing was created")
	assert.Equal(t, "Fine School", showTenant(t, data, "fine").Name, "nothing was renamed")

	// A name stored before the check existed is printed escaped.
	db, err := sql.Open("sqlite", filepath.Join(data, "catalog.db"))
	require.NoError(t, err)
	_, err = db.Exec("UPDATE tenants SET name = ? WHERE schema_name = 'fine'", "Old\x1b[2J\a\u202eloohcS")
	require.NoError(t, err)
	require.NoError(t, db.Close())

	list := mustRun(t, data, "tenant", "list")
	assert.False(t, rawControl(list), "tenant list: %q", list)
	assert.Contains(t, list, `Old\x1b[2J\x07\u202eloohcS`)
	show := mustRun(t, data, "tenant", "show", "fine")
	assert.False(t, rawControl(show), "tenant show: %q", show)
	assert.Regexp(t, `(?m)^name:\s+Old\\x1b\[2J\\x07\\u202eloohcS$`, show)
	assert.Equal(t, "Old\x1b[2J\a\u202eloohcS", showTenant(t, data, "fine").Name, "--json keeps the stored value (escaped as JSON)")
}
