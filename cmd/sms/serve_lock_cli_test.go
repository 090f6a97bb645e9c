package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecondServeOnOneDataDirFails: two sms serve on one data directory would share the
// JetStream store unlocked; the second one refuses to start, naming the first's pid,
// while the other commands keep working beside the running one.
func TestSecondServeOnOneDataDirFails(t *testing.T) {
	data := newDataDir(t)
	first := startServeOn(t, data)

	// Bounded only so that a second server which does start cannot hang the test.
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := Main(ctx, []string{"serve", "--addr", "127.0.0.1:0"}, Env{Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut,
		Getenv: func(k string) string { return map[string]string{"SMS_DATA": data}[k] }})
	assertFailure(t, 1, code, out.String(), errOut.String(), "in use by another sms serve", fmt.Sprintf("pid %d", os.Getpid()), data)

	lock, err := os.ReadFile(filepath.Join(data, ".serve.lock"))
	require.NoError(t, err)
	assert.Equal(t, fmt.Sprintf("%d\n", os.Getpid()), string(lock), "the lock file names the serving process")

	mustRun(t, data, "tenant", "create", "--schema", "beside", "--name", "Beside")
	assert.Equal(t, []string{"beside"}, schemasOf(listTenants(t, data)), "commands work beside the server")
	status, _ := first.call(t, "GET", "beside.localhost", "/api/tenant", "", nil)
	assert.Equal(t, 200, status, "the first server still serves")

	require.Equal(t, 0, first.stop())
	second := startServeOn(t, data) // the lock went with the first server
	require.Equal(t, 0, second.stop(), second.errOut.String())
}
