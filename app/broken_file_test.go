package app

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/auth"
	"github.com/schoolsms/sms/app/clients"
)

// syncBuffer is a log destination tests read while the server writes to it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// replaceFile puts content where a school's file is, as a crash, a full disk or a
// careless copy would, removing its -wal and -shm.
func replaceFile(t *testing.T, path string, content []byte) {
	t.Helper()
	for _, suffix := range []string{"-wal", "-shm"} {
		os.Remove(path + suffix)
	}
	require.NoError(t, os.WriteFile(path, content, 0o600))
}

// sqliteFile returns the bytes of a SQLite database made by running stmts in a new file.
func sqliteFile(t *testing.T, stmts string) []byte {
	t.Helper()
	path := filepath.Join(t.TempDir(), "x.db")
	conn, err := sql.Open("sqlite", path)
	require.NoError(t, err)
	_, err = conn.Exec(stmts)
	require.NoError(t, err)
	require.NoError(t, conn.Close())
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return b
}

// TestBrokenSchoolFileIsUnavailable: a school whose file is empty, not a SQLite file, or
// not at a version this program made is answered 503 tenant_unavailable and logged, and
// its file is never written: it is not turned into a fresh empty school.
func TestBrokenSchoolFileIsUnavailable(t *testing.T) {
	logs := &syncBuffer{}
	cfg := testConfig(t, t.TempDir(), 4)
	a, err := Open(context.Background(), cfg, slog.New(slog.NewTextHandler(logs, nil)))
	require.NoError(t, err)
	t.Cleanup(func() { a.Close() })
	ctx := context.Background()
	admin := &auth.NewUser{Email: "admin@alpha.school", Password: testPassword}
	_, err = a.Clients.CreateWithAdmin(ctx, clients.CreateRequest{Schema: "alpha", Name: "Alpha", Admin: admin}, auth.Meta{})
	require.NoError(t, err)
	s := startServer(t, a)

	cases := []struct {
		name    string
		content []byte
	}{
		{"empty file", nil},
		{"not a SQLite file", bytes.Repeat([]byte("not a database "), 300)},
		{"SQLite header only", sqliteFile(t, "")[:100]},
		{"SQLite file of something else", sqliteFile(t, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('hello');")},
		{"SQLite file at an unknown version", sqliteFile(t, "CREATE TABLE schema_migrations (version uint64, dirty bool); INSERT INTO schema_migrations VALUES (999, 0);")},
		{"SQLite file half-way through a migration", sqliteFile(t, "CREATE TABLE schema_migrations (version uint64, dirty bool); INSERT INTO schema_migrations VALUES (2, 1);")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			schema := "broken"
			_, err := a.Clients.CreateWithAdmin(ctx, clients.CreateRequest{Schema: schema, Name: "Broken", Admin: &auth.NewUser{Email: "admin@broken.school", Password: testPassword}}, auth.Meta{})
			require.NoError(t, err)
			defer func() {
				_, err := a.Clients.Delete(ctx, schema, true)
				require.NoError(t, err)
			}()
			path := a.Pool.Path(schema)
			replaceFile(t, path, tc.content)

			status, body := get(t, s, "broken.localhost", "/api/tenant")
			assert.Equal(t, 503, status, "%v", body)
			assert.Equal(t, "tenant_unavailable", errorCode(body))
			b := authWorld{s}.browser(t, "broken.localhost", "")
			status, _ = b.do("POST", "/api/auth/login", map[string]string{"email": "admin@broken.school", "password": testPassword})
			assert.Equal(t, 503, status, "signing in")

			got, err := os.ReadFile(path)
			require.NoError(t, err)
			assert.Truef(t, bytes.Equal(tc.content, got), "the file is never written: %d bytes before, %d after", len(tc.content), len(got))
			assert.NoFileExists(t, path+"-wal")

			status, _ = get(t, s, "alpha.localhost", "/api/tenant")
			assert.Equal(t, 200, status, "the other school keeps working")
			assert.Contains(t, logs.String(), "tenant=broken", "the failure is logged with the school")
		})
	}
}
