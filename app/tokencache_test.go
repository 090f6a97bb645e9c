package app

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCachedTokenIsRevokedAtOnce: a token in use (so its principal is cached) stops
// working with the very next request after it is revoked, even while other requests
// are using it as the revocation commits; a renamed account shows its new name at once
// and a deactivated one is refused at once.
func TestCachedTokenIsRevokedAtOnce(t *testing.T) {
	w := newAuthWorld(t)
	tok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	for range 3 {
		status, _ := get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+tok)
		require.Equal(t, 200, status)
	}

	admin := w.browser(t, "alpha.localhost", "")
	admin.login("admin@alpha.school")
	status, toks := admin.do("GET", "/api/auth/tokens/", nil)
	require.Equal(t, 200, status)
	results := toks["results"].([]any)
	require.Len(t, results, 1)
	id := ftoa(results[0].(map[string]any)["id"].(float64))

	// Requests with the token run while it is revoked; none that starts after the
	// revocation has answered may get through.
	var revoked atomic.Bool
	var lateOK atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				after := revoked.Load()
				status, _ := get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+tok)
				if after && status != 401 {
					lateOK.Add(1)
				}
			}
		})
	}
	status, _ = admin.do("DELETE", "/api/auth/tokens/"+id+"/", nil, "X-CSRF-Token", admin.csrf)
	require.Equal(t, 204, status)
	revoked.Store(true)
	status, _ = get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+tok)
	assert.Equal(t, 401, status, "the revoked token, right after the revocation")
	close(stop)
	wg.Wait()
	assert.Zero(t, lateOK.Load(), "requests started after the revocation that were let in")

	// A teacher's token in use: renaming shows at once, deactivating refuses at once.
	teacherTok := token(t, w, "alpha.localhost", "", "teacher@alpha.school")
	status, me := get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+teacherTok)
	require.Equal(t, 200, status)
	teacherID := ftoa(me["id"].(float64))
	status, body := admin.do("PATCH", "/api/auth/users/"+teacherID+"/", map[string]any{"name": "Renamed Teacher"}, "X-CSRF-Token", admin.csrf)
	require.Equal(t, 200, status, "%v", body)
	status, me = get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+teacherTok)
	require.Equal(t, 200, status)
	assert.Equal(t, "Renamed Teacher", me["name"])
	status, body = admin.do("DELETE", "/api/auth/users/"+teacherID+"/", nil, "X-CSRF-Token", admin.csrf)
	require.Equal(t, 200, status, "%v", body)
	status, _ = get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+teacherTok)
	assert.Equal(t, 401, status, "the deactivated teacher's token")
}

// TestCachedTokenStaysInItsSchool: a token whose principal is cached for one school is
// still refused by every other school and by the platform, by host and by subfolder.
func TestCachedTokenStaysInItsSchool(t *testing.T) {
	w := newAuthWorld(t)
	tok := token(t, w, "alpha.localhost", "", "admin@alpha.school")
	status, _ := get(t, w.testServer, "alpha.localhost", "/api/auth/me", "Authorization", "Bearer "+tok)
	require.Equal(t, 200, status)
	status, _ = get(t, w.testServer, "localhost", "/t/alpha/api/auth/me", "Authorization", "Bearer "+tok)
	require.Equal(t, 200, status, "the same school by subfolder")

	for _, c := range []struct{ host, path string }{
		{"beta.localhost", "/api/auth/me"},
		{"localhost", "/t/beta/api/auth/me"},
		{"alpha.localhost", "/t/beta/api/auth/me"},
		{"localhost", "/api/auth/me"},
	} {
		status, _ := get(t, w.testServer, c.host, c.path, "Authorization", "Bearer "+tok)
		assert.Equal(t, 401, status, "%s%s", c.host, c.path)
	}
}
