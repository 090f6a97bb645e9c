package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startServeOn runs a quiet `sms serve` over dataDir until the test stops it.
func startServeOn(t *testing.T, dataDir string) *serving {
	t.Helper()
	return startServe(t, map[string]string{"SMS_DATA": dataDir, "SMS_LOG_LEVEL": "error"})
}

// call sends a request to the server with a Host header and decodes a JSON answer.
func (s *serving) call(t *testing.T, method, host, path, token string, body any) (int, map[string]any) {
	t.Helper()
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		require.NoError(t, err)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, "http://"+s.addr+path, r)
	require.NoError(t, err)
	req.Host = host
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 10 * time.Second}).Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var m map[string]any
	json.NewDecoder(resp.Body).Decode(&m)
	return resp.StatusCode, m
}

// TestServeSeesSchoolRecreatedByCLI: while sms serve has a school's file open, the CLI
// deletes the school and creates it again. The server must then serve the new school:
// the old admin's token is refused and the new admin signs in.
func TestServeSeesSchoolRecreatedByCLI(t *testing.T) {
	for _, purge := range []bool{false, true} {
		t.Run(fmt.Sprintf("purge=%v", purge), func(t *testing.T) {
			data := newDataDir(t)
			srv := startServeOn(t, data)
			const pw = "a long passphrase"
			mustRun(t, data, "tenant", "create", "--schema", "redo", "--name", "Redo")
			code, _, errOut := runStdin(t, data, pw+"\n", "user", "create", "--schema", "redo", "--email", "old@redo.test", "--role", "admin", "--password-stdin")
			require.Equal(t, 0, code, errOut)

			status, body := srv.call(t, "POST", "redo.localhost", "/api/auth/token", "", map[string]string{"email": "old@redo.test", "password": pw, "name": "script"})
			require.Equal(t, 201, status, "%v", body)
			oldToken := body["token"].(string)
			status, _ = srv.call(t, "GET", "redo.localhost", "/api/auth/me", oldToken, nil)
			require.Equal(t, 200, status, "the server has the school's file open")

			del := []string{"tenant", "delete", "redo"}
			if purge {
				del = append(del, "--purge")
			}
			mustRun(t, data, del...)
			mustRun(t, data, "tenant", "create", "--schema", "redo", "--name", "Redo Again")
			code, _, errOut = runStdin(t, data, pw+"\n", "user", "create", "--schema", "redo", "--email", "new@redo.test", "--role", "admin", "--password-stdin")
			require.Equal(t, 0, code, errOut)

			// The server learns of changes by other processes within about a second; wait
			// for it, then the old school must be gone for good.
			deadline := time.Now().Add(10 * time.Second)
			for status != 401 && time.Now().Before(deadline) {
				time.Sleep(100 * time.Millisecond)
				status, _ = srv.call(t, "GET", "redo.localhost", "/api/auth/me", oldToken, nil)
			}
			require.Equal(t, 401, status, "the deleted school's token")
			status, body = srv.call(t, "POST", "redo.localhost", "/api/auth/token", "", map[string]string{"email": "new@redo.test", "password": pw, "name": "script"})
			require.Equal(t, 201, status, "the new admin signs in: %v", body)
			status, me := srv.call(t, "GET", "redo.localhost", "/api/auth/me", body["token"].(string), nil)
			assert.Equal(t, 200, status)
			assert.Equal(t, "new@redo.test", me["email"])
			status, _ = srv.call(t, "GET", "redo.localhost", "/api/auth/me", oldToken, nil)
			assert.Equal(t, 401, status)
			status, info := srv.call(t, "GET", "redo.localhost", "/api/tenant", "", nil)
			assert.Equal(t, 200, status)
			assert.Equal(t, "Redo Again", info["name"])
			require.Equal(t, 0, srv.stop())
			assert.NotContains(t, srv.errOut.String(), "level=ERROR")
		})
	}
}
