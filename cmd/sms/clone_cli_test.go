package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app"
	"github.com/schoolsms/sms/db"
)

// runStdin runs the CLI against dataDir with stdin as standard input.
func runStdin(t testing.TB, dataDir, stdin string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = Main(context.Background(), args, Env{
		Stdin:  strings.NewReader(stdin),
		Stdout: &out,
		Stderr: &errOut,
		Getenv: func(k string) string { return map[string]string{"SMS_DATA": dataDir}[k] },
	})
	return code, out.String(), errOut.String()
}

// userRoles maps each account of a school to its role.
func userRoles(t testing.TB, dataDir, schema string) map[string]string {
	t.Helper()
	out := map[string]string{}
	withApp(t, dataDir, func(ctx context.Context, a *app.App) {
		require.NoError(t, a.Pool.WithTenant(ctx, schema, func(tn *db.Tenant) error {
			rows, err := tn.ReadDB().QueryContext(ctx, `SELECT email, role FROM users`)
			if err != nil {
				return err
			}
			defer rows.Close()
			for rows.Next() {
				var email, role string
				if err := rows.Scan(&email, &role); err != nil {
					return err
				}
				out[email] = role
			}
			return rows.Err()
		}))
	})
	return out
}

func TestTenantCloneAdmin(t *testing.T) {
	t.Parallel()
	data := newDataDir(t)
	mustRun(t, data, "tenant", "create", "--schema", "template", "--name", "Template School")
	code, _, errOut := runStdin(t, data, "template passphrase\n",
		"user", "create", "--schema", "template", "--email", "head@template.test", "--role", "admin", "--password-stdin")
	require.Equal(t, 0, code, errOut)

	t.Run("bad admin input writes nothing", func(t *testing.T) {
		before := snapshot(t, data)
		for _, tc := range []struct {
			name, stdin string
			args        []string
			want        string
		}{
			{"bad email", "a long passphrase\n", args("--admin-email", "not-an-email"), "--admin-email"},
			{"short password", "short\n", args("--admin-email", "head@fresh.test"), "password"},
			{"no password", "", args("--admin-email", "head@fresh.test"), "no password on standard input"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				code, stdout, stderr := runStdin(t, data, tc.stdin,
					append(args("tenant", "clone", "--from", "template", "--schema", "fresh", "--name", "Fresh"), tc.args...)...)
				assertFailure(t, 1, code, stdout, stderr, tc.want)
			})
		}
		assert.Equal(t, before, snapshot(t, data))
		assertNoStaging(t, data)
	})

	code, out, errOut := runStdin(t, data, "a long passphrase\n",
		"tenant", "clone", "--from", "template", "--schema", "fresh", "--name", "Fresh", "--admin-email", "Head@Fresh.test")
	require.Equal(t, 0, code, errOut)
	assert.Empty(t, errOut)
	assert.Equal(t, "cloned template into school \"Fresh\" (fresh) at fresh.localhost\ncreated admin head@fresh.test in fresh\n", out)
	assert.Equal(t, map[string]string{"head@fresh.test": "admin"}, userRoles(t, data, "fresh"),
		"the clone's only account is its new admin; none of the template's come along")
	assert.Equal(t, map[string]string{"head@template.test": "admin"}, userRoles(t, data, "template"))
}
