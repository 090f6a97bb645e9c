package app

import (
	"bytes"
	"context"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
)

func createWithAdmin(t *testing.T, a *App, schema, email string) {
	t.Helper()
	_, err := a.Clients.CreateWithAdmin(context.Background(), clients.CreateRequest{Schema: schema, Name: "Redo School",
		Admin: &auth.NewUser{Email: email, Password: testPassword}}, auth.Meta{})
	require.NoError(t, err)
}

// TestRecreatedSchoolIsNeverServedFromTheOldFile: while a server has a school's file
// open, another process (the CLI) deletes the school and creates a new one under the
// same schema name. The server must serve the new school: the old admin's token is
// refused and the new admin signs in.
func TestRecreatedSchoolIsNeverServedFromTheOldFile(t *testing.T) {
	for _, purge := range []bool{false, true} {
		name := "archived"
		if purge {
			name = "purged"
		}
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			a := openTestApp(t, testConfig(t, dir, 4))
			// Read the catalog generation on every request, so the test needs no waiting:
			// what matters is what the server does once it knows the catalog changed.
			a.Resolver.CheckEvery = 0
			w := authWorld{startServer(t, a)}
			cli := openTestApp(t, testConfig(t, dir, 4)) // another process on the same data dir

			createWithAdmin(t, cli, "redo", "old@redo.school")
			oldToken := token(t, w, "redo.localhost", "", "old@redo.school")
			status, _ := get(t, w.testServer, "redo.localhost", "/api/auth/me", "Authorization", "Bearer "+oldToken)
			require.Equal(t, 200, status, "the server has the first school's file open")

			ctx := context.Background()
			_, err := cli.Clients.Delete(ctx, "redo", purge)
			require.NoError(t, err)
			createWithAdmin(t, cli, "redo", "new@redo.school")

			status, _ = get(t, w.testServer, "redo.localhost", "/api/auth/me", "Authorization", "Bearer "+oldToken)
			assert.Equal(t, 401, status, "the deleted school's token")
			b := w.browser(t, "redo.localhost", "")
			b.login("new@redo.school")
			status, me := b.do("GET", "/api/auth/me", nil)
			assert.Equal(t, 200, status)
			assert.Equal(t, "new@redo.school", me["email"])
			status, _ = b.do("POST", "/api/auth/login", map[string]string{"email": "old@redo.school", "password": testPassword})
			assert.Equal(t, 401, status, "the deleted school's admin")
		})
	}
}

// TestOldIncarnationFileIsUnavailable: the file of a deleted school, put back by hand
// where a new school of the same name keeps its file, is not served and not written.
func TestOldIncarnationFileIsUnavailable(t *testing.T) {
	dir := t.TempDir()
	a := openTestApp(t, testConfig(t, dir, 4))
	ctx := context.Background()
	createWithAdmin(t, a, "redo", "old@redo.school")
	archived, err := a.Clients.Delete(ctx, "redo", false)
	require.NoError(t, err)
	require.NotEmpty(t, archived)
	createWithAdmin(t, a, "redo", "new@redo.school")

	old, err := os.ReadFile(archived)
	require.NoError(t, err)
	path := a.Pool.Path("redo")
	replaceFile(t, path, old)
	w := authWorld{startServer(t, a)}

	status, body := get(t, w.testServer, "redo.localhost", "/api/tenant")
	assert.Equal(t, 503, status, "%v", body)
	assert.Equal(t, "tenant_unavailable", errorCode(body))
	b := w.browser(t, "redo.localhost", "")
	status, _ = b.do("POST", "/api/auth/login", map[string]string{"email": "old@redo.school", "password": testPassword})
	assert.Equal(t, 503, status, "the old school's admin cannot sign in to it")

	got, err := os.ReadFile(path)
	require.NoError(t, err)
	assert.True(t, bytes.Equal(old, got), "the file is never written")
}
