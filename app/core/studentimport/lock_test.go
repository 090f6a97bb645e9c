package studentimport_test

import (
	"context"
	"database/sql"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/schoolsms/sms/app/apptest"
)

// holdWriteLock takes a school's write lock from a connection of its own, as another
// process (an `sms import` on the same data directory) would, and returns the function
// that lets it go.
func holdWriteLock(t *testing.T, s *apptest.Server, schema string) func() {
	t.Helper()
	path := filepath.Join(s.App.Config.DataDir, "tenants", schema+".db")
	other, err := sql.Open("sqlite", "file:"+path+"?mode=rw&_pragma=busy_timeout(10000)")
	require.NoError(t, err)
	conn, err := other.Conn(context.Background())
	require.NoError(t, err)
	_, err = conn.ExecContext(context.Background(), "BEGIN IMMEDIATE")
	require.NoError(t, err)
	released := false
	release := func() {
		if released {
			return
		}
		released = true
		conn.ExecContext(context.Background(), "ROLLBACK")
		conn.Close()
		other.Close()
	}
	t.Cleanup(release)
	return release
}

// TestWritesWhileAnotherProcessHoldsTheLock: while another process holds a school's
// write lock for longer than a writer waits, a write answers 503 busy with Retry-After
// (API and pages alike), never 500, and writes nothing; once the lock is free the same
// write works.
func TestWritesWhileAnotherProcessHoldsTheLock(t *testing.T) {
	s := apptest.Start(t)
	school(t, s, "alpha")
	api := s.As("alpha", "admin@alpha.test")
	browser := s.Client("alpha.localhost", "")
	browser.Login("admin@alpha.test")
	students0, audit0 := s.Count("alpha", "students"), s.Count("alpha", "audit_log")

	release := holdWriteLock(t, s, "alpha")
	student := `{"first_name":"Ana","last_name":"Banda","gender":"female"}`
	status, h, raw := api.Do("POST", "/api/core/students/", "application/json", strings.NewReader(student))
	assert.Equal(t, 503, status, string(raw))
	assert.Contains(t, string(raw), `"code":"busy"`)
	assert.Equal(t, "2", h.Get("Retry-After"))

	status, h, raw = api.Do("POST", "/api/core/students/import/", "text/csv", strings.NewReader(goodCSV))
	assert.Equal(t, 503, status, string(raw))
	assert.Contains(t, string(raw), `"code":"busy"`)
	assert.Equal(t, "2", h.Get("Retry-After"))

	form := url.Values{"first_name": {"Ben"}, "last_name": {"Chola"}, "gender": {"male"}}.Encode()
	status, h, raw = browser.Do("POST", "/students/new", "application/x-www-form-urlencoded", strings.NewReader(form))
	assert.Equal(t, 503, status)
	assert.Contains(t, string(raw), "busy with a long change")
	assert.Equal(t, "2", h.Get("Retry-After"))

	release()
	assert.Equal(t, students0, s.Count("alpha", "students"), "nothing was written")
	assert.Equal(t, audit0, s.Count("alpha", "audit_log"))
	status, _, raw = api.Do("POST", "/api/core/students/", "application/json", strings.NewReader(student))
	assert.Equal(t, 201, status, string(raw))
	status, _, raw = browser.Do("POST", "/students/new", "application/x-www-form-urlencoded", strings.NewReader(form))
	assert.Equal(t, 200, status)
	assert.Contains(t, string(raw), "The student was created", "the form went through to the new student's page")
}
